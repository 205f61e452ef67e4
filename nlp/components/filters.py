"""`chipwatch_name_filter_v1`: drop or cut entity spans that are not names.

Runs after the gazetteer and before the linker, so that what it cuts off is still linked. Three
rules, each on an error kind seen in stored mentions:

1. **Not a name**: the whole span is a common word (`name_rules.toml` [not_names]): "查明" as
   LOC, "表示" as ORG, "CEO" as ORG. Dropped.
2. **A description glued to a name**: "上海的云计算公司 Nvidia", "美国芯片巨头英伟达". The span
   is cut after the last of: the possessive 的 (not at the start: 的黎波里 is a city), a
   descriptor that never stands inside a name ([descriptors]: 巨头, 厂商…), or a word that does
   (公司, 集团… [name_words]) when a Latin name follows it. Nothing left after the cut: dropped.
3. **A country glued to a company**: "美国英伟达", "韩国三星电子" as one ORG. When the span starts
   with a place name (nlp/kb/places.jsonl) and the rest is a name the knowledge base knows, it
   becomes two spans: the place (GPE/LOC) and the organisation.

Rules 2 and 3 apply to Chinese spans only (Latin text has spaces and case; spaCy's English
model does not glue these). For Latin spans, a fourth:

4. **Article and possessive**: en_core_web_sm (OntoNotes) keeps a leading "the" in ORG/GPE/LOC
   spans and news glues "'s" to names; both are cut ("the Commerce Department" → "Commerce
   Department", "Elmos Semiconductor's" → "Elmos Semiconductor"), except names whose article is
   their own ([english] keep_article: The Hague). On eval/data/ner_en_dev.jsonl this took ORG F1
   from 81.9 to 89.2 (eval/ner.py, "pipeline" rows).
"""

from __future__ import annotations

import logging
import tomllib
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from core.script import HAN_RE, fold
from nlp.knowledge_base import KnowledgeBase, shared_kb
from nlp.places import place_names

logger = logging.getLogger(__name__)

RULES_FILE = Path(__file__).with_name("name_rules.toml")
NAME_LABELS = {"ORG", "PERSON", "GPE", "LOC", "FAC", "NORP", "PRODUCT"}
ARTICLE_LABELS = {"ORG", "GPE", "LOC", "FAC"}
POSSESSIVES = ("'s", "\u2019s", "'", "\u2019")


@lru_cache(maxsize=4)
def load_rules(path: str = str(RULES_FILE)) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """(not-name words, folded and lower-cased; descriptors; name words; names keeping "The") from the TOML file."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    words = data.get("not_names", {})
    not_names = frozenset(fold(w).lower() for lang in ("zh", "en") for w in words.get(lang, []))

    def zh_words(table: str) -> tuple[str, ...]:
        return tuple(fold(w) for w in data.get(table, {}).get("zh", []))

    keep_article = frozenset(n.lower() for n in data.get("english", {}).get("keep_article", []))
    return not_names, zh_words("descriptors"), zh_words("name_words"), keep_article


class NameFilter:
    """Drop non-names, cut descriptions off names, split a leading place off a known company."""

    def __init__(self, kb: KnowledgeBase, rules_path: str = str(RULES_FILE)) -> None:
        self.kb = kb
        self.not_names, self.descriptors, self.name_words, self.keep_article = load_rules(rules_path)
        places: dict[str, str] = {}
        for surface, label in place_names():
            places.setdefault(fold(surface), label)
        self.places = places
        self.place_lengths = sorted({len(p) for p in places}, reverse=True)

    def __call__(self, doc: Doc) -> Doc:
        ents: list[Span] = []
        for ent in doc.ents:
            ents.extend(self.fix(ent))
        doc.ents = filter_spans(ents)
        return doc

    def fix(self, ent: Span) -> list[Span]:
        """The span as it should be stored: unchanged, cut, split in two, or gone."""
        if ent.label_ not in NAME_LABELS or ent.kb_id_:
            return [ent]
        text = fold(ent.text)
        if text.strip().lower() in self.not_names:
            return []
        if not HAN_RE.search(text):
            return self._latin(ent)
        cut = self._after_descriptor(ent, text)
        if cut is not ent:
            return [cut] if cut is not None else []
        return self._split_place(ent, text)

    def _after_descriptor(self, ent: Span, text: str) -> Span | None:
        """What follows the description; ent itself when there is none; None if nothing follows."""
        cut_at = -1
        possessive = text.rfind("的")
        if possessive > 0:
            cut_at = possessive + 1
        for word in self.descriptors:
            at = text.rfind(word)
            if at >= 0 and at + len(word) < len(text):
                cut_at = max(cut_at, at + len(word))
        for word in self.name_words:
            at = text.rfind(word)
            end = at + len(word)
            if at > 0 and end < len(text) and (possessive > 0 or not HAN_RE.search(text[end:])):
                cut_at = max(cut_at, end)
        if cut_at < 0:
            return ent
        rest = text[cut_at:]
        offset = len(rest) - len(rest.lstrip())
        if not rest.strip() or rest.strip().lower() in self.not_names:
            return None
        start_char = ent.start_char + cut_at + offset
        span = ent.doc.char_span(start_char, ent.end_char, label=ent.label_, alignment_mode="contract")
        return span if span is not None and len(span) else None

    def _latin(self, ent: Span) -> list[Span]:
        """The span without a leading article (ORG/GPE/LOC/FAC) and a trailing possessive."""
        start, end = ent.start, ent.end
        doc = ent.doc
        if (
            ent.label_ in ARTICLE_LABELS
            and end - start > 1
            and doc[start].lower_ == "the"
            and ent.text.lower() not in self.keep_article
        ):
            start += 1
        if end - start > 1 and doc[end - 1].text in POSSESSIVES:
            end -= 1
        if (start, end) == (ent.start, ent.end):
            return [ent]
        return [Span(doc, start, end, label=ent.label_)]

    def _split_place(self, ent: Span, text: str) -> list[Span]:
        """[place, organisation] when a place name starts an ORG span whose rest the knowledge base knows."""
        if ent.label_ != "ORG":
            return [ent]
        for length in self.place_lengths:
            if length >= len(text):
                continue
            label = self.places.get(text[:length])
            if label is None:
                continue
            rest = text[length:]
            entity = self.kb.resolve(rest, "ORG")
            if entity is None:
                continue
            doc, split_char = ent.doc, ent.start_char + length
            place = doc.char_span(ent.start_char, split_char, label=label, alignment_mode="contract")
            org = doc.char_span(split_char, ent.end_char, label="ORG", alignment_mode="contract")
            if place is not None and org is not None:
                return [place, org]
        return [ent]


@Language.factory("chipwatch_name_filter_v1", default_config={"kb_dir": None})
def make_name_filter(nlp: Language, name: str, kb_dir: str | None) -> NameFilter:
    return NameFilter(shared_kb(kb_dir))
