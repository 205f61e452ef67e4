"""What an alert says first: the most important new event, in words, for the subject and the glosses.

An analyst decides from the subject line whether to open the email, so the subject names the
event that matters most ("Entity List: 23 Chinese entities added — 5 new matches (huawei)"),
not the watch's name and a count. Importance is by event type first (a listing or a new rule
changes what may be shipped; a purchase does not), then whether a listed party takes part, then
whether the sentence states an amount, then the model's confidence.

A Chinese headline gets an English gloss made of the same parts: the stored event's type, its
parties (canonical English names where the entity layer linked them) and products, and the
article's linked entities. Nothing is translated by a model: what the gloss says is what the
pipeline stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.script import HAN_RE, fold

# most important first
IMPORTANCE = ("entity_listing", "export_restriction", "enforcement", "circumvention", "license_decision", "product_adaptation", "chip_procurement")
LABELS = {
    "entity_listing": "Entity List",
    "export_restriction": "Export controls",
    "enforcement": "Enforcement",
    "circumvention": "Circumvention",
    "license_decision": "Licences",
    "product_adaptation": "Chip adapted to controls",
    "chip_procurement": "Chip purchases",
}
MECHANISMS = {
    "cloud_rental": "cloud rental",
    "intermediary": "intermediaries",
    "shell_company": "shell companies",
    "subsidiary": "subsidiaries",
    "smuggling": "smuggling",
    "transshipment": "transshipment",
}
MAX_NAMES = 3
# 23家中国实体 → 23 Chinese entities (folded to Simplified first); other Chinese amounts are left out of English text
_ZH_COUNT_RE = re.compile(r"(\d+)\s*(?:多)?家(中国|美国|外国)?(实体|企业|公司|机构|大学|科研机构)")
_ZH_NOUNS = {"实体": "entities", "企业": "companies", "公司": "companies", "机构": "institutions", "大学": "universities", "科研机构": "research institutes"}
_ZH_PLACES = {"中国": "Chinese ", "美国": "US ", "外国": "foreign "}


@dataclass
class EventFacts:
    """One stored event as the summary needs it."""

    type: str
    evidence: str = ""
    actors: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    mechanism: str | None = None
    amount: str | None = None
    confidence: float = 0.0
    listed: bool = False  # a party on a sanctions list takes part


def english(names: Iterable[str]) -> list[str]:
    """The names written in Latin script (canonical names of linked entities), in order, without repeats."""
    seen: list[str] = []
    for name in names:
        if name and not HAN_RE.search(name) and name not in seen:
            seen.append(name)
    return seen


def english_amount(amount: str | None) -> str | None:
    """An amount for English text: as stated when it is English, `23家中国实体` as `23 Chinese entities`, else None."""
    if not amount:
        return None
    if not HAN_RE.search(amount):
        return amount
    match = _ZH_COUNT_RE.search(fold(amount))
    if not match:
        return None
    return f"{match.group(1)} {_ZH_PLACES.get(match.group(2) or '', '')}{_ZH_NOUNS[match.group(3)]}"


def importance(event: EventFacts) -> tuple[int, int, int, float]:
    """Sort key, most important first."""
    rank = IMPORTANCE.index(event.type) if event.type in IMPORTANCE else len(IMPORTANCE)
    return (rank, 0 if event.listed else 1, 0 if english_amount(event.amount) else 1, -event.confidence)


def most_important(events: Iterable[EventFacts]) -> EventFacts | None:
    ranked = sorted(events, key=importance)
    return ranked[0] if ranked else None


def _names(names: Sequence[str]) -> str:
    shown = english(names)[:MAX_NAMES]
    return ", ".join(shown)


def event_phrase(event: EventFacts) -> str:
    """The event in a few English words: `Entity List: 23 Chinese entities added`, `Export controls: China on Gallium, Germanium`."""
    label = LABELS.get(event.type, event.type)
    actors, targets, products = _names(event.actors), _names(event.targets), _names(event.products)
    amount = english_amount(event.amount)
    if event.type == "entity_listing":
        what = f"{amount} added" if amount else (f"{targets} listed" if targets else (f"additions by {actors}" if actors else "new listings"))
    elif event.type == "export_restriction":
        what = " on ".join(p for p in (actors or "new rule", products or targets) if p)
    elif event.type == "circumvention":
        how = MECHANISMS.get(event.mechanism or "", "")
        what = ", ".join(p for p in (how, products, f"to {targets}" if targets else "", amount or "") if p) or "chips reached around controls"
    elif event.type == "enforcement":
        what = " against ".join(p for p in (actors, targets) if p) or "action taken"
    else:
        what = ", ".join(p for p in (actors, products or targets, amount or "") if p) or "new report"
    return f"{label}: {what}"


def gloss(events: Sequence[EventFacts], entity_names: Sequence[str]) -> str | None:
    """An English line for a Chinese article: its most important event and the entities it names, or None."""
    parts = []
    top = most_important(events)
    if top is not None:
        parts.append(event_phrase(top))
    names = english(entity_names)[:5]
    if names:
        parts.append("about " + ", ".join(names))
    return "; ".join(parts) or None
