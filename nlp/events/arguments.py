"""An event's arguments from its sentence: who acts, who is affected, which products, how much, when.

Roles come from the entity layer's mentions in the sentence and the event type: for a control,
a listing, a licence decision or an enforcement action the acting side is a government body
(or, when the sentence names none, a country), the affected side everything else; for
circumvention and procurement the buying companies act and the chipmakers whose chips they get
are targets; for product adaptation the companies act. Names are the knowledge
base's canonical names where a mention was linked, else the mention's text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from nlp.events.lexicon import lexicon_lang, mechanism
from nlp.events.names import US_GOVERNMENT, is_party_name, is_washington
from nlp.events.products import products_in
from nlp.events.quantities import amounts
from core.names import normalize_name
from core.records import Mention
from nlp.knowledge_base import shared_kb
from nlp.places import place_english_names

GOVERNMENT_ACTS = {"export_restriction", "entity_listing", "license_decision", "enforcement"}
SUPPLIER_IS_TARGET = {"circumvention", "chip_procurement"}
_GOVERNMENT_NAME_RE = re.compile(
    r"ministry|department|bureau|commission|administration|agency|government|customs|congress|senate|white house|treasury|prosecutor|court|regulator"
    r"|部$|局$|委$|委员会|政府|海关|国会|白宫|法院|检察|监管|總署|总署|署$",
    re.IGNORECASE,
)
_GENERIC_PRODUCTS = {"chip", "chips", "芯片", "晶片", "semiconductor", "semiconductors", "半导体"}
# the lists themselves are not parties ("the Entity List" is often tagged ORG)
_LIST_NAME_RE = re.compile(r"\blist\b|清单|清單|名单|名單|federal register|联邦公报|聯邦公報|export administration regulations|\bEAR\b", re.IGNORECASE)

_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"), 1)}
_DATE_EN = re.compile(r"\b(" + "|".join(_MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})\b|\b(\d{1,2}) (" + "|".join(_MONTHS) + r") (\d{4})\b", re.IGNORECASE)
_DATE_ZH = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]|(\d{4})\s*年\s*(\d{1,2})\s*月")


def event_date(sentence: str, family: str, published_at: str | None) -> str | None:
    """The first full date the sentence states, as ISO; a Chinese 月日 takes the article's year."""
    year_of_article = int(published_at[:4]) if published_at and published_at[:4].isdigit() else None
    if family == "en":
        match = _DATE_EN.search(sentence)
        if not match:
            return None
        if match.group(1):
            month = _month(match.group(1))
            return _iso(int(match.group(3)), month, int(match.group(2)))
        return _iso(int(match.group(6)), _MONTHS[match.group(5).lower()], int(match.group(4)))
    match = _DATE_ZH.search(sentence)
    if not match:
        return None
    if match.group(2):
        year = int(match.group(1)) if match.group(1) else year_of_article
        return _iso(year, int(match.group(2)), int(match.group(3))) if year else None
    return f"{int(match.group(4)):04d}-{int(match.group(5)):02d}" if 1 <= int(match.group(5)) <= 12 else None


def _month(name: str) -> int:
    name = name.lower()
    return next(number for full, number in _MONTHS.items() if full.startswith(name[:3]))


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def is_government(mention: Mention, entity_types: Mapping[str, str]) -> bool:
    entity_id = mention.entity_id
    if entity_id and entity_id in entity_types:
        return entity_types[entity_id] in ("government", "military")
    return bool(_GOVERNMENT_NAME_RE.search((mention.name or mention.text or "").strip()))


@lru_cache(maxsize=1)
def _entity_types() -> dict[str, str]:
    return {entity.id: entity.type for entity in shared_kb().all() if entity.type}


def _name(mention: Mention, places: Mapping[str, str]) -> str:
    """The canonical name: the knowledge base's, a place's English name, else the text as written."""
    if mention.name:
        return mention.name.strip()
    text = (mention.text or "").strip()
    if mention.label in ("GPE", "LOC"):
        return places.get(normalize_name(text), text)
    return text


@lru_cache(maxsize=1)
def _makers() -> frozenset[str]:
    """Ids of the organisations that make a product of the knowledge base (Nvidia, Huawei, ASML, ...)."""
    return frozenset(entity.maker for entity in shared_kb().products() if entity.maker)


def _unique(names: list[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return seen


_THE_COMPANY_RE = re.compile(r"该公司|这家公司|该企业|这家企业|此公司|\bthe (?:company|firm|group)\b|\bit (?:has|had|is|was|rents|bought|buys)\b|^(?:它|其)", re.IGNORECASE)
# a place is the affected side when the sentence says the action goes to or against it
_TOWARDS_ZH = re.compile(r"(?:对|向|至|往|给|对华|针对|运抵|运往|转运至|流入)$")
_TOWARDS_EN = re.compile(r"(?:\bto|\bagainst|\bon|\binto|\bfor|\bfrom)\s+(?:the\s+)?$", re.IGNORECASE)
# a maker named as the owner of the goods ("Nvidia chips", "英伟达的A100", "搭载英伟达GPU") is no party
_MAKER_AS_BRAND_RE = re.compile(r"^(?:'s|’s)?\s*(?:的)?\s*(?:高端|先进|关键)?\s*(?:chips?|gpus?|processors?|accelerators?|servers?|芯片|晶片|GPU|A\d{3}|H\d{2,3}|产品|服务器)", re.IGNORECASE)


def _towards(sentence: str, mention: Mention, offset: int, family: str) -> bool:
    before = sentence[max(0, mention.start - offset - 12) : mention.start - offset]
    return bool((_TOWARDS_ZH if family == "zh" else _TOWARDS_EN).search(before))


def _as_brand(sentence: str, mention: Mention, offset: int) -> bool:
    after = sentence[mention.end - offset : mention.end - offset + 12]
    before = sentence[max(0, mention.start - offset - 3) : mention.start - offset]
    return bool(_MAKER_AS_BRAND_RE.search(after)) or before.endswith(("搭载", "含", "of"))


def arguments_for(
    kind: str,
    sentence: str,
    folded: str,
    offset: int,
    mentions: Sequence[Mention],
    language: str,
    published_at: str | None,
    *,
    context: Sequence[Mention] = (),
    title: str = "",
) -> dict[str, Any]:
    """The event's arguments. `context`: the mentions of the sentences before this one (nearest
    last), where "the company" / 该公司 or a sentence with no party of its own finds its actor;
    `title`: the article's headline, whose products count too."""
    family = lexicon_lang(language)
    types = _entity_types()
    english_places = place_english_names()
    makers = _makers()
    name = lambda m: _name(m, english_places)
    parties = [m for m in mentions if is_party_name(m, english_places) and not (not m.entity_id and _LIST_NAME_RE.search(m.text or ""))]
    orgs = [m for m in parties if m.label in ("ORG", "FAC", "NORP") or (m.entity_id or "").startswith("org:")]
    people = [m for m in parties if m.label == "PERSON" and not m.entity_id]
    places = [m for m in parties if m.label in ("GPE", "LOC") and not m.entity_id and not is_washington(m)]
    washington = any(is_washington(m) for m in mentions)
    companies = [m for m in orgs if not is_government(m, types)]
    if kind in GOVERNMENT_ACTS:
        government = [m for m in orgs if is_government(m, types)]
        towards = [m for m in places if _towards(sentence, m, offset, family)]
        actors = _unique([name(m) for m in government] or ([US_GOVERNMENT] if washington else []) or [name(m) for m in places if m not in towards][:1])
        smuggled_brand = [m for m in companies if m.entity_id in makers and _as_brand(sentence, m, offset)]
        targets = [name(m) for m in companies if m not in smuggled_brand] + [name(m) for m in people] + [name(m) for m in places if name(m) not in actors]
    elif kind in SUPPLIER_IS_TARGET:  # the buyer acts; the chipmaker whose chips it gets is no party
        buyers = [m for m in companies if m.entity_id not in makers]
        if not buyers and _THE_COMPANY_RE.search(sentence):
            buyers = _context_company(context, types, makers, english_places)
        actors = [name(m) for m in buyers]
        targets = [name(m) for m in places if _towards(sentence, m, offset, family)]
    else:
        actors = [name(m) for m in companies]
        targets = [name(m) for m in places]
    products = _unique([p for p in products_in(sentence, title) if p.lower() not in _GENERIC_PRODUCTS])
    event: dict[str, Any] = {"actors": _unique(actors), "targets": [t for t in _unique(targets) if t not in actors], "products": products}
    if kind == "circumvention":
        event["mechanism"] = mechanism(folded, language)
    amount = amounts(sentence, family)
    if amount:
        event["amount"] = amount
    when = event_date(sentence, family, published_at)
    if when:
        event["date"] = when
    return event


def _context_company(context: Sequence[Mention], types: Mapping[str, str], makers: frozenset[str], places: Mapping[str, str]) -> list[Mention]:
    """The company the previous sentences name last (not a government, not a chipmaker)."""
    for mention in reversed(context):
        if mention.label in ("ORG", "FAC") and is_party_name(mention, places) and not is_government(mention, types) and mention.entity_id not in makers:
            return [mention]
    return []
