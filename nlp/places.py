"""Places: countries, provinces and cities (nlp/kb/places.jsonl), in both scripts.

Places are not entities of the knowledge base (nothing links to them): the gazetteer tags them
GPE/LOC where the Chinese NER misses them, and the event arguments give their English names.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from core.names import normalize_name
from nlp.knowledge_base import KB_DIR, KBError, simplified_spelling, traditional_forms

PLACES_FILE = "places.jsonl"
PLACE_LABELS = {"country": "GPE", "province": "GPE", "city": "GPE", "region": "GPE", "area": "LOC"}


def place_names(path: str | Path | None = None) -> list[tuple[str, str]]:
    """(surface, label) for the places in places.jsonl, each name in Simplified and Traditional forms.

    Places are not entities of the knowledge base (nothing links to them); the gazetteer uses
    these names so that countries and cities the Chinese NER misses are still tagged GPE/LOC.
    """
    names: list[tuple[str, str]] = []
    file = (Path(path) if path is not None else KB_DIR) / PLACES_FILE
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        label = PLACE_LABELS.get(row.get("type", ""))
        if label is None:
            raise KBError([f"{file.name}:{number}: unknown place type {row.get('type')!r}"])
        seen: set[str] = set()
        for surface in [row["name"], row.get("zh"), *row.get("aliases", [])]:
            for form in (surface, simplified_spelling(surface), *traditional_forms(surface)) if surface else ():
                if form not in seen and len(form) >= 2:
                    seen.add(form)
                    names.append((form, label))
    return names


@lru_cache(maxsize=4)
def place_english_names(path: str | None = None) -> dict[str, str]:
    """Normalised place name (any script, alias) → the place's English name, e.g. 美國 → United States."""
    names: dict[str, str] = {}
    file = (Path(path) if path is not None else KB_DIR) / PLACES_FILE
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            for surface in [row["name"], row.get("zh"), *row.get("aliases", [])]:
                if surface:
                    names.setdefault(normalize_name(surface), row["name"])
    return names
