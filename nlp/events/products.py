"""The products an event names: every chip, tool, material or software in its sentence (and the
article's headline), by the knowledge base's canonical names (A100 → Nvidia A100).

The entity layer's PRODUCT mentions miss names it did not tag (Chinese has no PRODUCT label in
its training data), so the sentence is also matched against every product surface of the
knowledge base, folded to Simplified, and against a few categories the labels use that the
knowledge base has no entry for (AI model weights). A generic "chips" is never a product, and a
broad name is dropped where a specific one of the same family is there (GPU beside Nvidia A100).
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.script import fold
from nlp.knowledge_base import shared_kb

# categories the labels name that the knowledge base has no surface for (regexes on folded text)
_CATEGORIES = {
    "AI model weights": r"model weights|模型权重|模型重量|closed[- ]weights?",
    "Memory chips": r"memory chips|存储芯片",
    "AI chip": r"AI ?芯片|AI ?晶片|人工智能芯片|artificial intelligence chips?|AI chips?|AI accelerators?",
    "EDA software": r"chip[- ]design (?:software|technology|tools)|芯片设计软件",
}
_BROAD = {"GPU", "AI chip", "CPU", "Lithography machine", "Chipmaking equipment", "Huawei Ascend", "HBM"}
_BROAD_FAMILY = {"GPU": "gpu", "AI chip": "accelerator", "CPU": "cpu", "Lithography machine": "lithography_machine", "Huawei Ascend": "accelerator", "HBM": "memory"}


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One regex over every product surface (folded, longest first), and surface → (name, type)."""
    table: dict[str, tuple[str, str]] = {}
    for entity in shared_kb().products():
        for surface in entity.surfaces():
            key = fold(surface).lower()
            if len(key) >= 2:
                table.setdefault(key, (entity.name, entity.type or ""))
    alternatives = "|".join(re.escape(s) for s in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE), table


_KINDS = {"AI chip": "accelerator", "EDA software": "eda_software", "Memory chips": "memory"}


@lru_cache(maxsize=1)
def _category_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(name, re.compile(rf"(?<![A-Za-z]){source}", re.IGNORECASE)) for name, source in _CATEGORIES.items()]


def products_in(*texts: str) -> list[str]:
    """Canonical names of the products the texts name, in order of first mention, de-duplicated."""
    pattern, table = _matcher()
    kb = shared_kb()
    found: list[tuple[str, str]] = []
    for text in texts:
        folded = fold(text or "")
        hits = [(m.start(), m.end(), table[m.group(0).lower()]) for m in pattern.finditer(folded) if m.group(0).lower() in table]
        hits += [(start, end, (entity.name, entity.type or "")) for start, end, entity in kb.match_products(folded)]
        hits += [(m.start(), m.end(), (name, _KINDS.get(name, "other"))) for name, rx in _category_patterns() for m in rx.finditer(folded)]
        covered: list[tuple[int, int]] = []
        for start, end, (name, kind) in sorted(hits, key=lambda h: (h[0], -(h[1] - h[0]))):
            if any(s <= start and end <= e for s, e in covered):
                continue
            covered.append((start, end))
            if (name, kind) not in found:
                found.append((name, kind))
    kinds = {kind for name, kind in found if name not in _BROAD}
    return [name for name, kind in found if not (name in _BROAD_FAMILY and _BROAD_FAMILY[name] in kinds)]
