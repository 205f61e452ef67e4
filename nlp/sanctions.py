"""Sanctions lists: match party names against listed entries.

Pure: entries and names in, matches out. Reading the list files is core/csl.py's work, storing
the entries db/sanctions.py's; the name key is core.names.normalize_name, the entity KB's own.

Matching is deliberately exact: a mention is flagged only when its whole normalised form equals
the normalised name or an alt name of a listed entry. "Huawei Marine Networks" shares a word
with "Huawei Technologies" but is another company; word overlap would flag it, and a false flag
on a screening tool costs an analyst more than a missed one that the full list catches by name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.csl import list_code, split_alt_names
from core.names import normalize_name

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Match:
    """A listed party a mention matched."""

    list: str  # the CSL source, e.g. "Entity List (EL) - Bureau of Industry and Security"
    list_code: str  # EL, SDN, UVL, MEU, CMIC, ...
    name: str  # the entry's primary name
    entry_id: int | None  # sanctions_entries.id when the index was loaded from the database
    matched: str = ""  # which of the entry's names matched


class SanctionsIndex:
    """Exact lookup of normalised names and alt names → the entries that carry them.

    `aliases` (optional) maps a surface form the knowledge base knows (中芯国际) to names of the
    same party (SMIC, Semiconductor Manufacturing International Corporation): a mention that
    matches no entry directly is looked up again under those names. Nothing else is fuzzy.
    """

    def __init__(self, entries: Iterable[Mapping[str, Any]] = (), aliases: Mapping[str, Iterable[str] | str] | None = None) -> None:
        self._by_key: dict[str, list[Match]] = {}
        self._aliases: dict[str, list[str]] = {}
        self.entries: list[Mapping[str, Any]] = []  # as given, for the screening automaton (nlp/screening.py)
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
        self.entries.append(entry)
        seen: set[str] = set()
        for name in [entry["name"], *alt_names]:
            key = normalize_name(name)
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
        key = normalize_name(surface)
        if key:
            self._aliases.setdefault(key, []).extend([names] if isinstance(names, str) else names)

    def match(self, surface: str, kb_names: Iterable[str] = ()) -> list[Match]:
        """Entries whose name or alt name equals the mention once both are normalised.

        `kb_names`: other names of the party the entity linker resolved the mention to; used,
        like the aliases, only when the mention itself matches nothing. One Match per list entry.
        """
        key = normalize_name(surface)
        found = list(self._by_key.get(key, ())) if key else []
        if not found:
            for other in [*self._aliases.get(key, ()), *kb_names]:
                found.extend(self._by_key.get(normalize_name(other), ()))
        unique: dict[tuple[str, str, int | None], Match] = {}
        for m in found:
            unique.setdefault((m.list, m.name, m.entry_id), m)
        return sorted(unique.values(), key=lambda m: (m.list_code, m.name))

    def lists_for(self, surface: str, kb_names: Iterable[str] = ()) -> list[str]:
        """The list codes a mention is flagged with, e.g. ['CMIC', 'EL']."""
        return sorted({m.list_code for m in self.match(surface, kb_names)})

    def __len__(self) -> int:
        return self.size
