"""How often page bytes decode back to the exact original text: chipwatch vs Scrapy's own decoding.

Run by hand:  .venv/bin/python eval/encoding.py [../shared/data/pages/zh-gne]

The real pages in shared/ were saved as UTF-8. Each one is turned back into the bytes a Chinese
site would send: its charset declarations removed, re-encoded as GBK (or Big5 after converting
the text to Traditional; characters the codec lacks become &#...; references), and served under several declarations: none, the right one, a wrong
HTTP header (utf-8), a wrong <meta> (the other Chinese charset). A decode counts as correct only
when it gives back exactly the original text. The baseline is what a plain Scrapy spider gets
from `TextResponse.text` (w3lib's html_to_unicode) for the same bytes and headers.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

from opencc import OpenCC
from scrapy.http import HtmlResponse

from crawler.encoding import decode_html

DEFAULT_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pages" / "zh-gne"
DECLARATION = re.compile(r"<meta[^>]+charset[^>]*>|<\?xml[^>]*\?>", re.IGNORECASE)
TO_TRADITIONAL = OpenCC("s2t")


def scenarios(text: str) -> list[tuple[str, bytes, str, str]]:
    """(name, bytes, Content-Type header, expected text) for one page, its declarations stripped."""
    simplified = DECLARATION.sub("", text)
    cases = []
    # Taiwan's Big5 in practice is Microsoft's cp950; its few punctuation marks differ from Python's strict "big5".
    for codec, other, source in (("gbk", "big5", simplified), ("cp950", "gbk", TO_TRADITIONAL.convert(simplified))):
        # A character the codec cannot hold goes out as a character reference, as real sites do.
        body = source.encode(codec, errors="xmlcharrefreplace")
        source = body.decode(codec)
        cases += [
            (f"{codec}: no declaration", body, "text/html", source),
            (f"{codec}: right header", body, f"text/html; charset={codec.replace('cp950', 'big5')}", source),
            (f"{codec}: header says utf-8", body, "text/html; charset=utf-8", source),
            (f"{codec}: meta says {other}", f'<meta charset="{other}">'.encode() + body, "text/html", source),
        ]
    return cases


def main(pages_dir: Path) -> None:
    ours, scrapy_ok, total = Counter(), Counter(), Counter()
    ours_time = scrapy_time = 0.0
    files = sorted(pages_dir.glob("*.html"))
    for path in files:
        for name, body, header, expected in scenarios(path.read_text(encoding="utf-8")):
            started = time.perf_counter()
            got = decode_html(body, header).text
            ours_time += time.perf_counter() - started
            started = time.perf_counter()
            baseline = HtmlResponse(url="http://example.com/", body=body, headers={"Content-Type": header}).text
            scrapy_time += time.perf_counter() - started
            total[name] += 1
            ours[name] += got.endswith(expected)
            scrapy_ok[name] += baseline.endswith(expected)
    print(f"{len(files)} pages from {pages_dir}")
    print(f"{'scenario':34} {'pages':>5} {'chipwatch':>10} {'scrapy':>8}")
    for name in sorted(total):
        print(f"{name:34} {total[name]:5} {ours[name]:10} {scrapy_ok[name]:8}")
    n = sum(total.values())
    print(f"{'all':34} {n:5} {sum(ours.values()):10} {sum(scrapy_ok.values()):8}")
    print(f"exact decodes: chipwatch {sum(ours.values()) / n:.1%}, scrapy {sum(scrapy_ok.values()) / n:.1%}")
    print(f"time per decode: chipwatch {ours_time / n * 1000:.2f} ms, scrapy {scrapy_time / n * 1000:.2f} ms")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PAGES)
