"""The corpus of bad pages (tests.support.hostile.BAD_PAGES): lying or missing charsets, mixed and
truncated encodings, invalid HTML, a gzip bomb, 0 bytes, binary, 50 MB, deep nesting, script only.
Each ends as a stored article or as a failure with its reason; none crashes or stalls."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.support import hostile as h
from chipwatch.demo import LOCAL_SITE_SETTINGS
from crawler.extract import ExtractionError
from crawler.page import MAX_PAGE_BYTES, parse_page
from db.store import open_db

PAGES = {p.name: p for p in h.BAD_PAGES}
DIRECT = [p for p in h.BAD_PAGES if not p.headers]  # Content-Encoding needs the downloader


@pytest.mark.parametrize("name", [p.name for p in DIRECT])
def test_parse_page_decides_quickly(name):
    page = PAGES[name]
    body = page.body()
    started = time.monotonic()
    try:
        parsed = parse_page(body, f"http://example.com{page.path}", page.content_type)
    except ExtractionError as exc:
        assert str(exc)  # a reason a person can read
        assert not page.stored, f"{name} should have been stored: {exc}"
        if len(body) > MAX_PAGE_BYTES:
            assert "MB" in str(exc)
    else:
        assert "\ufffd" not in parsed.article.text and "\x00" not in parsed.article.text
        if page.contains:
            assert page.contains in parsed.article.text
    assert time.monotonic() - started < 10


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    db_path = tmp / "c.db"
    args = [a for k, v in LOCAL_SITE_SETTINGS.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    with h.serve_hostile(h.bad_pages_site(), "127.0.0.8") as base:
        sources = tmp / "sources.toml"
        sources.write_text(h.source_toml("bad", base, feeds=["/feed.xml"]), encoding="utf-8")
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "chipwatch.cli", "crawl", "--db", str(db_path), "--sources", str(sources), "--quiet", *args],
            capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
        )
        seconds = time.monotonic() - started
    return {"result": result, "seconds": seconds, "db": open_db(db_path), "base": base}


def test_the_crawl_neither_crashes_nor_stalls(crawled):
    result = crawled["result"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert crawled["seconds"] < 60
    stats = json.loads(crawled["db"].execute("SELECT stats FROM crawl_runs").fetchone()[0])
    assert stats.get("spider_exceptions/count", 0) == 0


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_page_is_stored_or_failed_with_a_reason(crawled, name):
    page = PAGES[name]
    db = crawled["db"]
    url = crawled["base"] + page.path
    stored = db.execute("SELECT text, encoding FROM articles WHERE url = ?", [url]).fetchall()
    failed = [r for (r,) in db.execute("SELECT reason FROM fetch_failures WHERE url = ?", [url])]
    assert len(stored) + len(failed) == 1, (stored, failed)
    if page.stored:
        assert stored, failed
    if stored:
        text, encoding = stored[0]
        assert encoding and "\ufffd" not in text
        if page.contains:
            assert page.contains in text
    else:
        prefix, _, reason = failed[0].partition(": ")
        assert prefix in ("article", "extraction") and reason


def test_size_limits_name_their_reason(crawled):
    db = crawled["db"]
    reasons = dict(db.execute("SELECT url, reason FROM fetch_failures"))
    base = crawled["base"]
    assert "max size" in reasons[base + PAGES["fifty-megabytes"].path]
    assert "DOWNLOAD_MAXSIZE" in reasons[base + PAGES["gzip-bomb"].path]


def test_binary_is_named_but_utf16_with_a_bom_is_a_page():
    from crawler.page import looks_binary

    assert looks_binary(PAGES["binary-as-html"].body()) and looks_binary(PAGES["png-as-html"].body())
    utf16 = "\ufeff".encode("utf-16-le") + h._article_html("UTF-16 页面", h.ZH_PARAGRAPH).encode("utf-16-le")
    assert not looks_binary(utf16)
    assert not any(looks_binary(p.body()) for p in h.BAD_PAGES if p.stored)


def test_parse_refuses_a_50_mb_file_at_once(tmp_path):
    path = tmp_path / "big.html"
    path.write_bytes(PAGES["fifty-megabytes"].body())
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "chipwatch.cli", "parse", str(path)], capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert result.stderr.strip() == f"chipwatch parse: {path}: page is 50.0 MB, over the 5 MB that are parsed"
