"""A failed page: one row per URL, updated on each failure, retried after a growing delay, gone once stored."""

import datetime as dt

import pytest

from db import failures
from db.store import open_db, start_crawl_run

URL = "http://127.0.0.1:9/news/broken.html"


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "c.db")


def test_the_delay_doubles_from_one_hour_to_seven_days():
    hours = [failures.retry_delay(n) / dt.timedelta(hours=1) for n in range(1, 11)]
    assert hours == [1, 2, 4, 8, 16, 32, 64, 128, 168, 168]


def test_a_repeated_failure_updates_its_row(db):
    first, second = start_crawl_run(db, ["s"]), start_crawl_run(db, ["s"])
    failures.record_failures(db, first, [(URL, "s", "article: HTTP 500")])
    failures.record_failures(db, second, [(URL, "s", "article: HTTP 503")])
    rows = db.execute("SELECT crawl_run_id, reason, attempts, first_failed_at <= at, retry_after > at FROM fetch_failures").fetchall()
    assert rows == [(second, "article: HTTP 503", 2, 1, 1)]


def test_a_failed_page_waits_then_is_tried_again(db):
    failures.record_failures(db, None, [(URL, "s", "extraction: no main text found")])
    (retry_after,) = db.execute("SELECT retry_after FROM fetch_failures").fetchone()
    assert failures.backing_off(db, URL)
    later = (dt.datetime.fromisoformat(retry_after) + dt.timedelta(seconds=1)).isoformat()
    assert not failures.backing_off(db, URL, now=later)
    assert not failures.backing_off(db, URL + "?other")


def test_listings_are_recorded_but_never_backed_off(db):
    failures.record_failures(db, None, [(URL, "s", "listing: HTTP 503")])
    assert db.execute("SELECT retry_after FROM fetch_failures").fetchone() == (None,)
    assert not failures.backing_off(db, URL)


def test_a_stored_page_loses_its_failure_row(db):
    failures.record_failures(db, None, [(URL, "s", "article: HTTP 500"), (URL + "2", "s", "article: HTTP 500")])
    failures.forget(db, [URL])
    assert [u for (u,) in db.execute("SELECT url FROM fetch_failures")] == [URL + "2"]


def test_migration_folds_the_rows_an_older_version_added_on_every_run(tmp_path):
    from sqlite_utils import Database

    from db.migrations import migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m007_failure_backoff")
    rows = [(URL, "article: HTTP 500", "2026-11-01T00:00:00+00:00"), (URL, "article: HTTP 503", "2026-11-02T00:00:00+00:00"),
            (URL + "2", "listing: HTTP 404", "2026-11-03T00:00:00+00:00")]
    for url, reason, at in rows:
        db.execute("INSERT INTO fetch_failures (url, source, reason, at) VALUES (?, 's', ?, ?)", [url, reason, at])
    db.conn.commit()
    migrations.apply(db)
    got = db.execute("SELECT url, reason, attempts, first_failed_at, at FROM fetch_failures ORDER BY url").fetchall()
    assert got == [
        (URL, "article: HTTP 503", 2, "2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00"),
        (URL + "2", "listing: HTTP 404", 1, "2026-11-03T00:00:00+00:00", "2026-11-03T00:00:00+00:00"),
    ]
    failures.record_failures(db, None, [(URL, "s", "article: HTTP 500")])
    assert db.execute("SELECT count(*), max(attempts) FROM fetch_failures WHERE url = ?", [URL]).fetchone() == (1, 3)
