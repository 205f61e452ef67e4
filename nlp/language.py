"""Language and Chinese script detection: pure functions, text in, code out.

Chinese vs English is decided by counting Han characters against Latin letters; Simplified vs
Traditional by counting characters that only one of the two scripts uses, as OpenCC sees them.
Only a sample of a long text is looked at, so the cost per page stays flat.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

logger = logging.getLogger(__name__)

# a few thousand characters are plenty to tell scripts apart
SAMPLE_CHARS = 3000
# below this weight (Han characters count HAN_WEIGHT, letters of other scripts 1) the text says
# too little and the hint decides: "芯片" is enough, "AI" is not
MIN_WEIGHT = 5
# one Han character carries about as much as three Latin letters (a Chinese word is ~1.5
# characters, an English word ~5 letters), so Han * 3 is weighed against Latin letters
HAN_WEIGHT = 3
# within this ratio the two scripts are a tie, and the hint (if any) breaks it
TIE_RATIO = 1.2
# Latin-script text with fewer English function words than this share is not called English
EN_FUNCTION_WORD_SHARE = 0.08
EN_MIN_WORDS = 20

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_KANA_RE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
_WORD_RE = re.compile(r"[a-z]+")

_EN_FUNCTION_WORDS = frozenset(
    "the of and to in a is that for on it with as was by at be this are from or an has have "
    "had not but which its their they he she we you will would been were said says can".split()
)

# html lang / hint spellings of Traditional Chinese
_HANT_TAGS = ("zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh-cmn-hant", "zh-yue")


def normalise_hint(hint: str | None) -> str | None:
    """Map an HTML lang value ("zh-CN", "zh-TW", "en-US", "zh-cmn-Hans") to our codes."""
    if not hint:
        return None
    tag = hint.strip().replace("_", "-").lower()
    if not tag or not re.fullmatch(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*", tag):
        return None
    if tag.startswith(_HANT_TAGS):
        return "zh-Hant"
    if tag.startswith(("zh", "cmn")):
        return "zh"
    return tag.split("-")[0]


def _sample(text: str) -> str:
    """Head and middle of a long text (a bilingual page may switch script halfway)."""
    if len(text) <= SAMPLE_CHARS:
        return text
    half = SAMPLE_CHARS // 2
    middle = len(text) // 2
    return text[:half] + text[middle : middle + half]


class _ScriptTable:
    """Which Han characters only one script uses, decided by OpenCC and cached per character."""

    def __init__(self) -> None:
        self._t2s = None
        self._s2t = None
        self._ambiguous: frozenset[str] = frozenset()
        self._kind: dict[str, int] = {}  # +1 Traditional only, -1 Simplified only, 0 neither/both

    def _load(self) -> None:
        from opencc import OpenCC

        self._t2s = OpenCC("t2s")
        self._s2t = OpenCC("s2t")
        self._ambiguous = _ambiguous_chars()

    def kinds(self, chars: set[str]) -> dict[str, int]:
        """Classify characters, converting the ones not seen before in one call per direction."""
        new = [c for c in chars if c not in self._kind]
        if new:
            if self._t2s is None:
                self._load()
            # a space is an OpenCC separator, so every character is converted on its own
            joined = " ".join(new)
            simplified = self._t2s.convert(joined).split(" ")
            traditional = self._s2t.convert(joined).split(" ")
            if len(simplified) != len(new) or len(traditional) != len(new):  # pragma: no cover
                simplified = [self._t2s.convert(c) for c in new]
                traditional = [self._s2t.convert(c) for c in new]
            for char, simp, trad in zip(new, simplified, traditional, strict=True):
                if char in self._ambiguous:
                    kind = 0
                elif simp != char and trad == char:
                    kind = 1
                elif trad != char and simp == char:
                    kind = -1
                else:
                    kind = 0
                self._kind[char] = kind
        return self._kind


def _ambiguous_chars() -> frozenset[str]:
    """Characters that are standard in both scripts.

    OpenCC converts 台 to 臺, 后 to 後, 里 to 裏 and 于 to 於, yet 台, 后, 里 and 于 are also
    ordinary Traditional characters (台灣, 皇后). OpenCC's own character tables list such a
    character among its own conversion candidates; those are ignored when counting.
    """
    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    found: set[str] = set()
    for name in ("STCharacters.txt", "TSCharacters.txt"):
        try:
            lines = (folder / name).read_text(encoding="utf-8").splitlines()
        except OSError:  # pragma: no cover - another OpenCC build without the tables
            logger.warning("OpenCC table %s not found; ambiguous characters not excluded", name)
            continue
        for line in lines:
            key, _, values = line.partition("\t")
            if len(key) == 1 and key in values.split():
                found.add(key)
    return frozenset(found)


_TABLE = _ScriptTable()


def script_balance(text: str) -> tuple[int, int]:
    """(Traditional-only, Simplified-only) character counts in a sample of text."""
    han = _HAN_RE.findall(_sample(text))
    if not han:
        return 0, 0
    kinds = _TABLE.kinds(set(han))
    trad = simp = 0
    for char in han:
        kind = kinds[char]
        if kind > 0:
            trad += 1
        elif kind < 0:
            simp += 1
    return trad, simp


def is_traditional(text: str) -> bool:
    """True when the Chinese in text is mostly Traditional characters."""
    trad, simp = script_balance(text)
    return trad > simp


def detect_language(text: str, hint: str | None = None) -> str:
    """Language code of text: "zh", "zh-Hant", "en", another ISO 639-1 code, or "und".

    hint is e.g. the page's <html lang>; it only decides when the text is too short or the
    scripts are tied, or names the language of a non-English Latin-script text.
    """
    hint_code = normalise_hint(hint)
    sample = _sample(text or "")
    han = len(_HAN_RE.findall(sample))
    kana = len(_KANA_RE.findall(sample))
    hangul = len(_HANGUL_RE.findall(sample))
    latin = len(_LATIN_RE.findall(sample))
    cyrillic = len(_CYRILLIC_RE.findall(sample))
    arabic = len(_ARABIC_RE.findall(sample))
    scores = {
        "cjk": (han + kana + hangul) * HAN_WEIGHT,
        "latin": latin,
        "cyrillic": cyrillic,
        "arabic": arabic,
    }
    if sum(scores.values()) < MIN_WEIGHT:
        return hint_code or "und"
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    best, second = ranked[0], ranked[1]
    if scores[second] and scores[best] <= scores[second] * TIE_RATIO:
        hinted = _script_of(hint_code)
        if hinted in (best, second):
            best = hinted

    if best == "cjk":
        if kana * 10 >= han + kana and kana:
            return "ja"
        if hangul > han:
            return "ko"
        trad, simp = script_balance(sample)
        if trad > simp:
            return "zh-Hant"
        if trad == simp == 0 and hint_code == "zh-Hant":
            return "zh-Hant"
        return "zh"
    if best == "latin":
        return _latin_language(sample, hint_code)
    if best == "cyrillic":
        return hint_code if _script_of(hint_code) == "cyrillic" else "ru"
    return hint_code if _script_of(hint_code) == "arabic" else "ar"


_CYRILLIC_LANGS = frozenset({"ru", "uk", "bg", "sr", "mk", "be", "kk", "mn"})
_ARABIC_LANGS = frozenset({"ar", "fa", "ur", "ps"})
_CJK_LANGS = frozenset({"zh", "zh-Hant", "ja", "ko"})


def _script_of(code: str | None) -> str | None:
    """Which script a language code is written in, as far as this module cares."""
    if code is None:
        return None
    if code in _CJK_LANGS:
        return "cjk"
    if code in _CYRILLIC_LANGS:
        return "cyrillic"
    if code in _ARABIC_LANGS:
        return "arabic"
    return "latin"


def _latin_language(sample: str, hint_code: str | None) -> str:
    """English when English function words are common enough; otherwise the hint or "und"."""
    words = _WORD_RE.findall(sample.lower())
    hinted = hint_code if _script_of(hint_code) == "latin" else None
    if len(words) < EN_MIN_WORDS:
        return hinted or "en"
    share = sum(word in _EN_FUNCTION_WORDS for word in words) / len(words)
    if share >= EN_FUNCTION_WORD_SHARE:
        return "en"
    return hinted if hinted and hinted != "en" else "und"
