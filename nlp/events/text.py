"""Sentences with offsets. (The event rules read text folded by core.script.fold: Traditional → Simplified, same length.)

A sentence runs from just after the previous end mark (。！？!? ; a full stop followed by a space,
unless it ends an abbreviation such as U.S. or Inc. or a lowercase word or number follows; a line
break) to and including its own end mark, without surrounding whitespace — the rule the labels in
eval/data/events follow (they predate the abbreviation rule; training maps them by overlap).
"""

from __future__ import annotations

import re

_BREAK_RE = re.compile(r"[。！？!?]+[”’」』\"')）]*|\.(?=\s)|\.$|\n+")
MAX_SENTENCE_CHARS = 600  # a run-on "sentence" (a table, a list without marks) is cut here


_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "inc", "co", "corp", "ltd", "llc", "plc", "jr", "sr", "st", "vs", "etc", "no", "nos", "fig", "gov", "gen", "sen", "rep", "dept", "est", "approx", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
)
_WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """A full stop that ends an abbreviation (U.S., Inc., Jan.) or sits before a lowercase word or a number."""
    after = text[dot + 1 : dot + 3].lstrip()
    if after[:1].islower() or after[:1].isdigit():
        return True
    match = _WORD_BEFORE_RE.search(text[max(0, dot - 12) : dot])
    if not match:
        return False
    word = match.group(1)
    return "." in word or len(word) == 1 or word.lower() in _ABBREVIATIONS


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text, end exclusive, whitespace trimmed, empty ones dropped."""
    spans, start = [], 0
    for match in _BREAK_RE.finditer(text):
        if match.group(0) == "." and _is_abbreviation(text, match.start()):
            continue
        end = match.end() if match.group(0)[0] != "\n" else match.start()
        spans.extend(_trimmed(text, start, end))
        start = match.end()
    spans.extend(_trimmed(text, start, len(text)))
    return spans


def _trimmed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start:
        return []
    return [(s, min(s + MAX_SENTENCE_CHARS, end)) for s in range(start, end, MAX_SENTENCE_CHARS)]

