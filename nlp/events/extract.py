"""Entities in, events out: per article `relevant`, `relevance` and typed events with arguments.

1. Sentences with a trigger word of some type (nlp/events/lexicon.py) are the candidates; no
   other sentence can become an event, which keeps the models off most of the text.
2. Each candidate gets a vector from its language's encoder and rule features (which types'
   triggers it holds, an old year in it, an organisation or product in it); the language's head
   (nlp/models/events/<lang>.npz) gives one probability per type. A configured fine-tuned
   classifier (CHIPWATCH_EVENT_CLASSIFIER) replaces encoder and head.
3. A type whose probability reaches the head's threshold is an event; its arguments are the
   entity mentions inside the sentence, their roles given by the type (nlp/events/arguments.py).
   Events of one type with the same arguments are merged, keeping the most confident sentence.

relevance is the highest probability of any type in any candidate sentence; relevant means at
least one event (the annotation guide's definition).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp.errors import PipelineError
from nlp.events import EVENT_TYPES
from nlp.events.arguments import arguments_for
from nlp.events.lexicon import lexicon_lang, trigger_types
from nlp.events.model import MODELS_DIR, Encoder, Head, SequenceClassifier, load_encoder
from nlp.events.text import fold, sentences

logger = logging.getLogger(__name__)

_YEAR_RE = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")


@dataclass
class Candidate:
    start: int
    end: int
    text: str
    folded: str
    triggers: list[str]
    entities: list[Mapping[str, Any]]


@dataclass
class EventConfig:
    """Where the models come from. Environment: CHIPWATCH_EVENT_HEADS (a folder with en.npz and
    zh.npz), CHIPWATCH_EVENT_ENCODER_EN / _ZH (override the encoder a head was trained on is not
    allowed; they pick a head trained for them), CHIPWATCH_EVENT_CLASSIFIER (a fine-tuned HF
    sequence classifier, path or hub id, used for every language)."""

    heads_dir: Path = field(default_factory=lambda: Path(os.environ.get("CHIPWATCH_EVENT_HEADS") or MODELS_DIR))
    classifier: str | None = field(default_factory=lambda: os.environ.get("CHIPWATCH_EVENT_CLASSIFIER") or None)


def candidates(text: str, lang: str, entities: Sequence[Mapping[str, Any]]) -> list[Candidate]:
    folded = fold(text) if lexicon_lang(lang) == "zh" else text
    found = []
    for start, end in sentences(text):
        inside = [e for e in entities if start <= e["start"] and e["end"] <= end]
        has_product = any(e.get("label") == "PRODUCT" and e.get("entity_id") for e in inside)
        kinds = trigger_types(folded[start:end], lang, has_product)
        if kinds:
            found.append(Candidate(start, end, text[start:end], folded[start:end], kinds, inside))
    return found


def rule_features(candidate: Candidate, published_year: int | None) -> list[float]:
    years = [int(y) for y in _YEAR_RE.findall(candidate.text)]
    old = float(bool(published_year and years and max(years) < published_year))
    labels = {e.get("label") for e in candidate.entities}
    return [
        *(1.0 if kind in candidate.triggers else 0.0 for kind in EVENT_TYPES),
        old,
        float("ORG" in labels),
        float("PRODUCT" in labels),
        float(len(candidate.triggers) / len(EVENT_TYPES)),
    ]


def published_year(published_at: str | None) -> int | None:
    match = re.match(r"(\d{4})", published_at or "")
    return int(match.group(1)) if match else None


class EventExtractor:
    """Loads each language's head and encoder once, on first use."""

    def __init__(self, config: EventConfig | None = None) -> None:
        self.config = config or EventConfig()
        self._heads: dict[str, Head] = {}
        self._encoders: dict[str, Encoder] = {}
        self._classifier: SequenceClassifier | None = None

    def head(self, family: str) -> Head:
        if family not in self._heads:
            path = self.config.heads_dir / f"{family}.npz"
            if not path.exists():
                raise PipelineError(f"no event model for {family} at {path}: run python -m nlp.events.train")
            self._heads[family] = Head.load(path)
        return self._heads[family]

    def encoder(self, name: str) -> Encoder:
        if name not in self._encoders:
            self._encoders[name] = load_encoder(name)
        return self._encoders[name]

    def probabilities(self, family: str, items: list[Candidate], years: list[int | None]) -> tuple[np.ndarray, float]:
        """(probabilities per candidate and type, threshold)."""
        if not items:
            return np.zeros((0, len(EVENT_TYPES)), dtype=np.float32), 0.5
        if self.config.classifier:
            if self._classifier is None:
                self._classifier = SequenceClassifier(self.config.classifier)
            return self._classifier.probabilities([c.text for c in items]), 0.5
        head = self.head(family)
        inputs = [c.folded if family == "zh" else c.text for c in items]
        vectors = self.encoder(head.encoder).encode(inputs)
        features = np.hstack([vectors, np.array([rule_features(c, y) for c, y in zip(items, years, strict=True)], dtype=np.float32)])
        return head.probabilities(features), head.threshold

    def extract(self, documents: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """For each document {"text", "language", "entities", "published_at"?}: {"relevant", "relevance", "events"}.

        Candidates of all documents of one language go through the model together.
        """
        per_doc = [candidates(d.get("text") or "", d.get("language") or "", d.get("entities") or []) for d in documents]
        probs: list[np.ndarray | None] = [None] * len(documents)
        thresholds = [0.5] * len(documents)
        for family in ("en", "zh"):
            members = [i for i, d in enumerate(documents) if per_doc[i] and lexicon_lang(d.get("language") or "") == family]
            if not members:
                continue
            flat = [c for i in members for c in per_doc[i]]
            years = [published_year(documents[i].get("published_at")) for i in members for _ in per_doc[i]]
            table, threshold = self.probabilities(family, flat, years)
            offset = 0
            for i in members:
                probs[i] = table[offset : offset + len(per_doc[i])]
                thresholds[i] = threshold
                offset += len(per_doc[i])
        return [
            assemble(d, per_doc[i], probs[i], thresholds[i]) for i, d in enumerate(documents)
        ]


def assemble(document: Mapping[str, Any], items: list[Candidate], probs: np.ndarray | None, threshold: float) -> dict[str, Any]:
    if not items or probs is None:
        return {"relevant": False, "relevance": 0.0, "events": []}
    language = document.get("language") or ""
    published_at = document.get("published_at")
    best: dict[tuple, dict[str, Any]] = {}
    for candidate, row in zip(items, probs, strict=True):
        for j, kind in enumerate(EVENT_TYPES):
            if row[j] < threshold:
                continue
            event = {"type": kind, **arguments_for(kind, candidate.text, candidate.folded, candidate.start, candidate.entities, language, published_at)}
            event.update(evidence=candidate.text, start=candidate.start, end=candidate.end, confidence=round(float(row[j]), 3))
            key = (kind, tuple(event["actors"]), tuple(event["targets"]), tuple(event["products"]))
            if key not in best or event["confidence"] > best[key]["confidence"]:
                best[key] = event
    events = sorted(best.values(), key=lambda e: (e["start"], EVENT_TYPES.index(e["type"])))
    relevance = round(float(probs.max()), 3)
    return {"relevant": bool(events), "relevance": relevance, "events": events}
