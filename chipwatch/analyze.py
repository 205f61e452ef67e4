"""`chipwatch analyze`: JSON lines of texts in, JSON lines of entities and events out, in the same order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from core.csl import read_csl
from db.sanctions import STARTER_FILE, stored_entries
from db.store import open_db
from nlp.analyze import Analyzer
from nlp.sanctions import SanctionsIndex

ANALYZE_BATCH = 64


def sanctions_index(db_path: str | Path | None) -> SanctionsIndex:
    """The lists in the database when one is given, else the shipped starter list."""
    if db_path:
        db = open_db(db_path)
        try:
            return SanctionsIndex(stored_entries(db))
        finally:
            db.close()
    with open(STARTER_FILE, "rb") as handle:
        return SanctionsIndex(entry for _, entry in read_csl(handle) if isinstance(entry, dict))


def _documents(handle: IO[bytes], errors: dict[int, dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Valid input lines as documents; a bad line becomes an empty document and its error is noted."""
    for number, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("text"), str):
                raise ValueError("a line needs a JSON object with a string 'text'")
        except (ValueError, UnicodeDecodeError) as exc:
            errors[number] = {"id": None, "error": f"line {number}: {str(exc).splitlines()[0]}"}
            yield {"id": None, "text": "", "line": number}
            continue
        published_at = data.get("published_at") or data.get("date")
        title = data.get("title")
        yield {
            "id": data.get("id"), "text": data["text"], "lang": data.get("lang"), "title": title if isinstance(title, str) else None,
            "published_at": published_at if isinstance(published_at, str) else None, "line": number,
        }


def analyze_lines(handle: IO[bytes], sanctions: SanctionsIndex) -> Iterator[dict[str, Any]]:
    """One output object per non-empty input line, in order; bad lines come out as {"id", "error"}."""
    analyzer = Analyzer(sanctions=sanctions)
    errors: dict[int, dict[str, Any]] = {}
    lines: list[int] = []

    def tracked() -> Iterator[dict[str, Any]]:
        for document in _documents(handle, errors):
            lines.append(document["line"])
            yield document

    for position, result in enumerate(analyzer.analyze(tracked(), batch_size=ANALYZE_BATCH)):
        number = lines[position]
        yield errors.pop(number) if number in errors else result.to_dict()
