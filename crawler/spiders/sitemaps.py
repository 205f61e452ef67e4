"""XML sitemaps: sitemap indexes, plain sitemaps and Google News sitemaps, gzipped or not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from scrapy.http import Request, Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap

from crawler.items import FailedPage
from crawler.sources import Source
from crawler.spiders.base import NewsSpider


class SitemapSpider(NewsSpider):
    name = "sitemaps"
    kinds = ("sitemaps",)

    def parse_sitemaps(self, response: Response, source: Source) -> Iterator[Request | FailedPage]:
        body = response.body
        if gzip_magic_number(response):
            max_size = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
            try:
                body = gunzip(body, max_size=max_size)
            except OSError as exc:  # not gzip after all, or cut short
                yield FailedPage(response.url, source.id, f"listing: gzipped sitemap cannot be read ({exc})")
                return
            except ValueError:  # scrapy's _DecompressionMaxSizeExceeded: a gzip bomb served as a file
                yield FailedPage(response.url, source.id, f"listing: gzipped sitemap expands past {max_size} bytes")
                return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises several types on garbage; all mean "not a sitemap"
            yield FailedPage(response.url, source.id, f"listing: not a sitemap ({type(exc).__name__})")
            return
        settings = self.crawler.settings
        max_age = settings.getint("CHIPWATCH_SITEMAP_MAX_AGE_DAYS")
        depth = response.meta.get("chipwatch_sitemap_depth", 0)
        children = 0
        for entry in sitemap:
            if is_stale(entry, max_age):
                self.crawler.stats.inc_value("chipwatch/sitemap_entries_stale")
                continue
            url = response.urljoin(entry["loc"])
            if sitemap.type == "sitemapindex":
                # An index of indexes of indexes... (a "fractal" site) ends at the depth cap; a huge
                # index at the children cap; both at the source's listing cap.
                if depth >= settings.getint("CHIPWATCH_SITEMAP_MAX_DEPTH"):
                    self.crawler.stats.inc_value("chipwatch/capped/sitemap_depth")
                    return
                if children >= settings.getint("CHIPWATCH_SITEMAP_MAX_CHILDREN"):
                    self.crawler.stats.inc_value("chipwatch/capped/sitemap_children")
                    return
                for request in self.follow_listing(url, source, "sitemaps", chipwatch_sitemap_depth=depth + 1):
                    children += 1
                    yield request
            else:
                self.crawler.stats.inc_value("chipwatch/sitemap_entries")
                yield from self.follow_article(url, source, chipwatch_listing="sitemaps")


def entry_date(entry: dict) -> dt.datetime | None:
    """The newest of an entry's lastmod and news:publication_date, timezone-aware."""
    found = []
    for key in ("lastmod", "publication_date"):
        value = (entry.get(key) or "").strip()
        if not value:
            continue
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        found.append(when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc))
    return max(found) if found else None


def is_stale(entry: dict, max_age_days: int) -> bool:
    """True when an entry carries a date older than the limit (0 = no limit, no date = fresh)."""
    if max_age_days <= 0:
        return False
    when = entry_date(entry)
    return when is not None and when < dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=max_age_days)
