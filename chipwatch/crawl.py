"""Run one crawl in this process and say how it went: the crawl stage beside the CLI."""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler.sources import load_sources
from crawler.spiders.news import AllSourcesSpider
from db.store import default_db_path, finish_crawl_run, open_db, start_crawl_run

logger = logging.getLogger(__name__)


@dataclass
class CrawlReport:
    run_id: int
    status: str  # ok | failed
    finish_reason: str | None
    stored: int
    known: int
    duplicates: int
    failures: int
    pages: int  # responses downloaded, listings included
    stale: int  # sitemap entries skipped as older than CHIPWATCH_SITEMAP_MAX_AGE_DAYS
    backing_off: int  # article links not requested: they failed before and wait for their retry time
    seconds: float
    problems: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def caps_reached(self) -> list[str]:
        """One line per cap the crawl ran into (not a failure: the rest waits for the next run)."""
        return caps_reached(self.stats)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def crawl_settings(db_path: str | Path | None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings with the database path and per-run overrides applied."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("CHIPWATCH_DB", str(db_path or default_db_path()), priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # the CLI configures logging
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    db_path: str | Path | None = None,
    *,
    sources_path: str | Path | None = None,
    base_url: str | None = None,
    only: Iterable[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> CrawlReport:
    """Crawl the sources once, record the run in the database, and report. Runs the reactor: once per process."""
    sources = load_sources(sources_path, base_url=base_url, only=list(only) if only else None)
    db = open_db(db_path)
    run_id = start_crawl_run(db, [s.id for s in sources])
    settings = crawl_settings(db_path, overrides)
    settings.set("CHIPWATCH_RUN_ID", run_id, priority="cmdline")

    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(AllSourcesSpider)
    if progress:
        _show_progress(crawler)
    started = time.monotonic()
    process.crawl(crawler, sources=sources)
    process.start()
    seconds = time.monotonic() - started

    stats = crawler.stats.get_stats() if crawler.stats else {}
    listings = sum(len(s.feeds) + len(s.sitemaps) + len(s.sections) for s in sources)
    report = CrawlReport(
        run_id=run_id,
        status="ok",
        finish_reason=stats.get("finish_reason"),
        stored=stats.get("chipwatch/articles_stored", 0),
        known=stats.get("chipwatch/articles_known", 0),
        duplicates=stats.get("chipwatch/near_duplicates", 0),
        failures=stats.get("chipwatch/pages_failed", 0),
        pages=stats.get("response_received_count", 0),
        stale=stats.get("chipwatch/sitemap_entries_stale", 0),
        backing_off=stats.get("chipwatch/articles_backing_off", 0),
        seconds=seconds,
        stats=stats,
    )
    report.problems = crawl_problems(stats, listings)
    if report.problems:
        report.status = "failed"
    try:
        finish_crawl_run(
            db,
            run_id,
            status=report.status,
            finish_reason=report.finish_reason,
            counts={
                "pages_stored": report.stored,
                "pages_known": report.known,
                "duplicates": report.duplicates,
                "failures": report.failures,
            },
            stats=stats,
        )
    except sqlite3.Error as exc:  # the disk filled up, or the file became read-only, during the crawl
        report.status = "failed"
        report.problems.append(f"the crawl's record could not be written: {exc}")
    db.close()
    if progress:
        sys.stderr.write("\n")
    return report


def crawl_problems(stats: Mapping[str, Any], listings: int) -> list[str]:
    """Why a crawl counts as failed, one line each; empty when it did its job.

    Scrapy itself says "finished" after a crawl in which nothing could be fetched, so the
    verdict comes from the stats: the engine's finish reason, listings that could not be
    read, and exceptions raised in our own callbacks or pipeline.
    """
    problems = []
    reason = stats.get("finish_reason")
    store_error = stats.get("chipwatch/store_error")
    if store_error:
        problems.append(f"stopped: the database refused a write: {store_error}")
    elif reason != "finished":
        problems.append(f"crawl ended early: {reason}")
    failed_listings = stats.get("chipwatch/listing_failed", 0)
    if listings and failed_listings >= listings:
        problems.append(f"no listing could be read ({failed_listings} of {listings} failed)")
    exceptions = stats.get("spider_exceptions/count", 0)
    if exceptions:
        problems.append(f"{exceptions} pages raised an error in chipwatch's own code (see the log with -v)")
    if stats.get("log_count/CRITICAL", 0):
        problems.append("the crawl logged a critical error")
    return problems


CAPS = {
    "sitemap_depth": "sitemap indexes nested deeper than CHIPWATCH_SITEMAP_MAX_DEPTH",
    "sitemap_children": "sitemap indexes with more children than CHIPWATCH_SITEMAP_MAX_CHILDREN",
    "listings_per_source": "listings past CHIPWATCH_MAX_LISTINGS_PER_SOURCE",
}


def caps_reached(stats: Mapping[str, Any]) -> list[str]:
    """'cap reached' lines from the stats `chipwatch/capped/<what>` (each counts what was left out)."""
    return [
        f"cap reached: {stats[f'chipwatch/capped/{what}']} {description} not followed"
        for what, description in CAPS.items()
        if stats.get(f"chipwatch/capped/{what}")
    ]


def _show_progress(crawler: Any) -> None:
    """A one-line progress counter on stderr, updated as pages arrive."""

    def update(*_: Any, **__: Any) -> None:
        stats = crawler.stats
        sys.stderr.write(
            "\rcrawling: {} pages fetched, {} articles stored, {} failed ".format(
                stats.get_value("response_received_count", 0),
                stats.get_value("chipwatch/articles_stored", 0),
                stats.get_value("chipwatch/pages_failed", 0),
            )
        )
        sys.stderr.flush()

    crawler.signals.connect(update, signal=signals.response_received)
