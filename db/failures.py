"""Pages a crawl could not store: one fetch_failures row per URL, retried after a growing delay.

A page that fails (HTTP 500, a timeout, no article in it) used to be fetched again on every
run and to add a row each time, so a cron crawl every 15 minutes re-fetched a broken page
~700 times a week and filled the table with copies. Now the first failure waits
FIRST_RETRY_DELAY before the next try, each further failure doubles the wait up to
MAX_RETRY_DELAY, and the row is updated (attempts, last reason, last run). A page that is
stored at last loses its row. Listings (feeds, sitemaps, sections) are configured by a person
and read on every run: they get a row but no retry time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlite_utils import Database

from core.records import now_utc

FIRST_RETRY_DELAY = dt.timedelta(hours=1)
MAX_RETRY_DELAY = dt.timedelta(days=7)
LISTING_PREFIX = "listing:"


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure in a row: 1 h, 2 h, 4 h, ... at most 7 days."""
    exponent = min(max(attempts, 1) - 1, 20)  # 2**20 hours is far past the cap
    return min(FIRST_RETRY_DELAY * 2**exponent, MAX_RETRY_DELAY)


def record_failures(db: Database, run_id: int | None, failures: Iterable[tuple[str, str | None, str]]) -> int:
    """Store (url, source, reason) for pages that could not be stored, one row per URL; returns how many."""
    latest: dict[str, tuple[str | None, str]] = {}
    for url, source, reason in failures:
        latest[url] = (source, reason)
    if not latest:
        return 0
    at = now_utc()
    now = dt.datetime.fromisoformat(at)
    with db.atomic():
        urls = list(latest)
        previous: dict[str, int] = {}
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            marks = ",".join("?" * len(chunk))
            previous.update(db.execute(f"SELECT url, attempts FROM fetch_failures WHERE url IN ({marks})", chunk).fetchall())
        for url, (source, reason) in latest.items():
            attempts = previous.get(url, 0) + 1
            retry_after = None if reason.startswith(LISTING_PREFIX) else (now + retry_delay(attempts)).isoformat()
            db.execute(
                """
                INSERT INTO fetch_failures (crawl_run_id, url, source, reason, at, first_failed_at, attempts, retry_after)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET crawl_run_id = excluded.crawl_run_id, source = excluded.source,
                    reason = excluded.reason, at = excluded.at, attempts = excluded.attempts, retry_after = excluded.retry_after
                """,
                [run_id, url, source, reason, at, at, attempts, retry_after],
            )
    return len(latest)


def backing_off(db: Database, url: str, now: str | None = None) -> bool:
    """True while a failed page waits for its next try: the spider does not request it."""
    row = db.execute("SELECT retry_after FROM fetch_failures WHERE url = ?", [url]).fetchone()
    return bool(row and row[0] and row[0] > (now or now_utc()))


def forget(db: Database, urls: Iterable[str]) -> None:
    """Drop the failure rows of pages that have now been stored."""
    urls = list(urls)
    with db.atomic():
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            db.execute(f"DELETE FROM fetch_failures WHERE url IN ({','.join('?' * len(chunk))})", chunk)
