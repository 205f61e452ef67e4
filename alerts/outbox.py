"""The outbox: one row per (watch, article, recipient), pending until sent or failed.

Rows are marked sent only after the server accepted the message, so a crash in between sends
that email again on the next run (one duplicate) and never loses it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from alerts.store import now_iso
from alerts.watches import Watch, list_watches

RETRY_BASE = dt.timedelta(minutes=5)
RETRY_MAX = dt.timedelta(hours=6)
GIVE_UP_AFTER = dt.timedelta(days=3)  # a temporary failure this old becomes a reported, permanent one
REPORT_AFTER_ATTEMPTS = 3  # from the third failure in a row, a deferral is reported as a problem


@dataclass
class OutboxRow:
    id: int
    article_id: int
    title: str | None
    url: str
    published_at: str | None
    lang: str | None
    source: str | None
    snippet: str | None
    attempts: int
    first_failed_at: str | None
    next_attempt_at: str | None


@dataclass
class Email:
    """One email to send: a watch's pending rows for one recipient."""

    watch: Watch
    address: str
    rows: list[OutboxRow]
    period: str | None  # the digest period it covers


@dataclass
class Waiting:
    watch: str
    address: str
    rows: int
    next_attempt_at: str


def retry_delay(attempts: int) -> dt.timedelta:
    """After the first failure, retry on the next run; then wait 5 min, 10, 20, … up to 6 h between tries."""
    if attempts <= 1:
        return dt.timedelta(0)
    return min(RETRY_BASE * 2 ** (attempts - 2), RETRY_MAX)


def period_key(digest: str | None, now: dt.datetime) -> str | None:
    """The digest period `now` falls in (UTC): 2026-11-28 for daily, 2026-W48 for weekly; None for immediate."""
    now = now.astimezone(dt.timezone.utc)
    if digest == "daily":
        return now.date().isoformat()
    if digest == "weekly":
        year, week, _ = now.isocalendar()
        return f"{year}-W{week:02d}"
    return None


_ROW_COLUMNS = "id, article_id, title, url, published_at, lang, source, snippet, attempts, first_failed_at, next_attempt_at"


def pending_rows(adb: Database, watch_id: int, address: str) -> list[OutboxRow]:
    return [
        OutboxRow(*r)
        for r in adb.execute(
            f"SELECT {_ROW_COLUMNS} FROM outbox WHERE watch_id = ? AND address = ? AND status = 'pending'"
            " ORDER BY published_at DESC, article_id DESC",
            [watch_id, address],
        )
    ]


def due_emails(adb: Database, now: dt.datetime, retry_now: bool = False) -> tuple[list[Email], list[Waiting]]:
    """The emails to send now, and the ones waiting for their retry time.

    An immediate watch sends all its pending rows for a recipient in one email; a digest sends
    them at most once per period (the first run of a day or week that has something to send).
    A recipient whose last attempt failed waits for the retry time, new matches with it.
    """
    stamp = now_iso(now)
    due, waiting = [], []
    for watch in list_watches(adb):
        period = period_key(watch.digest, now)
        for address, last_period in adb.execute(
            "SELECT address, last_digest_period FROM recipients WHERE watch_id = ? ORDER BY rowid", [watch.id]
        ).fetchall():
            rows = pending_rows(adb, watch.id, address)
            if not rows:
                continue
            retry_at = max((r.next_attempt_at for r in rows if r.next_attempt_at), default=None)
            if retry_at and retry_at > stamp and not retry_now:
                waiting.append(Waiting(watch.name, address, len(rows), retry_at))
                continue
            if period is not None and period == last_period:
                continue
            due.append(Email(watch, address, rows, period))
    return due, waiting


def mark_sent(adb: Database, email: Email, message_id: str, now: dt.datetime) -> None:
    """After the server accepted it (or the file was written): the rows are sent, the digest period is used."""
    with adb.conn:
        adb.conn.executemany(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, next_attempt_at = NULL WHERE id = ? AND status = 'pending'",
            [(now_iso(now), message_id, r.id) for r in email.rows],
        )
        if email.period is not None:
            adb.execute(
                "UPDATE recipients SET last_digest_period = ? WHERE watch_id = ? AND address = ?", [email.period, email.watch.id, email.address]
            )


def mark_failed(adb: Database, email: Email, reason: str, now: dt.datetime) -> None:
    """A permanent failure: the rows will not be tried again."""
    with adb.conn:
        adb.conn.executemany(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, next_attempt_at = NULL,"
            " first_failed_at = coalesce(first_failed_at, ?) WHERE id = ?",
            [(reason, now_iso(now), r.id) for r in email.rows],
        )


def defer(adb: Database, email: Email, reason: str, now: dt.datetime) -> tuple[int, str | None]:
    """A temporary failure: the rows stay pending until the retry time.

    Returns (attempts so far, retry time); the retry time is None when the rows have been failing
    for longer than GIVE_UP_AFTER and were marked failed instead.
    """
    attempts = max((r.attempts for r in email.rows), default=0) + 1
    first = min((r.first_failed_at for r in email.rows if r.first_failed_at), default=None) or now_iso(now)
    if dt.datetime.fromisoformat(first.replace("Z", "+00:00")) <= now - GIVE_UP_AFTER:
        mark_failed(adb, email, f"gave up after {attempts} tries since {first}: {reason}", now)
        return attempts, None
    retry_at = now_iso(now + retry_delay(attempts))
    with adb.conn:
        adb.conn.executemany(
            "UPDATE outbox SET attempts = ?, first_failed_at = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
            [(attempts, first, retry_at, reason, r.id) for r in email.rows],
        )
    return attempts, retry_at


@dataclass
class OutboxEntry:
    status: str
    watch: str
    address: str
    article_id: int
    title: str | None
    matched_at: str
    attempts: int
    next_attempt_at: str | None
    sent_at: str | None
    last_error: str | None


def list_outbox(adb: Database, status: str | None = None, watch: str | None = None, limit: int = 50) -> list[OutboxEntry]:
    """Outbox rows, newest match first, optionally of one status or watch."""
    where, params = [], []
    if status:
        where.append("o.status = ?")
        params.append(status)
    if watch:
        where.append("w.name = ?")
        params.append(watch)
    sql = (
        "SELECT o.status, w.name, o.address, o.article_id, o.title, o.matched_at, o.attempts, o.next_attempt_at, o.sent_at, o.last_error"
        " FROM outbox o JOIN watches w ON w.id = o.watch_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY o.id DESC LIMIT ?"
    )
    return [OutboxEntry(*row) for row in adb.execute(sql, [*params, limit])]
