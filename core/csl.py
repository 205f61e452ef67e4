"""The US Consolidated Screening List (CSL) CSV: rows in, entries (or the reason a row was refused) out.

A file format, read by `chipwatch lists import` and by the migration that loads the shipped starter
list (nlp/kb/sanctions_starter.csv); db/sanctions.py stores the entries, nlp/sanctions.py matches
mentions against them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from core.names import normalize_name

# trade.gov's consolidated.csv header, in its order; files may drop `_id`, reorder or add columns.
CSL_COLUMNS = (
    "_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order", "license_requirement",
    "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage",
    "vessel_flag", "vessel_owner", "remarks", "source_list_url", "alt_names", "citizenships",
    "dates_of_birth", "nationalities", "places_of_birth", "source_information_url", "ids",
)
REQUIRED_COLUMNS = ("source", "name")
NAME_MAX = 500

_LIST_CODE = re.compile(r"\(([A-Za-z][A-Za-z0-9 -]{0,15})\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_COUNTRY_TAIL = re.compile(r",\s*([A-Z]{2})\s*$")


class CslFormatError(ValueError):
    """The file as a whole is not a CSL CSV (no header, or required columns missing)."""


@dataclass(frozen=True)
class RowError:
    """Why one row of a list file was refused."""

    reason: str

    def __str__(self) -> str:
        return self.reason


# ---------------------------------------------------------------------------------------------
# Reading CSL CSV


def list_code(source: str) -> str:
    """The short code in a CSL source's parenthesis: 'Entity List (EL) - Bureau ...' → 'EL'."""
    found = _LIST_CODE.search(source)
    if found:
        return found.group(1).strip().upper().replace(" ", "-")
    words = re.findall(r"[A-Za-z0-9]+", source.split(" - ")[0])
    return "".join(w[0] for w in words).upper()[:16] or "LIST"


def split_alt_names(value: str) -> list[str]:
    """CSL alt_names are separated by ';'; blanks and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for part in (value or "").split(";"):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def country_of(addresses: str) -> str | None:
    """ISO country code of the first address when it ends like '..., Shenzhen, CN'; else None."""
    first = (addresses or "").split(";")[0]
    found = _COUNTRY_TAIL.search(first)
    return found.group(1) if found else None


def _lines(handle: IO[Any]) -> Iterator[str]:
    """Text lines, whether the handle yields bytes or str; bad UTF-8 kept as surrogates to report per row."""
    for number, line in enumerate(handle, start=1):
        if isinstance(line, bytes):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            line = line.decode("utf-8", errors="surrogateescape")
        elif number == 1:
            line = line.lstrip("\ufeff")
        yield line


def _has_bad_bytes(fields: Iterable[str]) -> bool:
    return any("\udc80" <= ch <= "\udcff" for field in fields for ch in field)


def read_csl(handle: IO[Any]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """Yield (line number, entry) for each data row of a CSL CSV, or (line number, RowError).

    The line number is where the row starts in the file (a quoted field may span lines).
    Columns are matched by header name: `_id` may be missing, others may be reordered or extra;
    `source` and `name` are required, else CslFormatError before any row.
    """
    lines = _lines(handle)
    reader = csv.reader(lines)
    header: list[str] | None = None
    consumed = 0
    while True:
        start = consumed + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the size limit, a broken quote: this row only
            consumed = reader.line_num
            if header is None:
                raise CslFormatError(f"line {start}: the header is not CSV ({exc})") from None
            yield start, RowError(f"not a CSV row ({exc})")
            continue
        consumed = reader.line_num
        if not row or all(not f.strip() for f in row):
            continue
        if header is None:
            if _has_bad_bytes(row):
                raise CslFormatError(f"line {start}: the header is not valid UTF-8")
            header = [h.strip().lower() for h in row]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise CslFormatError(
                    f"line {start}: not a Consolidated Screening List header (missing column {', '.join(missing)})"
                )
            continue
        yield start, _parse_row(row, header)
    if header is None:
        raise CslFormatError("empty file: no header row")


def _parse_row(row: list[str], header: list[str]) -> dict[str, Any] | RowError:
    if len(row) != len(header):
        return RowError(f"expected {len(header)} columns as in the header, got {len(row)}")
    if _has_bad_bytes(row):
        return RowError("not valid UTF-8")
    for column, value in zip(header, row):
        if _CONTROL.search(value):
            return RowError(f"{column!r} holds a control character (NUL or similar)")
    data = {h: v.strip() for h, v in zip(header, row)}
    source = data.get("source", "")
    if not source:
        return RowError("'source' is empty")
    name = data.get("name", "")
    if not name:
        return RowError("'name' is empty")
    if len(name) > NAME_MAX:
        return RowError(f"'name' is longer than {NAME_MAX} characters")
    if not normalize_name(name):
        return RowError(f"'name' has no letters or digits: {name!r:.40}")
    return entry_from_csl(data)


def entry_from_csl(data: Mapping[str, str]) -> dict[str, Any]:
    """A validated CSL row as a sanctions_entries row (without origin and imported_at)."""
    source = data["source"].strip()
    alt_names = [a for a in split_alt_names(data.get("alt_names", "")) if a != data["name"].strip()]
    return {
        "list": source,
        "list_code": list_code(source),
        "entity_number": data.get("entity_number") or None,
        "type": data.get("type") or None,
        "name": data["name"].strip(),
        "alt_names": alt_names,
        "programs": data.get("programs") or None,
        "addresses": data.get("addresses") or None,
        "federal_register_notice": data.get("federal_register_notice") or None,
        "start_date": data.get("start_date") or None,
        "country": country_of(data.get("addresses", "")),
        "source_url": data.get("source_list_url") or data.get("source_information_url") or None,
        "remarks": data.get("remarks") or None,
    }


def read_csl_text(text: str) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """read_csl over a string (tests, small shipped files)."""
    return read_csl(io.StringIO(text))
