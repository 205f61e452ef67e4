"""Hostile sitemaps and links (issue 14, items 1, 2 and 6): one crawl of several hostile sources,
each on its own loopback address, beside a well-behaved one.

- a sitemap index naming file:, data: and ftp: sitemaps: none is read, nothing inside them is requested;
- a huge index, a deep one and a "fractal" one (every child an index of new children): the crawl
  stops at the depth, children and per-source listing caps, says so in its stats and summary;
- a gzipped sitemap bomb served without Content-Encoding: a fetch_failures row with its reason;
- feed links and redirects to another loopback address (not a configured source): refused.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from contextlib import ExitStack

import pytest

from bench.sitegen import generated_page_path, serve_generated_site
from chipwatch.demo import LOCAL_SITE_SETTINGS
from db.store import open_db
from tests.support import hostile as h

GOOD_PAGES = 6
CAPS = {"CHIPWATCH_SITEMAP_MAX_CHILDREN": 20, "CHIPWATCH_MAX_LISTINGS_PER_SOURCE": 40, "CHIPWATCH_SITEMAP_MAX_DEPTH": 3}
ARTICLE = h.page(h._article_html("一篇正常的文章", h.ZH_PARAGRAPH))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sitemaps")
    requested: dict[str, list[str]] = {name: [] for name in ("files", "wide", "deep", "fractal", "bomb", "links", "internal")}
    local_sitemap = tmp / "local-sitemap.xml"
    with ExitStack() as stack:

        def serve(name, routes, host):
            return stack.enter_context(h.serve_hostile(routes, host, requested=requested[name]))

        # Not a source: a service on another loopback address that links and redirects point at.
        internal = serve("internal", {"/secret.html": ARTICLE, "/secret2.html": ARTICLE}, "127.0.0.20")
        # Routes are read per request, so the pages naming the site's own URL are added once it is up.
        files_routes = {"/inner.xml": h.xml(h.urlset([])), "/from-file.html": ARTICLE, "/from-data.html": ARTICLE}
        links_routes = {"/ok.html": ARTICLE, "/go": h.redirect(f"{internal}/secret2.html")}
        bases = {
            "files": serve("files", files_routes, "127.0.0.21"),
            "wide": serve("wide", h.SitemapTree(1000, levels=1), "127.0.0.22"),
            "deep": serve("deep", h.SitemapTree(2, levels=10), "127.0.0.23"),
            "fractal": serve("fractal", h.SitemapTree(50), "127.0.0.24"),
            "bomb": serve("bomb", {"/sm/0.xml": h.page(h.sitemap_bomb(), "application/octet-stream")}, "127.0.0.25"),
            "links": serve("links", links_routes, "127.0.0.26"),
            "good": stack.enter_context(serve_generated_site(GOOD_PAGES)),
            "internal": internal,
        }
        files = bases["files"]
        # A sitemap-shaped local file and a data: sitemap, each naming a page on the site.
        local_sitemap.write_bytes(h.urlset([f"{files}/from-file.html"]))
        data_url = "data:text/xml;base64," + base64.b64encode(h.urlset([f"{files}/from-data.html"])).decode()
        children = [f"file://{local_sitemap}", "file:///etc/passwd", "file:///dev/zero", data_url, f"ftp://{files[7:]}/x.xml", f"{files}/inner.xml"]
        files_routes["/sitemap.xml"] = h.xml(h.sitemap_index(children))
        links_routes["/feed.xml"] = h.page(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>links</title>'
            f"<item><title>a</title><link>{bases['links']}/ok.html</link></item>"
            f"<item><title>b</title><link>{internal}/secret.html</link></item>"
            f"<item><title>c</title><link>{bases['links']}/go</link></item>"
            "</channel></rss>",
            "application/rss+xml; charset=utf-8",
        )
        toml = h.source_toml("good", bases["good"], sitemaps=["/sitemap.xml"])
        toml += h.source_toml("files", files, sitemaps=["/sitemap.xml"])
        for name in ("wide", "deep", "fractal", "bomb"):
            toml += h.source_toml(name, bases[name], sitemaps=["/sm/0.xml"])
        toml += h.source_toml("links", bases["links"], feeds=["/feed.xml"])
        sources = tmp / "sources.toml"
        sources.write_text(toml, encoding="utf-8")
        settings = {**LOCAL_SITE_SETTINGS, **CAPS, "DOWNLOAD_TIMEOUT": 10}
        args = [a for k, v in settings.items() for a in ("-s", f"{k}={json.dumps(v)}")]
        db_path = tmp / "c.db"
        result = subprocess.run(
            [sys.executable, "-m", "chipwatch.cli", "crawl", "--db", str(db_path), "--sources", str(sources), *args],
            capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
        )
    db = open_db(db_path)
    stats = json.loads(db.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    return {"result": result, "db": db, "bases": bases, "requested": requested, "stats": stats}


def sitemaps_requested(crawled, site):
    return [p for p in crawled["requested"][site] if p.endswith(".xml")]


def failures(db, source):
    return {url: reason for url, reason in db.execute("SELECT url, reason FROM fetch_failures WHERE source = ?", [source])}


def test_the_crawl_succeeds_and_the_good_source_is_complete(crawled):
    result = crawled["result"]
    assert result.returncode == 0, result.stderr
    assert "error in chipwatch's own code" not in result.stderr
    base = crawled["bases"]["good"]
    stored = {url for (url,) in crawled["db"].execute("SELECT url FROM articles WHERE source = 'good'")}
    assert stored == {base + generated_page_path(i) for i in range(1, GOOD_PAGES + 1)}


def test_no_sitemap_child_but_http_is_requested(crawled):
    # The file: and data: sitemaps were not read: the pages they name were never asked for.
    assert crawled["requested"]["files"] == ["/robots.txt", "/sitemap.xml", "/inner.xml"]
    assert crawled["stats"]["chipwatch/refused/scheme"] == 5
    assert not crawled["db"].execute("SELECT 1 FROM articles WHERE source = 'files'").fetchone()


def test_a_huge_index_stops_at_the_children_cap(crawled):
    assert len(sitemaps_requested(crawled, "wide")) == 1 + CAPS["CHIPWATCH_SITEMAP_MAX_CHILDREN"]
    assert crawled["stats"]["chipwatch/capped/sitemap_children"] >= 1


def test_a_deep_index_stops_at_the_depth_cap(crawled):
    # depth 0 (the configured sitemap) to 3: 1 + 2 + 4 + 8 requests.
    assert len(sitemaps_requested(crawled, "deep")) == 15
    assert crawled["stats"]["chipwatch/capped/sitemap_depth"] >= 1


def test_a_fractal_index_stops_at_the_source_cap(crawled):
    assert len(sitemaps_requested(crawled, "fractal")) == CAPS["CHIPWATCH_MAX_LISTINGS_PER_SOURCE"]
    assert crawled["stats"]["chipwatch/capped/listings_per_source"] >= 1


def test_the_summary_says_which_caps_were_reached(crawled):
    out = crawled["result"].stdout
    assert "cap reached:" in out and "CHIPWATCH_SITEMAP_MAX_CHILDREN" in out, out
    assert "CHIPWATCH_SITEMAP_MAX_DEPTH" in out and "CHIPWATCH_MAX_LISTINGS_PER_SOURCE" in out, out


def test_a_gzipped_sitemap_bomb_is_a_recorded_failure(crawled):
    recorded = failures(crawled["db"], "bomb")
    assert list(recorded) == [crawled["bases"]["bomb"] + "/sm/0.xml"]
    assert "expands past" in recorded[crawled["bases"]["bomb"] + "/sm/0.xml"]
    assert "spider_exceptions/count" not in crawled["stats"]


def test_links_and_redirects_to_an_internal_address_are_refused(crawled):
    base = crawled["bases"]["links"]
    assert [u for (u,) in crawled["db"].execute("SELECT url FROM articles WHERE source = 'links'")] == [base + "/ok.html"]
    assert crawled["requested"]["internal"] == []
    recorded = failures(crawled["db"], "links")
    assert sorted(recorded) == sorted([f"{crawled['bases']['internal']}/secret.html", f"{base}/go"])
    assert all("private, loopback or link-local" in reason for reason in recorded.values()), recorded
    assert crawled["stats"]["chipwatch/refused/private_address"] == 2


def test_a_foreign_canonical_does_not_suppress_another_sites_story(tmp_path):
    """Issue 14 item 3: a hostile page whose rel=canonical names a legitimate site's story is stored
    with that canonical recorded; the legitimate story is still fetched and stored by a later crawl."""
    settings = [a for k, v in LOCAL_SITE_SETTINGS.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    db_path = tmp_path / "c.db"
    with serve_generated_site(2) as legit:
        victim = legit + generated_page_path(1)
        head = f'<meta charset="utf-8"><link rel="canonical" href="{victim}"><meta property="og:url" content="{victim}">'
        hostile = {"/feed.xml": h.feed(["/claim.html"]), "/claim.html": h.page(h._article_html("冒名的文章", h.EN_PARAGRAPH, head=head))}
        with h.serve_hostile(hostile, "127.0.0.28") as evil:
            for source_id, toml in (("evil", h.source_toml("evil", evil, feeds=["/feed.xml"])), ("legit", h.source_toml("legit", legit, sitemaps=["/sitemap.xml"]))):
                sources = tmp_path / f"{source_id}.toml"
                sources.write_text(toml, encoding="utf-8")
                crawl = [sys.executable, "-m", "chipwatch.cli", "crawl", "--db", str(db_path), "--sources", str(sources), *settings]
                result = subprocess.run(crawl, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
                assert result.returncode == 0, result.stderr
    db = open_db(db_path)
    stored = dict(db.execute("SELECT url, canonical_url FROM articles"))
    assert stored[evil + "/claim.html"] == victim
    assert victim in stored
