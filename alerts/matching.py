"""Matching: which articles stored since a watch last looked does it match? Through db.search, so
a watch's query behaves exactly as `chipwatch search` does."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from typing import Any

from sqlite_utils import Database

from alerts.store import now_iso
from alerts.watches import Watch, list_watches
from db.search import MAX_LIMIT, Filters, Hit, SearchError, search

logger = logging.getLogger(__name__)

CHUNK = MAX_LIMIT  # article ids per search: a chunk can never hold more hits than the search limit


@dataclass
class MatchReport:
    new: dict[str, int] = field(default_factory=dict)  # watch name → new (watch, article) matches
    problems: list[str] = field(default_factory=list)


def ready_until(db: Database, watch: Watch) -> int:
    """The highest article id the watch can be matched up to now.

    A watch with an entity, event or listed-party filter waits for the NLP stage: an article
    not yet processed has no mentions or events, and passing it by would lose its alert.
    """
    top = db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    if not watch.has_filter:
        return top
    waiting = db.execute(
        "SELECT min(id) FROM articles WHERE id > ? AND id NOT IN (SELECT article_id FROM article_analysis)", [watch.last_article_id]
    ).fetchone()[0]
    return top if waiting is None else min(top, waiting - 1)


def watch_filters(watch: Watch, **window: Any) -> Filters:
    """The watch's filters as a search's, with the limit and id window of this look."""
    return Filters(lang=watch.lang, entity_id=watch.entity_id, event=watch.event, listed=watch.listed_only, **window)


def find_matches(db: Database, watch: Watch, after_id: int, until_id: int) -> list[Hit]:
    """Every article with an id in (after_id, until_id] the watch matches (republished copies left out)."""
    hits: list[Hit] = []
    for low in range(after_id, until_id, CHUNK):
        hits += search(db, watch.query, watch_filters(watch, limit=MAX_LIMIT, after_id=low, until_id=min(low + CHUNK, until_id)))
    return hits


def match_watches(db: Database, adb: Database, now: dt.datetime | None = None, names: list[str] | None = None) -> MatchReport:
    """Queue each watch's new matches in the outbox, one row per recipient, and move its mark on.

    Each watch is one transaction: the rows and the new mark are stored together, so a crash
    never skips articles, and the outbox's unique key means none is queued twice.
    """
    report = MatchReport()
    stamp = now_iso(now)
    for watch in list_watches(adb):
        if names is not None and watch.name not in names:
            continue
        until = ready_until(db, watch)
        if until <= watch.last_article_id:
            report.new[watch.name] = 0
            continue
        try:
            hits = find_matches(db, watch, watch.last_article_id, until)
        except SearchError as exc:  # e.g. a database from before the search index
            report.problems.append(f"watch {watch.name}: {exc}")
            continue
        rows = [
            (watch.id, hit.id, address, hit.title, hit.url, hit.published_at, hit.lang, hit.source, hit.snippet, stamp)
            for hit in hits
            for address in watch.recipients
        ]
        with adb.conn:
            cursor = adb.conn.executemany(
                "INSERT OR IGNORE INTO outbox (watch_id, article_id, address, title, url, published_at, lang, source, snippet, matched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            adb.execute("UPDATE watches SET last_article_id = ? WHERE id = ?", [until, watch.id])
        report.new[watch.name] = len(hits)
        logger.info("watch %s: %d new matches (%d outbox rows) in articles %d..%d", watch.name, len(hits), cursor.rowcount, watch.last_article_id + 1, until)
    return report


def preview(db: Database, watch: Watch, limit: int = 20) -> tuple[list[Hit], int]:
    """What the watch matches now: its latest matches overall, and how many are new (not yet queued)."""
    latest = search(db, watch.query, watch_filters(watch, limit=limit))
    new = find_matches(db, watch, watch.last_article_id, ready_until(db, watch))
    return latest, len(new)
