"""What every chipwatch spider shares: sources in, known URLs skipped, articles out.

A subclass names the kinds of listing it reads (`feeds`, `sitemaps`, `sections`) and has a
`parse_<kind>(response, source)` method for each that yields article links through
`follow_article`. Turning an article page into an item lives here, once.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from twisted.python.failure import Failure

from crawler.extract import ExtractionError
from crawler.items import ArticleItem, FailedPage
from crawler.page import PageParser
from crawler.sources import Source, load_sources
from core.urls import is_http_url, normalize_url
from core.records import now_utc

logger = logging.getLogger(__name__)


class NewsSpider(scrapy.Spider):
    name = "news-base"
    kinds: tuple[str, ...] = ()

    def __init__(self, sources: Iterable[Source] | str | None = None, known_url: Callable[[str], bool] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Asked whether a (normalised) URL already leads to a stored story; by default the
        # CHIPWATCH_KNOWN_URLS setting's factory builds one from the settings (the store's).
        self.known_url = known_url
        # From `scrapy crawl NAME -a sources=id1,id2` the sources arrive as a string of ids.
        self._sources_arg = sources
        self.sources: list[Source] = []
        self.requested: set[str] = set()
        self.per_source: Counter[str] = Counter()
        self.listings_per_source: Counter[str] = Counter()
        self.listings_requested: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        arg = spider._sources_arg
        if arg is None or isinstance(arg, str):
            only = [s for s in arg.split(",") if s] if isinstance(arg, str) else settings.getlist("CHIPWATCH_ONLY_SOURCES")
            arg = load_sources(
                settings.get("CHIPWATCH_SOURCES"), base_url=settings.get("CHIPWATCH_BASE_URL"), only=only or None
            )
        spider.sources = list(arg)
        if spider.known_url is None:
            spider.known_url = load_object(settings.get("CHIPWATCH_KNOWN_URLS"))(settings)
        spider.max_per_source = settings.getint("CHIPWATCH_MAX_ARTICLES_PER_SOURCE")
        spider.max_listings_per_source = settings.getint("CHIPWATCH_MAX_LISTINGS_PER_SOURCE")
        spider.parser = PageParser(settings.getint("CHIPWATCH_PARSE_WORKERS"))
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for source in self.sources:
            for kind in self.kinds:
                for url in getattr(source, kind):
                    for request in self.follow_listing(url, source, kind):
                        yield request

    def follow_listing(self, url: str | None, source: Source, kind: str, **meta: Any) -> Iterator[Request]:
        """A request for a listing (a configured one, or a sitemap an index names), within the source's caps.

        Only http(s): a sitemap index naming file:///etc/passwd or a data: URL is not followed.
        Each listing is asked for once per run, and at most CHIPWATCH_MAX_LISTINGS_PER_SOURCE of
        them per source, so that no site can keep the crawl (and the run's lock) busy for hours.
        """
        if not is_http_url(url):
            self.crawler.stats.inc_value("chipwatch/refused/scheme")
            return
        assert url is not None
        if url in self.listings_requested:
            return
        if self.listings_per_source[source.id] >= self.max_listings_per_source:
            self.crawler.stats.inc_value("chipwatch/capped/listings_per_source")
            return
        self.listings_requested.add(url)
        self.listings_per_source[source.id] += 1
        yield Request(
            url,
            callback=getattr(self, f"parse_{kind}"),
            errback=self.on_listing_error,
            cb_kwargs={"source": source},
            meta={"chipwatch_source": source.id, "chipwatch_listing": kind, **meta},
            dont_filter=True,
            priority=10,
        )

    def follow_article(self, url: str | None, source: Source, **meta: Any) -> Iterator[Request]:
        """A request for an article link, unless it is off-pattern, already stored or already asked for."""
        if not is_http_url(url):
            return
        assert url is not None
        key = normalize_url(url)
        if source.article_pattern and not re.search(source.article_pattern, key):
            return
        if key in self.requested:
            return
        self.requested.add(key)
        if self.known_url(key):
            self.crawler.stats.inc_value("chipwatch/articles_already_stored")
            return
        backing_off = getattr(self.known_url, "backing_off", None)
        if backing_off is not None and backing_off(key):
            self.crawler.stats.inc_value("chipwatch/articles_backing_off")
            return
        if self.per_source[source.id] >= self.max_per_source:
            self.crawler.stats.inc_value("chipwatch/articles_over_source_cap")
            return
        self.per_source[source.id] += 1
        yield Request(
            key,
            callback=self.parse_article,
            errback=self.on_article_error,
            cb_kwargs={"source": source},
            meta={"chipwatch_source": source.id, **meta},
            # self.requested already asks for each article once. Scrapy's duplicate filter would
            # silently drop the repeated URL of a redirect loop, leaving no failure on record;
            # without it the loop ends at REDIRECT_MAX_TIMES with an error this spider records.
            dont_filter=True,
        )

    async def parse_article(self, response: Response, source: Source) -> AsyncIterator[ArticleItem | FailedPage]:
        """Decode, extract and yield one article; a page without one becomes a FailedPage."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        # The URL that was asked for, not where its redirects ended: the one the next run looks up.
        redirects = response.request.meta.get("redirect_urls", []) if response.request else []
        asked = redirects[0] if redirects else response.url
        try:
            parsed = await self.parser.parse(response.body, response.url, content_type, source.encoding or None)
        except ExtractionError as exc:
            self.crawler.stats.inc_value("chipwatch/extraction_failed")
            yield FailedPage(asked, source.id, f"extraction: {exc}")
            return
        page = parsed.article
        yield ArticleItem(
            url=asked,
            final_url=response.url,
            canonical_url=page.canonical_url,
            source=source.id,
            lang=page.language,
            title=page.title,
            text=page.text,
            authors=page.authors,
            published_at=page.published_at,
            fetched_at=now_utc(),
            encoding=parsed.encoding,
            encoding_replaced=parsed.replaced,
            content_type=content_type,
            raw_html=response.body,
            minhash=parsed.minhash,
        )

    def on_listing_error(self, failure: Failure) -> Iterator[FailedPage]:
        self.crawler.stats.inc_value("chipwatch/listing_failed")
        yield self._failed(failure, "listing")

    def on_article_error(self, failure: Failure) -> Iterator[FailedPage]:
        self.crawler.stats.inc_value("chipwatch/article_failed")
        yield self._failed(failure, "article")

    def _failed(self, failure: Failure, what: str) -> FailedPage:
        request = failure.request  # type: ignore[attr-defined]
        reason = describe_failure(failure)
        # The URL that was asked for, not where its redirects ended: that is the link a person can look up.
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        logger.info("%s %s failed: %s", what, url, reason)
        return FailedPage(url, request.meta.get("chipwatch_source"), f"{what}: {reason}")

    def closed(self, reason: str) -> None:
        self.parser.close()
        close = getattr(self.known_url, "close", None)
        if close is not None:
            close()


def describe_failure(failure: Failure) -> str:
    """One line saying why a request failed."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    name = type(failure.value).__name__
    message = str(failure.value).strip().splitlines()[0] if str(failure.value).strip() else ""
    if name == "IgnoreRequest" and "robots.txt" in message:
        return "forbidden by robots.txt"
    return f"{name}: {message}" if message else name
