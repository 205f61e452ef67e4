"""Memory of a long crawl: resident memory of `chipwatch crawl` (with its parser process) as it stores N pages.

Run by hand:  .venv/bin/python bench/memory.py [--pages 10000]

Serves N generated pages on 127.0.0.1, crawls them with `chipwatch crawl` (local-site settings:
no delay), and every half second adds up the resident memory (VmRSS) of the crawl process and
all its descendants, next to the number of articles committed so far. Prints the memory at each
tenth of the crawl and the peak: flat means the crawl does not hold the corpus in memory.
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
from chipwatch.testsite import generated_sources_toml, serve_generated_site


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


def stored(db_path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    args = parser.parse_args()
    samples: list[tuple[float, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="chipwatch-mem-") as tmp, serve_generated_site(args.pages) as base:
        db_path = Path(tmp) / "chipwatch.db"
        sources = Path(tmp) / "sources.toml"
        sources.write_text(generated_sources_toml(args.pages).replace('"/', f'"{base}/'), encoding="utf-8")
        settings = {**LOCAL_SITE_SETTINGS, "CHIPWATCH_MAX_ARTICLES_PER_SOURCE": args.pages}
        started = time.monotonic()
        crawl = subprocess.Popen(
            [sys.executable, "-m", "chipwatch.cli", "crawl", "--db", str(db_path), "--sources", str(sources), "--quiet",
             *[a for k, v in settings.items() for a in ("-s", f"{k}={json.dumps(v)}")]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        while crawl.poll() is None:
            samples.append((time.monotonic() - started, stored(db_path), tree_rss_mb(crawl.pid)))
            time.sleep(0.5)
        out, err = crawl.communicate()
        final = stored(db_path)
    print(f"chipwatch crawl of {args.pages} pages: exit {crawl.returncode}, {final} articles, {time.monotonic() - started:.0f}s")
    print(f"{'stored':>8} {'RSS MB (crawl + parser)':>24}")
    for tenth in range(1, 11):
        mark = final * tenth // 10
        hit = next((s for s in samples if s[1] >= mark), samples[-1] if samples else None)
        if hit:
            print(f"{hit[1]:8d} {hit[2]:24.0f}")
    peak = max(samples, key=lambda s: s[2]) if samples else (0, 0, 0.0)
    print(f"peak {peak[2]:.0f} MB at {peak[1]} articles stored")
    if err.strip():
        print(err.strip()[-500:])
    return crawl.returncode


if __name__ == "__main__":
    sys.exit(main())
