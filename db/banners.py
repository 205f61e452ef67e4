"""Aggregator banners cut from republished copies ("本文由…转载", "Originally published by …").

A site that republishes a story puts a line on top of it or under it. Left in, the line is
searched, analysed and shingled as if the story said it. The patterns are data
(db/banners.toml); this module only applies them, to the edges of a text: a paragraph is a
banner when it is short and a pattern matches it whole, and cutting stops at the first paragraph
from each end that is not one, so a story that quotes such a sentence in its body keeps it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

BANNERS_FILE = Path(__file__).with_name("banners.toml")
MAX_BANNER_CHARS = 240  # a longer paragraph is the story, whatever it says
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Cut:
    text: str  # the text without its banners (the same string when there were none)
    banners: list[str] = field(default_factory=list)  # the paragraphs cut, top first


@lru_cache(maxsize=1)
def patterns(path: Path = BANNERS_FILE) -> tuple[re.Pattern[str], ...]:
    """The banner patterns of the data file, compiled (ValueError naming the bad entry)."""
    with path.open("rb") as handle:
        entries = tomllib.load(handle).get("banner", [])
    compiled = []
    for entry in entries:
        try:
            compiled.append(re.compile(entry["pattern"], re.IGNORECASE | re.DOTALL))
        except (KeyError, re.error) as exc:
            raise ValueError(f"{path}: banner {entry.get('name', '?')!r}: {exc}") from None
    return tuple(compiled)


def is_banner(paragraph: str) -> bool:
    line = paragraph.strip()
    return 0 < len(line) <= MAX_BANNER_CHARS and any(p.fullmatch(line) for p in patterns())


def cut(text: str) -> Cut:
    """The text without the banner paragraphs at its top and bottom.

    Paragraph breaks inside the kept text stay as they were. Cutting twice cuts nothing more
    (the near-duplicate sketch relies on that: it cuts again what the store has already cut).
    A text made of banners only is left as it is.
    """
    spans = [m.span() for m in _LINE.finditer(text) if not m.group(0).isspace()]
    first, last = 0, len(spans)
    while first < last and is_banner(text[spans[first][0] : spans[first][1]]):
        first += 1
    while last > first and is_banner(text[spans[last - 1][0] : spans[last - 1][1]]):
        last -= 1
    if (first == 0 and last == len(spans)) or first == last:
        return Cut(text)
    banners = [text[a:b].strip() for a, b in spans[:first] + spans[last:]]
    return Cut(text[spans[first][0] : spans[last - 1][1]].strip(), banners)
