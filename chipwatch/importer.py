"""`chipwatch import`: articles from a JSON Lines file, validated line by line, stored in batches."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlite_utils import Database

from core.urls import is_http_url
from core.records import ArticleRecord
from db.store import SaveResult, save_articles
from core.language import detect_language

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
LANG_CODE_MAX = 16
FIELDS = {"url", "title", "text", "lang", "published_at", "source"}


class LineError(ValueError):
    """Why one line of an import file was refused."""


@dataclass
class ImportReport:
    lines: int = 0
    saved: SaveResult = field(default_factory=SaveResult)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def parse_line(line: str, default_source: str) -> ArticleRecord:
    """One JSON line to a record, or LineError saying what is wrong with it."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise LineError("not a JSON object")
    for key in FIELDS & data.keys():
        if data[key] is not None and not isinstance(data[key], str):
            raise LineError(f"'{key}' must be a string, not {type(data[key]).__name__}")
    url = (data.get("url") or "").strip()
    if not is_http_url(url):
        raise LineError(f"'url' must be an absolute http(s) URL, got {url!r:.80}")
    text = (data.get("text") or "").strip()
    if not text:
        raise LineError("'text' is missing or empty")
    lang = (data.get("lang") or "").strip() or detect_language(text)
    if len(lang) > LANG_CODE_MAX or not lang.replace("-", "").isalnum():
        raise LineError(f"'lang' is not a language code: {lang!r:.40}")
    return ArticleRecord(
        url=url,
        source=(data.get("source") or "").strip() or default_source,
        text=text,
        title=(data.get("title") or "").strip() or None,
        lang=lang,
        published_at=normalize_date(data.get("published_at")),
    )


def normalize_date(value: Any) -> str | None:
    """ISO-8601 as given ('2024-03-05' stays a date), or LineError for anything else."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise LineError(f"'published_at' is not an ISO-8601 date: {text!r:.40}") from None


def _numbered_lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield number, line


def _decode_line(raw: bytes, number: int) -> str:
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LineError("not valid UTF-8") from None


def import_jsonl(
    db: Database, handle: IO[bytes], default_source: str = "import", progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Store every valid line; report each bad one with its line number. Good lines are never lost to bad ones.

    `progress`, if given, is called with the number of bytes of each line read.
    """
    report = ImportReport()
    batch: list[ArticleRecord] = []
    for number, raw in _numbered_lines(handle):
        report.lines += 1
        if progress:
            progress(len(raw))
        try:
            batch.append(parse_line(_decode_line(raw, number), default_source))
        except LineError as exc:
            report.bad.append((number, str(exc)))
            continue
        if len(batch) >= BATCH_SIZE:
            report.saved.add(save_articles(db, batch))
            batch = []
    if batch:
        report.saved.add(save_articles(db, batch))
    return report
