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
from functools import cache, lru_cache
from typing import Any

from nlp.events.lexicon import lexicon_lang, mechanism
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

_MONEY_EN = r"(?:US\s?)?\$\s?\d[\d,]*(?:\.\d+)?\s?(?:million|billion|bn|m|k)?\b|\d[\d,]*(?:\.\d+)?\s?(?:million|billion)?\s?(?:US )?(?:dollars|USD|euros?|yuan)\b|USD\s?\d[\d,]*(?:\.\d+)?\s?(?:million|billion)?"
_QUANTITY_EN = r"\b\d[\d,]*(?:\.\d+)?\s?(?:million|thousand)?\s?(?:\w+ )?(?:units|chips|GPUs|processors|servers|companies|entities|firms|organi[sz]ations)\b|\b(?:eight|ten|dozens of|hundreds of|thousands of) (?:\w+ )?(?:chips|GPUs|companies|entities)\b"
_PRICE_EN = r"(?:for|at) (?:US\s?)?\$?\s?\d[\d,.]*\s?(?:US dollars|dollars|USD)? ?(?:an|per|a) hour"
_MONEY_ZH = r"\d[\d,，.]*\s?(?:万|亿|千万|百万)?\s?(?:美元|美金|元|人民币|欧元|日元)|(?:每小时|每小時)\s?\d[\d.]*\s?(?:美元|元)"
_QUANTITY_ZH = r"\d[\d,，.]*\s?(?:万)?\s?(?:块|颗|台|片|枚|张|套|家|个)(?:[\u4e00-\u9fff]{0,4}(?:芯片|GPU|企业|实体|公司|机构|服务器|光刻机|处理器))?"


@cache
def _amount_re(family: str) -> re.Pattern[str]:
    source = f"{_PRICE_EN}|{_MONEY_EN}|{_QUANTITY_EN}" if family == "en" else f"{_MONEY_ZH}|{_QUANTITY_ZH}"
    return re.compile(source, re.IGNORECASE)


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


def arguments_for(
    kind: str, sentence: str, folded: str, offset: int, mentions: Sequence[Mention], language: str, published_at: str | None
) -> dict[str, Any]:
    family = lexicon_lang(language)
    types = _entity_types()
    english_places = place_english_names()
    name = lambda m: _name(m, english_places)
    orgs = [m for m in mentions if m.label == "ORG" and not (not m.entity_id and _LIST_NAME_RE.search(m.text or ""))]
    places = [m for m in mentions if m.label == "GPE"]
    products = _unique([name(m) for m in mentions if m.label == "PRODUCT" and name(m).lower() not in _GENERIC_PRODUCTS])
    if kind in GOVERNMENT_ACTS:
        government = [m for m in orgs if is_government(m, types)]
        actors = _unique([name(m) for m in government] or [name(m) for m in places[:1]])
        targets = [name(m) for m in orgs if m not in government] + [name(m) for m in places if name(m) not in actors]
    elif kind in SUPPLIER_IS_TARGET:  # the chipmaker sells (or is evaded); the buyer acts
        makers = _makers()
        companies = [m for m in orgs if not is_government(m, types)]
        buyers = [m for m in companies if m.entity_id not in makers]
        actors = [name(m) for m in buyers]
        targets = [name(m) for m in companies if m not in buyers] + [name(m) for m in places]
    else:
        actors = [name(m) for m in orgs if not is_government(m, types)]
        targets = [name(m) for m in places]
    event: dict[str, Any] = {"actors": _unique(actors), "targets": [t for t in _unique(targets) if t not in actors], "products": products}
    if kind == "circumvention":
        event["mechanism"] = mechanism(folded, language)
    amounts = _unique([m.group(0).strip() for m in _amount_re(family).finditer(sentence)])
    if amounts:
        event["amount"] = "; ".join(amounts[:3])
    when = event_date(sentence, family, published_at)
    if when:
        event["date"] = when
    return event
