"""Tests for crawler.sources: the shipped source list and the loader's validation."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.sources import Source, SourceError, default_sources_path, load_sources

FORBIDDEN_HOSTS = ("theregister.com", "thehackernews.com", "solidot.org", "hkcnews.com")

VALID = """
[[source]]
id = "demo-feed"
name = "Demo feed"
lang = "en"
homepage = "https://example.com/"
feeds = ["https://example.com/feed.xml"]
"""


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _urls(source: Source) -> list[str]:
    return [source.homepage, *source.feeds, *source.sitemaps, *source.sections]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shipped() -> list[Source]:
    return load_sources()


@pytest.fixture(scope="module")
def shipped_all() -> list[Source]:
    """Every source in the shipped file, disabled ones included."""
    ids = re.findall(r'^id = "([^"]+)"', default_sources_path().read_text(encoding="utf-8"), re.M)
    return load_sources(only=ids)


# ---------------------------------------------------------------- the shipped file


def test_default_path_is_next_to_module() -> None:
    path = default_sources_path()
    assert path.name == "sources.toml"
    assert path.parent.name == "crawler"
    assert path.is_file()


def test_shipped_file_loads(shipped: list[Source]) -> None:
    assert len(shipped) >= 16
    assert all(isinstance(s, Source) for s in shipped)
    assert all(s.enabled for s in shipped)


def test_language_minimums(shipped: list[Source]) -> None:
    counts = Counter(s.lang for s in shipped)
    assert counts["zh"] >= 7
    assert counts["zh-Hant"] >= 3
    assert counts["en"] >= 6


@pytest.mark.parametrize(
    "host",
    ["www.bis.gov", "www.federalregister.gov", "www.mofcom.gov.cn"],
)
def test_official_sources_present(shipped: list[Source], host: str) -> None:
    matching = [s for s in shipped if any(_host(u) == host for u in _urls(s) if u != s.homepage)]
    assert matching, f"no enabled source crawls {host}"
    assert all(s.official for s in matching)


def test_federal_register_feed_targets_bis(shipped: list[Source]) -> None:
    feeds = [f for s in shipped for f in s.feeds if _host(f) == "www.federalregister.gov"]
    assert any("industry-and-security-bureau" in f and "entity" in f for f in feeds)


def test_people_gb2312_source_present(shipped: list[Source]) -> None:
    assert any(_host(f) == "www.people.com.cn" for s in shipped for f in s.feeds)


def test_ids_unique_and_slugs(shipped_all: list[Source]) -> None:
    ids = [s.id for s in shipped_all]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)


def test_no_forbidden_hosts(shipped_all: list[Source]) -> None:
    for source in shipped_all:
        for url in _urls(source):
            host = _host(url)
            assert not any(host == bad or host.endswith("." + bad) for bad in FORBIDDEN_HOSTS), url


def test_section_sources_have_patterns(shipped_all: list[Source]) -> None:
    with_sections = [s for s in shipped_all if s.sections]
    assert len(with_sections) >= 3
    for source in with_sections:
        assert source.article_pattern, source.id
        re.compile(source.article_pattern)


def test_some_sitemaps(shipped: list[Source]) -> None:
    assert sum(1 for s in shipped if s.sitemaps) >= 2


def test_all_urls_absolute_http(shipped_all: list[Source]) -> None:
    for source in shipped_all:
        assert source.feeds or source.sitemaps or source.sections, source.id
        for url in _urls(source):
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https") and parts.netloc, (source.id, url)


def test_section_patterns_reject_their_own_list_pages(shipped_all: list[Source]) -> None:
    # A pattern that matched the list page would make the crawler treat it as an article.
    for source in shipped_all:
        for section in source.sections:
            assert not source.accepts(section), (source.id, section)


def test_disabled_sources_skipped_unless_named(shipped: list[Source], shipped_all: list[Source]) -> None:
    disabled = [s.id for s in shipped_all if not s.enabled]
    assert disabled, "the shipped file is expected to keep at least one disabled source"
    assert not set(disabled) & {s.id for s in shipped}
    assert [s.id for s in load_sources(only=disabled[:1])] == disabled[:1]


# ---------------------------------------------------------------- loader behaviour


def test_minimal_source_gets_defaults(tmp_path: Path) -> None:
    (source,) = load_sources(_write(tmp_path, VALID))
    assert source == Source(
        id="demo-feed",
        name="Demo feed",
        lang="en",
        homepage="https://example.com/",
        feeds=("https://example.com/feed.xml",),
    )
    assert source.sitemaps == () and source.sections == ()
    assert source.enabled and not source.official
    assert source.accepts("https://example.com/anything")


def test_path_may_be_str(tmp_path: Path) -> None:
    assert [s.id for s in load_sources(str(_write(tmp_path, VALID)))] == ["demo-feed"]


def test_base_url_resolves_relative_urls(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[[source]]
id = "local-site"
name = "本地测试站"
lang = "zh"
homepage = "/"
feeds = ["/feeds/rss.xml"]
sitemaps = ["sitemap.xml"]
sections = ["/news/", "https://other.example/list"]
article_pattern = '/news/\\d+\\.html$'
""",
    )
    (source,) = load_sources(path, base_url="http://127.0.0.1:8123/site/")
    assert source.homepage == "http://127.0.0.1:8123/"
    assert source.feeds == ("http://127.0.0.1:8123/feeds/rss.xml",)
    assert source.sitemaps == ("http://127.0.0.1:8123/site/sitemap.xml",)
    assert source.sections == ("http://127.0.0.1:8123/news/", "https://other.example/list")
    assert source.accepts("http://127.0.0.1:8123/news/42.html")
    assert not source.accepts("http://127.0.0.1:8123/news/")


def test_relative_urls_rejected_without_base_url(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID.replace("https://example.com/feed.xml", "/feed.xml"))
    with pytest.raises(SourceError, match=r"feeds URL '/feed\.xml' is not an absolute http\(s\) URL"):
        load_sources(path)


def test_non_http_scheme_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID.replace("https://example.com/feed.xml", "ftp://example.com/feed.xml"))
    with pytest.raises(SourceError, match="not an absolute http"):
        load_sources(path)


def test_bad_base_url(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="base_url"):
        load_sources(_write(tmp_path, VALID), base_url="/relative/")


def test_only_selects_and_keeps_file_order(tmp_path: Path) -> None:
    text = VALID + VALID.replace("demo-feed", "second").replace("Demo feed", "Second")
    text += VALID.replace("demo-feed", "third").replace("Demo feed", "Third")
    path = _write(tmp_path, text)
    assert [s.id for s in load_sources(path, only=["third", "demo-feed"])] == ["demo-feed", "third"]
    assert [s.id for s in load_sources(path, only="second")] == ["second"]


def test_only_unknown_id(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown source id.*nope"):
        load_sources(_write(tmp_path, VALID), only=["demo-feed", "nope"])


def test_disabled_skipped_unless_named(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID + "enabled = false\n")
    assert load_sources(path) == []
    assert [s.id for s in load_sources(path, only=["demo-feed"])] == ["demo-feed"]


# ---------------------------------------------------------------- validation errors


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t + 'feed = ["https://example.com/x"]\n', r"unknown key\(s\) feed"),
        (lambda t: t.replace('lang = "en"', 'lang = "zh-TW"'), r"lang 'zh-TW' is not one of zh, zh-Hant, en"),
        (lambda t: t.replace('feeds = ["https://example.com/feed.xml"]', ""), "no URLs"),
        (lambda t: t.replace('feeds = ["https://example.com/feed.xml"]', "feeds = []"), "no URLs"),
        (lambda t: t + "article_pattern = 'news/(\\d+'\n", "article_pattern .* does not compile"),
        (
            lambda t: t.replace("feeds =", 'sections = ["https://example.com/news/"]\nfeeds ='),
            "article_pattern is required when sections are given",
        ),
        (lambda t: t.replace('id = "demo-feed"', 'id = "Demo Feed"'), "is not a slug"),
        (lambda t: t.replace('name = "Demo feed"\n', ""), r"missing required key\(s\) name"),
        (lambda t: t + "official = \"yes\"\n", "official must be true or false"),
        (
            lambda t: t.replace('feeds = ["https://example.com/feed.xml"]', 'feeds = "https://example.com/f"'),
            "feeds must be a list",
        ),
        (lambda t: t + 'encoding = "no-such-charset"\n', "encoding 'no-such-charset' is not a known charset"),
    ],
    ids=[
        "unknown-key",
        "bad-lang",
        "missing-urls",
        "empty-urls",
        "bad-regex",
        "sections-without-pattern",
        "bad-id",
        "missing-key",
        "bad-bool",
        "urls-not-list",
        "bad-encoding",
    ],
)
def test_validation_errors(tmp_path: Path, edit: Callable[[str], str], message: str) -> None:
    path = _write(tmp_path, edit(VALID))
    with pytest.raises(SourceError, match=message) as info:
        load_sources(path)
    text = str(info.value)
    assert str(path) in text
    assert "source #1" in text
    assert "\n" not in text


def test_error_names_the_failing_source(tmp_path: Path) -> None:
    second = VALID.replace("demo-feed", "broken").replace('lang = "en"', 'lang = "fr"')
    with pytest.raises(SourceError, match=r"source #2 \(broken\): lang 'fr'"):
        load_sources(_write(tmp_path, VALID + second))


def test_duplicate_id(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"source #2 \(demo-feed\): duplicate id, already used by source #1"):
        load_sources(_write(tmp_path, VALID + VALID))


def test_bad_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID + "this is = = not toml\n")
    with pytest.raises(SourceError, match="invalid TOML") as info:
        load_sources(path)
    assert str(path) in str(info.value)
    assert "line" in str(info.value)  # tomllib's own location message is kept


def test_no_sources(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"no \[\[source\]\] tables"):
        load_sources(_write(tmp_path, "# empty\n"))


def test_unknown_top_level_key(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown top-level key"):
        load_sources(_write(tmp_path, "[sources]\nx = 1\n" + VALID))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such sources file"):
        load_sources(tmp_path / "absent.toml")


def test_source_error_is_value_error() -> None:
    assert issubclass(SourceError, ValueError)
