"""Section (list) pages of sites that have neither a feed nor a sitemap."""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import Request, Response, TextResponse

from crawler.items import FailedPage
from crawler.sources import Source
from crawler.spiders.base import NewsSpider


class SectionSpider(NewsSpider):
    name = "sections"
    kinds = ("sections",)

    def parse_sections(self, response: Response, source: Source) -> Iterator[Request | FailedPage]:
        if not isinstance(response, TextResponse):
            yield FailedPage(response.url, source.id, "listing: section page is not HTML")
            return
        for href in response.css("a::attr(href)").getall():
            yield from self.follow_article(response.urljoin(href.strip()), source, chipwatch_listing="sections")
