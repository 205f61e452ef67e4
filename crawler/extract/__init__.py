"""Main text and metadata of one news page: `extract(html, url)`.

trafilatura does the extraction. This package parses the page once, reads the metadata itself,
prepares the tree for trafilatura (drops Chinese-site boilerplate containers it does not know,
image captions, and un-hides text that scripts reveal) and then repairs what trafilatura gets
wrong on Chinese pages: titles with a site-name suffix, dates in Chinese formats and the UTC+8
zone, Chinese bylines, boilerplate paragraphs around the text, and odd whitespace.

One module per stage, in the order `extract` runs them (trafilatura's own cut: metadata, html
processing, extraction): wrapper.py (a crawler's wrapper element cut off), meta.py (meta tags, language, canonical URL), titles.py (the headline),
header.py (the lines by the headline), dates.py, pruning.py (boilerplate containers and captions
out of the tree), maintext.py (the trafilatura adapter), paragraphs.py (cleaning), bylines.py
(authors), whitespace.py (spaces and comparison keys). Chinese patterns are written once in
Simplified and take both scripts (core.script.either_script).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from trafilatura.utils import load_html

from core.language import detect_language
from crawler.extract.bylines import find_authors, find_byline_authors
from crawler.extract.dates import date_candidates, publication_date
from crawler.extract.header import header_text
from crawler.extract.maintext import main_paragraphs
from crawler.extract.meta import find_canonical_url, html_lang, meta_tags
from crawler.extract.paragraphs import clean_paragraphs, drop_byline_lines, strip_glued_header
from crawler.extract.pruning import main_anchor, prepare_tree
from crawler.extract.titles import find_title
from crawler.extract.whitespace import WHITESPACE_RE
from crawler.extract.wrapper import unwrap_document

logger = logging.getLogger(__name__)

# a page whose main text has fewer non-space characters than this is not an article
MIN_TEXT_CHARS = 50


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
    html = unwrap_document(html)
    try:
        tree = load_html(html)
    except (TypeError, ValueError) as err:
        raise ExtractionError(f"unparsable document: {err}") from err
    if tree is None or tree.find(".//body") is None and len(tree) == 0:
        raise ExtractionError("empty document")

    meta = meta_tags(tree)
    hint = html_lang(tree, meta)
    anchor = main_anchor(tree)
    title, title_el = find_title(tree, meta, url, anchor)
    header = header_text(tree, title_el)
    canonical_url = find_canonical_url(tree, meta, url)
    dates = date_candidates(tree, meta, header)

    prepare_tree(tree, title_el, anchor)
    paragraphs = main_paragraphs(tree, url, anchor)
    paragraphs = clean_paragraphs(strip_glued_header(paragraphs, title, header), title)
    byline_authors = find_byline_authors(header, paragraphs)
    paragraphs = drop_byline_lines(paragraphs)
    text = "\n\n".join(paragraphs)
    if not paragraphs:
        raise ExtractionError("no main text found")
    size = len(WHITESPACE_RE.sub("", text))
    if size < MIN_TEXT_CHARS:
        raise ExtractionError(f"main text too short ({size} characters)")

    language = detect_language(f"{title or ''}\n{text}", hint=hint)
    chinese = language in ("zh", "zh-Hant")
    published_at = publication_date(dates, tree, url or canonical_url, chinese)
    authors = find_authors(tree, meta, byline_authors, language)
    return Extracted(
        title=title,
        text=text,
        published_at=published_at,
        authors=authors,
        language=language,
        canonical_url=canonical_url,
    )


