"""The header zone: the short lines just after (and before) the headline, where the date and byline sit."""

from __future__ import annotations

import logging
import re

from lxml.etree import _Element
from lxml.html import HtmlElement

from crawler.extract.whitespace import normalise_space

logger = logging.getLogger(__name__)

# how much text after (and before) the headline is searched for the date and byline line
HEADER_AFTER_CHARS = 300
HEADER_BEFORE_CHARS = 120
# a longer block with a full stop after the headline is the article, not the info line
HEADER_LINE_MAX = 80

SKIP_TEXT_PARENTS = {"script", "style", "noscript", "template"}
_SENTENCE_RE = re.compile(r"[。！？]|[a-z][.!?](?:\s|$)")


def header_text(tree: HtmlElement, title_el: _Element | None) -> str:
    """Short text blocks just after the headline (where the date and byline sit), a blank
    line, then the ones just before it. Text nodes are kept on separate lines.

    Each zone ends at the first long block with a full stop in it: that is the article.
    """
    if title_el is None:
        return ""
    after = _zone(_blocks_around(title_el, forward=True), HEADER_AFTER_CHARS)
    before = _zone(_blocks_around(title_el, forward=False), HEADER_BEFORE_CHARS)
    before.reverse()
    return "\n".join(after) + "\n\n" + "\n".join(before)


def _blocks_around(elem: _Element, forward: bool):
    """Siblings after (or before) elem, then those of its ancestors, nearest first; a tail
    text directly after elem comes as a string."""
    node = elem
    while node is not None and node.tag not in ("body", "html"):
        if forward and node.tail and node.tail.strip():
            yield node.tail
        siblings = node.itersiblings() if forward else node.itersiblings(preceding=True)
        for sibling in siblings:
            yield sibling
            if not forward and sibling.tail and sibling.tail.strip():
                yield sibling.tail
        node = node.getparent()


def _zone(blocks, limit: int) -> list[str]:
    """Text lines of blocks up to limit characters, stopping at article text."""
    lines: list[str] = []
    size = 0
    for block in blocks:
        if isinstance(block, str):
            texts = [block]
        elif not isinstance(block.tag, str) or block.tag in SKIP_TEXT_PARENTS:
            continue
        else:
            texts = block.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
        pieces = [p for p in (normalise_space(t) for t in texts) if p]
        joined = "".join(pieces)
        if len(joined) > HEADER_LINE_MAX and _SENTENCE_RE.search(joined):
            break
        for piece in pieces:
            lines.append(piece)
            size += len(piece)
            if size >= limit:
                return lines
    return lines
