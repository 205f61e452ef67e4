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
MAX_LINE_BYTES = 5 * 1024 * 1024  # no article is this long; a longer line is refused without being held in memory
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
    except RecursionError:
        raise LineError("JSON nested too deeply") from None
    except ValueError as exc:  # a number of more than 4,300 digits, among others
        raise LineError(f"not valid JSON ({str(exc).splitlines()[0][:80]})") from None
    if not isinstance(data, dict):
        raise LineError("not a JSON object")
    for key in FIELDS & data.keys():
        if data[key] is not None and not isinstance(data[key], str):
            raise LineError(f"'{key}' must be a string, not {type(data[key]).__name__}")
        if isinstance(data[key], str):
            _check_text(key, data[key])
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


def _check_text(key: str, value: str) -> None:
    """Refuse what JSON allows but no stored text may hold: NUL characters and lone surrogates (\\ud800)."""
    if "\x00" in value:
        raise LineError(f"'{key}' contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise LineError(f"'{key}' contains a lone surrogate (not a character)") from None


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


def _numbered_lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for each non-blank line; None for a line over MAX_LINE_BYTES, read past in chunks."""
    number = 0
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := handle.readline(1024 * 1024)) and not rest.endswith(b"\n"):
                pass
            yield number, None
        elif line.strip():
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
    batch: list[tuple[int, ArticleRecord]] = []
    for number, raw in _numbered_lines(handle):
        report.lines += 1
        if progress:
            progress(len(raw) if raw is not None else MAX_LINE_BYTES)
        try:
            if raw is None:
                raise LineError(f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB")
            batch.append((number, parse_line(_decode_line(raw, number), default_source)))
        except LineError as exc:
            report.bad.append((number, str(exc)))
            continue
        if len(batch) >= BATCH_SIZE:
            _save(db, batch, report)
            batch = []
    if batch:
        _save(db, batch, report)
    report.bad.sort()
    return report


def _save(db: Database, batch: list[tuple[int, ArticleRecord]], report: ImportReport) -> None:
    """Store a batch in one transaction; if it fails, line by line, so that one bad record costs only its line."""
    try:
        report.saved.add(save_articles(db, [record for _, record in batch]))
        return
    except (ValueError, TypeError, OverflowError) as exc:  # the record; a refusing database (disk full) stops the import
        if len(batch) == 1:
            report.bad.append((batch[0][0], f"cannot be stored: {type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"))
            return
    for one in batch:
        _save(db, [one], report)
