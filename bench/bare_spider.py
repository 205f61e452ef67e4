"""The baseline for bench/crawl.py: a bare Scrapy spider that only downloads the sitemap's pages.

Usage (run by bench/crawl.py): python bench/bare_spider.py BASE_URL SETTINGS_JSON
Prints one JSON line with Scrapy's response count and elapsed seconds.
"""

from __future__ import annotations

import json
import sys

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.spiders import SitemapSpider


class BareSpider(SitemapSpider):
    name = "bare"

    def parse(self, response):  # download, parse nothing, store nothing
        return None


def main() -> None:
    base_url, settings = sys.argv[1], json.loads(sys.argv[2])
    process = AsyncCrawlerProcess({**settings, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False})
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, sitemap_urls=[f"{base_url}/sitemap.xml"])
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({"pages": stats.get("response_received_count", 0), "seconds": stats["elapsed_time_seconds"]}))


if __name__ == "__main__":
    main()
