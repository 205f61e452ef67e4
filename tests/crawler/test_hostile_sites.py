"""Sites that hang, drop connections, storm with 429/503, loop redirects, stream endless or huge
bodies, or fail robots.txt: the crawl finishes within its limits, the well-behaved source is
crawled completely, and every failure is a row in fetch_failures and a count in the run's stats."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import ExitStack

import pytest

from tests.support import hostile as h
from chipwatch.demo import LOCAL_SITE_SETTINGS
from bench.sitegen import generated_page_path, serve_generated_site
from db.store import open_db

GOOD_PAGES = 12
TIMEOUT = 3  # DOWNLOAD_TIMEOUT for this crawl: hanging answers cost TIMEOUT x (1 + RETRY_TIMES)

ARTICLES = {
    "/hang-after-headers": h.hang_after_headers(),
    "/hang-before-headers": h.hang_before_headers(),
    "/drop-mid-body": h.drop_mid_body(),
    "/storm-429": h.status(429),
    "/storm-503": h.status(503),
    "/loop-a": h.redirect("/loop-b"),
    "/loop-b": h.redirect("/loop-a"),
    "/self-redirect": h.redirect("/self-redirect", 301),
    "/endless": h.endless(),
    "/trickle": h.trickle(),
    "/huge": h.huge(50 * h.MB),
    "/huge-no-length": h.huge(50 * h.MB, declare_length=False),
    "/gzip-bomb": h.gzip_bomb(),
}
# What fetch_failures must say about each, as a substring of the reason.
REASONS = {
    "/hang-after-headers": "Timeout",
    "/hang-before-headers": "Timeout",
    "/drop-mid-body": "",
    "/storm-429": "HTTP 429",
    "/storm-503": "HTTP 503",
    "/loop-a": "redirect",
    "/self-redirect": "redirect",
    "/endless": "",
    "/trickle": "Timeout",
    "/huge": "",
    "/huge-no-length": "",
    "/gzip-bomb": "",
}
GOOD_ARTICLE = h.page(h._article_html("一篇正常的文章", h.ZH_PARAGRAPH))


def hostile_sites(stack: ExitStack) -> tuple[str, dict[str, str]]:
    """Start the hostile sites, each on its own loopback address; return a sources TOML and the base URLs."""
    bases = {}
    bases["articles"] = stack.enter_context(h.serve_hostile({**ARTICLES, "/feed.xml": h.feed([p for p in ARTICLES if p != "/loop-b"])}, "127.0.0.2"))
    bases["robots-hang"] = stack.enter_context(
        h.serve_hostile({"/robots.txt": h.hang_after_headers(), "/feed.xml": h.feed(["/ok.html"]), "/ok.html": GOOD_ARTICLE}, "127.0.0.3")
    )
    bases["robots-500"] = stack.enter_context(
        h.serve_hostile({"/robots.txt": h.status(500), "/feed.xml": h.feed(["/ok.html"]), "/ok.html": GOOD_ARTICLE}, "127.0.0.4")
    )
    bases["robots-drop"] = stack.enter_context(
        h.serve_hostile({"/robots.txt": h.drop_mid_body(), "/feed.xml": h.feed(["/ok.html"]), "/ok.html": GOOD_ARTICLE}, "127.0.0.5")
    )
    bases["listing-storm"] = stack.enter_context(h.serve_hostile({"/feed.xml": h.status(503)}, "127.0.0.6"))
    bases["listing-hang"] = stack.enter_context(h.serve_hostile({"/feed.xml": h.hang_after_headers()}, "127.0.0.7"))
    bases["good"] = stack.enter_context(serve_generated_site(GOOD_PAGES))
    toml = h.source_toml("good", bases["good"], sitemaps=["/sitemap.xml"])
    for name, base in bases.items():
        if name != "good":
            toml += h.source_toml(name, base, feeds=["/feed.xml"])
    return toml, bases


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    db_path = tmp / "c.db"
    settings = {**LOCAL_SITE_SETTINGS, "DOWNLOAD_TIMEOUT": TIMEOUT}
    args = [a for k, v in settings.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    with ExitStack() as stack:
        toml, bases = hostile_sites(stack)
        sources = tmp / "sources.toml"
        sources.write_text(toml, encoding="utf-8")
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "chipwatch.cli", "run", "--db", str(db_path), "--sources", str(sources), "--quiet", *args],
            capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
        )
        seconds = time.monotonic() - started
    db = open_db(db_path)
    return {"result": result, "seconds": seconds, "db": db, "bases": bases}


def failures(db, source):
    return {url: reason for url, reason in db.execute("SELECT url, reason FROM fetch_failures WHERE source = ?", [source])}


def test_the_crawl_finishes_within_its_limits(crawled):
    result = crawled["result"]
    # The two listings that could not be read are the only lines, and make the exit code 1;
    # article pages that fail are recorded, not reported (a few always fail on real sites).
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert sorted(line.split(":")[1].strip() for line in lines) == ["source listing-hang", "source listing-storm"], result.stderr
    # Hanging answers are cut at DOWNLOAD_TIMEOUT, three tries each, in parallel across sites.
    assert crawled["seconds"] < 90


def test_the_well_behaved_source_is_crawled_completely(crawled):
    db = crawled["db"]
    base = crawled["bases"]["good"]
    stored = {url for (url,) in db.execute("SELECT url FROM articles WHERE source = 'good'")}
    assert stored == {base + generated_page_path(i) for i in range(1, GOOD_PAGES + 1)}
    assert failures(db, "good") == {}


@pytest.mark.parametrize("path", sorted(REASONS))
def test_each_hostile_answer_is_a_recorded_failure(crawled, path):
    db = crawled["db"]
    recorded = failures(db, "articles")
    url = crawled["bases"]["articles"] + path
    assert url in recorded, recorded
    assert recorded[url].startswith("article: ")
    assert REASONS[path] in recorded[url]
    assert not db.execute("SELECT 1 FROM articles WHERE url = ?", [url]).fetchone()


@pytest.mark.parametrize("site", ["robots-hang", "robots-500", "robots-drop"])
def test_a_failing_robots_txt_does_not_stop_the_site(crawled, site):
    db = crawled["db"]
    assert [u for (u,) in db.execute("SELECT url FROM articles WHERE source = ?", [site])] == [crawled["bases"][site] + "/ok.html"]


@pytest.mark.parametrize(("site", "reason"), [("listing-storm", "HTTP 503"), ("listing-hang", "Timeout")])
def test_a_failing_listing_is_recorded(crawled, site, reason):
    recorded = failures(crawled["db"], site)
    assert list(recorded) == [crawled["bases"][site] + "/feed.xml"]
    assert recorded[crawled["bases"][site] + "/feed.xml"].startswith("listing: ") and reason in recorded[crawled["bases"][site] + "/feed.xml"]


def test_the_run_records_its_failures(crawled):
    db = crawled["db"]
    run_id, failed, stats = db.execute("SELECT id, failures, stats FROM crawl_runs").fetchone()
    stats = json.loads(stats)
    assert failed == db.execute("SELECT count(*) FROM fetch_failures WHERE crawl_run_id = ?", [run_id]).fetchone()[0]
    assert failed >= len(REASONS) + 2
    assert stats["chipwatch/listing_failed"] == 2
    assert stats["chipwatch/article_failed"] >= len(REASONS)
    assert stats["finish_reason"] == "finished"


def test_chipwatch_crawl_reports_a_failing_robots_txt_in_one_line_per_problem(tmp_path):
    """Scrapy logs a whole traceback when robots.txt fails; `chipwatch crawl` (not only `run`) keeps it to one line, -v shows it."""
    routes = {"/robots.txt": h.drop_mid_body(), "/feed.xml": h.feed(["/ok.html"]), "/ok.html": GOOD_ARTICLE}
    args = [a for k, v in LOCAL_SITE_SETTINGS.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    with h.serve_hostile(routes, "127.0.0.8") as base:
        sources = tmp_path / "sources.toml"
        sources.write_text(h.source_toml("robots-drop", base, feeds=["/feed.xml"]), encoding="utf-8")
        crawl = [sys.executable, "-m", "chipwatch.cli", "crawl", "--db", str(tmp_path / "c.db"), "--sources", str(sources), *args]
        quiet = subprocess.run(crawl, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        verbose = subprocess.run([*crawl[:3], "-v", *crawl[3:]], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert quiet.returncode == 0, quiet.stderr
    assert "1 new articles" in quiet.stdout
    lines = quiet.stderr.strip().splitlines()
    assert lines and all(line.startswith(("WARNING ", "ERROR ")) for line in lines), quiet.stderr
    assert any("robots.txt" in line for line in lines)
    assert "Traceback" in verbose.stderr
