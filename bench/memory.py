"""Memory of long work: resident memory of `chipwatch crawl` over N pages, then of `chipwatch process` over the N articles.

Run by hand:  .venv/bin/python bench/memory.py [--pages 10000] [--stage crawl|process|both] [--workers 1]

Serves N generated pages on 127.0.0.1 and crawls them with `chipwatch crawl` (local-site
settings: no delay); then runs `chipwatch process [--workers W]` over the articles stored
(--stage process stores the same generated articles directly and only processes them). Every
half second it adds up the resident memory (VmRSS) of the command and all its descendants (the
crawl's parser process, process's workers), next to the number of articles committed so far.
Prints the memory at each tenth of the work and the peak: flat means the command does not hold
the corpus in memory.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chipwatch.demo import LOCAL_SITE_SETTINGS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: bench.sitegen and tests.support import from the repository

from bench.sitegen import generated_article, generated_sources_toml, serve_generated_site
from db.store import ArticleRecord, open_db, save_articles


def tree_rss_mb(pid: int) -> float:
    """VmRSS of pid and its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def count(db_path: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


STORED = "SELECT count(*) FROM articles"
ANALYSED = "SELECT count(*) FROM article_analysis"


def watch(command: list[str], db_path: Path, progress_sql: str) -> tuple[int, float, list[tuple[int, float]], str]:
    """Run `command`, sampling (work committed, tree RSS) every half second; (exit code, seconds, samples, stderr)."""
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[int, float]] = []
    while child.poll() is None:
        samples.append((count(db_path, progress_sql), tree_rss_mb(child.pid)))
        time.sleep(0.5)
    _, err = child.communicate()
    return child.returncode, time.monotonic() - started, samples, err


def report(label: str, unit: str, code: int, seconds: float, samples: list[tuple[int, float]], final: int, err: str) -> None:
    print(f"{label}: exit {code}, {final} articles {unit}, {seconds:.0f}s")
    print(f"{unit:>9} {'RSS MB (command + children)':>28}")
    for tenth in range(1, 11):
        mark = final * tenth // 10
        hit = next((s for s in samples if s[0] >= mark), samples[-1] if samples else None)
        if hit:
            print(f"{hit[0]:9d} {hit[1]:28.0f}")
    peak = max(samples, key=lambda s: s[1]) if samples else (0, 0.0)
    print(f"peak {peak[1]:.0f} MB at {peak[0]} articles {unit}")
    if err.strip():
        print(err.strip()[-500:])


def store_generated(db_path: Path, pages: int) -> None:
    """The generated site's articles, stored directly (what a crawl of it would store)."""
    db = open_db(db_path)
    for first in range(1, pages + 1, 500):
        records = []
        for i in range(first, min(first + 500, pages + 1)):
            lang, title, published, paragraphs = generated_article(i)
            records.append(ArticleRecord(url=f"https://bench.example/{i}", source="bench", lang=lang, title=title, published_at=published, text="\n".join(paragraphs)))
        save_articles(db, records)
    db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--stage", choices=["crawl", "process", "both"], default="both")
    parser.add_argument("--workers", type=int, default=1, help="chipwatch process --workers")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "chipwatch.cli"]
    code = 0
    with tempfile.TemporaryDirectory(prefix="chipwatch-mem-") as tmp:
        db_path = Path(tmp) / "chipwatch.db"
        if args.stage == "process":
            store_generated(db_path, args.pages)
        else:
            with serve_generated_site(args.pages) as base:
                sources = Path(tmp) / "sources.toml"
                sources.write_text(generated_sources_toml(args.pages).replace('"/', f'"{base}/'), encoding="utf-8")
                settings = {**LOCAL_SITE_SETTINGS, "CHIPWATCH_MAX_ARTICLES_PER_SOURCE": args.pages}
                command = [*cli, "crawl", "--db", str(db_path), "--sources", str(sources), "--quiet",
                           *[a for k, v in settings.items() for a in ("-s", f"{k}={json.dumps(v)}")]]
                code, seconds, samples, err = watch(command, db_path, STORED)
                report(f"chipwatch crawl of {args.pages} pages", "stored", code, seconds, samples, count(db_path, STORED), err)
        if args.stage != "crawl":
            command = [*cli, "process", "--db", str(db_path), "--quiet", "--workers", str(args.workers)]
            process_code, seconds, samples, err = watch(command, db_path, ANALYSED)
            report(f"chipwatch process --workers {args.workers}", "analysed", process_code, seconds, samples, count(db_path, ANALYSED), err)
            code = code or process_code
    return code


if __name__ == "__main__":
    sys.exit(main())
