"""Snippets: a window of the article's own text around the most query terms, the terms marked «like this».

Matches are found in a normalised copy of the text (folded to Simplified, half width, no accents,
lower case) that keeps every character's position, so the marks land in the original script.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from core.script import HAN_CLASS, fold_table
from db.search.index import CJK_BREAKS, SEP
from db.search.parser import Term

SNIPPET_CHARS_ZH = 90
SNIPPET_CHARS_EN = 220
MARK_OPEN, MARK_CLOSE = "«", "»"


@lru_cache(maxsize=1)
def _normal_table() -> dict[int, str]:
    """Character → the one character it is compared as (Simplified, half width, no accent).

    Length-preserving, so positions found in the normalised text are positions in the original.
    """
    table: dict[int, int | str] = {ord(char): simple for char, simple in fold_table().items()}
    for code in [*range(0xC0, 0x250), *range(0xFF01, 0xFF5F)]:
        char = chr(code)
        norm = unicodedata.normalize("NFKC", char)
        if len(norm) == 1:
            base = unicodedata.normalize("NFD", fold_table().get(norm, norm))[0]
            if base != char:
                table[code] = base
    return table  # type: ignore[return-value]


def _normalise(text: str) -> str:
    normal = text.translate(_normal_table())
    lower = normal.lower()
    return lower if len(lower) == len(normal) else normal  # "İ".lower() is two characters


_BREAK_CLASS = re.escape(CJK_BREAKS + ";!?")
_GAP = rf"(?:[^\w{_BREAK_CLASS}.,:]|_|[.,:](?=[0-9a-z])){{0,6}}"  # what may lie between two tokens of a phrase
_LATIN_BEFORE = rf"(?<![^\W_{HAN_CLASS}])"
_LATIN_AFTER = rf"(?![^\W_{HAN_CLASS}])"
_FORM_TOKEN_RE = re.compile(rf"[{HAN_CLASS}]|{SEP}|[^\W_{HAN_CLASS}]+")
SNIPPET_TERMS = 8
SNIPPET_SPANS_PER_TERM = 20


@lru_cache(maxsize=256)
def _term_pattern(term: Term) -> re.Pattern[str]:
    """A regex finding the term in normalised original text."""
    tokens = _FORM_TOKEN_RE.findall(_normalise(term.form))
    parts = []
    for i, token in enumerate(tokens):
        if token == SEP:
            parts.append(f"[{_BREAK_CLASS}.,:]")
        elif len(token) == 1 and re.match(rf"[{HAN_CLASS}]", token):
            parts.append(re.escape(token))
        else:
            tail = r"[^\W_]*" if term.prefix and i == len(tokens) - 1 else _LATIN_AFTER
            parts.append(_LATIN_BEFORE + re.escape(token) + tail)
    return re.compile(_GAP.join(parts))


def snippet(text: str | None, terms: list[Term]) -> str:
    """A window of the original text around the most query terms, the terms marked «like this»."""
    text = text or ""
    normal = _normalise(text)
    spans: list[tuple[int, int, int]] = []  # (start, end, term number)
    for number, term in enumerate([t for t in terms if t.column != "title"][:SNIPPET_TERMS]):
        for i, match in enumerate(_term_pattern(term).finditer(normal)):
            if i >= SNIPPET_SPANS_PER_TERM:
                break
            if match.end() > match.start():
                spans.append((match.start(), match.end(), number))
    spans.sort()
    chinese = len(re.findall(rf"[{HAN_CLASS}]", text[:400])) > 40
    width = SNIPPET_CHARS_ZH if chinese else SNIPPET_CHARS_EN
    start = 0
    if spans:
        best = 0
        for s, _, _ in spans:  # the first window holding the most different terms
            covered = len({n for s2, e2, n in spans if s <= s2 and e2 <= s + width})
            if covered > best:
                best, start = covered, s
        start = max(0, start - width // 4)
        if not chinese:  # do not cut an English word in half
            while 0 < start < len(text) and not text[start - 1].isspace():
                start -= 1
    end = min(len(text), start + width)
    if not chinese and end < len(text):
        cut = text.rfind(" ", start, end)
        if cut > start + width // 2:
            end = cut
    pieces, cursor = [], start
    for s, e, _ in spans:
        if s < cursor or e > end:
            continue
        pieces += [text[cursor:s], MARK_OPEN, text[s:e], MARK_CLOSE]
        cursor = e
    pieces.append(text[cursor:end])
    body = re.sub(r"\s+", " ", "".join(pieces)).strip()
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
