"""Sentences with offsets, and the folded form the event rules read (Traditional → Simplified, same length).

A sentence runs from just after the previous end mark (。！？!? ; a full stop followed by a space;
a line break) to and including its own end mark, without surrounding whitespace — the rule the
labels in eval/data/events follow, so offsets agree.
"""

from __future__ import annotations

import re
from functools import lru_cache

_BREAK_RE = re.compile(r"[。！？!?]+[”’」』\"')）]*|\.(?=\s)|\.$|\n+")
MAX_SENTENCE_CHARS = 600  # a run-on "sentence" (a table, a list without marks) is cut here


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text, end exclusive, whitespace trimmed, empty ones dropped."""
    spans, start = [], 0
    for match in _BREAK_RE.finditer(text):
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


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    from db.search import (
        t2s_table,  # the search index's character table: one script for rules and queries
    )

    return {ord(k): v for k, v in t2s_table().items()}


def fold(text: str) -> str:
    """Traditional characters → Simplified, one character for one, so offsets stay valid."""
    return text.translate(_fold_table())
