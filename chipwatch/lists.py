"""`chipwatch lists import`: a sanctions list in the CSL CSV format, checked row by row, then stored."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from db.sanctions import ListCount, list_counts, save_list
from core.csl import CslFormatError, RowError, read_csl

logger = logging.getLogger(__name__)


class ListFileError(ValueError):
    """The file cannot be imported at all (not CSL CSV); nothing was stored."""


@dataclass
class ListImportReport:
    rows: int = 0
    inserted: int = 0
    replaced: int = 0  # entries of the same lists that the file replaced
    lists: list[str] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def import_list(db: Database, handle: IO[Any], origin: str | None = None) -> ListImportReport:
    """Read a CSL CSV and replace the lists it contains by its good rows; report each bad row by line.

    A list the file names is replaced only by that file's good rows; lists it does not name
    are untouched. All rows are read before anything is written, in one transaction.
    """
    origin = origin or Path(getattr(handle, "name", "import")).name
    report = ListImportReport()
    entries = []
    try:
        for number, entry in read_csl(handle):
            report.rows += 1
            if isinstance(entry, RowError):
                report.bad.append((number, str(entry)))
            else:
                entries.append(entry)
    except CslFormatError as exc:
        raise ListFileError(str(exc)) from None
    report.lists = sorted({e["list"] for e in entries})
    if entries:
        report.inserted, report.replaced = save_list(db, entries, origin)
    logger.info("imported %s entries of %s lists from %s", report.inserted, len(report.lists), origin)
    return report


def show_lists(db: Database) -> list[ListCount]:
    """Entries per stored list."""
    return list_counts(db)
