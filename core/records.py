"""The records that cross stages, typed: one definition of their fields, read where they are used.

- `ArticleRecord`: a story as a crawl or an import hands it to storage (crawler, importer → db).
- `Document`: a stored article as the NLP stage reads it (db → nlp).
- `Mention`, `Event`, `Analysis`: what the NLP stage found in one document (nlp → db, and the
  JSON lines `chipwatch analyze` prints, through `to_dict`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def now_utc() -> str:
    """The time every record is stamped with: ISO-8601, UTC, whole seconds."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class ArticleRecord:
    """One story as it arrives from a crawl or an import."""

    url: str
    source: str
    text: str
    title: str | None = None
    lang: str | None = None
    published_at: str | None = None
    authors: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    final_url: str | None = None  # where redirects ended, when different from url
    fetched_at: str | None = None
    encoding: str | None = None
    encoding_replaced: int = 0  # bytes a lenient Chinese decode dropped (crawler/encoding.py)
    content_type: str | None = None
    raw_html: bytes | None = None
    minhash: bytes | None = None  # db.dedup.signature(text), when the caller already computed it


@dataclass(frozen=True)
class Document:
    """A text to analyse: a stored article, or a line of `chipwatch analyze` input."""

    id: Any
    text: str
    lang: str | None = None
    title: str | None = None
    published_at: str | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> Document:
        return cls(row.get("id"), row.get("text") or "", row.get("lang"), row.get("title"), row.get("published_at"))


@dataclass(frozen=True)
class Listing:
    """A sanctions-list entry a mention matched: the list and the entry's name."""

    list: str
    name: str


@dataclass
class Mention:
    """An entity in a text: character offsets (end exclusive), the NER label, the knowledge base's
    entity and canonical English name when linked, and the lists it is on."""

    text: str
    label: str
    start: int
    end: int
    name: str | None = None
    entity_id: str | None = None
    sanctions: list[Listing] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        item: dict[str, Any] = {"text": self.text, "label": self.label, "start": self.start, "end": self.end}
        if self.entity_id is not None:
            item["name"] = self.name
            item["entity_id"] = self.entity_id
        if self.sanctions:
            item["sanctions"] = [{"list": s.list, "name": s.name} for s in self.sanctions]
        return item

    @classmethod
    def from_dict(cls, item: Mapping[str, Any]) -> Mention:
        listings = [Listing(s["list"], s["name"]) for s in item.get("sanctions") or ()]
        return cls(item["text"], item["label"], item["start"], item["end"], item.get("name"), item.get("entity_id"), listings)


@dataclass
class Event:
    """An event of one of core.vocab.EVENT_TYPES, with the sentence that states it."""

    type: str
    actors: list[str]
    targets: list[str]
    products: list[str]
    evidence: str  # the sentence
    start: int  # its offsets in the text, end exclusive
    end: int
    confidence: float
    mechanism: str | None = None  # circumvention only (core.vocab.MECHANISMS), None when not stated
    amount: str | None = None
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        item: dict[str, Any] = {"type": self.type, "actors": self.actors, "targets": self.targets, "products": self.products}
        if self.type == "circumvention":
            item["mechanism"] = self.mechanism
        if self.amount is not None:
            item["amount"] = self.amount
        if self.date is not None:
            item["date"] = self.date
        item.update(evidence=self.evidence, start=self.start, end=self.end, confidence=self.confidence)
        return item


@dataclass
class Analysis:
    """What the NLP stage found in one document. `events` is None when events were not extracted."""

    id: Any
    language: str
    entities: list[Mention] = field(default_factory=list)
    relevant: bool | None = None
    relevance: float | None = None
    events: list[Event] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `chipwatch analyze` prints."""
        item: dict[str, Any] = {"id": self.id, "language": self.language, "entities": [m.to_dict() for m in self.entities]}
        if self.events is not None:
            item.update(relevant=self.relevant, relevance=self.relevance, events=[e.to_dict() for e in self.events])
        return item
