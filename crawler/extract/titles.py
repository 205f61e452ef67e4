"""The headline: the page's <title> or og:title without its site-name suffix, matched to the heading that shows it."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from lxml.etree import _Element
from lxml.html import HtmlElement

from crawler.extract.dates import parse_date
from crawler.extract.header import header_text
from crawler.extract.pruning import Anchor
from crawler.extract.whitespace import compact, normalise_space

logger = logging.getLogger(__name__)

# separators before a site or section name: "标题_网易科技", "标题-新华网", "标题 | 观察者网",
# "标题--当代商报". A hyphen only counts next to a space or a non-ASCII character, so
# "Wi-Fi" or "1-10月" never split.
_TITLE_SEP_RE = re.compile(
    r"(\s*(?:_{1,2}|\||｜|-{2,}|—+|–|::|»)\s*|\s+-\s+|(?<=[^\x00-\x7f])\s*-\s*|\s*-\s*(?=[^\x00-\x7f]))"
)
# a site/section name is short; a title must keep enough of itself
_SITE_PART_MAX = 20
_TITLE_MIN = 5
_TITLE_KEEP_SHARE = 0.35
SENTENCE_END = tuple("。！？!?…")


def _site_names(meta: dict[str, str]) -> set[str]:
    """Names the page gives for its site."""
    keys = ("og:site_name", "application-name", "apple-mobile-web-app-title", "twitter:site", "publisher", "og:article:publisher")
    return {compact(meta[k].lstrip("@")) for k in keys if meta.get(k)}


def _host_labels(url: str | None) -> set[str]:
    """Host name labels worth matching a site name against: "ednchina" for www.ednchina.com."""
    host = urlsplit(url).hostname if url else None
    if not host:
        return set()
    generic = {"www", "com", "cn", "net", "org", "gov", "edu", "news", "m", "wap", "html"}
    return {label for label in host.lower().split(".") if len(label) >= 3 and label not in generic}


def _known_site(part: str, site_names: set[str], hosts: set[str]) -> bool:
    """Is this title part the site's name (as the page or its host name gives it)?"""
    key = compact(part)
    if key and key in site_names:
        return True
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9]{3,}", part)]
    return bool(words) and any(word in host for word in words[:1] for host in hosts)


def strip_site_suffix(title: str, site_names: set[str] = frozenset(), hosts: set[str] = frozenset()) -> str:
    """Drop trailing "_section_site" parts of a <title>, keeping titles that contain separators.

    Parts are dropped from the right while they are short (or a known site name), do not read
    like the end of a sentence, and enough of the title remains.
    """
    title = normalise_space(title)
    tokens = _TITLE_SEP_RE.split(title)  # text, sep, text, sep, ...
    end = len(tokens)
    while end >= 3:
        part = tokens[end - 1].strip()
        head = "".join(tokens[: end - 2]).strip()
        known = _known_site(part, site_names, hosts)
        if not known and (len(part) > _SITE_PART_MAX or part.endswith(SENTENCE_END)):
            break
        if len(head) < _TITLE_MIN or len(head) < _TITLE_KEEP_SHARE * len(title):
            break
        end -= 2
    title = "".join(tokens[:end]).strip()
    # "...GPU-EDN 电子技术设计": a hyphen between Latin letters splits only before a known name
    match = re.search(r"\s*[-_|]\s*([^-_|]{2,%d})$" % _SITE_PART_MAX, title)
    if match and _known_site(match[1], site_names, hosts) and len(title[: match.start()]) >= _TITLE_MIN:
        title = title[: match.start()].strip()
    return title


def _strip_known_suffix(title: str, site_names: set[str]) -> str:
    """Drop a known site name at the end even without a separator ("标题 湖南省某医院")."""
    for name in site_names:
        if len(name) >= 2 and compact(title).endswith(name) and len(compact(title)) > len(name) + _TITLE_MIN:
            cut = title.rstrip()
            # walk back over the name's characters, ignoring spaces/quotes in the title
            remaining = len(name)
            while remaining and cut:
                if compact(cut[-1]):
                    remaining -= 1
                cut = cut[:-1]
            return cut.rstrip(" _|-–—:：")
    return title


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def find_title(
    tree: HtmlElement, meta: dict[str, str], url: str | None, anchor: Anchor | None
) -> tuple[str | None, _Element | None]:
    """The headline, and the element showing it on the page (to find the byline next to it).

    A heading that the <title> or og:title contains is the headline; otherwise the
    <title>/og:title without its site-name suffix, unless that text is nowhere on the page
    (a generic "新闻动态--某学会官网") and a heading with a date under it sits by the text.
    """
    site_names = _site_names(meta)
    hosts = _host_labels(url) | _host_labels(meta.get("og:url"))
    head_title = normalise_space(tree.findtext(".//head/title") or tree.findtext(".//title") or "")
    og_title = normalise_space(meta.get("og:title") or meta.get("twitter:title") or "")
    references = [t for t in (head_title, og_title) if t]
    stripped = ""
    for ref in references:
        stripped = _strip_known_suffix(strip_site_suffix(ref, site_names, hosts), site_names)
        if stripped:
            break
    stripped_key = compact(stripped)

    headings = list(tree.iter("h1")) + [h for h in tree.iter(*_HEADINGS[1:3])]
    best: tuple[str, _Element] | None = None
    for heading in headings:
        text = normalise_space(heading.text_content())
        key = compact(text)
        if len(key) < 4:
            continue
        for ref in references:
            if key in compact(ref) and len(key) >= _TITLE_KEEP_SHARE * len(stripped_key or compact(ref)):
                candidate = (text, heading)
            elif stripped_key and stripped_key in key and len(key) <= 2 * len(stripped_key):
                # "原创最不愁吃肉的国家…": the heading carries a label; the <title> is cleaner
                candidate = (stripped, heading)
            else:
                continue
            if best is None or len(candidate[0]) > len(best[0]):
                best = candidate
        if best and heading.tag == "h1":
            break
    if best:
        return best
    if stripped:
        element = _find_title_element(tree, stripped)
        if element is None:
            # "栏目--标题": a short section name in front of the headline shown on the page
            tokens = _TITLE_SEP_RE.split(stripped)
            for start in range(2, min(len(tokens), 5), 2):
                rest = "".join(tokens[start:]).strip()
                if len("".join(tokens[:start])) <= _SITE_PART_MAX and len(rest) >= _TITLE_MIN:
                    element = _find_title_element(tree, rest)
                    if element is not None:
                        return rest, element
        if element is None:
            dated = _dated_heading(tree, anchor)
            if dated is not None:
                return normalise_space(dated.text_content()), dated
        return stripped, element
    for heading in headings:
        text = normalise_space(heading.text_content())
        if len(compact(text)) >= 4:
            return text, heading
    return None, None


def _dated_heading(tree: HtmlElement, anchor: Anchor | None) -> _Element | None:
    """The heading nearest the main text that has a date right under it."""
    if anchor is None:
        return None
    position = {elem: index for index, elem in enumerate(tree.iter())}
    target = position.get(anchor.element, 0)
    found: list[tuple[int, _Element]] = []
    for heading in tree.iter(*_HEADINGS):
        size = len(compact(heading.text_content()))
        if 8 <= size <= 80 and parse_date(header_text(tree, heading).partition("\n\n")[0]):
            found.append((abs(position.get(heading, 0) - target), heading))
    return min(found, key=lambda item: item[0])[1] if found else None


def _find_title_element(tree: HtmlElement, title: str) -> _Element | None:
    """The body element whose whole text is the title (for pages without a matching heading)."""
    key = compact(title)
    body = tree.find(".//body")
    if body is None or not key:
        return None
    for elem in body.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "span", "strong", "b", "td", "font", "div", "a"):
        if elem.tag == "div" and elem.find(".//div") is not None:
            continue
        text = elem.text_content()
        if len(text) <= 2 * len(title) + 20 and compact(text) == key:
            return elem
    return None
