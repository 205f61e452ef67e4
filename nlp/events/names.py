"""Which entity mentions may be an event's party, and under what name.

The entity layer tags spans that are not names ("中国人工智能团队", "美国出口", "AI", "中国客户交");
an analyst's notes must not carry them. A mention is a party when the knowledge base links it,
or when it reads as a proper name: a known place, a person, or an organisation whose text is
more than a place and a generic noun. Chinese names need their own test (no capitals to go
by): an unlinked Chinese organisation must end in an organisation word (公司, 集团, 科技, 局 …)
after a distinctive part that is neither a place nor a generic word. "Washington"/华盛顿 acting
on export controls is the US government (metonymy), as the labels write it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from core.names import normalize_name
from core.records import Mention
from core.script import fold
from nlp.knowledge_base import shared_kb

_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_ZH_ORG_END = re.compile(
    r"(?:公司|集团|科技|技术|股份|控股|电子|微电子|半导体|智能|大学|学院|研究院|研究所|实验室|中心|银行|资本|基金|协会|联盟"
    r"|部|局|委|委员会|院|厅|署|办|办公室|法院|检察院|警方|警察|海关|政府)$"
)
# generic words that do not make a name on their own (places are checked separately)
_ZH_GENERIC = re.compile(
    r"中国|美国|国内|海外|境外|本地|地方|私人|民营|国有|一家|一些|部分|多家|某|该|这家|这些|其|人工智能|科技|技术|云计算|云服务|服务器|芯片|半导体"
    r"|AI|初创|公司|集团|企业|团队|组织|机构|客户|厂商|供应商|代理商|中间商|法律|政府|部门|监管|相关|的|和|与|及|等"
)
_EN_GENERIC = frozenset(
    "ai the a an us u.s. chinese china american company companies firm firms group groups government officials customers team teams "
    "cloud providers provider startups startup legal entity list".split()
)
_WASHINGTON = {normalize_name(s) for s in ("Washington", "华盛顿", "華盛頓", "华府", "華府")}
US_GOVERNMENT = "US Government"


def is_party_name(mention: Mention, places: Mapping[str, str]) -> bool:
    """Whether the mention names a party (linked, a known place, a person, or a proper organisation name)."""
    text = (mention.text or "").strip()
    if mention.entity_id:
        return True
    if not text or len(text) > 40:
        return False
    if mention.label in ("GPE", "LOC"):
        return normalize_name(text) in places
    if mention.label == "PERSON":
        return _HAN_RE.search(text) is not None and 2 <= len(text) <= 4 or (not _HAN_RE.search(text) and text[:1].isupper() and " " in text)
    if mention.label not in ("ORG", "FAC", "NORP"):
        return False
    if _HAN_RE.search(text):
        return _is_chinese_org_name(text, places)
    words = [w for w in re.split(r"[\s'’]+", text) if w]
    if len(text) < 3 or not text[:1].isupper():
        return False
    return any(w.lower().strip(".,") not in _EN_GENERIC for w in words)


def _is_chinese_org_name(text: str, places: Mapping[str, str]) -> bool:
    if not _ZH_ORG_END.search(text):
        return False
    rest = text
    for place in sorted((p for p in places if _HAN_RE.search(p)), key=len, reverse=True):
        if place in rest:
            rest = rest.replace(place, "")
    rest = _ZH_GENERIC.sub("", rest)
    rest = _ZH_ORG_END.sub("", rest)
    return len(rest) >= 2


def is_washington(mention: Mention) -> bool:
    return mention.label in ("GPE", "LOC", "ORG") and normalize_name(mention.text or "") in _WASHINGTON


_ZH_SHORT_SUFFIX = re.compile(r"(?:科技|技术|智能|电子)?(?:股份)?(?:有限)?(?:公司|集团)$")


def recover_mentions(sentence: str, offset: int, inside: list[Mention], article: list[Mention], places: Mapping[str, str]) -> list[Mention]:
    """The sentence's mentions plus the article's unlinked Chinese organisation names that the
    entity layer missed here, found by their full text or short form (云图智算 for
    云图智算科技公司); a fragment such as 云图智 that a recovered name covers is dropped."""
    names = {m.text.strip() for m in article if m.label == "ORG" and not m.entity_id and _HAN_RE.search(m.text or "") and is_party_name(m, places)}
    found = list(inside)
    for full in sorted(names, key=len, reverse=True):
        short = _ZH_SHORT_SUFFIX.sub("", full)
        for form in dict.fromkeys((full, short)):
            if len(form) < 3:
                continue
            position = sentence.find(form)
            if position < 0:
                continue
            start, end = offset + position, offset + position + len(form)
            if any(m.start <= start and end <= m.end and is_party_name(m, places) for m in found):
                break
            found = [m for m in found if not (start <= m.start and m.end <= end) and not (m.start < end and start < m.end and not is_party_name(m, places))]
            found.append(Mention(full, "ORG", start, end))
            break
    return kb_mentions(sentence, offset, sorted(found, key=lambda m: m.start))


@lru_cache(maxsize=1)
def _org_matcher() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One regex over the knowledge base's organisation surfaces (folded; at least 3 characters,
    or 2 Han characters), surface → (id, canonical name)."""
    table: dict[str, tuple[str, str]] = {}
    for entity in shared_kb().organizations():
        for surface in entity.surfaces():
            key = fold(surface).lower()
            if len(key) >= 3 or (len(key) == 2 and _HAN_RE.fullmatch(key[0]) and _HAN_RE.fullmatch(key[1])):
                table.setdefault(key, (entity.id, entity.name))
    alternatives = "|".join(re.escape(s) for s in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE), table


def kb_mentions(sentence: str, offset: int, inside: list[Mention]) -> list[Mention]:
    """The sentence's mentions plus the knowledge base's organisations its text names that the
    entity layer did not tag there (China's cyber regulator, a list of company names); a tagged
    mention is never replaced, an unlinked fragment inside a found name is."""
    pattern, table = _org_matcher()
    found = list(inside)
    for match in pattern.finditer(fold(sentence)):
        key = match.group(0).lower()
        if key not in table:
            continue
        start, end = offset + match.start(), offset + match.end()
        if any(m.entity_id and m.start < end and start < m.end for m in found):
            continue
        found = [m for m in found if not (m.start < end and start < m.end and not m.entity_id)]
        entity_id, name = table[key]
        found.append(Mention(sentence[match.start() : match.end()], "ORG", start, end, name=name, entity_id=entity_id))
    return sorted(found, key=lambda m: m.start)
