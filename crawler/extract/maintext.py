"""The trafilatura adapter: its main text as normalised paragraphs, retried on the anchor's subtree when it misses."""

from __future__ import annotations

import logging
from copy import deepcopy

import trafilatura
from lxml.etree import _Element
from lxml.html import HtmlElement, fromstring
from trafilatura.settings import DEFAULT_CONFIG, Document

from crawler.extract.pruning import Anchor, TEXT_BLOCKS
from crawler.extract.whitespace import WHITESPACE_RE, normalise_space

logger = logging.getLogger(__name__)

# trafilatura's fast mode skips the readability/jusText comparison: on the 62 Chinese development
# pages it takes 18 instead of 24 ms/page, with the same text on 60 (see eval/README.md)
FAST = True
# trafilatura runs again on the anchor's subtree when it got less than this share of its prose
ANCHOR_RETRY_SHARE = 0.5
ANCHOR_MIN_PROSE = 100
# below this many characters trafilatura tries its fallbacks (readability, jusText, a page
# dump). Its default, 250, is a short English paragraph but a whole Chinese news brief: the
# fallbacks then replaced a correct short Chinese text with a dump of the page
MIN_EXTRACTED_SIZE = 100

_BLOCK_TAGS = frozenset({"p", "head", "quote", "code", "item", "list", "table", "row", "cell", "div", "graphic", "note"})
# <code> is a block at the top level, inline code inside a paragraph
_INLINE_PARENTS = frozenset({"p", "item", "cell", "head", "hi", "ref"})


def _is_block(elem: _Element) -> bool:
    if elem.tag == "code":
        parent = elem.getparent()
        return parent is None or parent.tag not in _INLINE_PARENTS
    return elem.tag in _BLOCK_TAGS


def main_paragraphs(tree: HtmlElement, url: str | None, anchor: Anchor | None) -> list[str]:
    """trafilatura's main text as a list of normalised paragraphs (a <br> starts a new one).

    When trafilatura fails (it finds far less than the prose around the anchor, or falls
    back to a dump of the whole page, WeChat's <section>/<span> articles being the common
    case), it runs again on the anchor's subtree alone.
    """
    body = _trafilatura_body(tree, url)
    if anchor is not None and anchor.prose >= ANCHOR_MIN_PROSE and _failed(body, anchor):
        logger.debug("trafilatura missed the main text of %s; retrying on <%s>", url, anchor.element.tag)
        wrapper = fromstring("<html><body></body></html>")
        subtree = deepcopy(anchor.element)
        # WeChat writes paragraphs as <section><span>…</span></section>
        for section in list(subtree.iter("section")):
            if not any(d.tag in TEXT_BLOCKS for d in section.iterdescendants()):
                section.tag = "p"
        wrapper.find("body").append(subtree)
        retry = _trafilatura_body(wrapper, url)
        if retry is not None and len(_body_text(retry)) >= ANCHOR_RETRY_SHARE * anchor.prose:
            body = retry
    if body is None:
        return []
    paragraphs: list[str] = []
    _collect(body, paragraphs, [], split_lines=_is_dump(body))
    return [p for p in (normalise_space(p) for p in paragraphs) if p]


def _trafilatura_config(min_extracted_size: int):
    """trafilatura's settings with a smaller "too short, try the fallbacks" threshold."""
    config = deepcopy(DEFAULT_CONFIG)
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(min_extracted_size))
    return config


_TRAFILATURA_CONFIG = _trafilatura_config(MIN_EXTRACTED_SIZE)


def _trafilatura_body(tree: HtmlElement, url: str | None) -> _Element | None:
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=FAST,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=False,
        config=_TRAFILATURA_CONFIG,
    )
    if not isinstance(document, Document):
        return None
    return document.body


def _body_text(body: _Element) -> str:
    return WHITESPACE_RE.sub("", "".join(body.itertext()))


def _failed(body: _Element | None, anchor: Anchor) -> bool:
    """trafilatura found little of the anchor's prose, or dumped the page as one block."""
    if body is None:
        return True
    text = _body_text(body)
    if len(text) < ANCHOR_RETRY_SHARE * anchor.prose:
        return True
    return _is_dump(body)


def _is_dump(body: _Element) -> bool:
    """trafilatura's last-resort baseline: the page's text as one or two blocks of many lines."""
    return len(body) <= 2 and sum(block.xpath("count(.//lb)") + "".join(block.itertext()).count("\n") for block in body) >= 8


def _collect(elem: _Element, out: list[str], buffer: list[str], split_lines: bool = False) -> None:
    """Walk trafilatura's output tree; blocks and line breaks (and in a page dump, newlines)
    end a paragraph."""

    def flush() -> None:
        if buffer:
            out.append("".join(buffer))
            buffer.clear()

    if elem.tag == "row" and not any(_is_block(c) and c.tag != "cell" for c in elem.iter() if c is not elem):
        flush()
        cells = [normalise_space("".join(cell.itertext())) for cell in elem]
        cells = [c for c in cells if c]
        if cells:
            out.append(" | ".join(cells))
        return
    block = _is_block(elem)
    if block:
        flush()
    def add(text: str) -> None:
        # trafilatura's page-dump fallback keeps the page's lines as newlines
        lines = text.split("\n") if split_lines else [text]
        buffer.append(lines[0])
        for line in lines[1:]:
            flush()
            buffer.append(line)

    if elem.text:
        add(elem.text)
    for child in elem:
        if child.tag == "lb":
            flush()
        else:
            _collect(child, out, buffer, split_lines)
        if child.tail:
            if _is_block(child):
                flush()
            add(child.tail)
    if block:
        flush()
