"""Real-world page shapes (issue 14, items 7-10) crawled from a local server, and `chipwatch parse`
agreeing with the crawl: a crawler's wrapper around the page, a gb2312 page with broken bytes,
a date printed in the page against a URL that looks dated, failing pages that back off, and
stale sitemap entries counted in the run's summary. Every page is written here, in code."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from chipwatch.demo import LOCAL_SITE_SETTINGS
from db.store import open_db
from tests.support import hostile as h

PARAGRAPH = "美国商务部工业与安全局周二宣布，将十二家中国实体列入出口管制清单，其中包括多家芯片设计公司和服务器制造商。"


def article(title: str, date_line: str = "", foot: str = "", head: str = '<meta charset="utf-8">') -> str:
    paragraphs = "".join(f"<p>{PARAGRAPH}第{i}段。</p>" for i in range(1, 7))
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head>{head}<title>{title}_示例新闻网</title></head><body>'
            f'<div class="nav"><a href="/">首页</a></div><h1>{title}</h1>{date_line}<div class="content">{paragraphs}</div>'
            f'<div class="foot">{foot}</div></body></html>')


def gb2312_with_broken_bytes(broken: int = 12) -> bytes:
    """GB2312 bytes, declared in the header and the meta tag, with `broken` invalid GBK sequences cp1252 reads strictly."""
    html = article("实体清单新增十二家", '<div class="info">2026年11月18日 09:30</div>',
                   head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    comma = "，".encode("gb2312")
    pieces = html.encode("gb2312").split(comma)
    return b"".join(p + (comma if i < len(pieces) - 1 else b"") + (b"\xa1 " if i < broken else b"") for i, p in enumerate(pieces))


PAGES = {
    "/a/wrapped.html": (f'<text id="55102" title="出口管制清单扩大">\n{article("出口管制清单扩大", "<div class=info>2026年11月19日 08:00</div>")}\n</text>'.encode(), "text/html"),
    "/a/gb2312.html": (gb2312_with_broken_bytes(), "text/html; charset=gb2312"),
    "/2026/11/2bac7fb2.html": (article("清单生效日期公布", foot="本文于2026年11月20日首发").encode(), "text/html; charset=utf-8"),
    "/a/old.html": (article("旧闻").encode(), "text/html; charset=utf-8"),
}
FAILING = {"/a/broken.html": h.status(500), "/a/no-article.html": h.page("<html><body><p>请稍候</p></body></html>")}
FRESH = dt.date.today().isoformat()
STALE = (dt.date.today() - dt.timedelta(days=30)).isoformat()


def sitemap() -> h.Behaviour:
    def answer(handler) -> None:
        entries = [(p, FRESH) for p in [*PAGES, *FAILING] if p != "/a/old.html"] + [("/a/old.html", STALE)]
        urls = "".join(f"<url><loc>{handler.base_url}{p}</loc><lastmod>{d}</lastmod></url>" for p, d in entries)
        h.page(f'<?xml version="1.0" encoding="utf-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
               "application/xml")(handler)

    return answer


def crawl(db_path, sources) -> subprocess.CompletedProcess:
    settings = {**LOCAL_SITE_SETTINGS, "CHIPWATCH_SITEMAP_MAX_AGE_DAYS": 14}
    args = [a for k, v in settings.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    return subprocess.run([sys.executable, "-m", "chipwatch.cli", "crawl", "--db", str(db_path), "--sources", str(sources), *args],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("realworld")
    routes = {path: h.page(body, ctype) for path, (body, ctype) in PAGES.items()} | FAILING | {"/sitemap.xml": sitemap()}
    first, second = [], []
    with h.serve_hostile(routes, "127.0.0.9", requested=first) as base:
        sources = tmp / "sources.toml"
        sources.write_text(h.source_toml("realworld", base, sitemaps=["/sitemap.xml"]), encoding="utf-8")
        runs = [crawl(tmp / "c.db", sources)]
    with h.serve_hostile(routes, "127.0.0.9", port=urlsplit(base).port, requested=second):
        runs.append(crawl(tmp / "c.db", sources))
    return {"db": open_db(tmp / "c.db"), "base": base, "runs": runs, "first": first, "second": second, "tmp": tmp}


def stored(crawled, path):
    return crawled["db"].execute(
        "SELECT title, text, published_at, encoding, encoding_replaced FROM articles WHERE url = ?", [crawled["base"] + path]
    ).fetchone()


def parsed(crawled, path):
    body, _ = PAGES[path]
    file = crawled["tmp"] / path.replace("/", "_")
    file.write_bytes(body)
    out = subprocess.run([sys.executable, "-m", "chipwatch.cli", "parse", str(file), "--url", crawled["base"] + path],
                         capture_output=True, text=True, timeout=60)
    return json.loads(out.stdout)


@pytest.mark.parametrize("path", ["/a/wrapped.html", "/a/gb2312.html", "/2026/11/2bac7fb2.html"])
def test_crawl_and_parse_agree(crawled, path):
    title, text, published_at, encoding, replaced = stored(crawled, path)
    line = parsed(crawled, path)
    assert (line["title"], line["text"], line["published_at"], line["encoding"], line["encoding_replaced"]) == (
        title, text, published_at, encoding, replaced)


def test_a_wrapped_page_is_stored(crawled):
    title, text, published_at, _, _ = stored(crawled, "/a/wrapped.html")
    assert title == "出口管制清单扩大"
    assert text.count("第") == 6 and published_at == "2026-11-19T08:00:00+08:00"


def test_a_gb2312_page_with_broken_bytes_is_chinese_with_the_bytes_counted(crawled):
    title, text, _, encoding, replaced = stored(crawled, "/a/gb2312.html")
    assert (title, encoding, replaced) == ("实体清单新增十二家", "gb18030", 12)
    assert "出口管制清单" in text and "\ufffd" not in text
    hits = crawled["db"].execute("SELECT count(*) FROM articles WHERE text LIKE '%出口管制清单%'").fetchone()[0]
    assert hits == 3


def test_the_printed_date_beats_the_url(crawled):
    assert stored(crawled, "/2026/11/2bac7fb2.html")[2] == "2026-11-20"


def test_failed_pages_back_off_with_one_row_each(crawled):
    rows = crawled["db"].execute("SELECT url, attempts, retry_after > at FROM fetch_failures ORDER BY url").fetchall()
    assert rows == [(crawled["base"] + "/a/broken.html", 1, 1), (crawled["base"] + "/a/no-article.html", 1, 1)]
    assert set(FAILING) <= set(crawled["first"])
    assert not set(FAILING) & set(crawled["second"])  # the second run, within the hour, does not ask again
    assert "2 failed pages waiting to be retried" in crawled["runs"][1].stdout


def test_stale_sitemap_entries_are_counted_in_the_summary(crawled):
    assert "/a/old.html" not in crawled["first"]
    assert crawled["runs"][0].returncode == 0, crawled["runs"][0].stderr
    assert "1 stale sitemap entries skipped" in crawled["runs"][0].stdout
    stats = json.loads(crawled["db"].execute("SELECT stats FROM crawl_runs ORDER BY id LIMIT 1").fetchone()[0])
    assert stats["chipwatch/sitemap_entries_stale"] == 1
