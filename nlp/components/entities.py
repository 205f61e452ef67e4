"""spaCy components that find the knowledge base's organisations and products and link every entity.

`chipwatch_gazetteer_v1` adds the names the knowledge base knows (in both scripts), chip model
numbers, and countries, provinces and cities (nlp/kb/places.jsonl) to `doc.ents`, next to what
the statistical NER found; `chipwatch_linker_v1` gives each
entity its knowledge-base id (`span.kb_id_`) and keeps seats of government out of PERSON.
"""

from __future__ import annotations

import logging

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from core.names import normalize_name
from nlp.knowledge_base import KnowledgeBase, shared_kb
from nlp.places import place_names

logger = logging.getLogger(__name__)

LABEL_OF_KIND = {"org": "ORG", "product": "PRODUCT"}
LINKABLE = {"ORG", "PRODUCT", "GPE", "LOC", "PERSON", "NORP", "FAC"}
# Cities that stand for a government ("Washington imposed…", "北京表示…"): a place, never a person.
SEATS_OF_GOVERNMENT = {normalize_name(n) for n in ("Washington", "华盛顿", "Beijing", "北京", "Taipei", "台北", "Tokyo", "东京", "The Hague", "海牙", "Brussels", "布鲁塞尔", "Seoul", "首尔")}


class Gazetteer:
    """Knowledge-base names and product model numbers as entities; the longest span wins an overlap."""

    def __init__(self, nlp: Language, kb: KnowledgeBase) -> None:
        self.kb = kb
        # Latin names are matched case-sensitively ("Arm", "Screen" and "BIS" are also words);
        # Chinese has no case and is tokenised by character, so both go through ORTH.
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        patterns: dict[str, list[Doc]] = {}
        for surface, entity in kb.aliases():
            forms = {surface}
            if surface.isascii() and len(surface) >= 4 and not surface.isupper():
                forms.add(surface.upper())
            patterns.setdefault(entity.id, []).extend(nlp.make_doc(f) for f in forms)
        for entity_id, docs in patterns.items():
            self.matcher.add(entity_id, docs)
        # Places: a span that is exactly a country or city name is a place even where the NER calls
        # it an organisation (荷兰 for the Dutch government); a longer NER span (荷兰政府) still wins.
        self.places = PhraseMatcher(nlp.vocab, attr="ORTH")
        for label in ("GPE", "LOC"):
            self.places.add(label, [nlp.make_doc(surface) for surface, place_label in place_names() if place_label == label])

    def __call__(self, doc: Doc) -> Doc:
        found = []
        for match_id, start, end in self.matcher(doc):
            entity = self.kb.get(doc.vocab.strings[match_id])
            if entity is not None:
                found.append(Span(doc, start, end, label=LABEL_OF_KIND[entity.kind], kb_id=entity.id))
        for start, end, entity in self.kb.match_products(doc.text):
            span = doc.char_span(start, end, label="PRODUCT", kb_id=entity.id, alignment_mode="contract")
            if span is not None:
                found.append(span)
        places = [Span(doc, start, end, label=match_id) for match_id, start, end in self.places(doc)]
        doc.ents = filter_spans(found + places + list(doc.ents))
        return doc


class Linker:
    """Give each entity the knowledge base's id when its text names one entity; fix seats of government."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def __call__(self, doc: Doc) -> Doc:
        ents = []
        for ent in filter(None, (trim(e) for e in doc.ents)):
            label = ent.label_
            if label == "PERSON" and normalize_name(ent.text) in SEATS_OF_GOVERNMENT:
                label = "GPE"
            kb_id = ent.kb_id_
            if not kb_id and label in LINKABLE:
                entity = self.kb.resolve(ent.text, label)
                if entity is not None:
                    # The knowledge base knows the name: "Huawei" tagged PERSON or 商务部 tagged GPE is an organisation.
                    kb_id = entity.id
                    label = LABEL_OF_KIND[entity.kind]
            ents.append(Span(doc, ent.start, ent.end, label=label, kb_id=kb_id))
        doc.ents = ents
        return doc


def trim(span: Span) -> Span | None:
    """The span without edge punctuation, cut at a line break (the Chinese model, trained on single
    sentences, sometimes runs a name across a paragraph break); None if nothing is left."""
    start, end = span.start, span.end
    for token in span:
        if token.is_space and "\n" in token.text:
            end = token.i
            break
    doc = span.doc
    while start < end and (doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    if start == end:
        return None
    if (start, end) == (span.start, span.end):
        return span
    return Span(doc, start, end, label=span.label_, kb_id=span.kb_id_)


@Language.factory("chipwatch_gazetteer_v1", default_config={"kb_dir": None})
def make_gazetteer(nlp: Language, name: str, kb_dir: str | None) -> Gazetteer:
    return Gazetteer(nlp, shared_kb(kb_dir))


@Language.factory("chipwatch_linker_v1", default_config={"kb_dir": None})
def make_linker(nlp: Language, name: str, kb_dir: str | None) -> Linker:
    return Linker(shared_kb(kb_dir))
