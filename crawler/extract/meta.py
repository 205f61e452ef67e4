"""What the page says about itself: meta tags, its declared language, JSON-LD objects, its canonical URL."""

from __future__ import annotations

import json
import logging
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from core.language import normalise_tag

logger = logging.getLogger(__name__)

def meta_tags(tree: HtmlElement) -> dict[str, str]:
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


def html_lang(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    """The page's declared language: <html lang>, content-language or og:locale."""
    for value in (tree.get("lang"), tree.get("xml:lang"), meta.get("content-language"), meta.get("og:locale")):
        if value and normalise_tag(value):
            return value
    return None


def json_ld(tree: HtmlElement) -> list[dict]:
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


def find_canonical_url(tree: HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
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
