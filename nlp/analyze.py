"""Text in, entities and events out: the per-document result `chipwatch analyze` prints and `chipwatch process` stores.

Pure: no database. The caller passes the sanctions index (from the database, or the shipped
starter list) and gets typed records back (core.records.Analysis), in the order the documents came.
A mention is flagged when its whole name is listed (nlp/sanctions.py) or when the screening
automaton (nlp/screening.py) finds a listed name in the text over it; a listed name that no
mention covers becomes a mention of its own (label ORG).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from core.language import detect_language
from core.records import Analysis, Document, Listing, Mention
from nlp.events.extract import EventConfig, EventExtractor
from nlp.knowledge_base import KnowledgeBase, shared_kb
from nlp.pipeline import PipelineConfig, build_pipeline, family_of
from nlp.sanctions import Match, SanctionsIndex
from nlp.screening import Screener

logger = logging.getLogger(__name__)

BATCH_SIZE = 64
# Only the first MAX_CHARS characters of a text are analysed. spaCy refuses texts over
# nlp.max_length (1,000,000) with an error that would stop `chipwatch process` at the same
# article on every run; no news story is this long, and a prefix keeps the offsets right.
MAX_CHARS = 100_000


class Analyzer:
    """Holds the pipelines (built on first use, once per process) and turns documents into result dicts."""

    def __init__(
        self, sanctions: SanctionsIndex | None = None, config: PipelineConfig | None = None, *, events: bool = True, event_config: EventConfig | None = None
    ) -> None:
        self.config = config or PipelineConfig()
        self.sanctions = sanctions or SanctionsIndex()
        self.kb: KnowledgeBase = shared_kb(self.config.kb_dir)
        self.screener = Screener(self.sanctions.entries, self.kb)
        self._pipelines: dict[str, Language] = {}
        self.event_extractor = EventExtractor(event_config) if events else None

    def pipeline(self, family: str) -> Language:
        if family not in self._pipelines:
            self._pipelines[family] = build_pipeline(family, self.config)
        return self._pipelines[family]

    def analyze(self, documents: Iterable[Document | Mapping[str, Any]], batch_size: int = BATCH_SIZE) -> Iterator[Analysis]:
        """One Analysis per document (a Document, or a mapping with its fields), in input order:
        the entities, and relevance and events unless events are off (nlp/events/extract.py).

        Documents are read in chunks; within a chunk each language family goes through its
        pipeline with `nlp.pipe`, so a pipeline is never called text by text.
        """
        iterator = iter(documents)
        while chunk := [d if isinstance(d, Document) else Document.from_mapping(d) for d in islice(iterator, batch_size)]:
            yield from self._analyze_chunk(chunk, batch_size)

    def _analyze_chunk(self, chunk: list[Document], batch_size: int) -> list[Analysis]:
        results: list[Analysis] = []
        by_family: dict[str, list[int]] = {}
        for i, document in enumerate(chunk):
            text = document.text
            language = document.lang or detect_language(text)
            results.append(Analysis(document.id, language))
            family = family_of(language)
            if family and text.strip():
                by_family.setdefault(family, []).append(i)
        for family, positions in by_family.items():
            docs = self.pipeline(family).pipe((chunk[i].text[:MAX_CHARS] for i in positions), batch_size=batch_size)
            for i, doc in zip(positions, docs, strict=True):
                results[i].entities = self.entities(doc)
        if self.event_extractor is not None:
            found = self.event_extractor.extract(
                [
                    {"text": d.text[:MAX_CHARS], "language": r.language, "entities": r.entities, "title": d.title, "published_at": d.published_at}
                    for d, r in zip(chunk, results, strict=True)
                ]
            )
            for result, events in zip(results, found, strict=True):
                result.relevant, result.relevance, result.events = events["relevant"], events["relevance"], events["events"]
        return results

    def entities(self, doc: Doc) -> list[Mention]:
        """The doc's entities with character offsets (end exclusive), names, ids and list flags."""
        found = []
        for ent in doc.ents:
            mention = Mention(ent.text, ent.label_, ent.start_char, ent.end_char)
            entity = self.kb.get(ent.kb_id_) if ent.kb_id_ else None
            if entity is not None:
                mention.name, mention.entity_id = entity.name, entity.id
            if ent.label_ in ("ORG", "PERSON", "GPE", "FAC", "NORP") or entity is not None:
                names = entity.surfaces() if entity is not None else ()
                matches = self.sanctions.match(ent.text, names)
                if not matches and ent.label_ in ("ORG", "FAC", "NORP"):
                    matches = list(self.screener.fuzzy(ent.text))
                mention.sanctions = _listings(matches)
            found.append(mention)
        rejected: list[tuple[int, int]] = []
        hits = self.screener.find(doc.text, rejected)
        for mention in found:  # a whole-span match the context checks turned down (华为 in 华为海洋网络) is dropped
            if mention.sanctions and any(s <= mention.start and mention.end <= e for s, e in rejected):
                mention.sanctions = []
        for hit in hits:
            covering = [m for m in found if m.start < hit.end and hit.start < m.end]
            for mention in covering:
                mention.sanctions = _listings([*mention.sanctions, *hit.matches])
            if not covering:
                mention = Mention(hit.text, "ORG", hit.start, hit.end, sanctions=_listings(hit.matches))
                entity = self.kb.get(hit.entity_id) if hit.entity_id else None
                if entity is not None:
                    mention.name, mention.entity_id = entity.name, entity.id
                found.append(mention)
        found.sort(key=lambda m: (m.start, m.end))
        return found


def _listings(matches: Iterable[Match | Listing]) -> list[Listing]:
    """One Listing per (list, entry name), in a stable order."""
    unique = {(m.list, m.name): Listing(m.list, m.name) for m in matches}
    return [unique[k] for k in sorted(unique)]
