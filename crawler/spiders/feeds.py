"""RSS, Atom and JSON Feed listings."""

from __future__ import annotations

import json
from collections.abc import Iterator

import feedparser
from scrapy.http import Request, Response

from crawler.items import FailedPage
from crawler.sources import Source
from crawler.spiders.base import NewsSpider


class FeedSpider(NewsSpider):
    name = "feeds"
    kinds = ("feeds",)

    def parse_feeds(self, response: Response, source: Source) -> Iterator[Request | FailedPage]:
        links = feed_links(response.body)
        if links is None:
            yield FailedPage(response.url, source.id, "listing: not a readable RSS, Atom or JSON feed")
            return
        self.crawler.stats.inc_value("chipwatch/feed_entries", len(links))
        for link in links:
            yield from self.follow_article(response.urljoin(link), source, chipwatch_listing="feeds")


def feed_links(body: bytes) -> list[str] | None:
    """Article links of a feed, in feed order; None when the body is no feed at all."""
    if body.lstrip()[:1] == b"{":
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            return None
        return [i.get("url") or i.get("external_url") for i in data["items"] if isinstance(i, dict)]
    parsed = feedparser.parse(body)
    if parsed.bozo and not parsed.entries:
        return None
    return [entry.get("link") for entry in parsed.entries if entry.get("link")]
