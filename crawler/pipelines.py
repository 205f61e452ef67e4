"""The one item pipeline: batches of articles and failures into SQLite, one transaction a batch."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from crawler.items import ArticleItem, FailedPage
from db.store import SaveResult, open_db, record_failures, save_articles

logger = logging.getLogger(__name__)


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
        """Write what is pending: the batch's articles in one transaction, its failures in another."""
        if self.articles:
            result = save_articles(self.db, self.articles, self.run_id)
            self.result.add(result)
            stats = self.crawler.stats
            stats.inc_value("chipwatch/articles_stored", len(result.stored))
            stats.inc_value("chipwatch/articles_known", result.known)
            stats.inc_value("chipwatch/near_duplicates", result.duplicates)
            self.articles = []
        if self.failures:
            self.failed += record_failures(self.db, self.run_id, ((f.url, f.source, f.reason) for f in self.failures))
            self.crawler.stats.inc_value("chipwatch/pages_failed", len(self.failures))
            self.failures = []

    def close_spider(self) -> None:
        self.flush()
        self.db.close()
