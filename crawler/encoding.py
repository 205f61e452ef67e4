"""Turn the bytes of a web page into text, whatever the page claims its charset is.

Chinese news sites often declare gb2312 while sending GBK/GB18030 characters, declare
nothing at all, or declare the wrong charset in the HTTP header. A declaration is therefore
a hint, not a fact: every candidate codec is tried strictly and the decoded text is scored
by how much of it is ordinary Chinese (or ordinary Latin text); the best reading wins, and
a declaration only breaks ties.

When no Chinese codec reads the page whole (a few invalid GBK byte sequences are common), a
page that says it is Chinese, or whose bytes read as Chinese but for a few bytes, is decoded
leniently with that Chinese codec: a handful of dropped bytes beats a Latin codec that happens
to decode every byte into mojibake. The number of bytes dropped is kept in `Decoded.replaced`.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from charset_normalizer import from_bytes
from w3lib.encoding import read_bom, resolve_encoding

logger = logging.getLogger(__name__)

# Codecs tried for non-UTF-8 pages, beyond what the page declares. GB18030 is a superset
# of GB2312 and GBK; cp950 and big5hkscs are the Big5 variants Taiwan and Hong Kong use.
CJK_CANDIDATES = ("gb18030", "cp950", "big5hkscs")
# The web's default for undeclared pages that are neither UTF-8 nor Chinese (WHATWG).
LATIN_FALLBACK = "cp1252"
# Declared labels are widened to the superset that real pages actually use.
WIDER_CODEC = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "big5": "cp950"}
CJK_CODECS = frozenset(CJK_CANDIDATES)
# A lenient Chinese decode may drop at most this share of the page's non-ASCII bytes: a few
# broken sequences in a Chinese page, not a Latin or UTF-8 page read as GBK (every accented
# letter beside an ASCII one is an invalid GBK pair there).
MAX_REPLACED_SHARE = 0.02
MAX_REPLACED_FLOOR = 8  # bytes: a short page may still carry a broken sequence or two
# Without a Chinese declaration the lenient reading must look this Chinese to be "detected".
DETECTED_PLAUSIBILITY = 0.8
MAX_TRAILING_CUT = 3  # bytes of a multi-byte character cut off by a truncated download
SAMPLE_CHARS = 20000
CJK_PUNCTUATION = frozenset("，。、；：？！“”‘’《》（）【】—…·　「」『』")

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_BODY_CHARSET = (
    re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE),
    re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']\s*([\w.:-]+)", re.IGNORECASE),
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LETTER_LIKE = re.compile(r"[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec's Python name, e.g. "gb18030", "utf-8", "cp950"
    declared: str | None  # what the page or header claimed, normalised; None if nothing
    replaced: int = 0  # bytes no codec could read, dropped from the text (lenient Chinese decode)


@lru_cache(maxsize=1)
def common_han() -> frozenset[str]:
    """The everyday Chinese characters: GB2312 level 1 (Simplified) and Big5 level 1 (Traditional)."""
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):  # GB2312 rows 16-55: the 3,755 level-1 characters
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lead in range(0xA4, 0xC7):  # Big5 0xA440-0xC67E: the 5,401 frequently used characters
        for trail in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                chars.add(bytes([lead, trail]).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(c for c in chars if _HAN.match(c))


def plausibility(text: str) -> float:
    """Score in [0, 1]: how much the non-ASCII part of a text looks like real Chinese or Latin text."""
    sample = text[:SAMPLE_CHARS]
    common = common_han()
    good = 0.0
    total = 0
    for i, c in enumerate(sample):
        if ord(c) < 128:
            continue
        total += 1
        if c in common or c in CJK_PUNCTUATION:
            good += 1
        elif _HAN.match(c):
            good += 0.3  # a real but rare character: some credit, not full
        elif _LETTER_LIKE.match(c) and _beside_ascii_letter(sample, i):
            good += 1  # an accented letter inside a Latin word, not a run of mojibake
    return good / total if total else 1.0


def _beside_ascii_letter(text: str, i: int) -> bool:
    """True when a neighbour of text[i] is an ASCII letter."""
    return any(0 <= j < len(text) and text[j].isascii() and text[j].isalpha() for j in (i - 1, i + 1))


def codec_name(label: str | None) -> str | None:
    """Normalise a charset label to a Python codec name, widening gb2312/gbk/big5."""
    if not label:
        return None
    raw = codecs.lookup(label).name if _known_codec(label) else label.lower()
    if raw in WIDER_CODEC:
        return WIDER_CODEC[raw]
    name = resolve_encoding(label)
    if name is None:
        return None
    name = codecs.lookup(name).name
    return WIDER_CODEC.get(name, name)


def _known_codec(label: str) -> bool:
    try:
        codecs.lookup(label)
    except LookupError:
        return False
    return True


def declared_encodings(body: bytes, content_type: str | None) -> list[str]:
    """Codecs the HTTP header and the document itself declare, header first."""
    labels = [_HEADER_CHARSET.search(content_type or "")] + [p.search(body[:8192]) for p in _BODY_CHARSET]
    found: list[str] = []
    for match in labels:
        if match is None:
            continue
        label = match.group(1)
        name = codec_name(label.decode("ascii", "ignore") if isinstance(label, bytes) else label)
        if name and name not in found:
            found.append(name)
    return found


def strict_decode(body: bytes, codec: str) -> str | None:
    """Decode strictly, forgiving only a multi-byte character cut off at the very end."""
    for cut in range(MAX_TRAILING_CUT + 1):
        try:
            return body[: len(body) - cut].decode(codec)
        except UnicodeDecodeError as exc:
            if exc.start < len(body) - MAX_TRAILING_CUT:
                return None
        except LookupError:
            return None
    return None


def decode_html(body: bytes, content_type: str | None = None, forced: str | None = None) -> Decoded:
    """Decode page bytes to text; never returns mojibake it can avoid, never U+FFFD."""
    declared = declared_encodings(body, content_type)
    first_declared = declared[0] if declared else None
    if forced:
        text = strict_decode(body, codec_name(forced) or forced)
        if text is not None:
            return Decoded(_clean(text), codec_name(forced) or forced, first_declared)
        logger.warning("forced encoding %s does not fit the page; detecting instead", forced)

    bom_codec, _ = read_bom(body)
    if bom_codec:
        return Decoded(_clean(body.decode(bom_codec, errors="replace")), bom_codec, first_declared)

    if body.isascii():
        return Decoded(_clean(body.decode("ascii")), "ascii", first_declared)

    # UTF-8 is self-validating: non-ASCII bytes that decode strictly as UTF-8 almost never are anything else.
    text = strict_decode(body, "utf-8")
    if text is not None:
        return Decoded(_clean(text), "utf-8", first_declared)

    readings: list[tuple[float, int, str, str]] = []
    says_chinese = any(codec in CJK_CODECS for codec in declared) or _lang_is_chinese(body)
    for rank, codec in enumerate(dict.fromkeys([*declared, *CJK_CANDIDATES, LATIN_FALLBACK])):
        text = strict_decode(body, codec)
        if text is not None:
            # Declared codecs come first; at an equal score the earlier one wins.
            readings.append((plausibility(text), -rank, codec, text))
    best_strict = max(readings) if readings else None
    if best_strict and best_strict[0] >= 0.6 and (best_strict[2] in CJK_CODECS or not says_chinese):
        return Decoded(_clean(best_strict[3]), best_strict[2], first_declared)

    lenient = lenient_chinese(body, declared)
    if lenient is not None:
        score, codec, text, replaced = lenient
        strict_score = best_strict[0] if best_strict else 0.0
        if (says_chinese and score >= 0.6) or (score >= DETECTED_PLAUSIBILITY and score > strict_score):
            logger.info("decoded as %s with %d unreadable bytes dropped", codec, replaced)
            return Decoded(_clean(text), codec, first_declared, replaced)
    if best_strict and best_strict[0] >= 0.6:
        return Decoded(_clean(best_strict[3]), best_strict[2], first_declared)

    guess = from_bytes(body).best()
    if guess is not None and guess.encoding:
        text = strict_decode(body, guess.encoding)
        if text is not None and (not readings or plausibility(text) > max(readings)[0]):
            return Decoded(_clean(text), codecs.lookup(guess.encoding).name, first_declared)
    if readings:
        _, _, codec, text = max(readings)
        return Decoded(_clean(text), codec, first_declared)
    return _lossy(body, declared, first_declared)


_LANG_ZH = re.compile(rb"<html[^>]*?\slang\s*=\s*[\"']?\s*zh", re.IGNORECASE)


def _lang_is_chinese(body: bytes) -> bool:
    """True when the page's <html lang> says Chinese: a claim, like a charset declaration."""
    return _LANG_ZH.search(body[:8192]) is not None


def lenient_decode(body: bytes, codec: str, max_replaced: int) -> tuple[str, int] | None:
    """Decode, replacing each unreadable byte run with U+FFFD; None past max_replaced bytes or for an unknown codec.

    Returns the text and the number of bytes replaced. GB18030 and Big5 are stateless, so the
    decode can restart right after a bad run.
    """
    parts: list[str] = []
    replaced = 0
    start = 0
    try:
        while True:
            try:
                parts.append(body[start:].decode(codec))
                return "".join(parts), replaced
            except UnicodeDecodeError as exc:
                parts.append(body[start : start + exc.start].decode(codec))
                parts.append("\ufffd")
                replaced += exc.end - exc.start
                start += exc.end
                if replaced > max_replaced:
                    return None
    except LookupError:
        return None


def lenient_chinese(body: bytes, declared: list[str]) -> tuple[float, str, str, int] | None:
    """The best Chinese reading with a few bytes replaced: (plausibility, codec, text, bytes replaced)."""
    non_ascii = sum(1 for b in body if b >= 0x80)
    max_replaced = max(MAX_REPLACED_FLOOR, int(non_ascii * MAX_REPLACED_SHARE))
    readings: list[tuple[int, float, int, str, str]] = []
    codecs_to_try = [c for c in declared if c in CJK_CODECS] + list(CJK_CANDIDATES)
    for rank, codec in enumerate(dict.fromkeys(codecs_to_try)):
        found = lenient_decode(body, codec, max_replaced)
        if found is not None:
            text, replaced = found
            # fewer replaced bytes first, then the more plausible text, then the declared (earlier) codec
            readings.append((-replaced, plausibility(text.replace("\ufffd", "")), -rank, codec, text))
    if not readings:
        return None
    minus_replaced, score, _, codec, text = max(readings)
    return score, codec, text, -minus_replaced


def _gb18030_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read a byte run UTF-8 cannot as one GB18030 character, else drop a byte."""
    assert isinstance(exc, UnicodeDecodeError)
    for width in (2, 4):
        try:
            return exc.object[exc.start : exc.start + width].decode("gb18030"), exc.start + width
        except UnicodeDecodeError:
            continue
    return "", exc.start + 1


codecs.register_error("chipwatch-gb18030-fallback", _gb18030_fallback)


def _lossy(body: bytes, declared: list[str], first_declared: str | None) -> Decoded:
    """Last resort for bytes no codec reads whole, such as UTF-8 and GBK mixed in one page."""
    logger.info("no codec reads the page whole; decoding UTF-8 with a GB18030 fallback")
    text = body.decode("utf-8", errors="chipwatch-gb18030-fallback")
    return Decoded(_clean(text), "utf-8+gb18030", first_declared)


def _clean(text: str) -> str:
    """Remove the replacement character and NULs that some pages carry in their bytes."""
    return text.replace("\ufffd", "").replace("\x00", "")
