"""Stories and their copies: which stored story a new article is a copy of, and which of the two
is the original.

Every copy of a story points at one article, the story's original (`articles.duplicate_of`;
NULL on the original itself). Crawl order says nothing about who was first: an aggregator's copy
is often fetched before the page it copied. So whenever a new copy arrives, it is weighed against
the story's current original and takes its place when it is the better claimant:

1. a copy names the newcomer's own URL as its canonical URL (rel=canonical / og:url), on the
   newcomer's host: the copy says where the story comes from (and a newcomer whose canonical
   URL is on another host says it is a copy: it never takes the story's place);
2. the current original carries an aggregator banner ("本文由…转载", db/banners.py) and the
   newcomer does not;
3. both publication dates are known and the newcomer's is earlier.

Otherwise the story stays with the article that was stored first. The lookup costs the same at
any corpus size: each LSH band key reads at most PER_KEY_LIMIT of its newest articles, at most
MAX_CANDIDATES of them (those sharing the most bands) are verified, and verifying reads the two
stored sketches only (db/dedup.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlite_utils import Database

from db import dedup

PER_KEY_LIMIT = 32  # newest articles read per band key: a boilerplate key cannot make a lookup long
MAX_CANDIDATES = 24  # candidates verified per new article, those sharing the most band keys first
CLUSTER_LIMIT = 200  # copies of one story whose canonical URLs are read when an article joins it


def find_story(db: Database, sketch: dedup.Sketch | None, keys: list[int]) -> int | None:
    """The original of the story this sketch is a near-copy of, if any."""
    if sketch is None or not keys:
        return None
    shared: Counter[int] = Counter()
    for (article_id,) in db.execute(_candidates_sql(len(keys)), keys):
        shared[article_id] += 1
    if not shared:
        return None
    ranked = [a for a, _ in sorted(shared.items(), key=lambda item: (-item[1], -item[0]))[:MAX_CANDIDATES]]
    stored = dict(db.execute(f"SELECT article_id, sketch FROM article_sketches WHERE article_id IN ({','.join('?' * len(ranked))})", ranked))
    for article_id in ranked:
        blob = stored.get(article_id)
        if blob is not None and dedup.is_near_duplicate(sketch, dedup.Sketch.from_bytes(blob)):
            original = db.execute("SELECT duplicate_of FROM articles WHERE id = ?", [article_id]).fetchone()[0]
            return original or article_id
    return None


def _candidates_sql(count: int) -> str:
    one = f"SELECT article_id FROM (SELECT article_id FROM article_bands WHERE key = ? ORDER BY article_id DESC LIMIT {PER_KEY_LIMIT})"
    return " UNION ALL ".join([one] * count)


@dataclass(frozen=True)
class Claimant:
    """What decides who is a story's original: the article's addresses, banner and date."""

    urls: frozenset[str]  # normalised URLs that lead to it
    host: str
    declared_copy: bool  # its canonical URL is on another host: it says it copies that page
    banner: bool
    published_at: str | None


def resolve(db: Database, new_id: int, newcomer: Claimant, original: int) -> int:
    """Link the new article `new_id` into the story of `original`; returns the story's original now."""
    if _wins(db, new_id, newcomer, original):
        db.execute("UPDATE articles SET duplicate_of = NULL WHERE id = ?", [new_id])
        db.execute("UPDATE articles SET duplicate_of = ? WHERE id = ? OR duplicate_of = ?", [new_id, original, original])
        return new_id
    return original


def _wins(db: Database, new_id: int, newcomer: Claimant, original: int) -> bool:
    if newcomer.declared_copy:
        return False
    members = db.execute(
        f"SELECT canonical_url FROM articles WHERE (id = ? OR duplicate_of = ?) AND id != ? AND canonical_url IS NOT NULL LIMIT {CLUSTER_LIMIT}",
        [original, original, new_id],
    ).fetchall()
    if any(url in newcomer.urls and same_host(url, newcomer.host) for (url,) in members):
        return True
    banner, published_at = db.execute("SELECT banner IS NOT NULL, published_at FROM articles WHERE id = ?", [original]).fetchone()
    if bool(banner) != newcomer.banner:
        return bool(banner)
    mine, theirs = _utc(newcomer.published_at), _utc(published_at)
    return mine is not None and theirs is not None and mine < theirs


def host_of(url: str | None) -> str:
    """The host a URL is on, lower-cased, without a leading www. (port kept when given)."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}:{parts.port}" if parts.port else host


def same_host(url: str | None, host: str) -> bool:
    return bool(host) and host_of(url) == host


def _utc(iso: str | None) -> dt.datetime | None:
    """An ISO-8601 date or datetime as an aware datetime (UTC when no zone is given); None if unreadable."""
    try:
        when = dt.datetime.fromisoformat((iso or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
