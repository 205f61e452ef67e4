"""The spider `chipwatch crawl` runs: every kind of listing of every source, in one polite engine."""

from __future__ import annotations

from crawler.spiders.feeds import FeedSpider
from crawler.spiders.sections import SectionSpider
from crawler.spiders.sitemaps import SitemapSpider


class AllSourcesSpider(FeedSpider, SitemapSpider, SectionSpider):
    name = "news"
    kinds = ("feeds", "sitemaps", "sections")
