"""A real crawl of the fixture site over HTTP on 127.0.0.1, through the `chipwatch` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from chipwatch.demo import DEMO_SITE, LOCAL_SITE_SETTINGS
from chipwatch.siteserver import load_manifest, serve_site
from db.store import open_db

PAGES = load_manifest(DEMO_SITE)
STORIES = {p.path for p in PAGES if p.kind == "article"}
COPIES = {p.path for p in PAGES if p.kind == "aggregator_copy"}
FAILING = {p.path for p in PAGES if p.kind in ("broken", "large")}
BLOCKED = {p.path for p in PAGES if p.kind == "blocked"}


def crawl(db_path: Path, base_url: str, *extra: str) -> subprocess.CompletedProcess:
    settings = [arg for name, value in LOCAL_SITE_SETTINGS.items() for arg in ("-s", f"{name}={json.dumps(value)}")]
    return subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "crawl", "--db", str(db_path), "--sources", str(DEMO_SITE / "sources.toml"),
         "--base-url", base_url, "--quiet", *settings, *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Two crawls of the same site into one database, with every request the server saw."""
    db_path = tmp_path_factory.mktemp("crawl") / "chipwatch.db"
    first_requests: list[str] = []
    second_requests: list[str] = []
    with serve_site(DEMO_SITE, requested=first_requests) as base_url:
        first = crawl(db_path, base_url)
    with serve_site(DEMO_SITE, port=urlsplit(base_url).port, requested=second_requests):
        second = crawl(db_path, base_url)
    return {"db": open_db(db_path), "first": first, "second": second, "base": base_url,
            "first_requests": first_requests, "second_requests": second_requests}


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_crawl_succeeds(crawled):
    assert crawled["first"].returncode == 0, crawled["first"].stderr
    assert crawled["second"].returncode == 0, crawled["second"].stderr


def test_every_story_is_stored_once(crawled):
    db = crawled["db"]
    stored = [path_of(url) for (url,) in db.execute("SELECT url FROM articles")]
    assert sorted(stored) == sorted(STORIES | COPIES)


def test_aggregator_copies_are_linked_to_their_originals(crawled):
    db = crawled["db"]
    links = {
        (path_of(copy), path_of(original))
        for copy, original in db.execute("SELECT c.url, o.url FROM articles c JOIN articles o ON o.id = c.duplicate_of")
    }
    assert links == {
        ("/agg/2026/03/06/58213.html", "/news/2026/03/singapore-gpu-smuggling.html"),
        ("/agg/2026/03/12/world-tech-4471.html", "/en/2026/03/commerce-adds-entities.html"),
    }


def test_failures_are_recorded_with_reasons(crawled):
    db = crawled["db"]
    run = db.execute("SELECT min(id) FROM crawl_runs").fetchone()[0]
    reasons = {path_of(url): reason for url, reason in db.execute("SELECT url, reason FROM fetch_failures WHERE crawl_run_id = ?", [run])}
    assert set(reasons) == FAILING | BLOCKED | {"/news/2025/09/yangtze-memory-listing.html"}
    assert reasons["/news/2026/02/rare-earth-magnet-exports.html"] == "article: HTTP 500"
    assert reasons["/news/2025/09/yangtze-memory-listing.html"] == "article: HTTP 404"
    assert reasons["/private/news/2026/03/fab-tool-inventory.html"] == "article: forbidden by robots.txt"
    assert "larger than download max size" in reasons["/news/2026/03/annual-controls-report.html"]
    assert reasons["/news/2026/01/eda-software-controls.html"].startswith("extraction:")


def test_robots_txt_is_obeyed(crawled):
    assert "/robots.txt" in crawled["first_requests"]
    assert not any(r.startswith("/private/") for r in crawled["first_requests"] + crawled["second_requests"])


@pytest.mark.parametrize(
    ("path", "encoding", "words"),
    [
        ("/news/2025/11/gallium-germanium-licence.html", "gb18030", ["镓", "锗", "锑"]),  # GB2312, no charset
        ("/news/2026/02/cloud-a100-rental.html", "gb18030", ["租用", "A100"]),  # GBK, header says utf-8
        ("/news/2025/11/nvidia-china-variant.html", "gb18030", ["喆", "镕"]),  # GB18030 labelled gb2312
        ("/tw/2026/02/tsmc-halts-7nm-ai-chips.html", "cp950", ["晶片"]),  # Big5
        ("/news/2026/01/ascend-910c-orders.html", "utf-8", ["昇腾", "910C"]),  # with a BOM, no declaration
    ],
)
def test_encodings_decode_cleanly(crawled, path, encoding, words):
    row = crawled["db"].execute("SELECT encoding, title, text FROM articles WHERE url = ?", [crawled["base"] + path]).fetchone()
    assert row is not None
    assert row[0] == encoding
    assert all(w in row[2] for w in words)
    assert "\ufffd" not in row[1] + row[2]


def test_tracking_parameters_never_reach_the_database_or_the_server(crawled):
    db = crawled["db"]
    assert not [u for (u,) in db.execute("SELECT url FROM article_urls") if "utm_" in u]
    assert not [r for r in crawled["first_requests"] if "utm_" in r]


def test_og_url_is_used_as_canonical(crawled):
    row = crawled["db"].execute(
        "SELECT canonical_url FROM articles WHERE url = ?", [crawled["base"] + "/en/2026/02/cloud-gpu-remote-access.html"]
    ).fetchone()
    assert row[0] == crawled["base"] + "/en/2026/02/cloud-gpu-remote-access.html"


def test_languages(crawled):
    counts = dict(crawled["db"].execute("SELECT lang, count(*) FROM articles GROUP BY lang").fetchall())
    expected: dict[str, int] = {}
    for page in PAGES:
        if page.kind in ("article", "aggregator_copy"):
            expected[page.lang] = expected.get(page.lang, 0) + 1
    assert counts == expected


def test_recrawl_fetches_no_stored_story(crawled):
    db = crawled["db"]
    stored_paths = {path_of(u) for (u,) in db.execute("SELECT url FROM articles")}
    assert not stored_paths & {r.split("?")[0] for r in crawled["second_requests"]}
    runs = db.execute("SELECT status, pages_stored, duplicates FROM crawl_runs ORDER BY id").fetchall()
    assert runs == [("ok", len(STORIES | COPIES), len(COPIES)), ("ok", 0, 0)]


def test_crawl_with_no_readable_listing_fails(tmp_path):
    with serve_site(DEMO_SITE) as base_url:
        pass  # the server is gone: nothing answers on that port any more
    result = crawl(tmp_path / "x.db", base_url, "-s", "RETRY_TIMES=0")
    assert result.returncode == 1
    assert "no listing could be read" in result.stderr
    db = open_db(tmp_path / "x.db")
    assert db.execute("SELECT status FROM crawl_runs").fetchall() == [("failed",)]
