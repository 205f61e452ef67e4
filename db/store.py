"""Save articles (core.records.ArticleRecord), crawl runs and failures. Pure storage: no network, no knowledge of stages."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import struct
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from core.records import ArticleRecord, now_utc
from core.sites import same_site
from core.urls import normalize_url
from db import banners, copies, dedup, sanctions, search
from db.migrations import migrations

logger = logging.getLogger(__name__)

DEFAULT_DB = "chipwatch.db"
BUSY_TIMEOUT_MS = 10_000


class StoreError(RuntimeError):
    """A database problem worth one clear line to the user."""


@dataclass
class SaveResult:
    stored: list[int] = field(default_factory=list)  # ids of new articles
    known: int = 0  # already stored under one of their URLs
    duplicates: int = 0  # new articles linked to an earlier copy

    def add(self, other: SaveResult) -> None:
        self.stored += other.stored
        self.known += other.known
        self.duplicates += other.duplicates


def default_db_path() -> str:
    """The database file: $CHIPWATCH_DB, else ./chipwatch.db."""
    return os.environ.get("CHIPWATCH_DB") or DEFAULT_DB


def connect(path: Path) -> Database:
    """A connection as every chipwatch database wants it: waits for a writer, WAL, foreign keys."""
    db = Database(path)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    return db


def open_db(path: str | Path | None = None) -> Database:
    """Open (creating if needed) the database in WAL mode, with the schema up to date."""
    path = Path(path or default_db_path())
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = connect(path)
        ensure_db_shape(db)
    except Exception as exc:  # sqlite3 errors carry no file name; give the user one line with it
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    return db


def open_db_for_reading(path: str | Path | None = None) -> Database:
    """For commands that only read (search, lists show, report): the usual connection when the
    file can be written, else a read-only one, so that a database on a read-only file system,
    a read-only mount or a copied snapshot can still be searched.

    Read-only connections cannot apply migrations: a database whose schema is older than this
    chipwatch is refused with one line. A WAL database needs its -shm file; where that cannot be
    created the file is opened as immutable, which is right only when no -wal file holds newer
    commits, so a non-empty -wal without -shm is refused too.
    """
    path = Path(path or default_db_path())
    try:
        return open_db(path)
    except StoreError as exc:
        if not _read_only(exc.__cause__):
            raise
    wal = path.with_name(path.name + "-wal")
    uris = [f"file:{path}?mode=ro"] + ([] if wal.exists() and wal.stat().st_size else [f"file:{path}?immutable=1"])
    for uri in uris:
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as error:
            last = error
            continue
        db = Database(conn)
        if migrations.pending(db):
            db.close()
            raise StoreError(f"cannot open database {path}: it is read-only and its schema is older than this chipwatch (open it once where it can be written)")
        return db
    raise StoreError(f"cannot open database {path} read-only: {last}")


def _read_only(error: BaseException | None) -> bool:
    """Whether opening failed because the file or its folder cannot be written."""
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError | OSError) and ("readonly" in text or "read-only" in text or "unable to open" in text)


def ensure_db_shape(db: Database) -> None:
    """Apply pending migrations and refresh the built-in starter list when the shipped file changed; idempotent."""
    migrations.apply(db)
    sanctions.ensure_starter_list(db)


def content_hash(text: str) -> str:
    """sha256 of the text with whitespace runs collapsed."""
    return hashlib.sha256(re.sub(r"\s+", " ", text).strip().encode("utf-8")).hexdigest()


def known_urls(db: Database, urls: Iterable[str]) -> set[str]:
    """Those of the (normalised) URLs that already lead to a stored story."""
    keys = list({normalize_url(u) for u in urls})
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in db.execute(f"SELECT url FROM article_urls WHERE url IN ({marks})", chunk))
    return found


def is_known_url(db: Database, url: str) -> bool:
    return bool(known_urls(db, [url]))


def save_articles(db: Database, records: Iterable[ArticleRecord], crawl_run_id: int | None = None) -> SaveResult:
    """Store a batch in one transaction: new stories inserted, known URLs skipped, copies linked."""
    result = SaveResult()
    with db.atomic():
        for record in records:
            _save_one(db, record, crawl_run_id, result)
    return result


def _save_one(db: Database, record: ArticleRecord, crawl_run_id: int | None, result: SaveResult) -> None:
    url = normalize_url(record.url)
    aliases = _own_urls(record)
    existing = db.execute(
        f"SELECT article_id FROM article_urls WHERE url IN ({','.join('?' * len(aliases))}) LIMIT 1", list(aliases)
    ).fetchone()
    if existing:
        _add_aliases(db, aliases, existing[0])
        result.known += 1
        return

    cut = banners.cut(record.text)
    sketch = _sketch(record.minhash, cut.text)
    keys = dedup.band_keys(sketch)
    original = copies.find_story(db, sketch, keys)
    canonical = normalize_url(record.canonical_url) if record.canonical_url else None
    row: dict[str, Any] = {
        "url": url,
        "canonical_url": canonical,
        "source": record.source,
        "lang": record.lang,
        "title": record.title,
        "text": cut.text,
        "authors": json.dumps(list(record.authors), ensure_ascii=False),
        "published_at": record.published_at,
        "fetched_at": record.fetched_at or now_utc(),
        "content_hash": content_hash(cut.text),
        "encoding": record.encoding,
        "encoding_replaced": record.encoding_replaced,
        "content_type": record.content_type,
        "raw_html": zlib.compress(record.raw_html) if record.raw_html is not None else None,
        "duplicate_of": original,
        "crawl_run_id": crawl_run_id,
        "banner": "\n".join(cut.banners) or None,
    }
    # A plain INSERT: sqlite-utils' insert() re-reads the table's schema on every call.
    article_id = db.execute(
        f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
    ).lastrowid
    search.index_articles(db, [{"id": article_id, **row}])
    if original is not None:
        host = copies.host_of(url)
        newcomer = copies.Claimant(
            urls=frozenset(aliases), host=host, declared_copy=canonical is not None and canonical not in aliases,
            banner=bool(cut.banners), published_at=record.published_at,
        )
        copies.resolve(db, article_id, newcomer, original)
    _add_aliases(db, aliases, article_id)
    db.conn.executemany("INSERT INTO article_bands (key, article_id) VALUES (?, ?)", [(k, article_id) for k in set(keys)])
    if sketch is not None:
        db.execute("INSERT INTO article_sketches (article_id, sketch) VALUES (?, ?)", [article_id, sketch.to_bytes()])
    result.stored.append(article_id)
    if original is not None:
        result.duplicates += 1


def _own_urls(record: ArticleRecord) -> set[str]:
    """The normalised URLs that lead to this article: where it was asked for, where redirects
    ended, and its canonical URL when that is on the same site (registered domain, core.sites). A canonical URL on another
    host is recorded (articles.canonical_url) but not trusted: were it a known URL, a page on any
    site could stop chipwatch from ever storing the page it names."""
    urls = {normalize_url(u) for u in (record.url, record.final_url) if u}
    if record.canonical_url:
        canonical = normalize_url(record.canonical_url)
        if any(same_site(canonical, u) for u in urls):
            urls.add(canonical)
    return urls


def _sketch(given: bytes | None, text: str) -> dedup.Sketch | None:
    """The sketch the crawler computed beside the extraction (same text, same sketch: it cuts the
    banner itself), else one computed here."""
    if given:
        try:
            return dedup.Sketch.from_bytes(given)
        except (ValueError, struct.error):
            logger.debug("ignoring a malformed sketch; computing it again")
    return dedup.sketch(text)


def _add_aliases(db: Database, aliases: Iterable[str], article_id: int) -> None:
    for alias in aliases:
        db.execute("INSERT OR IGNORE INTO article_urls (url, article_id) VALUES (?, ?)", [alias, article_id])


def start_crawl_run(db: Database, sources: Iterable[str]) -> int:
    with db.atomic():
        return db.table("crawl_runs").insert({"started_at": now_utc(), "sources": json.dumps(list(sources))}).last_pk


def close_interrupted_runs(db: Database) -> int:
    """Mark crawl runs that never finished (their process was killed) as interrupted; returns how many.

    Call only while holding the run lock: a run without finished_at is then not running.
    """
    with db.atomic():
        return db.execute(
            "UPDATE crawl_runs SET status = 'interrupted', finished_at = ? WHERE finished_at IS NULL", [now_utc()]
        ).rowcount


def finish_crawl_run(
    db: Database, run_id: int, *, status: str, finish_reason: str | None, counts: Mapping[str, int], stats: Mapping
) -> None:
    """Close a crawl run with its outcome, counts and Scrapy stats."""
    with db.atomic():
        db.table("crawl_runs").update(
            run_id,
            {
                "finished_at": now_utc(),
                "status": status,
                "finish_reason": finish_reason,
                "stats": json.dumps(stats, default=str, ensure_ascii=False, sort_keys=True),
                **counts,
            },
        )


def raw_html(db: Database, article_id: int) -> bytes | None:
    """The page bytes as served, decompressed."""
    row = db.execute("SELECT raw_html FROM articles WHERE id = ?", [article_id]).fetchone()
    return zlib.decompress(row[0]) if row and row[0] is not None else None
