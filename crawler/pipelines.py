"""The one item pipeline: batches of articles and failures into SQLite, one transaction a batch;
and the spiders' question "is this URL stored already?", answered from the same database."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro

from crawler.items import ArticleItem, FailedPage
from db import failures
from db.store import SaveResult, is_known_url, open_db, save_articles

logger = logging.getLogger(__name__)


class StoredUrls:
    """Whether a URL already leads to a stored story: what a spider asks before following a link.

    The spiders get this callable (setting CHIPWATCH_KNOWN_URLS) instead of opening the database.
    """

    def __init__(self, settings: BaseSettings) -> None:
        self.db = open_db(settings.get("CHIPWATCH_DB"))

    def __call__(self, url: str) -> bool:
        return is_known_url(self.db, url)

    def backing_off(self, url: str) -> bool:
        """True while a page that failed waits for its next try (db/failures.py)."""
        return failures.backing_off(self.db, url)

    def close(self) -> None:
        self.db.close()


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.db = open_db(settings.get("CHIPWATCH_DB"))
        self.run_id: int | None = settings.getint("CHIPWATCH_RUN_ID") or None
        self.batch_size = settings.getint("CHIPWATCH_BATCH_SIZE")
        self.articles: list[ArticleItem] = []
        self.failures: list[FailedPage] = []
        self.result = SaveResult()
        self.failed = 0
        self.error: str | None = None  # the database refused a write (disk full, read-only): the crawl stops

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FailedPage):
            self.failures.append(item)
        elif isinstance(item, ArticleItem):
            self.articles.append(item)
        if len(self.articles) + len(self.failures) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        """Write what is pending; a database that refuses the write stops the crawl.

        Nothing is lost by stopping: a page whose article was not committed is not recorded as
        stored, so the next run fetches it again.
        """
        if self.error is None:
            try:
                self._write()
            except sqlite3.Error as exc:
                self._stop(exc)
        self.articles, self.failures = [], []

    def _stop(self, exc: sqlite3.Error) -> None:
        self.error = str(exc)
        logger.info("cannot write to the database, stopping the crawl: %s", exc)  # the crawl report says it
        self.crawler.stats.set_value("chipwatch/store_error", self.error)
        if self.crawler.engine is not None and self.crawler.engine.spider is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="database_error"))

    def _write(self) -> None:
        """The batch's articles in one transaction, its failures in another."""
        if self.articles:
            result = save_articles(self.db, self.articles, self.run_id)
            self.result.add(result)
            failures.forget(self.db, [a.url for a in self.articles])
            stats = self.crawler.stats
            stats.inc_value("chipwatch/articles_stored", len(result.stored))
            stats.inc_value("chipwatch/articles_known", result.known)
            stats.inc_value("chipwatch/near_duplicates", result.duplicates)
            self.articles = []
        if self.failures:
            self.failed += failures.record_failures(self.db, self.run_id, ((f.url, f.source, f.reason) for f in self.failures))
            self.crawler.stats.inc_value("chipwatch/pages_failed", len(self.failures))
            self.failures = []

    def close_spider(self) -> None:
        self.flush()
        self.db.close()
