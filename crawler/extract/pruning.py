"""Tree preparation before trafilatura: the anchor of the main text, Chinese-site boilerplate containers and image captions pruned, script-hidden text revealed."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from lxml.etree import _Element
from lxml.html import HtmlElement

from crawler.extract.header import SKIP_TEXT_PARENTS
from crawler.extract.whitespace import normalise_space

logger = logging.getLogger(__name__)

# an element with an <img> and at most this much text is an image with its caption
CAPTION_MAX_CHARS = 60

# class/id tokens of containers that hold no article text on Chinese (and other) news sites:
# comments (163's "tie" = 跟贴), related/recommended/hot/ranking lists, share bars, footers,
# copyright and disclaimer boxes (shenming = 声明), sidebars, breadcrumbs, QR codes, ads
_BOILERPLATE_TOKENS = frozenset(
    """
    comment comments cmt tie pinglun reply replies
    recommend recommends recommended tuijian related relate relative relevant xgyd xgxw xgwz xiangguan
    hot hotnews rank ranking paihang popular mostread
    share sharing bdshare fenxiang jiathis social
    footer foot copyright banquan shenming disclaimer statement
    sidebar side aside rightbar leftbar
    breadcrumb breadcrumbs crumb crumbs nav navbar navigation menu
    qrcode ewm erweima login subscribe
    ad ads advert advertisement guanggao
    tags keywords pager pagination prev next
    """.split()
)
_TOKEN_SPLIT_RE = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_PRUNABLE_TAGS = frozenset({"div", "section", "aside", "ul", "ol", "dl", "table", "p", "span", "footer", "nav", "form", "iframe"})
_CAPTION_TOKENS = frozenset({"caption", "figcaption", "imgtxt", "pictext", "picinfo", "imgdesc", "tuzhu", "pic-info", "img-desc"})
_HIDDEN_STYLE_RE = re.compile(r"visibility\s*:\s*hidden", re.I)


def _boilerplate_class(elem: _Element) -> bool:
    for attr in ("class", "id"):
        value = elem.get(attr)
        if value:
            tokens = {t.lower().rstrip("0123456789") for t in _TOKEN_SPLIT_RE.split(value) if t}
            if tokens & _BOILERPLATE_TOKENS:
                return True
    return False


# elements that hold a paragraph of text; inline elements (span, a, font, b) pass their text up
TEXT_BLOCKS = frozenset(
    {"p", "div", "section", "td", "li", "article", "blockquote", "pre", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "center"}
)
_PROSE_RE = re.compile(r"[，。！？；]|[a-z],\s|[a-z]\.\s")
# text without sentence punctuation (menus, link lists) counts this much
_LIST_WEIGHT = 0.2


@dataclass
class Anchor:
    """The element that holds most of the prose, and how much prose that is."""

    element: _Element
    prose: int


def main_anchor(tree: HtmlElement) -> Anchor | None:
    """Where the article text is: every text block credits its parent fully and its
    grandparent half (as readability does), prose weighing more than link lists."""
    body = tree.find(".//body")
    if body is None:
        return None
    block_text: dict[_Element, list[str]] = {}
    for node in body.xpath(".//text()[normalize-space()]"):
        host = node.getparent()
        if node.is_tail and host is not None:
            host = host.getparent()
        while host is not None and host.tag not in TEXT_BLOCKS:
            if host.tag in SKIP_TEXT_PARENTS:
                host = None
                break
            host = host.getparent()
        if host is not None:
            block_text.setdefault(host, []).append(node.strip())
    scores: dict[_Element, float] = {}
    prose: dict[_Element, int] = {}
    for block, pieces in block_text.items():
        text = "".join(pieces)
        if len(text) < 10:
            continue
        weight = len(text) if _PROSE_RE.search(text) else len(text) * _LIST_WEIGHT
        parent = block.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + weight
        prose[parent] = prose.get(parent, 0) + int(weight)
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + weight / 2
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    return Anchor(best, prose.get(best, 0))


def prepare_tree(tree: HtmlElement, title_el: _Element | None, anchor: Anchor | None) -> None:
    """Remove boilerplate containers and captions, reveal script-hidden text (in place)."""
    protected: set[_Element] = set()
    for keep in (anchor.element if anchor else None, title_el):
        if keep is not None:
            protected.add(keep)
            protected.update(keep.iterancestors())

    doomed: list[_Element] = []
    for elem in tree.iter():
        if not isinstance(elem.tag, str) or elem in protected:
            continue
        if elem.tag in _PRUNABLE_TAGS and _boilerplate_class(elem):
            doomed.append(elem)
        elif elem.tag == "figcaption":
            doomed.append(elem)
        elif elem.tag in ("p", "div", "figure", "span", "center") and _is_captioned_image(elem):
            doomed.append(elem)
        else:
            style = elem.get("style")
            # WeChat and others hide the article with visibility:hidden until a script runs;
            # trafilatura drops anything styled "hidden"
            if style and _HIDDEN_STYLE_RE.search(style) and len(elem.text_content()) > 200:
                elem.set("style", _HIDDEN_STYLE_RE.sub("", style))
    for elem in doomed:  # nested ones go with their container, harmlessly removed again
        _drop_keep_tail(elem)


def _is_captioned_image(elem: _Element) -> bool:
    """An image with at most a caption's worth of text (or a caption by its class)."""
    if elem.find(".//img") is None:
        return False
    if elem.find(".//p") is not None and elem.tag != "p":
        return False
    value = f"{elem.get('class', '')} {elem.get('id', '')}".lower()
    if any(token in value for token in _CAPTION_TOKENS):
        return True
    return len(normalise_space(elem.text_content())) <= CAPTION_MAX_CHARS


def _drop_keep_tail(elem: _Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent = elem.getparent()
    if parent is None:
        return
    tail = elem.tail
    previous = elem.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(elem)
