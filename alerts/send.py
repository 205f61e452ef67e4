"""`chipwatch alerts send`: match every watch against the new articles, then deliver what is due.

Runs at the end of `chipwatch run`, inside its lock; on its own, the CLI takes the same lock,
so two senders never mail the same rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from sqlite_utils import Database

from alerts.compose import Links, Match, article_details, compose
from alerts.deliver import DeliveryError, FolderTransport, SmtpTransport, base_url, envelope_address, smtp_settings
from alerts.matching import find_matches, match_watches, ready_until
from alerts.outbox import REPORT_AFTER_ATTEMPTS, Email, Waiting, defer, due_emails, mark_failed, mark_sent, pending_rows, period_key
from alerts.store import alerts_db_path, open_alerts_db, outbox_dir
from alerts.unsubscribe import make_token, unsubscribe_mailto, unsubscribe_url
from alerts.watches import list_watches
from db.store import open_db

logger = logging.getLogger(__name__)


@dataclass
class SendReport:
    watches: int = 0
    new_matches: int = 0
    emails: int = 0  # sent (or written to the outbox folder)
    matches_sent: int = 0
    deferred: list[str] = field(default_factory=list)  # one line per email left pending by a temporary failure
    failed: int = 0
    waiting: list[Waiting] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    where: str | None = None  # the SMTP server or the outbox folder
    files: list[Path] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)  # --dry-run: what would be sent

    @property
    def ok(self) -> bool:
        return not self.problems


def has_watches(db_path: str | Path) -> bool:
    """Whether any watch was ever added for this database (its alerts database exists)."""
    return alerts_db_path(db_path).exists()


def send_alerts(
    db_path: str | Path,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    env: Mapping[str, str] | None = None,
    folder: str | Path | None = None,
    retry_now: bool = False,
) -> SendReport:
    """Queue new matches and send the due emails: by SMTP if CHIPWATCH_SMTP_HOST is set, else as .eml
    files into `folder` (default: chipwatch.outbox/ beside the database). dry_run changes nothing."""
    now = now or dt.datetime.now(dt.timezone.utc)
    report = SendReport()
    if not has_watches(db_path):
        return report
    settings = smtp_settings(os.environ if env is None else env)  # ConfigError: one line, before anything is done
    site = base_url(os.environ if env is None else env)
    db, adb = open_db(db_path), open_alerts_db(db_path)
    try:
        report.watches = len(list_watches(adb))
        if dry_run:
            _plan(db, adb, now, report)
            return report
        matched = match_watches(db, adb, now)
        report.new_matches = sum(matched.new.values())
        report.problems += matched.problems
        due, report.waiting = due_emails(adb, now, retry_now=retry_now)
        if not due:
            return report
        transport = SmtpTransport(settings) if settings else FolderTransport(Path(folder) if folder else outbox_dir(db_path))
        report.where = transport.where()
        try:
            sender = settings.mail_from if settings else _folder_from(env)
            _deliver(db, adb, transport, due, Sender(sender, site, Path(db_path).stem), now, report)
        finally:
            transport.close()
        if isinstance(transport, FolderTransport):
            report.files = transport.written
    finally:
        db.close()
        adb.close()
    return report


def _folder_from(env: Mapping[str, str] | None) -> str:
    from alerts.deliver import mail_from

    return mail_from(os.environ if env is None else env)


@dataclass(frozen=True)
class Sender:
    """Who sends, and where the recipients can reach chipwatch (None: no base URL configured)."""

    mail_from: str
    base_url: str | None = None
    database: str = "chipwatch"  # the main database's file stem: its name in Datasette's URLs


def _deliver(
    db: Database, adb: Database, transport: SmtpTransport | FolderTransport, due: list[Email], sender: Sender, now: dt.datetime, report: SendReport
) -> None:
    """Send each email; mark its rows by the outcome. A connection failure defers the rest unsent."""
    unreachable: str | None = None
    for email in due:
        label = f"watch {email.watch.name} to {email.address}"
        if unreachable is not None:
            _defer(adb, email, unreachable, now, report, label)
            continue
        message = compose_email(db, adb, email, sender, now)
        try:
            transport.send(message, email.address, label=email.watch.name)
        except DeliveryError as exc:
            logger.info("%s: %s failure: %s", label, "permanent" if exc.permanent else "temporary", exc.reason)
            if exc.permanent:
                mark_failed(adb, email, exc.reason, now)
                report.failed += 1
                report.problems.append(f"{label}: permanent failure, {len(email.rows)} matches not delivered: {exc.reason}")
            else:
                _defer(adb, email, exc.reason, now, report, label)
                if exc.connection:
                    unreachable = exc.reason
            continue
        mark_sent(adb, email, message["Message-ID"], now)
        logger.info("%s: sent %d matches via %s", label, len(email.rows), transport.where())
        report.emails += 1
        report.matches_sent += len(email.rows)


def _defer(adb: Database, email: Email, reason: str, now: dt.datetime, report: SendReport, label: str) -> None:
    attempts, retry_at = defer(adb, email, reason, now)
    if retry_at is None:
        report.failed += 1
        report.problems.append(f"{label}: gave up after {attempts} temporary failures, {len(email.rows)} matches not delivered: {reason}")
        return
    line = f"{label}: temporary failure (try {attempts}), {len(email.rows)} matches stay pending, retry from {retry_at}: {reason}"
    report.deferred.append(line)
    if attempts >= REPORT_AFTER_ATTEMPTS:
        report.problems.append(line)


def compose_email(db: Database, adb: Database, email: Email, sender: Sender, now: dt.datetime) -> EmailMessage:
    """The email for an outbox group, with each article's entities and events read from the main database,
    and this recipient's signed unsubscribe link (one-click with a base URL, else mailto: the sender)."""
    details = article_details(db, [r.article_id for r in email.rows[:50]])
    matches = []
    for r in email.rows:
        entities, events = details.get(r.article_id, ([], []))
        matches.append(Match(r.article_id, r.title, r.url, r.source, r.published_at, r.lang, r.snippet, entities, events))
    return compose(
        watch_name=email.watch.name, watch_description=email.watch.describe(), digest=email.watch.digest,
        matches=matches, mail_from=sender.mail_from, to=email.address, now=now, links=links_for(adb, email, sender),
    )  # fmt: skip


def links_for(adb: Database, email: Email, sender: Sender) -> Links:
    token = make_token(adb, email.watch.id, email.address)
    return Links(
        base_url=sender.base_url, database=sender.database, token=token,
        unsubscribe_url=unsubscribe_url(sender.base_url, token) if sender.base_url else None,
        unsubscribe_mailto=unsubscribe_mailto(envelope_address(sender.mail_from), token),
    )  # fmt: skip


def _plan(db: Database, adb: Database, now: dt.datetime, report: SendReport) -> None:
    """--dry-run: what the next send would queue and mail, without writing anything."""
    _, report.waiting = due_emails(adb, now)
    retry = {(w.watch, w.address): w.next_attempt_at for w in report.waiting}
    for watch in list_watches(adb):
        new = find_matches(db, watch, watch.last_article_id, ready_until(db, watch))
        report.new_matches += len(new)
        for address, last_period in adb.execute("SELECT address, last_digest_period FROM recipients WHERE watch_id = ?", [watch.id]).fetchall():
            count = len({r.article_id for r in pending_rows(adb, watch.id, address)} | {h.id for h in new})
            if not count:
                continue
            if (watch.name, address) in retry:
                when = f"from {retry[(watch.name, address)]} (retry after a temporary failure)"
            elif watch.digest and period_key(watch.digest, now) == last_period:
                when = f"in the next {watch.digest} digest (this period's was sent)"
            else:
                when = "now"
            report.planned.append(f"watch {watch.name} to {address}: {count} {'match' if count == 1 else 'matches'}, would send {when}")
