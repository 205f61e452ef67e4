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

4. The article is relevant when the article head (nlp/events/relevance.py) says so, from the
   candidates' scores, the headline's and the lead's (scored whatever their words) and keyword
   features: a trigger word is not the only way in. Only a relevant article keeps events; one whose
   sentences all stayed under the threshold gets its likeliest (sentence, type) as its event.

relevance is the article head's calibrated probability (with an older head without one: the
highest probability of any type in any candidate); relevant means at least one event (the
annotation guide's definition).
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
from core.records import Event, Mention
from core.script import fold
from core.vocab import EVENT_TYPES
from nlp.events.arguments import arguments_for
from nlp.events.lexicon import lexicon_lang, signals, strong_types, trigger_types
from nlp.events.names import recover_mentions
from nlp.places import place_english_names
from nlp.events.rules import RULE_CONFIDENCE, folded_for, nearest_buyer, retype, rule_position, rule_types
from nlp.events.model import MODELS_DIR, Encoder, Head, SequenceClassifier, load_encoder
from nlp.events.relevance import ArticleHead, Passage, article_features, passages
from nlp.events.text import sentences

logger = logging.getLogger(__name__)

CONTEXT_CHARS = 300  # "the company" / 该公司 refers back at most this far (about the previous sentence)
_YEAR_RE = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")


@dataclass
class Candidate:
    start: int
    end: int
    text: str
    folded: str  # Traditional folded to Simplified character by character, for the rules
    triggers: list[str]
    entities: list[Mention]
    model_text: str = ""  # what the encoder reads (see model_text())
    lang: str = ""

    def __post_init__(self) -> None:
        self.model_text = self.model_text or self.text


def model_text(sentence: str, lang: str) -> str:
    """Chinese goes to the encoder folded to Simplified character by character: the heads are
    trained mostly on Simplified text. (OpenCC's phrase-level conversion of Traditional text
    measured no better on the dev split: types F1 0.56 against 0.58 for zh-Hant.)"""
    return fold(sentence) if lexicon_lang(lang) == "zh" else sentence


@dataclass
class EventConfig:
    """Where the models come from. Environment: CHIPWATCH_EVENT_HEADS (a folder with en.npz and
    zh.npz), CHIPWATCH_EVENT_ENCODER_EN / _ZH (override the encoder a head was trained on is not
    allowed; they pick a head trained for them), CHIPWATCH_EVENT_CLASSIFIER (a fine-tuned HF
    sequence classifier, path or hub id, used for every language)."""

    heads_dir: Path = field(default_factory=lambda: Path(os.environ.get("CHIPWATCH_EVENT_HEADS") or MODELS_DIR))
    classifier: str | None = field(default_factory=lambda: os.environ.get("CHIPWATCH_EVENT_CLASSIFIER") or None)


def candidates(text: str, lang: str, entities: Sequence[Mention]) -> list[Candidate]:
    folded = fold(text) if lexicon_lang(lang) == "zh" else text
    found = []
    for start, end in sentences(text):
        inside = [e for e in entities if start <= e.start and e.end <= end]
        has_product = any(e.label == "PRODUCT" and e.entity_id for e in inside)
        kinds = trigger_types(folded[start:end], lang, has_product)
        if kinds:
            found.append(Candidate(start, end, text[start:end], folded[start:end], kinds, inside, model_text(text[start:end], lang), lang))
    return found


def rule_features(candidate: Candidate, published_year: int | None) -> list[float]:
    years = [int(y) for y in _YEAR_RE.findall(candidate.text)]
    old = float(bool(published_year and years and max(years) < published_year))
    labels = {e.label for e in candidate.entities}
    return [
        *(1.0 if kind in candidate.triggers else 0.0 for kind in EVENT_TYPES),
        old,
        float("ORG" in labels),
        float("PRODUCT" in labels),
        float(len(candidate.triggers) / len(EVENT_TYPES)),
        *signals(candidate.folded, candidate.lang),
        *strong_types(candidate.folded, candidate.lang),
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

    def probabilities(self, family: str, items: list[Candidate | Passage], years: list[int | None]) -> tuple[np.ndarray, float, str, ArticleHead | None]:
        """(probabilities per candidate and type, threshold, pooling, article head)."""
        if not items:
            return np.zeros((0, len(EVENT_TYPES)), dtype=np.float32), 0.5, "max", None
        if self.config.classifier:
            if self._classifier is None:
                self._classifier = SequenceClassifier(self.config.classifier)
            return self._classifier.probabilities([c.text for c in items]), 0.5, "max", None
        head = self.head(family)
        vectors = self.encoder(head.encoder).encode([c.model_text for c in items])
        features = np.hstack([vectors, np.array([rule_features(c, y) for c, y in zip(items, years, strict=True)], dtype=np.float32)])
        return head.probabilities(features), head.threshold, head.meta.get("pooling", "max"), ArticleHead.from_meta(head.meta.get("article"))

    def extract(self, documents: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """For each document {"text", "language", "entities" (Mention records), "title"?, "published_at"?}:
        {"relevant", "relevance", "events" (Event records)}.

        Candidates of all documents of one language go through the model together; a headline
        with a trigger is scored too (it can support the sentences, never be the evidence).
        """
        per_doc = [candidates(d.get("text") or "", d.get("language") or "", d.get("entities") or []) for d in documents]
        per_passages = [
            passages(d.get("text") or "", d.get("title") or "", d.get("language") or "", d.get("entities") or [], {c.start for c in per_doc[i]})
            for i, d in enumerate(documents)
        ]  # fmt: skip
        scored: list[tuple[np.ndarray, np.ndarray, float, str, ArticleHead | None] | None] = [None] * len(documents)
        for family in ("en", "zh"):
            members = [i for i, d in enumerate(documents) if (per_doc[i] or per_passages[i]) and lexicon_lang(d.get("language") or "") == family]
            if not members:
                continue
            flat: list[Candidate | Passage] = [c for i in members for c in [*per_doc[i], *per_passages[i]]]
            years = [published_year(documents[i].get("published_at")) for i in members for _ in [*per_doc[i], *per_passages[i]]]
            table, threshold, pooling, article_head = self.probabilities(family, flat, years)
            offset = 0
            for i in members:
                n, m = len(per_doc[i]), len(per_passages[i])
                scored[i] = (table[offset : offset + n], table[offset + n : offset + n + m], threshold, pooling, article_head)
                offset += n + m
        return [assemble(d, per_doc[i], per_passages[i], scored[i]) for i, d in enumerate(documents)]


POOLINGS = ("max", "noisy_or")


def decide(probs: np.ndarray, threshold: float, pooling: str = "max", title: np.ndarray | None = None) -> tuple[list[tuple[int, int, float]], float]:
    """Which (sentence, type) pairs are events, with their confidence, and the article's relevance.

    max: a sentence whose probability for a type reaches the threshold states an event of it.
    noisy_or: also, when no sentence reaches it alone, the two likeliest sentences and the
    headline together (1 - (1-p1)(1-p2)(1-p_title)) can: an article that says it several times
    in guarded words still reports it; the event's evidence is then its likeliest sentence.
    relevance: the highest such score of any type.
    """
    found: list[tuple[int, int, float]] = []
    relevance = 0.0
    for j in range(probs.shape[1] if probs.size else 0):
        column = probs[:, j]
        above = [(i, float(column[i])) for i in np.nonzero(column >= threshold)[0]]
        found += [(i, j, p) for i, p in above]
        score = float(column.max())
        if pooling == "noisy_or":
            top = np.sort(column)[::-1][:2]
            pooled = 1.0 - float(np.prod(1.0 - top)) * (1.0 - (float(title[j]) if title is not None else 0.0))
            if not above and pooled >= threshold:
                found.append((int(column.argmax()), j, pooled))
            score = max(score, pooled)
        relevance = max(relevance, score)
    return found, relevance


def assemble(
    document: Mapping[str, Any], items: list[Candidate], passage_items: list[Passage],
    scored: tuple[np.ndarray, np.ndarray, float, str, ArticleHead | None] | None,
) -> dict[str, Any]:  # fmt: skip
    if scored is None:
        return {"relevant": False, "relevance": 0.0, "events": []}
    probs, passage_probs, threshold, pooling, article_head = scored
    language = document.get("language") or ""
    published_at = document.get("published_at")
    headline_rows = [j for j, p in enumerate(passage_items) if p.is_headline and p.start < 0 and (article_head is not None or p.triggers)]
    title = passage_probs[headline_rows].max(axis=0) if headline_rows else None  # a head without article head pooled only a headline with a trigger
    found, relevance = decide(probs, threshold, pooling, title) if len(items) else ([], 0.0)
    sources: list[Candidate | Passage] = list(items)
    if article_head is not None:
        text = document.get("text") or ""
        features = article_features(probs, passage_probs, passage_items, [c.folded for c in items], language, len(sentences(text)), document.get("entities") or [])
        relevance = float(article_head.probability(features)[0])
        if relevance < article_head.threshold:
            found = []
        elif not found:
            found, sources = [_likeliest(probs, passage_probs, passage_items, relevance)], [*items, *passage_items]
    entities, headline = document.get("entities") or [], document.get("title") or ""
    proposed = []
    for i, j, confidence in found:
        candidate, kind = sources[i], EVENT_TYPES[j]
        context = [e for e in entities if candidate.start - CONTEXT_CHARS <= e.start and e.end <= candidate.start]
        inside = recover_mentions(candidate.text, candidate.start, candidate.entities, list(entities), place_english_names())
        arguments = arguments_for(kind, candidate.text, candidate.folded, candidate.start, inside, language, published_at, context=context, title=headline)
        kind = retype(kind, candidate.folded, language, arguments.get("mechanism"))
        arguments.pop("mechanism", None) if kind != "circumvention" else None
        proposed.append(Event(type=kind, **arguments, evidence=candidate.text, start=candidate.start, end=candidate.end, confidence=round(confidence, 3)))
    proposed += rule_events(document.get("text") or "", language, entities, published_at, headline)
    events = sorted(merge_restatements(proposed), key=lambda e: (e.start, EVENT_TYPES.index(e.type)))
    relevance = max([relevance, *(e.confidence for e in events)])
    return {"relevant": bool(events), "relevance": round(relevance, 3), "events": events}


def _likeliest(probs: np.ndarray, passage_probs: np.ndarray, passage_items: list[Passage], confidence: float) -> tuple[int, int, float]:
    """The event of a relevant article none of whose sentences reached the threshold: the type the
    whole article scores highest (its sentences, headline and lead together), stated in the body
    sentence most likely of that type (the headline is not part of the text, so never evidence)."""
    rows = np.vstack([probs.reshape(-1, len(EVENT_TYPES)), passage_probs.reshape(-1, len(EVENT_TYPES))])
    kind = int(rows.max(axis=0).argmax())
    in_text = [i for i in range(len(rows)) if i < len(probs) or passage_items[i - len(probs)].start >= 0]
    row = max(in_text, key=lambda i: rows[i, kind]) if in_text else 0
    return row, kind, confidence


def rule_events(text: str, language: str, entities: Sequence[Mention], published_at: str | None, title: str = "") -> list[Event]:
    """Events the type rules (nlp/events/rules.py) read in a sentence, with the party each needs:
    a circumvention its buyer and mechanism, an enforcement its government actor."""
    folded_text = folded_for(text, language)
    found = []
    for start, end in sentences(text):
        folded = folded_text[start:end]
        kinds = rule_types(folded, language)
        for kind in kinds:
            inside = recover_mentions(text[start:end], start, [e for e in entities if start <= e.start and e.end <= end], list(entities), place_english_names())
            context = [e for e in entities if start - CONTEXT_CHARS <= e.start and e.end <= start]
            inside = nearest_buyer(inside, rule_position(folded, language), start) if kind == "circumvention" else inside
            arguments = arguments_for(kind, text[start:end], folded, start, inside, language, published_at, context=context, title=title)
            if not arguments["actors"] or (kind == "circumvention" and not arguments.get("mechanism")):
                continue
            found.append(Event(type=kind, **arguments, evidence=text[start:end], start=start, end=end, confidence=RULE_CONFIDENCE))
    return found


def merge_restatements(events: list[Event]) -> list[Event]:
    """One event per real-world event: an article restates its news in several sentences. Most
    confident first, an event is kept only if its type is new in the article or it names a party
    or product that no kept event of its type names; a restatement that adds nothing is dropped. Arguments are never moved between
    sentences, so each event's evidence states what the event says."""
    kept: list[Event] = []
    for event in sorted(events, key=lambda e: -e.confidence):
        names = set(event.actors) | set(event.targets) | set(event.products) | {event.mechanism}
        same_type = [k for k in kept if k.type == event.type]
        known = set().union(*(set(k.actors) | set(k.targets) | set(k.products) | {k.mechanism} for k in same_type)) if same_type else set()
        if not same_type or names - known:
            kept.append(event)
    return kept
