"""Listing parsers on their own, and each spider through `scrapy crawl` as a user would run it."""

from __future__ import annotations

import datetime as dt
import gzip
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from chipwatch.demo import DEMO_SITE
from chipwatch.siteserver import serve_site
from crawler.spiders.feeds import feed_links
from crawler.spiders.sitemaps import entry_date, is_stale
from db.store import open_db

ROOT = Path(__file__).parents[2]


def test_feed_links_rss_atom_and_json_feed():
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>https://a.example/1</link></item></channel></rss>'
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b'<entry><link href="https://a.example/2"/><title>t</title></entry></feed>'
    )
    json_feed = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"url": "https://a.example/3"}, {"id": "x"}]}'
    assert feed_links(rss) == ["https://a.example/1"]
    assert feed_links(atom) == ["https://a.example/2"]
    assert [u for u in feed_links(json_feed) if u] == ["https://a.example/3"]


@pytest.mark.parametrize("body", [b"", b"<html><body>not a feed</body></html>", b"{broken json", b'{"items": 3}'])
def test_feed_links_refuse_what_is_not_a_feed(body):
    assert not feed_links(body)


def test_sitemap_dates_and_staleness():
    now = dt.datetime.now(dt.timezone.utc)
    fresh = {"loc": "x", "lastmod": (now - dt.timedelta(days=1)).strftime("%Y-%m-%d")}
    old_news = {"loc": "x", "publication_date": (now - dt.timedelta(days=30)).isoformat()}
    assert not is_stale(fresh, 14)
    assert is_stale(old_news, 14)
    assert not is_stale(old_news, 0)  # 0 = no limit
    assert not is_stale({"loc": "x"}, 14)  # no date: fresh
    assert entry_date({"lastmod": "2026-03-01T10:00:00Z", "publication_date": "2026-03-02"}) == dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)
    assert entry_date({"lastmod": "yesterday"}) is None


@pytest.mark.parametrize(
    ("spider", "source", "expected"),
    [
        ("feeds", "demo-atom", "/en/2026/02/cloud-gpu-remote-access.html"),
        ("sitemaps", "demo-sitemap", "/agg/2026/03/06/58213.html"),
        ("sections", "demo-sections", "/tw/2026/02/tsmc-halts-7nm-ai-chips.html"),
    ],
)
def test_scrapy_crawl_works_from_the_repository_root(tmp_path, spider, source, expected):
    db_path = tmp_path / "scrapy.db"
    with serve_site(DEMO_SITE) as base_url:
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"sources={source}",
             "-s", f"CHIPWATCH_DB={db_path}", "-s", f"CHIPWATCH_SOURCES={DEMO_SITE / 'sources.toml'}",
             "-s", f"CHIPWATCH_BASE_URL={base_url}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
             "-s", "CHIPWATCH_SITEMAP_MAX_AGE_DAYS=0", "-s", "CHIPWATCH_PARSE_WORKERS=0"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    db = open_db(db_path)
    paths = {urlsplit(u).path for (u,) in db.execute("SELECT url FROM articles")}
    assert expected in paths
    assert {s for (s,) in db.execute("SELECT DISTINCT source FROM articles")} == {source}


def test_gzipped_sitemap(tmp_path):
    """A .xml.gz sitemap (as big sites serve them) is read like a plain one."""
    from scrapy.http import Response, Request
    from scrapy.utils.test import get_crawler

    from chipwatch.crawl import crawl_settings
    from crawler.sources import Source
    from crawler.spiders.sitemaps import SitemapSpider

    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://a.example/news/1.html</loc></url><url><loc>https://a.example/about</loc></url></urlset>"
    ).encode()
    source = Source(id="a", name="A", lang="en", homepage="https://a.example/", feeds=(), sitemaps=("https://a.example/s.xml.gz",),
                    sections=(), article_pattern=r"/news/", official=False, encoding="", enabled=True, notes="")
    ours = {k: v for k, v in crawl_settings(tmp_path / "g.db").copy_to_dict().items() if k.startswith("CHIPWATCH_")}
    crawler = get_crawler(SitemapSpider, ours)
    spider = SitemapSpider.from_crawler(crawler, sources=[source])
    crawler.spider = spider
    response = Response("https://a.example/s.xml.gz", body=gzip.compress(xml), request=Request("https://a.example/s.xml.gz"))
    requests = list(spider.parse_sitemaps(response, source))
    assert [r.url for r in requests] == ["https://a.example/news/1.html"]
