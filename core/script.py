"""Han characters and the one Traditional → Simplified fold.

The fold maps each Traditional character (and each Hong Kong and Taiwan variant) to one
Simplified character, built once from OpenCC's character tables (t2s, hk2s, tw2s) and closed
under itself, so that both scripts of a word end at one form (麼 → 么 → 幺, so 什麼 and 什么 fold
alike). It is a table, not OpenCC's phrase converter: the search index folds a query that has
no context, the event rules and snippets need offsets to stay valid, so the mapping is one
character for one and does not depend on the neighbours (and it is 8x faster). Extraction,
language detection, the knowledge base's name keys, the event rules and the search index all
use it; a string folds to the same form everywhere (tests/test_fold.py).

Language detection also asks which script a character belongs to (`script_kind`): a character
that only Traditional (or only Simplified) text uses, read from the same OpenCC tables, with the
characters standard in both scripts (台, 后, 里, 于) counting for neither.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

# Every Han character: 〇, CJK Extension A, the unified block, compatibility ideographs, and the
# supplementary planes' extensions B–H. Used wherever "is this Chinese" is asked.
HAN_CLASS = r"\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN_CLASS}]")
# the Basic Multilingual Plane's Han blocks, as (start, stop) code points, for building translate tables
HAN_BMP_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))

_TABLE_FILES = ("TSCharacters.txt", "HKVariants.txt", "HKVariantsRev.txt", "TWVariants.txt", "TWVariantsRev.txt", "STCharacters.txt")


def _dictionary_folder() -> Path:
    import opencc  # imported here: building the tables is the only use, once per process

    return Path(opencc.__file__).parent / "dictionary"


@lru_cache(maxsize=1)
def fold_table() -> dict[str, str]:
    """Traditional (and HK/TW variant) character → Simplified character, closed under itself.

    The search index is built with it: when it changes (another OpenCC), a migration re-indexes.
    """
    from opencc import OpenCC

    converters = [OpenCC(name) for name in ("t2s", "hk2s", "tw2s")]
    folder = _dictionary_folder()
    chars: set[str] = set()
    for name in _TABLE_FILES:
        with open(folder / name, encoding="utf-8") as handle:
            for line in handle:
                chars.update(c for c in line.split() if len(c) == 1)
    step: dict[str, str] = {}
    for char in sorted(chars):
        simple = next((s for s in (c.convert(char) for c in converters) if len(s) == 1 and s != char), None)
        if simple:
            step[char] = simple
    table: dict[str, str] = {}
    for char in step:  # 麼 → 么 → 幺: both must end at 幺, or 什麼 and 什么 differ; a cycle ends at its least member
        path = [char]
        while step.get(path[-1]) not in (None, *path):
            path.append(step[path[-1]])
        loop = step.get(path[-1])
        end = min(path[path.index(loop) :]) if loop is not None else path[-1]
        if end != char:
            table[char] = end
    return table


@lru_cache(maxsize=1)
def _translate_table() -> dict[int, str]:
    return {ord(k): v for k, v in fold_table().items()}


def fold(text: str) -> str:
    """Traditional characters → Simplified, one character for one, so offsets stay valid.

    >>> fold("華為的晶片")
    '华为的晶片'
    """
    return text.translate(_translate_table())


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Folded character → every character that folds to it, itself first."""
    groups: dict[str, list[str]] = {}
    for char, simple in fold_table().items():
        groups.setdefault(simple, [simple]).append(char)
    return {simple: "".join(chars) for simple, chars in groups.items()}


def variants(char: str) -> str:
    """Every character that folds like `char` (itself first): 为 → 为為爲. For patterns written in Simplified."""
    return _variants().get(fold(char), char)


def either_script(pattern: str) -> str:
    """A regex pattern written in Simplified Chinese that also matches Traditional text.

    Each character becomes the class of the characters that fold like it (为 → [为為爲]); escapes
    and character classes are respected. Matching `fold(text)` against the pattern as written is
    the other way; this one keeps the text as it is, for patterns that cut or capture it.
    """
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        forms = ""
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            if char == "[" and not in_class:
                in_class = True
            elif char == "]" and in_class:
                in_class = False
            elif HAN_RE.match(char):
                forms = variants(char)
        if len(forms) > 1:
            out.append(forms if in_class else f"[{forms}]")
        else:
            out.append(char)
    return "".join(out)


@lru_cache(maxsize=1)
def _script_kinds() -> dict[str, int]:
    """Character → +1 when only Traditional text uses it, -1 when only Simplified text does.

    From OpenCC's own character tables (TSCharacters: Traditional → Simplified, STCharacters:
    Simplified → Traditional), first candidate as OpenCC's converters take it. A character that
    a table lists among its own candidates (台 → 臺 台, 后 → 後 后) is standard in both scripts
    and left out.
    """
    folder = _dictionary_folder()
    tables: dict[str, dict[str, str]] = {}
    ambiguous: set[str] = set()
    for name in ("TSCharacters.txt", "STCharacters.txt"):
        table: dict[str, str] = {}
        try:
            lines = (folder / name).read_text(encoding="utf-8").splitlines()
        except OSError:  # pragma: no cover - another OpenCC build without the tables
            logger.warning("OpenCC table %s not found; script detection is weaker", name)
            lines = []
        for line in lines:
            key, _, values = line.partition("\t")
            candidates = values.split()
            if len(key) != 1 or not candidates:
                continue
            table[key] = candidates[0]
            if key in candidates:
                ambiguous.add(key)
        tables[name] = table
    t2s, s2t = tables["TSCharacters.txt"], tables["STCharacters.txt"]
    kinds: dict[str, int] = {}
    for char in set(t2s) | set(s2t):
        if char in ambiguous:
            continue
        simp, trad = t2s.get(char, char), s2t.get(char, char)
        if simp != char and trad == char:
            kinds[char] = 1
        elif trad != char and simp == char:
            kinds[char] = -1
    return kinds


def script_kind(char: str) -> int:
    """+1 for a Traditional-only character, -1 for a Simplified-only one, 0 for either or neither."""
    return _script_kinds().get(char, 0)
