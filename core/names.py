"""The lookup key of an organisation's or product's name, shared by the knowledge base and the sanctions lists.

NFKC, the one Traditional → Simplified fold, casefolded, legal and corporate-form suffixes
(Co., Ltd., Inc., Group, 有限公司, 集团 …) stripped from the end, spaces and punctuation removed:
'SenseTime Group Limited', 'Sense Time' and '商湯集團有限公司' share the key of their party. The
entity linker and the sanctions matcher (nlp) and the stored sanctions name keys (db) all use
this one function, so a name that links also flags.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from core.script import fold

# Legal and corporate-form suffixes, stripped from the end of a name (repeatedly, so
# "Group Co., Ltd." goes). English ones are whole tokens after dots are dropped ("N.V." -> "nv").
# "group" and "holdings" are included: "Alibaba Group", "Tencent Holdings" and "SCREEN Holdings"
# are how the firms themselves are named, and no two KB entities differ only by them.
EN_SUFFIXES = frozenset(
    "co corp corporation company inc incorporated ltd limited llc plc gmbh nv bv ag sa se kk pte holdings holding group".split()
)
# checked longest first, on the Simplified form (so 集團 is covered by 集团)
ZH_SUFFIXES = tuple(
    sorted(
        ("集团股份有限公司", "集团有限公司", "控股有限公司", "股份有限公司", "有限责任公司", "有限公司", "股份公司", "集团公司", "公司", "集团", "控股"),
        key=len,
        reverse=True,
    )
)


def _is_separator(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PZS" or ch.isspace()


def strip_en_suffixes(tokens: list[str]) -> list[str]:
    """A leading 'the' and trailing English legal suffixes off a name's tokens (one token always stays)."""
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in EN_SUFFIXES:
        tokens = tokens[:-1]
    return tokens


def _strip_zh_suffixes(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in ZH_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                changed = True
                break
    return key


@lru_cache(maxsize=65536)
def normalize_name(text: str) -> str:
    """The lookup key of a name.

    >>> normalize_name("SenseTime Group Inc."), normalize_name("商湯科技有限公司")
    ('sensetime', '商汤科技')
    """
    text = fold(unicodedata.normalize("NFKC", text or "")).casefold()
    # "N.V.", "Co.", "U.S." are one token each once their dots go; other punctuation separates
    text = text.replace(".", "")
    spaced = "".join(" " if _is_separator(ch) else ch for ch in text)
    tokens = spaced.split()
    full = "".join(tokens)
    key = _strip_zh_suffixes("".join(strip_en_suffixes(tokens)))
    return key or full
