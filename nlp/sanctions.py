"""Sanctions lists: read the US Consolidated Screening List (CSL) CSV and match party names.

Pure: text in, entries and matches out; storing them is db/sanctions.py's work.

Matching is deliberately exact: a mention is flagged only when its whole normalised form equals
the normalised name or an alt name of a listed entry. "Huawei Marine Networks" shares a word
with "Huawei Technologies" but is another company; word overlap would flag it, and a false flag
on a screening tool costs an analyst more than a missed one that the full list catches by name.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from core.names import normalize_name

logger = logging.getLogger(__name__)

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
_COUNTRY_TAIL = re.compile(r",\s*([A-Z]{2})\s*$")


class CslFormatError(ValueError):
    """The file as a whole is not a CSL CSV (no header, or required columns missing)."""


@dataclass(frozen=True)
class RowError:
    """Why one row of a list file was refused."""

    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Match:
    """A listed party a mention matched."""

    list: str  # the CSL source, e.g. "Entity List (EL) - Bureau of Industry and Security"
    list_code: str  # EL, SDN, UVL, MEU, CMIC, ...
    name: str  # the entry's primary name
    entry_id: int | None  # sanctions_entries.id when the index was loaded from the database
    matched: str = ""  # which of the entry's names matched


# ---------------------------------------------------------------------------------------------
# Normalisation


def normalize_party(name: str) -> str:
    """The key two spellings of one party share; the entity KB's normaliser, so both agree.

    NFKC, Traditional -> Simplified, casefolded, no spaces or punctuation, legal forms
    (Co., Ltd., Inc., Corporation, Limited, Group, 有限公司, 股份有限公司 ...) dropped from the end:
    'SenseTime Group Limited', 'Sense Time' and '商湯集團有限公司' → 'sensetime' / '商汤'.
    """
    return normalize_name(name or "")


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
    for row in reader:
        start, consumed = consumed + 1, reader.line_num
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
    data = {h: v.strip() for h, v in zip(header, row)}
    source = data.get("source", "")
    if not source:
        return RowError("'source' is empty")
    name = data.get("name", "")
    if not name:
        return RowError("'name' is empty")
    if len(name) > NAME_MAX:
        return RowError(f"'name' is longer than {NAME_MAX} characters")
    if not normalize_party(name):
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


# ---------------------------------------------------------------------------------------------
# Matching


class SanctionsIndex:
    """Exact lookup of normalised names and alt names → the entries that carry them.

    `aliases` (optional) maps a surface form the knowledge base knows (中芯国际) to names of the
    same party (SMIC, Semiconductor Manufacturing International Corporation): a mention that
    matches no entry directly is looked up again under those names. Nothing else is fuzzy.
    """

    def __init__(self, entries: Iterable[Mapping[str, Any]] = (), aliases: Mapping[str, Iterable[str] | str] | None = None) -> None:
        self._by_key: dict[str, list[Match]] = {}
        self._aliases: dict[str, list[str]] = {}
        self.size = 0
        for entry in entries:
            self.add(entry)
        for surface, names in (aliases or {}).items():
            self.add_alias(surface, names)

    def add(self, entry: Mapping[str, Any]) -> None:
        """Index one entry: a dict with list, list_code, name, alt_names (list or JSON) and id."""
        alt_names = entry.get("alt_names") or []
        if isinstance(alt_names, str):
            alt_names = json.loads(alt_names) if alt_names.startswith("[") else split_alt_names(alt_names)
        self.size += 1
        seen: set[str] = set()
        for name in [entry["name"], *alt_names]:
            key = normalize_party(name)
            if not key or key in seen:
                continue
            seen.add(key)
            self._by_key.setdefault(key, []).append(
                Match(
                    list=entry["list"],
                    list_code=entry.get("list_code") or list_code(entry["list"]),
                    name=entry["name"],
                    entry_id=entry.get("id"),
                    matched=name,
                )
            )

    def add_alias(self, surface: str, names: Iterable[str] | str) -> None:
        """Teach the index that `surface` names the same party as `names` (from the entity KB)."""
        key = normalize_party(surface)
        if key:
            self._aliases.setdefault(key, []).extend([names] if isinstance(names, str) else names)

    def match(self, surface: str, kb_names: Iterable[str] = ()) -> list[Match]:
        """Entries whose name or alt name equals the mention once both are normalised.

        `kb_names`: other names of the party the entity linker resolved the mention to; used,
        like the aliases, only when the mention itself matches nothing. One Match per list entry.
        """
        key = normalize_party(surface)
        found = list(self._by_key.get(key, ())) if key else []
        if not found:
            for other in [*self._aliases.get(key, ()), *kb_names]:
                found.extend(self._by_key.get(normalize_party(other), ()))
        unique: dict[tuple[str, str, int | None], Match] = {}
        for m in found:
            unique.setdefault((m.list, m.name, m.entry_id), m)
        return sorted(unique.values(), key=lambda m: (m.list_code, m.name))

    def lists_for(self, surface: str, kb_names: Iterable[str] = ()) -> list[str]:
        """The list codes a mention is flagged with, e.g. ['CMIC', 'EL']."""
        return sorted({m.list_code for m in self.match(surface, kb_names)})

    def __len__(self) -> int:
        return self.size
