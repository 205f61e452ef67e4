"""Main text and metadata of one news page.

trafilatura does the extraction. This module parses the page once, reads the metadata itself,
prepares the tree for trafilatura (drops Chinese-site boilerplate containers it does not know,
image captions, and un-hides text that scripts reveal) and then repairs what trafilatura gets
wrong on Chinese pages: titles with a site-name suffix, dates in Chinese formats and the UTC+8
zone, Chinese bylines, boilerplate paragraphs around the text, and odd whitespace.
"""

from __future__ import annotations

import json
import logging
import re
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

import trafilatura
from htmldate import find_date
from lxml.etree import _Element
from lxml.html import HtmlElement, fromstring
from trafilatura.settings import DEFAULT_CONFIG, Document
from trafilatura.utils import load_html

from core.language import detect_language, normalise_tag
from core.script import HAN_CLASS, HAN_RE, either_script, fold

logger = logging.getLogger(__name__)

# trafilatura's fast mode skips the readability/jusText comparison: on the 62 Chinese development
# pages it takes 18 instead of 24 ms/page, with the same text on 60 (see eval/README.md)
FAST = True
# a page whose main text has fewer non-space characters than this is not an article
MIN_TEXT_CHARS = 50
# how much text after (and before) the headline is searched for the date and byline line
HEADER_AFTER_CHARS = 300
HEADER_BEFORE_CHARS = 120
# a longer block with a full stop after the headline is the article, not the info line
HEADER_LINE_MAX = 80
# an element with an <img> and at most this much text is an image with its caption
CAPTION_MAX_CHARS = 60
# trafilatura runs again on the anchor's subtree when it got less than this share of its prose
ANCHOR_RETRY_SHARE = 0.5
ANCHOR_MIN_PROSE = 100
# below this many characters trafilatura tries its fallbacks (readability, jusText, a page
# dump). Its default, 250, is a short English paragraph but a whole Chinese news brief: the
# fallbacks then replaced a correct short Chinese text with a dump of the page
MIN_EXTRACTED_SIZE = 100
# Chinese pages give local times without a zone; mainland, Hong Kong, Macau and Taiwan are UTC+8
CHINA_TZ = "+08:00"


@dataclass
class Extracted:
    title: str | None
    text: str  # main text, paragraphs separated by "\n\n"
    published_at: str | None  # "2024-03-05T10:20:00+08:00", "2024-03-05" or None
    authors: list[str] = field(default_factory=list)
    language: str = "und"  # "zh", "zh-Hant", "en", another ISO code, or "und"
    canonical_url: str | None = None  # <link rel=canonical>, else og:url, made absolute


class ExtractionError(ValueError):
    """The page has no usable main text; the message is a one-line reason."""


def extract(html: str, url: str | None = None) -> Extracted:
    """Extract title, main text, date, authors, language and canonical URL from a decoded page.

    Raises ExtractionError when there is no usable main text (empty or script-only page,
    or a text shorter than MIN_TEXT_CHARS).
    """
    if not html or not html.strip():
        raise ExtractionError("empty document")
    try:
        tree = load_html(html)
    except (TypeError, ValueError) as err:
        raise ExtractionError(f"unparsable document: {err}") from err
    if tree is None or tree.find(".//body") is None and len(tree) == 0:
        raise ExtractionError("empty document")

    meta = _meta_tags(tree)
    hint = _html_lang(tree, meta)
    anchor = _main_anchor(tree)
    title, title_el = _title(tree, meta, url, anchor)
    header = _header_text(tree, title_el)
    canonical_url = _canonical_url(tree, meta, url)
    dates = _date_candidates(tree, meta, header)

    _prepare_tree(tree, title_el, anchor)
    paragraphs = _main_paragraphs(tree, url, anchor)
    paragraphs = _clean_paragraphs(_strip_glued_header(paragraphs, title, header), title)
    byline_authors = _byline_authors(header, paragraphs)
    paragraphs = _drop_byline_lines(paragraphs)
    text = "\n\n".join(paragraphs)
    if not paragraphs:
        raise ExtractionError("no main text found")
    size = len(_WHITESPACE_RE.sub("", text))
    if size < MIN_TEXT_CHARS:
        raise ExtractionError(f"main text too short ({size} characters)")

    language = detect_language(f"{title or ''}\n{text}", hint=hint)
    chinese = language in ("zh", "zh-Hant")
    published_at = _published_at(dates, tree, url or canonical_url, chinese)
    authors = _authors(tree, meta, byline_authors, language)
    return Extracted(
        title=title,
        text=text,
        published_at=published_at,
        authors=authors,
        language=language,
        canonical_url=canonical_url,
    )


# --------------------------------------------------------------------------- whitespace

_WHITESPACE_RE = re.compile(r"\s+")
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
# a space next to full-width punctuation is left over from joined lines: "要退休了， 作为"
_PUNCT_SPACE_RE = re.compile(r"\s+(?=[，。！？；：、）》」』】”’])|(?<=[，。！？；：、（《「『【“‘])\s+")


def normalise_space(text: str) -> str:
    """One line: zero-width characters out, ideographic spaces, nbsp, tabs, newlines to one space."""
    text = _ZERO_WIDTH_RE.sub("", text)
    text = _WHITESPACE_RE.sub(" ", text)  # \s covers \u3000, \xa0 and the other Unicode spaces
    return _PUNCT_SPACE_RE.sub("", text).strip()


def _compact(text: str) -> str:
    """Comparison key: no whitespace, no quotes, lower case."""
    return re.sub(r"[\s\"'“”‘’「」『』]+", "", text).lower()


# --------------------------------------------------------------------------- meta tags


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """First non-empty content of each <meta> by lower-cased name/property/itemprop."""
    found: dict[str, str] = {}
    for elem in tree.iter("meta"):
        content = elem.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = elem.get(attr)
            if key:
                found.setdefault(key.strip().lower(), content.strip())
    return found


def _html_lang(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    """The page's declared language: <html lang>, content-language or og:locale."""
    for value in (tree.get("lang"), tree.get("xml:lang"), meta.get("content-language"), meta.get("og:locale")):
        if value and normalise_tag(value):
            return value
    return None


def _json_ld(tree: HtmlElement) -> list[dict]:
    """Objects of the page's JSON-LD blocks, @graph flattened; broken JSON is skipped."""
    objects: list[dict] = []
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return objects


def _canonical_url(tree: HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    """<link rel=canonical> (wins) or og:url, resolved against url; None unless http(s)."""
    candidates = [
        link.get("href", "")
        for link in tree.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    candidates.append(meta.get("og:url", ""))
    for href in candidates:
        href = href.strip()
        if not href:
            continue
        absolute = urljoin(url, href) if url else href
        if absolute.startswith("//"):
            absolute = f"https:{absolute}"
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.netloc:
            return absolute
    return None


# --------------------------------------------------------------------------- title

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
_SENTENCE_END = tuple("。！？!?…")


def _site_names(meta: dict[str, str]) -> set[str]:
    """Names the page gives for its site."""
    keys = ("og:site_name", "application-name", "apple-mobile-web-app-title", "twitter:site", "publisher", "og:article:publisher")
    return {_compact(meta[k].lstrip("@")) for k in keys if meta.get(k)}


def _host_labels(url: str | None) -> set[str]:
    """Host name labels worth matching a site name against: "ednchina" for www.ednchina.com."""
    host = urlsplit(url).hostname if url else None
    if not host:
        return set()
    generic = {"www", "com", "cn", "net", "org", "gov", "edu", "news", "m", "wap", "html"}
    return {label for label in host.lower().split(".") if len(label) >= 3 and label not in generic}


def _known_site(part: str, site_names: set[str], hosts: set[str]) -> bool:
    """Is this title part the site's name (as the page or its host name gives it)?"""
    key = _compact(part)
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
        if not known and (len(part) > _SITE_PART_MAX or part.endswith(_SENTENCE_END)):
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
        if len(name) >= 2 and _compact(title).endswith(name) and len(_compact(title)) > len(name) + _TITLE_MIN:
            cut = title.rstrip()
            # walk back over the name's characters, ignoring spaces/quotes in the title
            remaining = len(name)
            while remaining and cut:
                if _compact(cut[-1]):
                    remaining -= 1
                cut = cut[:-1]
            return cut.rstrip(" _|-–—:：")
    return title


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _title(
    tree: HtmlElement, meta: dict[str, str], url: str | None, anchor: _Anchor | None
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
    stripped_key = _compact(stripped)

    headings = list(tree.iter("h1")) + [h for h in tree.iter(*_HEADINGS[1:3])]
    best: tuple[str, _Element] | None = None
    for heading in headings:
        text = normalise_space(heading.text_content())
        key = _compact(text)
        if len(key) < 4:
            continue
        for ref in references:
            if key in _compact(ref) and len(key) >= _TITLE_KEEP_SHARE * len(stripped_key or _compact(ref)):
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
        if len(_compact(text)) >= 4:
            return text, heading
    return None, None


def _dated_heading(tree: HtmlElement, anchor: _Anchor | None) -> _Element | None:
    """The heading nearest the main text that has a date right under it."""
    if anchor is None:
        return None
    position = {elem: index for index, elem in enumerate(tree.iter())}
    target = position.get(anchor.element, 0)
    found: list[tuple[int, _Element]] = []
    for heading in tree.iter(*_HEADINGS):
        size = len(_compact(heading.text_content()))
        if 8 <= size <= 80 and parse_date(_header_text(tree, heading).partition("\n\n")[0]):
            found.append((abs(position.get(heading, 0) - target), heading))
    return min(found, key=lambda item: item[0])[1] if found else None


def _find_title_element(tree: HtmlElement, title: str) -> _Element | None:
    """The body element whose whole text is the title (for pages without a matching heading)."""
    key = _compact(title)
    body = tree.find(".//body")
    if body is None or not key:
        return None
    for elem in body.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "span", "strong", "b", "td", "font", "div", "a"):
        if elem.tag == "div" and elem.find(".//div") is not None:
            continue
        text = elem.text_content()
        if len(text) <= 2 * len(title) + 20 and _compact(text) == key:
            return elem
    return None


# --------------------------------------------------------------------------- header zone

_SKIP_TEXT_PARENTS = {"script", "style", "noscript", "template"}
_SENTENCE_RE = re.compile(r"[。！？]|[a-z][.!?](?:\s|$)")


def _header_text(tree: HtmlElement, title_el: _Element | None) -> str:
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
        elif not isinstance(block.tag, str) or block.tag in _SKIP_TEXT_PARENTS:
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


# --------------------------------------------------------------------------- dates

_TIME = (
    r"(?:\s*|T|-)(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?"
    r"(?:\.\d+)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[(（]?北京时间[)）]?)?"
)
_DATE_RES = (
    re.compile(either_script(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?(?:" + _TIME + r")?(?!\d)")),
    re.compile(either_script(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?:" + _TIME + r")?(?!\d)")),
)
_DATE_LABEL_RE = re.compile(either_script(r"(?:发布|发表|刊发|出版)?(?:时间|日期)\s*[:：]|发表于|发布于|Published|Posted"))
_EARLIEST_YEAR = 1995


@dataclass
class _Stamp:
    """A date, maybe with a time and a UTC offset, as found on the page."""

    day: date
    time: tuple[int, int, int] | None = None
    tz: str | None = None
    instant: datetime | None = None  # an absolute time (Unix timestamp), shown in local time

    def iso(self, chinese: bool) -> str:
        """ISO-8601: with time and zone when both are known (UTC+8 for Chinese pages)."""
        if self.instant is not None:
            zone = timezone(timedelta(hours=8)) if chinese else timezone.utc
            return self.instant.astimezone(zone).isoformat(timespec="seconds")
        tz = self.tz or (CHINA_TZ if chinese else None)
        if self.time is None or tz is None:
            return self.day.isoformat()
        hour, minute, second = self.time
        return f"{self.day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}{tz}"


def _tz_offset(raw: str | None) -> str | None:
    """"+0800"/"+08:00"/"Z"/"GMT+8"/"北京时间" to "+08:00" form."""
    if not raw:
        return None
    raw = raw.strip("()（） ")
    if raw == "Z":
        return "+00:00"
    if "北京" in raw:  # 北京时间 or 北京時間
        return CHINA_TZ
    match = re.search(r"([+-])\s*(\d{1,2}):?(\d{2})?$", raw)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    if int(hours) > 14:
        return None
    return f"{sign}{int(hours):02d}:{minutes or '00'}"


def parse_date(text: str, latest: date | None = None) -> _Stamp | None:
    """First plausible Chinese/ISO date (with time and zone when given) in text."""
    latest = latest or (date.today() + timedelta(days=1))
    found: list[tuple[int, _Stamp]] = []
    for regex in _DATE_RES:
        for match in regex.finditer(text):
            stamp = _stamp_from_match(match, latest)
            if stamp:
                found.append((match.start(), stamp))
                break
    if not found:
        return None
    return min(found, key=lambda item: item[0])[1]


def _stamp_from_match(match: re.Match, latest: date) -> _Stamp | None:
    """Validate the pieces of one date match."""
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    if not _EARLIEST_YEAR <= day.year or day > latest:
        return None
    if match["H"] is None:
        return _Stamp(day)
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    if match["ampm"] in ("下午", "晚上") and hour < 12:
        hour += 12
    # 00:00:00 is a CMS placeholder for "no time" far more often than a real publication time
    if hour > 23 or minute > 59 or second > 59 or hour == minute == second == 0:
        return _Stamp(day)
    return _Stamp(day, (hour, minute, second), _tz_offset(match["tz"]))


# meta keys naming the publication time, best first
_PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "og:published_time",
    "og:release_date",
    "publishdate",
    "publish_date",
    "publish-date",
    "pubdate",
    "publication_date",
    "publishtime",
    "firstpublishedtime",
    "og:time",
    "apub:time",
    "parsely-pub-date",
    "sailthru.date",
    "citation_publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "date",
    "weibo: article:create_at",
)
# last resort: the page says when it changed, not when it was published
_UPDATED_KEYS = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dateupdate",
    "lastmodifiedtime",
    "weibo: article:update_at",
    "last-modified",
)


@dataclass
class _DateCandidates:
    """Dates found on the page, from the most to the least trusted source."""

    meta: _Stamp | None  # publication meta tags, JSON-LD, <time pubdate>
    header: _Stamp | None  # the line next to the headline
    labelled: _Stamp | None  # "发布时间：…" anywhere in the page
    script: _Stamp | None  # a publication time in an inline script
    updated: _Stamp | None  # modification meta tags: when nothing else is known

    def best(self) -> _Stamp | None:
        ranked = [s for s in (self.meta, self.header, self.labelled, self.script, self.updated) if s]
        if not ranked:
            return None
        best = ranked[0]
        if best.time is None:
            # the same day with a time from a less trusted source is more precise, not less right
            for other in ranked[1:]:
                if other.day == best.day and other.time is not None:
                    return other
        return best


def _meta_stamp(meta: dict[str, str], keys: tuple[str, ...], extra: list[str] = ()) -> _Stamp | None:
    for value in [meta[k.strip()] for k in keys if meta.get(k.strip())] + list(extra):
        stamp = parse_date(value)
        if stamp:
            return stamp
    return None


def _date_candidates(tree: HtmlElement, meta: dict[str, str], header: str) -> _DateCandidates:
    """Dates from meta tags, JSON-LD, <time>, the headline's neighbourhood and labelled lines."""
    # some sites write "og:time " with a trailing space: keys were stripped when collected
    ld = _json_ld(tree)
    ld_published = [str(o["datePublished"]) for o in ld if o.get("datePublished")]
    ld_modified = [str(o["dateModified"]) for o in ld if o.get("dateModified")]
    times = [
        t.get("datetime", "")
        for t in tree.iter("time")
        if t.get("datetime") and (t.get("itemprop") == "datePublished" or t.get("pubdate") is not None)
    ]
    published = _meta_stamp(meta, _PUBLISHED_KEYS, ld_published + times)
    after, _, before = header.partition("\n\n")
    near = _labelled_date(after) or _labelled_date(before) or parse_date(after) or parse_date(before)
    labelled = None
    if near is None:
        body = tree.find(".//body")
        if body is not None:
            texts = body.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
            labelled = _labelled_date(" ".join(texts[:3000]))
    return _DateCandidates(published, near, labelled, _script_stamp(tree), _meta_stamp(meta, _UPDATED_KEYS, ld_modified))


# publication time in page scripts: WeChat's `var ct = "1581517074"` (Unix time), Toutiao's
# `publish_time: '2019-09-08 11:42:03'`
_SCRIPT_TIME_RE = re.compile(
    r"""\b(?:var\s+)?(?:ct|publish_?time|pub_?time|publishTime|pubTime|pubDate)\s*[=:]\s*["']?(1\d{9})\b"""
    r"""|\b(?:publish_?time|pub_?time|publishTime|pubTime|pubDate|datePublished)["']?\s*[=:]\s*["'](\d{4}[^"']{5,25})["']"""
)


def _script_stamp(tree: HtmlElement) -> _Stamp | None:
    """Publication time given in an inline script, as a Unix timestamp or a date string."""
    for script in tree.iter("script"):
        if script.get("src") or not script.text:
            continue
        match = _SCRIPT_TIME_RE.search(script.text)
        if not match:
            continue
        if match[2]:
            stamp = parse_date(match[2])
            if stamp:
                return stamp
            continue
        moment = datetime.fromtimestamp(int(match[1]), tz=timezone.utc)
        if _EARLIEST_YEAR <= moment.year and moment.date() <= date.today() + timedelta(days=1):
            return _Stamp(moment.date(), (moment.hour, moment.minute, moment.second), "+00:00", moment)
    return None


def _labelled_date(text: str) -> _Stamp | None:
    """A date right after a "发布时间：" style label."""
    for label in _DATE_LABEL_RE.finditer(text):
        stamp = parse_date(text[label.end() : label.end() + 40])
        if stamp:
            return stamp
    return None


def _published_at(dates: _DateCandidates, tree: HtmlElement, url: str | None, chinese: bool) -> str | None:
    """Best date: publication meta, the line by the headline, a labelled date, a script
    variable, an update stamp, and last htmldate (which also reads dates in the URL)."""
    best = dates.best()
    if best:
        return best.iso(chinese)
    try:
        found = find_date(tree, url=url, extensive_search=False, original_date=True)
    except Exception as err:  # htmldate is defensive, but a date is not worth a crash
        logger.debug("htmldate failed on %s: %s", url, err)
        return None
    return found or None


# --------------------------------------------------------------------------- tree preparation

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
_TEXT_BLOCKS = frozenset(
    {"p", "div", "section", "td", "li", "article", "blockquote", "pre", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "center"}
)
_PROSE_RE = re.compile(r"[，。！？；]|[a-z],\s|[a-z]\.\s")
# text without sentence punctuation (menus, link lists) counts this much
_LIST_WEIGHT = 0.2


@dataclass
class _Anchor:
    """The element that holds most of the prose, and how much prose that is."""

    element: _Element
    prose: int


def _main_anchor(tree: HtmlElement) -> _Anchor | None:
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
        while host is not None and host.tag not in _TEXT_BLOCKS:
            if host.tag in _SKIP_TEXT_PARENTS:
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
    return _Anchor(best, prose.get(best, 0))


def _prepare_tree(tree: HtmlElement, title_el: _Element | None, anchor: _Anchor | None) -> None:
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


# --------------------------------------------------------------------------- main text

_BLOCK_TAGS = frozenset({"p", "head", "quote", "code", "item", "list", "table", "row", "cell", "div", "graphic", "note"})
# <code> is a block at the top level, inline code inside a paragraph
_INLINE_PARENTS = frozenset({"p", "item", "cell", "head", "hi", "ref"})


def _is_block(elem: _Element) -> bool:
    if elem.tag == "code":
        parent = elem.getparent()
        return parent is None or parent.tag not in _INLINE_PARENTS
    return elem.tag in _BLOCK_TAGS


def _main_paragraphs(tree: HtmlElement, url: str | None, anchor: _Anchor | None) -> list[str]:
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
            if not any(d.tag in _TEXT_BLOCKS for d in section.iterdescendants()):
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
    return _WHITESPACE_RE.sub("", "".join(body.itertext()))


def _failed(body: _Element | None, anchor: _Anchor) -> bool:
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


# --------------------------------------------------------------------------- paragraph cleaning

# a paragraph that starts like this ends the article: what follows is page furniture
_STOP_RE = re.compile(either_script(
    r"^[\[【(（]?\s*(?:责任编辑|责编|编辑|主编|审核|审校|校对|值班编辑|免责声明|特别声明|版权声明|声明)\s*[:：/|｜]"
    r"|^[\[【(（]?(?:责任编辑|责编|编辑)[ \t]+[^\s)）\]】]{1,8}(?:[ \t]+(?:校对|审核)[ \t]+[^\s)）\]】]{1,8})?[)）\]】]?$"
    r"|^(?:相关阅读|相关新闻|相关文章|相关报道|相关推荐|相关链接|相关专题|相关搜索|相关资讯|延伸阅读|推荐阅读|热门推荐|"
    r"热门文章|热点推荐|热门搜索|猜你喜欢|为你推荐|精彩推荐|更多精彩|大家都在看|往期回顾|往期推荐|今日推荐|热门评论|"
    r"最新评论|网友评论|我要评论|发表评论|评论|分享到|分享|上一篇|下一篇|返回顶部|"
    r"Related|Related Articles|Read more|More from|Share this)\s*[:：>»]*\s*(?:[(（]?\d*[)）]?)$"
    r"|^相关(?:阅读|新闻|文章|报道|资讯|链接)\s*(?:请关注)?\s*[:：]|^关键词\s*[:：>]|^地\s*址\s*[:：]|^邮政编码|^邮\s*编\s*[:：]"
    r"|转载请注明|转发请注明|本文链接\s*[:：]|本文仅代表作者|仅代表作者(?:本人|个人)?观点"),
    re.I,
)
# a short paragraph holding one of these is copyright/footer or app-promotion text
_FOOTER_RE = re.compile(either_script(
    r"版权所有|Copyright|©|All Rights Reserved|ICP备|未经授权不得转载|违法和不良信息举报|意见反馈|"
    r"(?:扫描|扫码|扫一扫|长按|识别).{0,15}(?:二维码|关注|下载)|关注.{0,20}(?:公众号|官方微信|微信号|官方微博)|"
    r"下载.{0,12}(?:客户端|APP)|客户端.{0,20}下载|【(?:点击投票|下载地址|点击下载)】|粉丝福利|^\S{0,10}公众号$"),
    re.I,
)
_FOOTER_MAX = 120
# "原标题：<the headline>" repeats the title (a different original title is kept)
_ORIGINAL_TITLE_RE = re.compile(either_script(r"^[（(]?原标题[:：]|[)）]$"))
# paragraphs that are buttons, share prompts, reactions or relative times, wherever they stand
_JUNK_RE = re.compile(either_script(
    r"^(?:字号|打印|收藏|已收藏!?|知道了|点赞|在看|分享|微信|微博|QQ空间|朋友圈|A\+|A-|大|中|小|【?字体[:：].*|"
    r"原创|举报|关注|取消|确认|加载中.*|加载更多|查看更多|展开全文|阅读全文|点击查看.*|点击进入专题.*|"
    r"点击.{0,6}阅读原文|阅读原文|设为首页.*|添加收藏夹.*|加入收藏.*|"
    r"好文|钦佩|喜欢|泪奔|可爱|思考|赞|踩|\d+|\d*\s*/\s*\d+|"
    r"昨天|今天|刚刚|\d+\s*(?:秒|分钟|小时|天)前|"
    r"(?:【[^】]{1,6}】\s*)+|(?:当前|现在|您的|您所在的|所在)?位置\s*[:：].{0,60}|.*[【\[]详细[】\]]|感谢您的反馈.*|图片均?来自网络|图片来源于网络|(?:微信)?扫一扫.{0,20}|关注该公众号|.{0,10}公众号)$"
))
# trailing link text glued to the last line: "返回腾讯网首页>>", "返回搜狐，查看更多"
_TRAILER_RE = re.compile(either_script(
    r"\s*返回[^，。！？]{1,12}(?:首页\s*(?:>>|»)?|[，,]\s*查看更多)\s*$"
    r"|\s*[(（][^()（）]{0,40}(?:下载|客户端|APP|扫码|关注)[^()（）]{0,30}[)）]\s*$"
    r"|(?<=[。！？!?…）)」”])\s*(?:责任编辑|责编|编辑)\s*[:：|｜]\s*\S{1,8}$"
))
# image captions and credits left as their own paragraph
_CAPTION_RE = re.compile(either_script(
    r"^(?:[▲△↑▼]|图为|图\s*[:：]|图片来自|图片来源|（图片来源|\(图片来源|（点击.{0,8}大图）|资料图)"
    r"|(?:摄|供图|截图|视觉中国|视觉中国\s*资料|资料图|IC photo|东方IC|图片来源于网络|图源网络)\s*[)）]?[。.]?$"
))
_CAPTION_MAX = 60
# "来源：澎湃新闻" or "2019-09-24 09:10 来源：澎湃新闻" lines above the text
_INFO_LINE_RE = re.compile(either_script(r"^(?:来源|作者|编辑|发布时间|发布日期|时间|日期|稿源)\s*[:：]\s*\S{0,20}$"))
_INFO_WORDS_RE = re.compile(either_script(r"来源|作者|发布|编辑|时间|日期|浏览|阅读|字号|点击"))
_HEADER_LINES = 5
_NAV_LINES = 30
# the headline this far into the first paragraph means the page header was glued to the text
_GLUED_TITLE_MAX_START = 60
_GLUED_LINE_MAX = 30
# a byline-only line ("《棱镜》作者 周纯") is looked for among the first lines and the last ones
_BYLINE_LINES = 6
_NAV_LINE_MAX = 30
_HEADER_LINE_MAX = 40
# stop markers this early are a stray widget, not the end of the article
_STOP_MIN_BEFORE = 150
_STOP_MIN_SHARE = 0.3


def _clean_paragraphs(paragraphs: list[str], title: str | None) -> list[str]:
    """Drop the headline, the date/source lines above the text, buttons, captions, duplicates
    and the page furniture after the article (from "责任编辑：", "相关阅读", a copyright or
    QR-code line on)."""
    paragraphs = _drop_header_lines(paragraphs, title)
    title_key = _compact(title or "")
    total = sum(len(p) for p in paragraphs)
    kept: list[str] = []
    seen: set[str] = set()
    before = 0
    for para in paragraphs:
        para = _TRAILER_RE.sub("", para)
        if not para:
            continue
        furniture = bool(_STOP_RE.search(para)) or (len(para) < _FOOTER_MAX and bool(_FOOTER_RE.search(para)))
        if furniture and (before >= _STOP_MIN_BEFORE or before >= _STOP_MIN_SHARE * total):
            break
        if furniture or _JUNK_RE.match(para) or (title_key and _ORIGINAL_TITLE_RE.sub("", _compact(para)) == title_key):
            continue
        if len(para) <= _CAPTION_MAX and _CAPTION_RE.search(para):
            continue
        key = _compact(para)
        if _dedupable(para) and key in seen:
            continue
        seen.add(key)
        kept.append(para)
        before += len(para)
    # "发布时间：2023-10-17 浏览次数：120" left under the text
    while kept and len(kept[-1]) <= _HEADER_LINE_MAX and parse_date(kept[-1]) and _INFO_WORDS_RE.search(kept[-1]):
        kept.pop()
    return kept


def _strip_glued_header(paragraphs: list[str], title: str | None, header: str) -> list[str]:
    """A first paragraph that runs site name, headline, date and byline into the text (what
    trafilatura's fallback gives for a cut-off <article>) loses everything up to the text."""
    if not paragraphs or not title:
        return paragraphs
    first = paragraphs[0]
    position = first.find(title)
    if position < 0 or position > _GLUED_TITLE_MAX_START or len(first) == len(title) + position:
        return paragraphs
    rest = first[position + len(title) :].lstrip()
    for line in header.partition("\n\n")[0].split("\n"):
        if line and len(line) <= _GLUED_LINE_MAX and rest.startswith(line):
            rest = rest[len(line) :].lstrip()
    return ([rest] if rest else []) + paragraphs[1:]


def _dedupable(para: str) -> bool:
    """Prose repeated (a summary above the text, a title below it) is dropped; code lines and
    short lines may repeat legitimately."""
    return len(HAN_RE.findall(para)) >= 10 or (len(para) >= 60 and para.endswith((".", "!", "?", "。", "！", "？")))


def _drop_header_lines(paragraphs: list[str], title: str | None) -> list[str]:
    """Remove the headline and the short byline/date/source lines that precede the text."""
    title_key = _compact(title or "")
    # a page dump starts with menus and breadcrumbs: cut through the headline line
    for index, para in enumerate(paragraphs[:_NAV_LINES]):
        if title_key and _compact(para) in (title_key, f"原创{title_key}"):
            if all(len(p) <= _NAV_LINE_MAX for p in paragraphs[:index]):
                paragraphs = paragraphs[index + 1 :]
            break
    head = paragraphs[:_HEADER_LINES]
    # the last short line carrying a date ends the header block: "石佳/中国青年报", "2019-09-24 09:10"
    cut = 0
    for index, para in enumerate(head):
        if len(para) > _HEADER_LINE_MAX or para.endswith(_SENTENCE_END):
            break
        if parse_date(para) and (len(para) < 30 or _INFO_WORDS_RE.search(para)):
            cut = index + 1
    rest = paragraphs[cut:]
    out: list[str] = []
    for index, para in enumerate(rest):
        if index < _HEADER_LINES and not out:
            key = _compact(para)
            if title_key and key in (title_key, f"原创{title_key}"):
                continue
            if _INFO_LINE_RE.match(para):
                continue
        out.append(para)
    return out


def _drop_byline_lines(paragraphs: list[str]) -> list[str]:
    """Remove lines that are only a byline ("澎湃新闻记者 段彦超 廖艳", "采写：南都记者 余毅菁")
    at the start or end of the text: the names are in Extracted.authors."""
    def byline_only(para: str) -> bool:
        if len(para) > 40:
            return False
        match = _BYLINE_RE.search(para)
        return (
            bool(match)
            and bool(re.fullmatch(r"[（(【\[]?\s*(?:《[^》]{1,12}》)?\s*(?:(?:文|图|文/图)\s*/)?\s*", para[: match.start()]))
            and not para[match.end() :].strip("）)】] ")
        )

    head = [p for p in paragraphs[:_BYLINE_LINES] if not byline_only(p)]
    tail = paragraphs[_BYLINE_LINES:]
    while tail and len(tail) > len(paragraphs) - _BYLINE_LINES - 2 and byline_only(tail[-1]):
        tail.pop()
    return head + tail


# --------------------------------------------------------------------------- authors

# Who counts as an author: the people who wrote or reported the article (作者, 文/, 记者,
# 通讯员, 撰文, 执笔, 采写, 编译). A 责任编辑/编辑/责编 is the desk editor who approved and
# published the piece, not its author: editors are never returned. Organisations in author
# fields (网易, 新京报, "XX网") are sources, not authors, and are dropped too.
# keys that need a separator after them ("文/王文", "作者：魏星", "By Jane Doe")
_BYLINE_KEY = r"(?:文/图|图/文|撰文|撰稿|执笔|采写|编译|整理|作者|文|By|by|BY)\s*[:：/｜|]\s*|(?:By|by|BY)\s+"
# reporter keys, maybe after the outlet ("澎湃新闻记者 段彦超", "（记者陈智 整合）")
_REPORTER_KEY = rf"[{HAN_CLASS}]{{0,8}}?(?:特约记者|见习记者|实习记者|首席记者|记者|通讯员|专栏作者|作者)\s*[:：/]?\s*"
_HAN_NAME = rf"[{HAN_CLASS}]{{2,4}}(?:·[{HAN_CLASS}]{{1,6}})?"
_LATIN_NAME = r"[A-Z][A-Za-z'\-]+(?:[ \t]+[A-Z]\.)?(?:[ \t]+[A-Z][A-Za-z'\-]+){1,2}"
_NAME = rf"(?:{_LATIN_NAME}|{_HAN_NAME})"
# names of one byline stay on one line: a newline ends the list
_NAME_SEP = r"(?:[ \t]*[、，,&;；][ \t]*|[ \t]*(?:和|及|与)[ \t]*|[ \t]+and[ \t]+|[ \t]+)"
_NAME_END = r"(?=$|[\s、，,;；&/／|｜）)】\]。.]|报道|报导|摄|发自|整合|综合|编辑|对此)"
_NAME_RE = re.compile(_NAME)
_BYLINE_RE = re.compile(either_script(
    rf"(?:^|(?<=[\s（(【\[｜|：:，,/》”]))(?:{_BYLINE_KEY}|{_REPORTER_KEY})"
    rf"(?P<names>{_NAME}(?:{_NAME_SEP}{_NAME})*){_NAME_END}"),
    re.M,
)
# 2-4 Han characters that follow 记者 in running text but are not names (compared folded: any script)
_NOT_NAMES = frozenset(
    fold(word)
    for word in
    """
    整合 综合 报道 摄影 编辑 通讯员 实习生 发自 获悉 了解 了解到 注意到 发现 采访 调查 来源 供稿 联合 发布 表示
    看到 走访 梳理 统计 查询 致电 询问 咨询 联系 观察 测试 体验 未知 佚名 匿名 本站 本报 本网 原创 网友 小编
    管理员 系统管理员 编者 记者 作者 整理 编译 图片 视频 新闻 消息 讯 电
    网络 网络整理 综合整理 互联网 转载 不详 网络转载 网友供稿
    """.split()
)
# "南都记者" is an outlet's reporter, not a name
_TITLE_WORDS = tuple(fold(word) for word in ("记者", "作者", "编辑", "通讯员", "主编", "评论员"))
_ORG_RE = re.compile(either_script(
    r"(?:网|报|社|台|新闻|频道|中心|客户端|官方|日报|晚报|早报|周刊|杂志|科技|财经|传媒|媒体|集团|公司|部|局|委|办|"
    r"综合|号|消息|版权所有)$|网易|新浪|腾讯|搜狐|凤凰|澎湃|百度|头条|微信|公众号|企鹅号|百家号"
))
_JUNK_AUTHOR_RE = re.compile(either_script(r"\d|@|https?:|www\.|\.com|授权|声明|来源|时间|关注|复制|链接|编辑|责编|Email|^Name$|admin|未知|佚名|匿名"), re.I)


def _names_in(text: str, strict: bool) -> list[str]:
    """Person names in byline phrases of text."""
    names: list[str] = []
    for match in _BYLINE_RE.finditer(text):
        for name in _NAME_RE.findall(match["names"]):
            name = name.strip()
            if name and fold(name) not in _NOT_NAMES and not fold(name).endswith(_TITLE_WORDS) and _plausible_author(name):
                names.append(name)
        if strict and names:
            break
    return names


def _byline_authors(header: str, paragraphs: list[str]) -> list[str]:
    """Names from the byline near the headline, a "（记者 X）" lead or a byline-only line."""
    names = _names_in(header.partition("\n\n")[0][:HEADER_AFTER_CHARS], strict=True)
    if names:
        return names
    for para in paragraphs[:2]:
        for bracket in re.findall(r"[（(【\[]([^）)】\]]{2,40})[）)】\]]", para[:200]):
            names = _names_in(bracket, strict=True)
            if names:
                return names
    for para in paragraphs[:_BYLINE_LINES] + paragraphs[-3:]:
        if len(para) <= 40:
            names = _names_in(para, strict=True)
            if names:
                return names
    return []


def _plausible_author(name: str) -> bool:
    """A person's name, not an outlet, an editor label or form junk."""
    name = name.strip()
    if not name or len(name) > 40 or _JUNK_AUTHOR_RE.search(name) or _ORG_RE.search(name):
        return False
    if HAN_RE.search(name):
        return 2 <= len(name.replace("·", "")) <= 8 and " " not in name
    # bylines found in text are capitalised by their pattern; meta tags may hold a handle
    return len(name.split()) <= 4 and len(name) >= 2


def _split_authors(value: str) -> list[str]:
    """"A; B", "A, B", "A and B", "甲、乙", "甲 乙" into names."""
    parts = re.split(r"\s*(?:;|；|,|，|、|&|\band\b|/|\|)\s*", value)
    out: list[str] = []
    for part in parts:
        part = normalise_space(part)
        han_words = part.split(" ")
        if len(han_words) > 1 and all(re.fullmatch(_HAN_NAME, w) for w in han_words):
            out.extend(han_words)
        elif part:
            out.append(part)
    return out


def _authors(tree: HtmlElement, meta: dict[str, str], byline: list[str], language: str) -> list[str]:
    """Byline names, else person names from meta tags and JSON-LD, else (English pages)
    trafilatura's search of byline elements."""
    candidates = list(byline)
    if not candidates:
        values = [meta[k] for k in ("author", "article:author", "og:article:author", "dc.creator", "byl", "parsely-author") if meta.get(k)]
        for obj in _json_ld(tree):
            author = obj.get("author")
            for item in author if isinstance(author, list) else [author]:
                if isinstance(item, dict) and item.get("@type", "Person") == "Person" and item.get("name"):
                    values.append(str(item["name"]))
                elif isinstance(item, str):
                    values.append(item)
        for value in values:
            if value.startswith(("http://", "https://")):
                continue
            candidates.extend(re.sub(r"^(?:By|by|BY)\s+", "", a) for a in _split_authors(value))
    if not candidates and language not in ("zh", "zh-Hant"):
        try:
            from trafilatura.metadata import extract_author

            found = extract_author(tree)
        except Exception as err:  # an author is not worth a crash
            logger.debug("trafilatura author search failed: %s", err)
            found = None
        if found:
            candidates.extend(_split_authors(found))
    authors: list[str] = []
    for name in candidates:
        name = normalise_space(name).strip("：:，, ")
        if _plausible_author(name) and name not in authors:
            authors.append(name)
    return authors
