"""Store sanctions-list entries and load them for matching. Pure storage: no network, no stage."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from core.csl import CslFormatError, RowError, read_csl
from core.names import normalize_name

logger = logging.getLogger(__name__)

STARTER_ORIGIN = "starter"
STARTER_FILE = Path(__file__).resolve().parent.parent / "nlp" / "kb" / "sanctions_starter.csv"

ENTRY_COLUMNS = (
    "list", "list_code", "entity_number", "type", "name", "alt_names", "programs", "addresses",
    "federal_register_notice", "start_date", "country", "source_url", "remarks", "origin", "imported_at",
)


@dataclass(frozen=True)
class ListCount:
    list: str
    list_code: str
    origin: str
    entries: int
    imported_at: str


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def save_list(db: Database, entries: Iterable[Mapping[str, Any]], origin: str, imported_at: str | None = None) -> tuple[int, int]:
    """Replace every list present in `entries` by these entries, in one transaction.

    An import replaces the earlier imports of the same lists, never the built-in starter rows
    (origin "starter"), and loading the starter list replaces only starter rows: what chipwatch
    ships (its Chinese names among them) stays whatever list file is imported, and the two
    combine. Lists absent from `entries` are left alone, so importing an Entity List file keeps
    the SDN entries. Returns (inserted, replaced): rows stored, and rows of those lists that were
    removed. A failure rolls everything back: the lists stay as they were.
    """
    rows = list(entries)
    lists = sorted({r["list"] for r in rows})
    when = imported_at or _now()
    starter = origin == STARTER_ORIGIN
    same_kind = "list = ? AND (origin = ?) = ?"
    with db.atomic():
        replaced = 0
        for name in lists:
            args = [name, STARTER_ORIGIN, starter]
            replaced += db.execute(f"SELECT count(*) FROM sanctions_entries WHERE {same_kind}", args).fetchone()[0]
            db.execute(f"DELETE FROM sanctions_names WHERE entry_id IN (SELECT id FROM sanctions_entries WHERE {same_kind})", args)
            db.execute(f"DELETE FROM sanctions_entries WHERE {same_kind}", args)
        for row in rows:
            _insert(db, row, origin, when)
    return len(rows), replaced


def _insert(db: Database, row: Mapping[str, Any], origin: str, when: str) -> None:
    alt_names = list(row.get("alt_names") or [])
    values = {c: row.get(c) for c in ENTRY_COLUMNS}
    values.update(alt_names=json.dumps(alt_names, ensure_ascii=False), origin=origin, imported_at=when)
    entry_id = db.execute(
        f"INSERT INTO sanctions_entries ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})", list(values.values())
    ).lastrowid
    names = [(row["name"], "name")] + [(a, "alt") for a in alt_names]
    db.conn.executemany(
        "INSERT OR IGNORE INTO sanctions_names (name_key, entry_id, name, kind) VALUES (?, ?, ?, ?)",
        [(normalize_name(n), entry_id, n, kind) for n, kind in names if normalize_name(n)],
    )


def stored_entries(db: Database) -> list[dict[str, Any]]:
    """Every stored entry (id, list, list_code, name, alt_names as JSON), for the sanctions matcher."""
    if "sanctions_entries" not in db.table_names():
        return []
    cursor = db.execute("SELECT id, list, list_code, name, alt_names FROM sanctions_entries ORDER BY id")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, r)) for r in cursor]


def list_counts(db: Database) -> list[ListCount]:
    """Entries per list and origin, largest list first."""
    cursor = db.execute(
        """SELECT list, list_code, origin, count(*), max(imported_at) FROM sanctions_entries
           GROUP BY list, list_code, origin ORDER BY count(*) DESC, list"""
    )
    return [ListCount(*r) for r in cursor]


def starter_fingerprint(path: Path = STARTER_FILE) -> str:
    """sha256 of the shipped starter file: a database whose starter rows came from another file reloads them."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ensure_starter_list(db: Database, path: Path = STARTER_FILE) -> int:
    """Load the shipped starter list when the database's starter rows came from another version of
    the file (or none are stored); returns the entries stored, 0 when they were current.

    Only starter rows are replaced (all of them, so a row removed from the file goes too);
    imported rows are never touched. Imported and built-in entries of one list live side by
    side, and a party on both is flagged once per list. The file's fingerprint is kept in
    `sanctions_sources` (migration m009); before that table exists the list is loaded without it.
    """
    has_sources = "sanctions_sources" in db.table_names()
    fingerprint = starter_fingerprint(path)
    if has_sources:
        stored = db.execute("SELECT fingerprint FROM sanctions_sources WHERE origin = ?", [STARTER_ORIGIN]).fetchone()
        if stored and stored[0] == fingerprint:
            return 0
    with path.open("rb") as handle:
        try:
            parsed = list(read_csl(handle))
        except CslFormatError as exc:
            raise ValueError(f"{path}: {exc}") from None
    bad = [(n, e) for n, e in parsed if isinstance(e, RowError)]
    if bad:  # a shipped file is ours: a bad row is a bug, not input to skip
        raise ValueError(f"{path}:{bad[0][0]}: {bad[0][1]}")
    entries = [e for _, e in parsed if not isinstance(e, RowError)]
    with db.atomic():
        db.execute("DELETE FROM sanctions_names WHERE entry_id IN (SELECT id FROM sanctions_entries WHERE origin = ?)", [STARTER_ORIGIN])
        db.execute("DELETE FROM sanctions_entries WHERE origin = ?", [STARTER_ORIGIN])
        inserted, _ = save_list(db, entries, STARTER_ORIGIN)
        if has_sources:
            db.execute(
                "INSERT OR REPLACE INTO sanctions_sources (origin, fingerprint, loaded_at) VALUES (?, ?, ?)", [STARTER_ORIGIN, fingerprint, _now()]
            )
    logger.info("loaded %s starter sanctions entries from %s", inserted, path)
    return inserted
