"""Main-text and metadata extraction on real Chinese news pages: chipwatch vs bare trafilatura and readability-lxml.

Run by hand:  .venv/bin/python eval/extraction.py [../shared/data/pages/zh-gne] [--text]
(readability-lxml is an evaluation-only dependency: `.venv/bin/pip install readability-lxml`.)

All three read the same text: the page's bytes decoded once by crawler.encoding.decode_html, so
the comparison is of extraction, not of decoding. Date accuracy is the share of pages whose
publication day matches eval/extraction_gold.toml (days read on the pages); readability-lxml
gives no date. "wrapped" re-runs ours on every page inside a crawler's `<text id=… title=…>`
wrapper and counts the pages whose title, text and date stay the same.

The 62 pages in shared/data/pages/zh-gne have no gold text, so quality is judged two ways:
- automatic flags per page: no title, no date, boilerplate markers left in the text
  (责任编辑, 版权所有, 相关阅读, 扫码, Copyright, 上一篇/下一篇, ...), and a text that is short
  against the page's visible text. The same flags are counted for bare
  `trafilatura.bare_extraction(html, with_metadata=True)` with its default options.
- reading: eval/extraction_verdicts.toml holds a person's verdicts on a sample of pages
  (title/date/text right or not, read against the HTML); this script prints their summary.
Timings are per page after one warm-up page, on one core; both sides parse the HTML themselves.
--text also prints the first and last 60 characters of every text.
"""

from __future__ import annotations

import argparse
import re
import time
import tomllib
from collections import Counter
from pathlib import Path

import trafilatura
from lxml import html as lxml_html

from crawler.encoding import decode_html
from crawler.extract import ExtractionError, extract
from crawler.extract import maintext

try:
    from readability import Document as ReadabilityDocument
except ImportError:  # evaluation-only dependency
    ReadabilityDocument = None

DEFAULT_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pages" / "zh-gne"
VERDICTS = Path(__file__).resolve().parent / "extraction_verdicts.toml"
GOLD = Path(__file__).resolve().parent / "extraction_gold.toml"

BOILERPLATE_MARKERS = (
    "责任编辑", "责编", "版权所有", "版权声明", "免责声明", "相关阅读", "相关新闻", "相关文章", "热门推荐",
    "推荐阅读", "扫码", "扫一扫", "二维码", "Copyright", "©", "上一篇", "下一篇", "分享到", "我要评论",
    "跟贴", "返回首页",
)
# our text below this share of the page's visible text, or below this many characters, is "short"
SHORT_SHARE = 0.08
SHORT_CHARS = 150


def visible_chars(page: str) -> int:
    """Non-space characters of the page's visible text (scripts and styles left out)."""
    tree = lxml_html.fromstring(page)
    for junk in tree.xpath("//script|//style|//noscript"):
        junk.drop_tree()
    return len(re.sub(r"\s+", "", tree.text_content()))


def flags(title: str | None, date: str | None, text: str, visible: int) -> list[str]:
    """The automatic flags for one result."""
    found = []
    if not title:
        found.append("no-title")
    if not date:
        found.append("no-date")
    markers = [m for m in BOILERPLATE_MARKERS if m.lower() in text.lower()]
    if markers:
        found.append("boilerplate:" + "/".join(markers))
    size = len(re.sub(r"\s+", "", text))
    if size < SHORT_CHARS or size < SHORT_SHARE * visible:
        found.append(f"short:{size}/{visible}")
    return found


def run_ours(page: str) -> tuple[float, dict]:
    started = time.perf_counter()
    try:
        result = extract(page)
        out = {"title": result.title, "date": result.published_at, "authors": result.authors, "text": result.text}
    except ExtractionError as err:
        out = {"title": None, "date": None, "authors": [], "text": "", "error": str(err)}
    return (time.perf_counter() - started) * 1000, out


def run_bare(page: str) -> tuple[float, dict]:
    started = time.perf_counter()
    doc = trafilatura.bare_extraction(page, with_metadata=True)
    elapsed = (time.perf_counter() - started) * 1000
    if doc is None:
        return elapsed, {"title": None, "date": None, "authors": [], "text": ""}
    return elapsed, {"title": doc.title, "date": doc.date, "authors": [doc.author] if doc.author else [], "text": doc.text or ""}


def run_readability(page: str) -> tuple[float, dict]:
    started = time.perf_counter()
    try:
        doc = ReadabilityDocument(page)
        summary = lxml_html.fromstring(doc.summary(html_partial=True))
        paragraphs = [re.sub(r"\s+", " ", t).strip() for t in summary.xpath("//text()")]
        out = {"title": doc.short_title() or None, "date": None, "authors": [], "text": "\n\n".join(p for p in paragraphs if p)}
    except Exception as err:  # readability raises on pages it cannot summarise
        out = {"title": None, "date": None, "authors": [], "text": "", "error": str(err)}
    return (time.perf_counter() - started) * 1000, out


def wrapped(page: str, title: str | None) -> str:
    return f'<text id="{len(page)}" title="{title or ""}">\n{page}\n</text>'


def ends(text: str) -> str:
    flat = text.replace("\n\n", " ¶ ")
    return f"{flat[:60]!r} … {flat[-60:]!r}"


def verdict_summary(names: set[str]) -> None:
    """Print the summary of the reading verdicts (pages read by a person)."""
    if not VERDICTS.exists():
        print("no reading verdicts file")
        return
    pages = tomllib.loads(VERDICTS.read_text(encoding="utf-8")).get("pages", {})
    print(f"\nreading verdicts: {len(pages)} pages read (of {len(names)})")
    for field in ("title_ok", "date_ok", "text_ok", "authors_ok"):
        values = [v[field] for v in pages.values() if field in v]
        if values:
            print(f"  {field:10s} {sum(values)}/{len(values)} ok")
    bad = {name: v.get("notes", "") for name, v in pages.items() if not all(v.get(f, True) for f in ("title_ok", "date_ok", "text_ok"))}
    for name, note in sorted(bad.items()):
        print(f"  not ok: {name}: {note}")
    missing = sorted(set(pages) - names)
    if missing:
        print(f"  verdicts for pages not in this folder: {missing}")


def main(pages_dir: Path, show_text: bool) -> None:
    files = sorted(pages_dir.glob("*.html"))
    pages = {path.name: decode_html(path.read_bytes()).text for path in files}
    gold_dates = tomllib.loads(GOLD.read_text(encoding="utf-8"))["dates"] if GOLD.exists() else {}
    runners = [("ours", run_ours), ("bare", run_bare)] + ([("readability", run_readability)] if ReadabilityDocument else [])
    # warm-up: imports, OpenCC tables, lxml and htmldate caches
    first = next(iter(pages.values()))
    run_ours(first)
    run_bare(first)

    totals = {side: Counter() for side, _ in runners}
    times = {side: 0.0 for side, _ in runners}
    for name, page in pages.items():
        visible = visible_chars(page)
        for side, runner in runners:
            elapsed, out = runner(page)
            times[side] += elapsed
            found = flags(out["title"], out["date"], out["text"], visible)
            counts = totals[side]
            counts["pages"] += 1
            counts["title"] += bool(out["title"])
            counts["date"] += bool(out["date"])
            counts["date with time"] += bool(out["date"] and "T" in out["date"])
            counts["authors"] += bool(out["authors"])
            counts["boilerplate"] += any(f.startswith("boilerplate") for f in found)
            counts["short"] += any(f.startswith("short") for f in found)
            counts["flagged"] += bool(found)
            counts["error"] += "error" in out
            if name in gold_dates:
                counts["gold dates"] += 1
                counts["date right"] += bool(out["date"]) and out["date"][:10] == gold_dates[name]
            if side == "ours":
                _, again = run_ours(wrapped(page, out["title"]))
                counts["wrapped"] += all(again[k] == out[k] for k in ("title", "text", "date"))
                print(f"{name:24s} {elapsed:5.0f}ms  {out['title']!s:.40}  | {out['date']} | {','.join(out['authors'])} | {len(out['text'])} chars")
                if "error" in out:
                    print(f"{'':24s} ExtractionError: {out['error']}")
                if show_text and out["text"]:
                    print(f"{'':24s} {ends(out['text'])}")
                if found:
                    print(f"{'':24s} flags: {' '.join(found)}")
            elif found and show_text:
                print(f"{'':24s} {side} flags: {' '.join(found)}")

    n = len(pages)
    sides = [side for side, _ in runners]
    print(f"\n{n} pages, one decode each   ours (crawler.extract, trafilatura fast={maintext.FAST}) | bare trafilatura (defaults) | readability-lxml")
    for key in ("title", "date", "date with time", "authors", "boilerplate", "short", "flagged", "error"):
        print(f"  {key:16s} " + "   ".join(f"{totals[side][key]:3d}/{n}" for side in sides))
    golds = totals["ours"]["gold dates"]
    if golds:
        print(f"  {'date accuracy':16s} " + "   ".join(
            "   –  " if side == "readability" else f"{totals[side]['date right'] / golds:.3f}" for side in sides) + f"   (day, {golds} pages with a gold day)")
    print(f"  {'wrapped same':16s} {totals['ours']['wrapped']:3d}/{n}   (ours inside a <text id=… title=…> wrapper)")
    print(f"  {'ms/page':16s} " + "    ".join(f"{times[side] / n:5.1f}" for side in sides))

    # the other engine mode, for the record
    maintext.FAST = not maintext.FAST
    started = time.perf_counter()
    for page in pages.values():
        run_ours(page)
    print(f"  ours with trafilatura fast={maintext.FAST}: {(time.perf_counter() - started) * 1000 / n:.1f} ms/page")
    maintext.FAST = not maintext.FAST

    verdict_summary(set(pages))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="?", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--text", action="store_true", help="print the start and end of every text")
    args = parser.parse_args()
    main(args.pages, args.text)
