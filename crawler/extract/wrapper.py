"""Pages saved by crawlers inside a wrapper element: `<text id=… title=…>` then the whole `<html>` document.

An HTML parser puts such a wrapper in the body and the real document's head and body inside it:
the page's `<head>` is lost, scripts and meta tags land in the body, and the main-text search
sees one element holding everything ("no main text found"). The wrapper is cut off before
parsing when a full document (doctype, `<html>`, `<head>` or `<?xml`) follows its start tag.
"""

from __future__ import annotations

import re

# The wrapper's start tag (after any comments), then the document. Known wrapper names only: a
# page that starts with <div> or <p> is a fragment, not a wrapped document.
_WRAPPER_START = re.compile(
    r"\A(?P<lead>\s*(?:<!--.*?-->\s*)*)<(?P<name>text|doc|document|page|record)\b[^>]*>"
    r"(?=\s*(?:<!--.*?-->\s*)*<(?:!doctype|html|head|\?xml)\b)",
    re.IGNORECASE | re.DOTALL,
)


def unwrap_document(html: str) -> str:
    """The document without a crawler's wrapper element around it; any other page unchanged."""
    match = _WRAPPER_START.match(html[:4096])
    if match is None:
        return html
    rest = html[match.end() :]
    closing = re.compile(rf"</{match['name']}\s*>\s*\Z", re.IGNORECASE)
    return match["lead"] + closing.sub("", rest)
