"""Whitespace and comparison keys: one line of text as a page shows it, and a key that ignores spaces and quotes."""

from __future__ import annotations

import logging
import re



logger = logging.getLogger(__name__)

WHITESPACE_RE = re.compile(r"\s+")
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
# a space next to full-width punctuation is left over from joined lines: "要退休了， 作为"
_PUNCT_SPACE_RE = re.compile(r"\s+(?=[，。！？；：、）》」』】”’])|(?<=[，。！？；：、（《「『【“‘])\s+")


def normalise_space(text: str) -> str:
    """One line: zero-width characters out, ideographic spaces, nbsp, tabs, newlines to one space."""
    text = _ZERO_WIDTH_RE.sub("", text)
    text = WHITESPACE_RE.sub(" ", text)  # \s covers \u3000, \xa0 and the other Unicode spaces
    return _PUNCT_SPACE_RE.sub("", text).strip()


def compact(text: str) -> str:
    """Comparison key: no whitespace, no quotes, lower case."""
    return re.sub(r"[\s\"'“”‘’「」『』]+", "", text).lower()
