"""The fixture news site and its server: every manifest page is served byte-for-byte as declared.

Over 400 lines: one test per promise of the demo site's README (feeds, sitemaps, encodings,
robots.txt, errors) and of the generated benchmark site, which share the server.
"""

from __future__ import annotations

import codecs
import http.client
import itertools
import json
import re
import subprocess
import sys
import tomllib
import unicodedata
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pytest

from chipwatch.siteserver import DEMO_SITE_DIR, SiteError, load_manifest, serve_site
from bench.sitegen import generated_article, generated_sources_toml, serve_generated_site

PAGES = load_manifest()
BY_PATH = {page.path: page for page in PAGES}
ARTICLES = [page for page in PAGES if page.kind == "article"]

GB2312_NO_CHARSET = "/news/2025/11/gallium-germanium-licence.html"
GBK_LYING_HEADER = "/news/2026/02/cloud-a100-rental.html"
GB18030_LABELLED_GB2312 = "/news/2025/11/nvidia-china-variant.html"
BIG5_HTTP_EQUIV = "/tw/2026/02/tsmc-halts-7nm-ai-chips.html"
UTF8_BOM = "/news/2026/01/ascend-910c-orders.html"
CANONICAL_WITH_UTM = "/news/2026/03/entity-list-additions.html"
OG_URL_ONLY = "/en/2026/02/cloud-gpu-remote-access.html"
TRUNCATED = "/news/2026/03/smic-7nm-capacity.html"
SERVER_ERROR = "/news/2026/02/rare-earth-magnet-exports.html"
EMPTY = "/news/2026/01/eda-software-controls.html"
DELETED = "/news/2025/09/yangtze-memory-listing.html"
LARGE = "/news/2026/03/annual-controls-report.html"
PRIVATE = "/private/news/2026/03/fab-tool-inventory.html"
AGGREGATOR_COPIES = {
    "/agg/2026/03/06/58213.html": "/news/2026/03/singapore-gpu-smuggling.html",
    "/agg/2026/03/12/world-tech-4471.html": "/en/2026/03/commerce-adds-entities.html",
}
DISCOVERY_KINDS = ("feed", "sitemap", "section")
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


@pytest.fixture(scope="module")
def base_url():
    with serve_site() as url:
        print(f"demo site at {url}")
        yield url


def fetch(url: str, method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
    """Status, headers and body; HTTP errors are answers here, not exceptions."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def expected_body(page, base: str) -> bytes:
    """The manifest's promise, computed without the server: file text, {base} replaced, encoded, cut."""
    text = (DEMO_SITE_DIR / page.file).read_text(encoding="utf-8") if page.file else ""
    body = text.replace("{base}", base).encode(page.encoding)
    return body[: page.truncate] if page.truncate else body


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.meta: dict[str, str] = {}
        self.canonical: list[str] = []

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "a" and attr.get("href"):
            self.hrefs.append(attr["href"])
        elif tag == "link" and attr.get("href"):
            self.hrefs.append(attr["href"])
            if attr.get("rel") == "canonical":
                self.canonical.append(attr["href"])
        elif tag == "meta" and (attr.get("property") or attr.get("name")):
            self.meta[attr.get("property") or attr.get("name")] = attr.get("content", "")


def parse_html(text: str) -> _Links:
    parser = _Links()
    parser.feed(text)
    return parser


def page_text(path: str) -> str:
    return (DEMO_SITE_DIR / BY_PATH[path].file).read_text(encoding="utf-8")


def discovered_urls(base: str, page) -> list[str]:
    """Absolute URLs a crawler reads out of one feed, sitemap or list page."""
    status, _, body = fetch(base + page.path)
    assert status == 200
    if page.path.endswith(".json"):
        return [item["url"] for item in json.loads(body)["items"]]
    if page.kind == "feed" and page.path.endswith("rss.xml"):
        return [link.text for link in ET.fromstring(body).iterfind("channel/item/link")]
    if page.kind == "feed":
        return [link.get("href") for link in ET.fromstring(body).iterfind("atom:entry/atom:link", NS)]
    if page.kind == "sitemap":
        return [loc.text for loc in ET.fromstring(body).iterfind(".//sm:loc", NS)]
    return [urljoin(base + page.path, href) for href in parse_html(body.decode("utf-8")).hrefs]


def path_of(url: str) -> str:
    return urlsplit(url).path


# ---------------------------------------------------------------------------- the manifest


def test_manifest_has_the_promised_mix():
    langs = Counter(page.lang for page in ARTICLES)
    assert len(ARTICLES) >= 24
    assert langs["zh"] >= 10 and langs["zh-Hant"] >= 5 and langs["en"] >= 8
    kinds = Counter(page.kind for page in PAGES)
    assert kinds["aggregator_copy"] == 2 and kinds["large"] == 1 and kinds["blocked"] == 1
    assert kinds["broken"] == 4 and kinds["feed"] == 3 and kinds["sitemap"] == 3
    encodings = {page.encoding for page in PAGES}
    assert {"utf-8", "utf-8-sig", "gb2312", "gbk", "gb18030", "big5"} <= encodings


def test_every_file_is_utf8_and_every_article_is_a_full_news_page():
    for page in PAGES:
        if page.file:
            (DEMO_SITE_DIR / page.file).read_text(encoding="utf-8")
    for page in ARTICLES:
        text = page_text(page.path)
        links = parse_html(text)
        site = links.meta["og:site_name"]
        title = re.search(r"<title>(.*?)</title>", text).group(1)
        assert title.endswith(f" - {site}"), page.path
        assert links.meta["description"] and links.meta["og:title"] in title
        assert links.meta["og:url"] == "{base}" + page.path
        if page.path != OG_URL_ONLY:
            assert links.canonical == ["{base}" + page.path]
        assert "article:published_time" in links.meta or re.search(r'class="time">\d{4}[-/]\d\d[-/]\d\d', text)
        for part in ("<header", "<nav", '<aside class="sidebar"', "<footer", "&copy;", 'class="author"'):
            assert part in text, (page.path, part)
        body = re.search(r'<div class="article-body">(.*?)</div>', text, re.S).group(1)
        assert 4 <= body.count("<p>") <= 10, page.path
        related = re.search(r'<aside class="sidebar">(.*?)</aside>', text, re.S).group(1)
        assert len(re.findall(r'<a href="/(?:news|tw|en)/', related)) >= 3, page.path


def test_load_manifest_rejects_mistakes(tmp_path):
    (tmp_path / "a.html").write_text("<p>镕</p>", encoding="utf-8")
    cases = {
        'path = "/a"\nfile = "a.html"\ncolour = "red"': "unknown key",
        'path = "/a"\nfile = "missing.html"': "no such file",
        'path = "/a"\nfile = "a.html"\nencoding = "gb2312"': "cannot be served as gb2312",
        'path = "/a"\nfile = "a.html"\nkind = "story"': "kind",
        'path = "/a"\ngenerate = "huge:10"': "generate",
        'path = "a"\nfile = "a.html"': "path must start",
    }
    for table, message in cases.items():
        (tmp_path / "site.toml").write_text(f"[[page]]\n{table}\n", encoding="utf-8")
        with pytest.raises(SiteError, match=message):
            load_manifest(tmp_path)


# ---------------------------------------------------------------------------- serving


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.path)
def test_page_is_served_as_declared(base_url, page):
    status, headers, body = fetch(base_url + page.path)
    assert status == page.status
    assert headers.get("Content-Type") == (page.content_type or None)
    assert int(headers["Content-Length"]) == len(body)
    if page.generate:
        assert len(body) == int(page.generate.split(":")[1])
    else:
        assert body == expected_body(page, base_url)
        assert b"{base}" not in body


def test_gb2312_page_has_no_charset_anywhere(base_url):
    _, headers, body = fetch(base_url + GB2312_NO_CHARSET)
    assert headers["Content-Type"] == "text/html"
    assert b"charset" not in body.lower() and not body.startswith(codecs.BOM_UTF8)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "镓锗锑" in body.decode("gb2312")


def test_gbk_page_header_lies_about_utf8(base_url):
    _, headers, body = fetch(base_url + GBK_LYING_HEADER)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"charset" not in body.lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "租用A100" in body.decode("gbk")


def test_page_labelled_gb2312_needs_gb18030(base_url):
    _, headers, body = fetch(base_url + GB18030_LABELLED_GB2312)
    assert "charset" not in headers["Content-Type"]
    assert b'<meta charset="gb2312">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    text = body.decode("gb18030")
    assert "陈喆" in text and "刘镕" in text


def test_big5_page_declared_by_http_equiv(base_url):
    _, headers, body = fetch(base_url + BIG5_HTTP_EQUIV)
    assert "charset" not in headers["Content-Type"]
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=big5">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "台積電暫停對中國大陸客戶出貨7奈米以下AI晶片" in body.decode("big5")


def test_utf8_page_with_bom_and_no_declaration(base_url):
    _, headers, body = fetch(base_url + UTF8_BOM)
    assert body.startswith(codecs.BOM_UTF8)
    assert "charset" not in headers["Content-Type"] and b"charset" not in body.lower()
    assert "昇腾910C" in body.decode("utf-8-sig")


def test_truncated_page_stops_mid_character(base_url):
    page = BY_PATH[TRUNCATED]
    status, _, body = fetch(base_url + TRUNCATED)
    full = page_text(TRUNCATED).encode("utf-8")
    assert status == 200 and len(body) == page.truncate < len(full) and full.startswith(body)
    with pytest.raises(UnicodeDecodeError, match="unexpected end of data"):
        body.decode("utf-8")
    assert b"</head>" in body and b"</p>" not in body.split(b'class="article-body">')[1]


def test_failing_pages(base_url):
    assert fetch(base_url + SERVER_ERROR)[0] == 500
    assert fetch(base_url + DELETED)[0] == 404
    status, headers, body = fetch(base_url + EMPTY)
    assert status == 200 and body == b"" and "Content-Type" not in headers


def test_large_page_is_streamed_whole_and_head_is_cheap(base_url):
    status, headers, body = fetch(base_url + LARGE)
    assert status == 200 and len(body) == 12_000_000 == int(headers["Content-Length"])
    assert body.startswith(b"<!DOCTYPE html>") and body.rstrip().endswith(b"</html>")
    body.decode("utf-8")
    status, headers, body = fetch(base_url + LARGE, method="HEAD")
    assert status == 200 and headers["Content-Length"] == "12000000" and body == b""


def test_client_hanging_up_on_the_large_page_does_not_break_the_server(base_url):
    host, port = urlsplit(base_url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", LARGE)
    response = connection.getresponse()
    response.read(100_000)
    connection.close()
    assert fetch(base_url + "/robots.txt")[0] == 200


def test_unknown_paths_query_strings_head_and_redirects(base_url):
    assert fetch(base_url + "/no/such/page.html")[0] == 404
    assert fetch(base_url + "/search?q=芯片".replace("芯片", "%E8%8A%AF%E7%89%87"))[0] == 404
    clean = fetch(base_url + CANONICAL_WITH_UTM)[2]
    assert fetch(base_url + CANONICAL_WITH_UTM + "?utm_source=rss&utm_medium=feed")[2] == clean
    status, headers, body = fetch(base_url + CANONICAL_WITH_UTM, method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) == len(clean)
    host, port = urlsplit(base_url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/section/chips")
    response = connection.getresponse()
    assert response.status == 301 and response.getheader("Location") == "/section/chips/"
    connection.close()


def test_robots_txt_blocks_private_and_names_the_sitemap_index(base_url):
    status, _, body = fetch(base_url + "/robots.txt")
    robots = RobotFileParser()
    robots.parse(body.decode("utf-8").splitlines())
    assert status == 200
    assert not robots.can_fetch("chipwatch", base_url + PRIVATE)
    assert all(robots.can_fetch("chipwatch", base_url + page.path) for page in ARTICLES)
    assert robots.site_maps() == [base_url + "/sitemap_index.xml"]


# ---------------------------------------------------------------------------- discovery


def test_feeds_and_sitemaps_parse_with_absolute_urls(base_url):
    rss = ET.fromstring(fetch(base_url + "/feeds/rss.xml")[2])
    rss_links = [item.findtext("link") for item in rss.iterfind("channel/item")]
    assert all(item.findtext("pubDate") and item.findtext("title") for item in rss.iterfind("channel/item"))
    zh_stories = {p.path for p in PAGES if p.lang == "zh" and p.file.startswith("articles/")}
    assert {path_of(u) for u in rss_links} == zh_stories
    assert any("utm_source=rss&utm_medium=feed" in u for u in rss_links)

    atom = ET.fromstring(fetch(base_url + "/feeds/atom.xml")[2])
    entries = atom.findall("atom:entry", NS)
    assert {path_of(e.find("atom:link", NS).get("href")) for e in entries} == {
        p.path for p in ARTICLES if p.lang == "en"
    }
    assert all(e.findtext("atom:published", namespaces=NS) for e in entries)

    feed = json.loads(fetch(base_url + "/feeds/feed.json")[2])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert {path_of(item["url"]) for item in feed["items"]} == {p.path for p in ARTICLES if p.lang == "zh-Hant"}

    index = ET.fromstring(fetch(base_url + "/sitemap_index.xml")[2])
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    children = [loc.text for loc in index.iterfind("sm:sitemap/sm:loc", NS)]
    assert children == [base_url + "/sitemaps/news.xml", base_url + "/sitemaps/pages.xml"]
    news = ET.fromstring(fetch(children[0])[2])
    for url in news.iterfind("sm:url", NS):
        assert url.findtext("sm:lastmod", namespaces=NS)
        assert url.findtext("news:news/news:publication_date", namespaces=NS).startswith("2026-")
        assert url.findtext("news:news/news:title", namespaces=NS)
        assert url.findtext("news:news/news:publication/news:name", namespaces=NS)

    for page in PAGES:
        if page.kind in DISCOVERY_KINDS:
            assert all(u.startswith(base_url + "/") for u in discovered_urls(base_url, page)), page.path


def test_every_article_is_discoverable_and_every_link_resolves(base_url):
    found: Counter[str] = Counter()
    for page in PAGES:
        if page.kind in DISCOVERY_KINDS:
            found.update({path_of(u) for u in discovered_urls(base_url, page)})
    for page in PAGES:
        if page.kind in ("article", "aggregator_copy", "broken", "large", "blocked"):
            assert found[page.path] >= 1, f"{page.path} is linked from no feed, sitemap or section"
    assert sum(found[p.path] >= 2 for p in ARTICLES) >= 10  # the same story reached several ways
    assert found[PRIVATE] >= 3  # both sections and pages.xml
    sections = {
        path_of(u) for p in ("/section/chips/", "/section/policy/") for u in discovered_urls(base_url, BY_PATH[p])
    }
    assert {"/about.html", "/contact.html", "/tag/nvidia/", PRIVATE, DELETED} <= sections

    # Every link on every HTML page points to a page of the manifest (dead links only on purpose).
    for page in PAGES:
        if page.file.endswith(".html") and not page.truncate:
            text = expected_body(page, base_url).decode(codecs.lookup(page.encoding).name)
            for href in parse_html(text).hrefs:
                url = urljoin(base_url + page.path, href)
                if url.startswith(base_url):
                    assert path_of(url) in BY_PATH, (page.path, href)


def test_duplicates_are_signalled_by_canonical_and_og_url(base_url):
    rss = fetch(base_url + "/feeds/rss.xml")[2].decode()
    assert f"{base_url}{CANONICAL_WITH_UTM}?utm_source=rss&amp;utm_medium=feed" in rss
    links = parse_html(fetch(base_url + CANONICAL_WITH_UTM + "?utm_source=rss")[2].decode())
    assert links.canonical == [base_url + CANONICAL_WITH_UTM]

    atom = fetch(base_url + "/feeds/atom.xml")[2].decode()
    assert f"{base_url}{OG_URL_ONLY}?utm_source=atom&amp;utm_medium=feed" in atom
    links = parse_html(fetch(base_url + OG_URL_ONLY)[2].decode())
    assert links.canonical == [] and links.meta["og:url"] == base_url + OG_URL_ONLY


def test_aggregator_copies_repeat_the_body_with_noise(base_url):
    for copy, original in AGGREGATOR_COPIES.items():
        copy_html = fetch(base_url + copy)[2].decode()
        original_html = fetch(base_url + original)[2].decode()
        paragraphs = re.findall(r"<p>(.*?)</p>", original_html.split('class="article-body">')[1].split("</div>")[0])
        assert len(paragraphs) >= 4
        body = copy_html.split('class="content">')[1].split("</div>")[0]
        assert re.findall(r"<p>(.*?)</p>", body) == paragraphs  # same story, same order
        assert re.search(r'<p class="read-more">(READ|阅读更多)', body)
        links = parse_html(copy_html)
        assert links.canonical == [base_url + copy] and links.meta["og:site_name"] in copy_html.split("<h1>")[0]


def test_sources_toml_points_at_served_pages():
    with (DEMO_SITE_DIR / "sources.toml").open("rb") as fh:
        sources = {s["id"]: s for s in tomllib.load(fh)["source"]}
    assert list(sources) == ["demo-rss", "demo-atom", "demo-json", "demo-sitemap", "demo-sections"]
    assert [sources[i]["lang"] for i in ("demo-rss", "demo-atom", "demo-json")] == ["zh", "en", "zh-Hant"]
    for source in sources.values():
        for url in source["feeds"] + source["sitemaps"] + source["sections"]:
            assert url.startswith("/") and BY_PATH[url].kind in DISCOVERY_KINDS
    pattern = re.compile(sources["demo-sections"]["article_pattern"])
    assert all(pattern.search("http://127.0.0.1:1" + p.path) for p in ARTICLES)
    others = [p for p in PAGES if p.kind in ("section", "other", "feed", "sitemap", "aggregator_copy")]
    assert not any(pattern.search("http://127.0.0.1:1" + p.path) for p in others)
    assert pattern.search(PRIVATE)  # only robots.txt keeps a section crawl out of it
    sitemap_pattern = re.compile(sources["demo-sitemap"]["article_pattern"])
    copies = [p for p in PAGES if p.kind == "aggregator_copy"]
    assert all(sitemap_pattern.search("http://127.0.0.1:1" + p.path) for p in ARTICLES + copies)
    assert not any(sitemap_pattern.search("http://127.0.0.1:1" + p.path) for p in others if p not in copies)


# ---------------------------------------------------------------------------- other sites


def test_serves_any_directory_with_a_manifest(tmp_path):
    (tmp_path / "p.html").write_text('<a href="{base}/p.html">自己</a>', encoding="utf-8")
    (tmp_path / "site.toml").write_text(
        '[[page]]\npath = "/p.html"\nfile = "p.html"\ncontent_type = ""\nencoding = "gbk"\nstatus = 203\n',
        encoding="utf-8",
    )
    with serve_site(tmp_path) as base:
        status, headers, body = fetch(base + "/p.html?x=1")
        assert status == 203 and "Content-Type" not in headers
        assert body == f'<a href="{base}/p.html">自己</a>'.encode("gbk")
        assert fetch(base + "/robots.txt")[0] == 404


def test_generated_site(tmp_path):
    n = 40
    with serve_generated_site(n) as base:
        sitemap = ET.fromstring(fetch(base + "/sitemap.xml")[2])
        urls = [loc.text for loc in sitemap.iterfind("sm:url/sm:loc", NS)]
        assert len(urls) == len(set(urls)) == n
        texts, langs = [], Counter()
        for url in urls:
            status, headers, body = fetch(url)
            assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
            html_text = body.decode("utf-8")
            assert parse_html(html_text).canonical == [url]
            text = "".join(re.findall(r"<p>(.*?)</p>", html_text))
            assert 2000 <= len(text.encode("utf-8")) <= 5500
            texts.append(text)
            langs[html_text.split('lang="')[1][:2]] += 1
        assert len(set(texts)) == n and langs["zh"] > langs["en"] > 0
        assert fetch(base + f"/gen/{n + 1:06d}.html")[0] == 404
        assert "Sitemap: " + base + "/sitemap.xml" in fetch(base + "/robots.txt")[2].decode()
        first = fetch(urls[0])[2].replace(base.encode(), b"BASE")
    with serve_generated_site(n) as base:  # deterministic across servers
        assert fetch(base + "/gen/000001.html")[2].replace(base.encode(), b"BASE") == first

    def shingles(text: str) -> set[str]:
        flat = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())
        return {flat[i : i + 5] for i in range(len(flat) - 4)}

    sets = [shingles(" ".join(generated_article(i)[3])) for i in range(1, 81)]
    for a, b in itertools.combinations(sets, 2):
        assert len(a & b) / len(a | b) < 0.45  # well apart: no near-duplicates among them

    source = tomllib.loads(generated_sources_toml(n))["source"][0]
    assert source["id"] == "bench-sitemap" and source["sitemaps"] == ["/sitemap.xml"]
    assert re.search(source["article_pattern"], urls[0])


def test_generated_site_switches_to_a_sitemap_index_when_big(monkeypatch):
    monkeypatch.setattr("bench.sitegen.SITEMAP_LIMIT", 10)
    with serve_generated_site(25) as base:
        index = ET.fromstring(fetch(base + "/sitemap.xml")[2])
        children = [loc.text for loc in index.iterfind("sm:sitemap/sm:loc", NS)]
        assert len(children) == 3
        locs = [loc.text for child in children for loc in ET.fromstring(fetch(child)[2]).iterfind(".//sm:loc", NS)]
        assert locs == [f"{base}/gen/{i:06d}.html" for i in range(1, 26)]


def test_command_line_serves_until_stopped():
    command = [sys.executable, "-m", "chipwatch.siteserver", "--port", "0"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1]
    ) as process:
        try:
            url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline()).group(0)
            assert fetch(url + "/robots.txt")[0] == 200
        finally:
            process.terminate()
        _, errors = process.communicate(timeout=10)
    assert errors == ""  # quiet: no request log without -v
