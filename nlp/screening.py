"""Screening: find every party on the stored lists that a text names, whatever the NER found.

Pure: list entries (and the knowledge base) in, hits with character offsets out. The NER is not
asked: a name it cut wrongly ("CETC 54th Research Institute" inside a longer span), missed, or
labelled as a place is still found, because the text itself is scanned.

- **Names.** Every name and alt name of every entry, plus, when an entry's name is a name the
  knowledge base knows, that entity's other names: its Simplified and Traditional Chinese names
  and aliases (中国电科54所, 北航, 哈工大), so an imported English-only list flags Chinese text.
- **Normalisation.** A text and a name are cut into the same tokens (a run of letters or digits,
  or one Han character), NFKC, folded to Simplified by core.script, casefolded. Legal forms are
  removed from the names: rigour's table of organisation types (OpenSanctions' own, built from
  ISO 20275 and OCCRP's list: "Joint Stock Company", "OOO", "GmbH", "Co., Ltd." in their many
  spellings) for Latin script, which the CSL's Russian, Iranian and Chinese entries need and no
  hand-written list here would keep up with, then core.names' suffixes (Group, Holdings,
  有限公司, 集团) for what rigour leaves.
- **Automaton.** One Aho-Corasick automaton (pyahocorasick) over the token keys, built once per
  list version (stored entries and knowledge base), matched on token boundaries, leftmost-longest.
  Knowledge-base names of parties on no list take part too, so a longer unlisted name
  (华为海洋) wins over the listed one inside it.
- **Precision.** A one-word Latin name must hold a capital in the text, and a short one (ZTE,
  DJI) written as the list writes it or in capitals; a name without letters is never matched (a
  vessel "7-28" is also a date range). A Latin hit followed by more capitalised words that end in
  an organisation word ("Huawei Marine Networks") is another organisation; so is a Chinese hit
  followed, before any function character, by an organisation word (华为海洋网络公司). A Chinese
  short form of two characters must not follow another Han character that is not a function
  character (北航 in 东北航空).
- **Fuzzy.** Entity spans the NER found that matched nothing are compared with the list names by
  rapidfuzz (Levenshtein ratio on the spaceless key, ≥ FUZZY_MIN, at least FUZZY_MIN_CHARS long,
  length within 2), which takes "Sense Time", "HikVison" and dropped-letter spellings but not a
  name with a word more or less.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick
from rapidfuzz import fuzz, process
from rigour.names import remove_org_types

from core.csl import list_code, split_alt_names
from core.names import EN_SUFFIXES, ZH_SUFFIXES, normalize_name, strip_en_suffixes
from core.script import fold
from nlp.sanctions import Match

logger = logging.getLogger(__name__)

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{HAN}]|[^\W_{HAN}]+")
_HAN_CHAR = re.compile(rf"[{HAN}]")
_PAREN = re.compile(r"\(([^()]*)\)")
SHORT_LATIN = 4  # a one-word name this short (ZTE, DJI, SMIC) must be written in capitals or as listed
FUZZY_MIN = 90
FUZZY_MIN_CHARS = 8
# Words that end an organisation's name: after a listed name, "<Capitalised words> <one of these>" is another organisation.
ORG_HEADS = frozenset(
    """networks network marine aerospace aviation airlines airways bank capital partners ventures fund funds
    systems solutions industries industry trading logistics shipping motors energy pharmaceuticals pharma media
    labs laboratory laboratories university college institute hospital foundation association society consulting
    investment investments securities insurance properties realty resources services enterprises electronics
    technologies technology semiconductor semiconductors devices software robotics automotive games entertainment
    studios instruments equipment chemicals materials mining steel foods hotels resorts health medical biotech
    construction engineering design research analytics telecom wireless ocean travel sports music films pictures
    publishing press leasing finance financial credit asset assets management advisors trust estate agency""".split()
) | EN_SUFFIXES
# After a Chinese name, one of these before any function character makes it part of another organisation's name.
ZH_ORG_HEADS = ("公司", "集团", "银行", "网络", "海洋", "有限", "股份", "控股", "基金", "资本", "证券", "保险", "航空")
ZH_FUNCTION = frozenset("的与和及跟同或被将把对向从在于为是了并也都已就等称由因以让给这那其之而但且又还所据令")
# what may stand right before a two-character short form (北航) besides a function character: 2020年北航
ZH_LEFT_OK = ZH_FUNCTION | frozenset("年月日号")


@dataclass(frozen=True)
class Hit:
    """A listed party named in a text: offsets (end exclusive), the entries, the KB entity the name came from."""

    start: int
    end: int
    text: str
    matches: tuple[Match, ...]
    entity_id: str | None = None
    fuzzy: bool = False


@dataclass(frozen=True)
class _Pattern:
    length: int  # tokens
    entries: tuple[int, ...]  # indexes into Screener.matches; empty for a blocker (an unlisted KB name)
    exact: str | None  # a short one-word Latin name: the list's spelling, required in the text (or capitals)
    single: bool  # one Latin token: must be capitalised in the text
    short_zh: bool  # two Han characters or fewer: left context checked
    entity_id: str | None


def token_key(token: str) -> str:
    return fold(unicodedata.normalize("NFKC", token)).casefold()


def name_tokens(name: str) -> list[str]:
    """A name's pattern tokens: legal forms and generic suffixes removed, at least one token kept."""
    text = unicodedata.normalize("NFKC", name)
    # "(Group)" and other bracketed legal forms go; other bracketed words are part of the name
    text = _PAREN.sub(lambda m: " " if not _strip_latin(_keys(m.group(1))) else f" {m.group(1)} ", text)
    keys = _keys(text)
    if not keys:
        return []
    if _HAN_CHAR.search(text) and all(_HAN_CHAR.fullmatch(k) or k.isdigit() or k.isascii() for k in keys):
        joined = "".join(keys)
        stripped = _strip_zh(joined)
        if stripped != joined:
            keys = _keys(stripped)
    stripped_keys = _strip_latin(keys)
    return stripped_keys or keys


def _keys(text: str) -> list[str]:
    return [token_key(t) for t in _TOKEN.findall(text)]


@lru_cache(maxsize=65536)
def _org_type_free(joined: str) -> str:
    return remove_org_types(joined)


def _strip_latin(keys: list[str]) -> list[str]:
    if not keys or any(_HAN_CHAR.fullmatch(k) for k in keys):
        return keys
    kept = _org_type_free(" ".join(keys)).split()
    if not kept or (len(kept) == 1 and len(kept[0]) < SHORT_LATIN and len(keys) > 1):
        kept = keys  # "Company Limited" or a two-letter remnant: the legal form was the name
    return strip_en_suffixes(kept)


def _strip_zh(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in ZH_SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                key, changed = key[: -len(suffix)], True
                break
    return key


def _name_variants(entry: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """The names, plus what news writes for them: the part before an address the list glued on
    ("X Co., Ltd., No. 5 …" → "X Co., Ltd."), and "Given Family" for an individual listed "FAMILY, Given"."""
    out: list[str] = []
    person = (entry.get("type") or "").lower() == "individual"
    for name in names:
        out.append(name)
        parts = [p.strip() for p in name.split(",")]
        if person and len(parts) == 2 and all(parts):
            out.append(f"{parts[1]} {parts[0]}")
        elif not person and len(parts) > 2:
            # keep the legal form that follows the first comma ("Co., Ltd.") with the name
            head = parts[0]
            for part in parts[1:]:
                keys = _keys(part)
                if keys and (all(k in EN_SUFFIXES for k in keys) or not _org_type_free(" ".join(keys)).split()):
                    head = f"{head}, {part}"
                else:
                    break
            if len(_keys(head)) >= 2:
                out.append(head)
    return out


def entries_fingerprint(entries: Sequence[Mapping[str, Any]]) -> str:
    """A short hash of the entries' names and lists: the version of the list a screener was built for."""
    digest = hashlib.sha256()
    for e in entries:
        digest.update(json.dumps([e.get("id"), e.get("list"), e.get("name"), e.get("alt_names")], ensure_ascii=False, default=str).encode())
    return digest.hexdigest()[:12]


class Screener:
    """The automaton over every listed name (and the KB names of listed parties); `find(text)` gives the hits."""

    def __init__(self, entries: Iterable[Mapping[str, Any]], kb: Any | None = None) -> None:
        self.matches: list[Match] = []
        self.fuzzy_keys: dict[str, list[int]] = {}  # spaceless Latin key → entries, for the fuzzy step
        patterns: dict[tuple[str, ...], dict[str, Any]] = {}
        listed_entities: set[str] = set()

        def add(tokens: list[str], surface: str, entry: int | None, entity_id: str | None) -> None:
            if not tokens or not any(ch.isalpha() for t in tokens for ch in t):
                return  # no letters: a number or date, never a name
            han = all(_HAN_CHAR.fullmatch(t) or not t.isalpha() for t in tokens) and any(_HAN_CHAR.fullmatch(t) for t in tokens)
            if han and len(tokens) < 2:
                return
            if not han and len(tokens) == 1 and len(tokens[0]) < 3:
                return
            slot = patterns.setdefault(tuple(tokens), {"entries": set(), "exact": None, "han": han, "entity": entity_id})
            if entry is not None:
                slot["entries"].add(entry)
            if slot["entity"] is None:
                slot["entity"] = entity_id
            if not han and len(tokens) == 1 and len(tokens[0]) <= SHORT_LATIN:
                written = "".join(_TOKEN.findall(unicodedata.normalize("NFKC", surface)))
                slot["exact"] = written if written.isupper() or slot["exact"] is None else slot["exact"]

        for entry in entries:
            alt = entry.get("alt_names") or []
            if isinstance(alt, str):
                alt = json.loads(alt) if alt.startswith("[") else split_alt_names(alt)
            index = len(self.matches)
            self.matches.append(
                Match(list=entry["list"], list_code=entry.get("list_code") or list_code(entry["list"]), name=entry["name"], entry_id=entry.get("id"), matched=entry["name"])
            )
            names = [entry["name"], *alt]
            entity = None
            if kb is not None:
                for name in names:
                    entity = kb.resolve(name, "ORG")
                    if entity is not None:
                        break
            for name in _name_variants(entry, names):
                add(name_tokens(name), name, index, entity.id if entity else None)
                key = normalize_name(name)
                if key.isascii() and len(key) >= FUZZY_MIN_CHARS:
                    self.fuzzy_keys.setdefault(key, []).append(index)
            if entity is not None:
                listed_entities.add(entity.id)
                for surface in entity.surfaces():
                    add(name_tokens(surface), surface, index, entity.id)
        if kb is not None:  # unlisted KB names block the listed names inside them
            for entity in kb.organizations():
                if entity.id not in listed_entities:
                    for surface in entity.surfaces():
                        add(name_tokens(surface), surface, None, entity.id)
        self.automaton = ahocorasick.Automaton()
        for tokens, slot in patterns.items():
            value = _Pattern(
                length=len(tokens), entries=tuple(sorted(slot["entries"])), exact=slot["exact"],
                single=not slot["han"] and len(tokens) == 1, short_zh=slot["han"] and len(tokens) <= 2, entity_id=slot["entity"],
            )
            self.automaton.add_word(" " + " ".join(tokens) + " ", value)
        self.size = len(self.matches)
        if patterns:
            self.automaton.make_automaton()
        self._fuzzy_choices = list(self.fuzzy_keys)
        logger.debug("screening automaton: %s names of %s entries", len(patterns), self.size)

    def __len__(self) -> int:
        return self.size

    def find(self, text: str, rejected: list[tuple[int, int]] | None = None) -> list[Hit]:
        """Every listed party named in `text`, in text order, overlaps resolved leftmost-longest.

        `rejected`, when given, receives the (start, end) of listed names the context checks
        turned down (华为 in 华为海洋网络): a caller that matched a span by itself can defer to them.
        """
        if not self.size or not text:
            return []
        spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        keys = [token_key(text[s:e]) for s, e in spans]
        joined = " " + " ".join(keys) + " "
        starts, position = [], 1
        for key in keys:
            starts.append(position)
            position += len(key) + 1
        candidates = []
        for end_index, pattern in self.automaton.iter(joined):
            # the match ends on the space after its last token
            last = bisect.bisect_right(starts, end_index - 1) - 1
            first = last - pattern.length + 1
            candidates.append((first, last, pattern))
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        hits: list[Hit] = []
        covered = -1
        for first, last, pattern in candidates:
            if first <= covered:
                continue
            covered = last
            if not pattern.entries:
                continue  # an unlisted name: it only blocks
            start, end = spans[first][0], spans[last][1]
            if not self._plausible(text, spans, first, last, pattern):
                if rejected is not None:
                    rejected.append((start, end))
                continue
            hits.append(Hit(start, end, text[start:end], tuple(self.matches[i] for i in pattern.entries), pattern.entity_id))
        return hits

    def _plausible(self, text: str, spans: list[tuple[int, int]], first: int, last: int, pattern: _Pattern) -> bool:
        start, end = spans[first][0], spans[last][1]
        surface = text[start:end]
        if pattern.single:
            if not any(ch.isupper() for ch in surface):  # iFLYTEK is a name, "zte" a word
                return False
            if pattern.exact is not None and surface != pattern.exact and not surface.isupper():
                return False
        if pattern.short_zh and start > 0 and _HAN_CHAR.fullmatch(text[start - 1]) and text[start - 1] not in ZH_LEFT_OK:
            return False
        if _HAN_CHAR.fullmatch(surface[-1]):
            return not _zh_continues(text, end)
        return not _latin_continues(text, spans, last)

    def fuzzy(self, surface: str) -> tuple[Match, ...]:
        """The entries a name spelled a little differently stands for, or () (see the module docstring)."""
        key = normalize_name(surface)
        if not key.isascii() or len(key) < FUZZY_MIN_CHARS or not self._fuzzy_choices:
            return ()
        if key in self.fuzzy_keys:
            return tuple(self.matches[i] for i in self.fuzzy_keys[key])
        found = process.extractOne(key, self._fuzzy_choices, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN)
        if found is None or abs(len(found[0]) - len(key)) > 2:
            return ()
        return tuple(self.matches[i] for i in self.fuzzy_keys[found[0]])


def _latin_continues(text: str, spans: list[tuple[int, int]], last: int) -> bool:
    """True when the name runs on into another organisation's: "Huawei Marine Networks"."""
    i, following = last + 1, []
    while i < len(spans) and len(following) < 4:
        gap = text[spans[i - 1][1] : spans[i][0]]
        if gap.strip(" ") not in ("", "-", "&"):
            break  # punctuation ends the name
        word = text[spans[i][0] : spans[i][1]]
        if not word[:1].isupper() and word.casefold() not in EN_SUFFIXES:
            break
        following.append(word.casefold())
        i += 1
    while following and following[0] in EN_SUFFIXES:  # "Huawei Technologies Co., Ltd." is the same name
        following.pop(0)
    return bool(following) and any(w in ORG_HEADS for w in following)


def _zh_continues(text: str, end: int) -> bool:
    """True when, before any function character, an organisation word follows: 华为海洋网络公司."""
    window = []
    for ch in text[end : end + 8]:
        if not _HAN_CHAR.fullmatch(ch) or ch in ZH_FUNCTION:
            break
        window.append(ch)
    tail = "".join(window)
    for suffix in ZH_SUFFIXES:  # 华为公司, 华为技术有限公司: the same party's legal form
        if tail.startswith(suffix):
            return False
    return any(head in tail for head in ZH_ORG_HEADS)
