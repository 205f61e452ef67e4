"""Language tags and language detection: pure functions, text in, code out.

A tag as pages write it ("zh-CN", "zh_TW", "zh-Hant-HK", "en-US", "zh-cmn-Hans") becomes one of
chipwatch's codes (`normalise_tag`): "zh" (Simplified Chinese), "zh-Hant" (Traditional), "en", or
another language's primary subtag; Taiwan, Hong Kong, Macau and Cantonese are Traditional. The
same reading serves <html lang>, a source's lang, an import's lang and the search index.

Chinese vs English is decided by counting Han characters against Latin letters; Simplified vs
Traditional by counting characters that only one of the two scripts uses, as OpenCC's character
tables say (core.script.script_kind). Only a sample of a long text is looked at, so the cost per page stays flat.
"""

from __future__ import annotations

import logging
import re

from core.script import HAN_RE, script_kind

logger = logging.getLogger(__name__)

# tags (lower case, "-" separated) whose Chinese is written in Traditional characters
HANT_TAGS = ("zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh-cmn-hant", "zh-yue")
_TAG_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")


def normalise_tag(tag: str | None) -> str | None:
    """Map a language tag to chipwatch's code ("zh", "zh-Hant", "en", "fr", …); None when it is no tag.

    >>> normalise_tag("zh-TW"), normalise_tag("zh-cmn-Hans"), normalise_tag("en_US"), normalise_tag("")
    ('zh-Hant', 'zh', 'en', None)
    """
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    if not _TAG_RE.fullmatch(tag):
        return None
    if tag.startswith(HANT_TAGS):
        return "zh-Hant"
    primary = tag.split("-")[0]
    if primary in ("zh", "zho", "chi", "cmn"):
        return "zh"
    return primary


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

def _sample(text: str) -> str:
    """Head and middle of a long text (a bilingual page may switch script halfway)."""
    if len(text) <= SAMPLE_CHARS:
        return text
    half = SAMPLE_CHARS // 2
    middle = len(text) // 2
    return text[:half] + text[middle : middle + half]


def script_balance(text: str) -> tuple[int, int]:
    """(Traditional-only, Simplified-only) character counts in a sample of text."""
    trad = simp = 0
    for char in HAN_RE.findall(_sample(text)):
        kind = script_kind(char)
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
    hint_code = normalise_tag(hint)
    sample = _sample(text or "")
    han = len(HAN_RE.findall(sample))
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
        return hint_code if hint_code and _script_of(hint_code) == "cyrillic" else "ru"
    return hint_code if hint_code and _script_of(hint_code) == "arabic" else "ar"


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
