"""The database schema, as append-only migrations: never edit a step, add a new one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from db import search

migrations = Migrations("chipwatch")


@migrations()
def m001_articles(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',   -- running | ok | failed
            finish_reason TEXT,
            sources TEXT NOT NULL DEFAULT '[]',       -- JSON list of source ids
            pages_stored INTEGER NOT NULL DEFAULT 0,
            pages_known INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            stats TEXT NOT NULL DEFAULT '{}'          -- JSON: Scrapy's stats of the run
        )
        """
    )
    db.execute(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,                 -- normalised URL the story was fetched or imported from
            canonical_url TEXT,                       -- normalised rel=canonical / og:url, when the page gave one
            source TEXT NOT NULL,
            lang TEXT,                                -- zh | zh-Hant | en | other ISO code
            title TEXT,
            text TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',       -- JSON list
            published_at TEXT,                        -- ISO-8601
            fetched_at TEXT NOT NULL,                 -- ISO-8601, UTC
            content_hash TEXT NOT NULL,               -- sha256 of the whitespace-normalised text
            encoding TEXT,                            -- codec the page was decoded with
            content_type TEXT,                        -- HTTP Content-Type as served
            raw_html BLOB,                            -- zlib-compressed bytes as served
            duplicate_of INTEGER REFERENCES articles(id),
            crawl_run_id INTEGER REFERENCES crawl_runs(id)
        )
        """
    )
    db.execute("CREATE INDEX articles_published_at ON articles(published_at)")
    db.execute("CREATE INDEX articles_source ON articles(source)")
    db.execute("CREATE INDEX articles_content_hash ON articles(content_hash)")
    db.execute("CREATE INDEX articles_duplicate_of ON articles(duplicate_of)")
    db.execute(
        """
        CREATE TABLE article_urls (                   -- every URL known to lead to a stored story
            url TEXT PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE article_bands (                  -- MinHash LSH bands for near-duplicate lookup
            key INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id)
        )
        """
    )
    db.execute("CREATE INDEX article_bands_key ON article_bands(key)")
    db.execute(
        """
        CREATE TABLE article_signatures (             -- MinHash signatures: a cheap similarity estimate before the exact check
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            minhash BLOB NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE fetch_failures (                 -- pages a crawl could not store, and why
            id INTEGER PRIMARY KEY,
            crawl_run_id INTEGER REFERENCES crawl_runs(id),
            url TEXT NOT NULL,
            source TEXT,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX fetch_failures_run ON fetch_failures(crawl_run_id)")


@migrations()
def m002_search(db: Database) -> None:
    """Full-text search (db/search.py): a contentless FTS5 index of each article's search form.

    The search form is computed in Python, so no trigger can keep the index in step: store.py
    indexes each article it inserts, and this step indexes the articles already stored.
    """
    search.create_index(db)
    search.index_all(db)
