"""The list of news sources chipwatch crawls: a TOML file loaded into typed `Source` records.

The file holds one ``[[source]]`` table per site::

    [[source]]
    id = "people-it"               # stable slug, [a-z0-9-]+, unique
    name = "人民网 IT"             # display name
    lang = "zh"                    # "zh" (Simplified), "zh-Hant" (Traditional) or "en"
    homepage = "http://it.people.com.cn/"
    feeds = ["http://www.people.com.cn/rss/it.xml"]   # RSS / Atom / JSON Feed URLs
    sitemaps = []                  # XML sitemaps, sitemap indexes, Google News sitemaps
    sections = []                  # list pages scanned for article links
    article_pattern = ""           # regex (re.search) an article URL must match;
                                   # required when `sections` is used
    official = false               # government source (BIS, Federal Register, MOFCOM ...)
    encoding = ""                  # force a charset when a site lies about it
    enabled = true
    notes = "..."

Every source needs at least one of feeds/sitemaps/sections. `load_sources()` validates the
whole file and raises `SourceError` with one line naming the file, the source and the problem.
"""

from __future__ import annotations

import codecs
import logging
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urljoin, urlsplit

logger = logging.getLogger(__name__)

Lang = Literal["zh", "zh-Hant", "en"]
LANGS: tuple[str, ...] = ("zh", "zh-Hant", "en")

_Fail = Callable[[str], "SourceError"]

_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_REQUIRED = ("id", "name", "lang", "homepage")
_STRINGS = ("id", "name", "lang", "homepage", "article_pattern", "encoding", "notes")
_URL_LISTS = ("feeds", "sitemaps", "sections")
_BOOLS = ("official", "enabled")
_ALLOWED = frozenset(_STRINGS + _URL_LISTS + _BOOLS)


class SourceError(ValueError):
    """The sources file is unreadable or one of its sources is invalid."""


@dataclass(frozen=True)
class Source:
    """One news site: where to find its articles and how to treat them."""

    id: str
    name: str
    lang: Lang
    homepage: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    article_pattern: str = ""
    official: bool = False
    encoding: str = ""
    enabled: bool = True
    notes: str = ""

    def accepts(self, url: str) -> bool:
        """True if `url` passes this source's article_pattern (always, without one)."""
        return not self.article_pattern or re.search(self.article_pattern, url) is not None


def default_sources_path() -> Path:
    """The sources.toml shipped next to this module."""
    return Path(__file__).with_name("sources.toml")


def load_sources(
    path: Path | str | None = None,
    base_url: str | None = None,
    only: Iterable[str] | None = None,
) -> list[Source]:
    """Load, validate and return the sources in file order.

    `path` defaults to `default_sources_path()`. With `base_url`, URLs in the file may be
    relative ("/feeds/rss.xml") and are resolved against it; without it every URL must be
    absolute http(s). `only` keeps just the named ids (an unknown id is an error) and
    includes them even when disabled; otherwise disabled sources are skipped.
    """
    file = Path(path) if path is not None else default_sources_path()
    if base_url is not None and not _is_http_url(base_url):
        raise SourceError(f"{file}: base_url {base_url!r} is not an absolute http(s) URL")

    tables = _read_tables(file)
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables, start=1):
        source = _parse_source(file, index, table, base_url)
        if source.id in seen:
            raise SourceError(
                f"{file}: source #{index} ({source.id}): duplicate id, "
                f"already used by source #{seen[source.id]}"
            )
        seen[source.id] = index
        sources.append(source)

    if only is None:
        selected = [s for s in sources if s.enabled]
    else:
        wanted = _wanted_ids(file, only, seen)
        selected = [s for s in sources if s.id in wanted]
    logger.debug("loaded %s of %s sources from %s", len(selected), len(sources), file)
    return selected


def read_toml(file: Path, error: type[Exception], what: str) -> dict[str, Any]:
    """Parse a TOML file; a missing file or bad TOML raises `error` with one line naming the file."""
    try:
        with file.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error(f"{file}: no such {what}") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{file}: invalid TOML: {exc}") from None


def _read_tables(file: Path) -> list[Any]:
    """Parse the TOML file and return its [[source]] tables (not yet validated)."""
    data = read_toml(file, SourceError, "sources file")
    extra = sorted(set(data) - {"source"})
    if extra:
        raise SourceError(f"{file}: unknown top-level key(s) {', '.join(extra)}; expected [[source]] tables")
    tables = data.get("source")
    if not isinstance(tables, list) or not tables:
        raise SourceError(f"{file}: no [[source]] tables found")
    return tables


def _parse_source(file: Path, index: int, table: Any, base_url: str | None) -> Source:
    """Validate one [[source]] table and build its Source."""
    label = f"source #{index}"
    if not isinstance(table, dict):
        raise SourceError(f"{file}: {label}: expected a [[source]] table")
    if isinstance(table.get("id"), str) and table["id"]:
        label = f"{label} ({table['id']})"

    def fail(problem: str) -> SourceError:
        return SourceError(f"{file}: {label}: {problem}")

    unknown = sorted(set(table) - _ALLOWED)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_ALLOWED))}")
    missing = [key for key in _REQUIRED if key not in table]
    if missing:
        raise fail(f"missing required key(s) {', '.join(missing)}")
    _check_types(table, fail)

    source_id = table["id"]
    if not _ID_RE.fullmatch(source_id):
        raise fail(f"id {source_id!r} is not a slug (lowercase letters, digits and single hyphens)")
    if not table["name"].strip():
        raise fail("name is empty")
    if table["lang"] not in LANGS:
        raise fail(f"lang {table['lang']!r} is not one of {', '.join(LANGS)}")

    urls = {key: tuple(table.get(key, ())) for key in _URL_LISTS}
    if not any(urls.values()):
        raise fail("no URLs: give at least one of feeds, sitemaps or sections")

    pattern = table.get("article_pattern", "")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise fail(f"article_pattern {pattern!r} does not compile: {exc}") from None
    elif urls["sections"]:
        raise fail("article_pattern is required when sections are given")

    encoding = table.get("encoding", "")
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise fail(f"encoding {encoding!r} is not a known charset") from None

    homepage = _resolve(table["homepage"], "homepage", base_url, fail)
    resolved = {
        key: tuple(_resolve(url, key, base_url, fail) for url in values) for key, values in urls.items()
    }
    return Source(
        id=source_id,
        name=table["name"],
        lang=cast(Lang, table["lang"]),
        homepage=homepage,
        feeds=resolved["feeds"],
        sitemaps=resolved["sitemaps"],
        sections=resolved["sections"],
        article_pattern=pattern,
        official=table.get("official", False),
        encoding=encoding,
        enabled=table.get("enabled", True),
        notes=table.get("notes", ""),
    )


def _check_types(table: Mapping[str, Any], fail: _Fail) -> None:
    """Raise if a key holds a value of the wrong TOML type."""
    for key in _STRINGS:
        if key in table and not isinstance(table[key], str):
            raise fail(f"{key} must be a string, not {type(table[key]).__name__}")
    for key in _BOOLS:
        if key in table and not isinstance(table[key], bool):
            raise fail(f"{key} must be true or false, not {table[key]!r}")
    for key in _URL_LISTS:
        if key not in table:
            continue
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise fail(f"{key} must be a list of URL strings")


def _resolve(url: str, key: str, base_url: str | None, fail: _Fail) -> str:
    """Return `url` made absolute against base_url (if any); raise unless it is http(s)."""
    if base_url is not None:
        url = urljoin(base_url, url)
    if not _is_http_url(url):
        hint = "" if base_url is not None else " (relative URLs need base_url)"
        raise fail(f"{key} URL {url!r} is not an absolute http(s) URL{hint}")
    return url


def _is_http_url(url: str) -> bool:
    """True for an absolute http:// or https:// URL with a host and no whitespace."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url)


def _wanted_ids(file: Path, only: Iterable[str], known: Mapping[str, int]) -> set[str]:
    """The ids named in `only`, all of which must exist in the file."""
    wanted = {only} if isinstance(only, str) else set(only)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise SourceError(f"{file}: unknown source id(s) {', '.join(unknown)}")
    return wanted
