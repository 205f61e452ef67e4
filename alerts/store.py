"""The alerts database: watches, their recipients and the outbox, in a file of its own beside the main one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from db.store import StoreError, connect

migrations = Migrations("chipwatch_alerts")


def alerts_db_path(db_path: str | Path) -> Path:
    """chipwatch.db → chipwatch.alerts.db, in the same folder."""
    path = Path(db_path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}.alerts{path.suffix or '.db'}")


def outbox_dir(db_path: str | Path) -> Path:
    """Where emails are written as .eml files when no SMTP host is set: chipwatch.db → chipwatch.outbox/."""
    path = Path(db_path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}.outbox")


def open_alerts_db(db_path: str | Path) -> Database:
    """Open (creating if needed) the alerts database that belongs to the main database db_path."""
    path = alerts_db_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        adb = connect(path)
        migrations.apply(adb)
    except Exception as exc:  # sqlite3 errors carry no file name
        raise StoreError(f"cannot open alerts database {path}: {exc}") from exc
    return adb


def now_iso(now: dt.datetime | None = None) -> str:
    """UTC, second precision, sortable as text."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@migrations()
def m001_watches_outbox(adb: Database) -> None:
    adb.execute(
        """
        CREATE TABLE watches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,     -- never reused, so a new watch of an old name starts afresh
            name TEXT NOT NULL UNIQUE,
            query TEXT NOT NULL DEFAULT '',           -- chipwatch search syntax; '' when a filter is given
            lang TEXT,                                -- en | zh | zh-Hant
            entity_id TEXT,                           -- knowledge-base entity (resolved when added)
            event TEXT,                               -- one of nlp.events.EVENT_TYPES
            listed_only INTEGER NOT NULL DEFAULT 0,   -- only articles mentioning a listed party
            digest TEXT,                              -- NULL: one email per run; daily | weekly
            created_at TEXT NOT NULL,
            last_article_id INTEGER NOT NULL          -- articles up to this id have been matched
        )
        """
    )
    adb.execute(
        """
        CREATE TABLE recipients (
            watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
            address TEXT NOT NULL,
            last_digest_period TEXT,                  -- 2026-11-28 or 2026-W48: the period of the last digest sent
            PRIMARY KEY (watch_id, address)
        )
        """
    )
    adb.execute(
        """
        CREATE TABLE outbox (                         -- one row per (watch, article, recipient): delivered once
            id INTEGER PRIMARY KEY,
            watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL,              -- articles.id in the main database
            address TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | failed
            title TEXT,
            url TEXT,
            published_at TEXT,
            lang TEXT,
            source TEXT,
            snippet TEXT,                             -- matched words marked «like this»
            matched_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,      -- failed delivery attempts so far
            first_failed_at TEXT,
            next_attempt_at TEXT,                     -- not before this (backoff after a temporary failure)
            last_error TEXT,
            sent_at TEXT,
            message_id TEXT,
            UNIQUE (watch_id, article_id, address)
        )
        """
    )
    adb.execute("CREATE INDEX outbox_pending ON outbox(watch_id, address) WHERE status = 'pending'")


@migrations()
def m002_unsubscribes(adb: Database) -> None:
    """The key that signs unsubscribe links (made here, once, never leaves this file) and who unsubscribed."""
    import secrets

    adb.execute("CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    adb.execute("INSERT INTO settings (name, value) VALUES ('unsubscribe_key', ?)", [secrets.token_hex(32)])
    adb.execute(
        """
        CREATE TABLE unsubscribes (                   -- a recipient who left a watch: removed from recipients, kept here
            watch_id INTEGER NOT NULL,
            watch_name TEXT NOT NULL,
            address TEXT NOT NULL,
            at TEXT NOT NULL,
            via TEXT NOT NULL,                        -- one-click | web | cli
            PRIMARY KEY (watch_id, address)
        )
        """
    )
