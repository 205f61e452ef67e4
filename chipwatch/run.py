"""`chipwatch run`: one scheduled pass (crawl, process, alerts), safe to start from cron.

A lock file beside the database makes an overlapping run exit at once. The lock is an
advisory `flock`, which the kernel releases when the process ends however it ends, so a run
killed with -9 never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alerts.deliver import ConfigError
from alerts.send import SendReport, has_watches, send_alerts
from chipwatch.crawl import CrawlReport, run_crawl
from chipwatch.process import ProcessReport, process_articles
from db.store import StoreError, close_interrupted_runs, default_db_path, open_db

logger = logging.getLogger(__name__)


class RunBusy(RuntimeError):
    """Another `chipwatch run` (or crawl, or alerts send) holds the lock for this database."""


@dataclass
class RunReport:
    crawl: CrawlReport
    problems: list[str] = field(default_factory=list)
    processed: ProcessReport | None = None
    alerts: SendReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


@contextmanager
def run_lock(db_path: str | Path) -> Iterator[None]:
    """Hold the database's run lock, or raise RunBusy naming the process that holds it."""
    path = lock_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
    except OSError as exc:  # a read-only directory or file system, a full disk
        raise StoreError(f"cannot create the run lock {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunBusy(f"another chipwatch run, crawl or alerts send is in progress on {db_path} (pid {holder}); not starting") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock


def run_once(
    db_path: str | Path | None = None,
    *,
    sources_path: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = False,
    workers: int = 1,
) -> RunReport:
    """Crawl, process, then send the alerts; each problem becomes one line of the report."""
    db_path = db_path or default_db_path()
    with run_lock(db_path):
        _close_interrupted_runs(db_path)
        crawl = run_crawl(db_path, sources_path=sources_path, overrides=overrides, progress=progress)
        report = RunReport(crawl=crawl, problems=[f"crawl: {p}" for p in crawl.problems])
        report.problems += listing_problems(db_path, crawl.run_id)
        try:
            report.processed = process_articles(db_path, progress=progress, workers=workers)
        except Exception as exc:  # one stage failing must not hide the others' results; the exit code says it
            logger.info("process stage failed", exc_info=True)  # the problem line says what; -v shows where
            report.problems.append(f"process: {type(exc).__name__}: {exc}")
        report.problems += alert_problems(db_path, report)
    return report


def crawl_once(db_path: str | Path | None = None, **crawl_options: Any) -> CrawlReport:
    """`chipwatch crawl`: one crawl under the same lock as `run`, so the two never overlap on a database
    (and a crawl_runs row left open is then surely one whose process was killed)."""
    db_path = db_path or default_db_path()
    with run_lock(db_path):
        _close_interrupted_runs(db_path)
        return run_crawl(db_path, **crawl_options)


def alert_problems(db_path: str | Path, report: RunReport) -> list[str]:
    """Send the watches' alerts (inside the run's lock); their problems as lines of the run's report."""
    if not has_watches(db_path):
        return []
    try:
        report.alerts = send_alerts(db_path)
    except ConfigError as exc:
        return [f"alerts: {exc}"]
    except Exception as exc:  # as for process: the exit code says it, the other stages' results stay
        logger.info("alerts stage failed", exc_info=True)  # the problem line says what; -v shows where
        return [f"alerts: {type(exc).__name__}: {exc}"]
    return [f"alerts: {problem}" for problem in report.alerts.problems]


def _close_interrupted_runs(db_path: str | Path) -> None:
    """A run killed mid-crawl left its crawl_runs row open; say so before this run starts its own."""
    db = open_db(db_path)
    try:
        if closed := close_interrupted_runs(db):
            logger.info("marked %d crawl runs that never finished as interrupted", closed)
    finally:
        db.close()


def listing_problems(db_path: str | Path, run_id: int) -> list[str]:
    """One line per feed, sitemap or section page that could not be read in this run.

    Article pages that fail are recorded in fetch_failures but not reported here: on real sites
    a few always do, and a line each would bury the problems that need a person.
    """
    db = open_db(db_path)
    try:
        rows = db.execute(
            "SELECT source, url, reason FROM fetch_failures WHERE crawl_run_id = ? AND reason LIKE 'listing:%' ORDER BY source, url",
            [run_id],
        ).fetchall()
    finally:
        db.close()
    return [f"source {source}: {url}: {reason.removeprefix('listing: ')}" for source, url, reason in rows]
