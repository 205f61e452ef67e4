"""Readers while `chipwatch run` writes: Datasette and `chipwatch search` latency, and errors.

Run by hand:  .venv/bin/python bench/read_under_write.py [--pages 3000] [--readers 2]

A generated site of N pages (60% Chinese) is crawled by a real `chipwatch run` (crawl, then
process, committing a batch at a time) while reader threads query the same database: Datasette's
search page and a table page over HTTP (`chipwatch serve`), and the search library as `chipwatch
search` uses it. The same reads are then repeated on the finished database with no writer: the
baseline. Prints p50/p99 per kind of read under load and at rest, their ratio, and every error
(a "database is locked" would show here).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from chipwatch.demo import LOCAL_SITE_SETTINGS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: bench.sitegen and tests.support import from the repository

from bench.sitegen import generated_sources_toml, serve_generated_site
from db.search import Filters, search
from db.store import open_db

QUERIES = ["华为", "芯片", "出口管制", "Entity List", "英伟达 A100", "export controls"]


def start_datasette(db_path: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "chipwatch.cli", "serve", "--db", str(db_path), "--port", "0"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if match := re.search(r"running on (http://127\.0\.0\.1:\d+)", line):
            threading.Thread(target=process.stderr.read, daemon=True).start()  # keep the pipe drained
            return process, match.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise SystemExit("Datasette did not start")


class Readers:
    """Reader threads that run until stopped, recording (kind, seconds) and errors."""

    def __init__(self, db_path: Path, base: str, threads: int) -> None:
        self.db_path, self.base, self.threads = db_path, base, threads
        self.samples: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.limit: int | None = None

    def _one(self, n: int) -> None:
        db = open_db(self.db_path)
        i = n
        while not self.stop.is_set() and (self.limit is None or len(self.samples) < self.limit):
            query = QUERIES[i % len(QUERIES)]
            kind = ("datasette-search", "datasette-table", "cli-search")[i % 3]
            started = time.perf_counter()
            try:
                if kind == "cli-search":
                    search(db, query, Filters(limit=20))
                else:
                    path = f"chipwatch/search.json?q={urllib.parse.quote(query)}" if kind == "datasette-search" else "chipwatch/articles.json?_size=20&_sort_desc=id"
                    with urllib.request.urlopen(f"{self.base}/{path}", timeout=30) as response:
                        body = response.read()
                    if b"database is locked" in body:
                        self.errors.append(f"{kind}: database is locked")
            except urllib.error.HTTPError as exc:
                self.errors.append(f"{kind} {query}: HTTP {exc.code}: {exc.read()[:200]!r}")
            except Exception as exc:  # any error a reader sees is a finding
                self.errors.append(f"{kind} {query}: {type(exc).__name__}: {exc}")
            else:
                self.samples.append((kind, time.perf_counter() - started))
            i += 1
        db.close()

    def run(self, until: threading.Event | None = None, count: int | None = None) -> None:
        self.limit = count
        workers = [threading.Thread(target=self._one, args=(n,)) for n in range(self.threads)]
        for w in workers:
            w.start()
        if until is not None:
            until.wait()
            self.stop.set()
        for w in workers:
            w.join()


def percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    if not values:
        return float("nan"), float("nan")
    return statistics.median(values) * 1000, values[min(len(values) - 1, int(len(values) * 0.99))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--readers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chipwatch-rw-") as tmp, serve_generated_site(args.pages) as base:
        db_path = Path(tmp) / "chipwatch.db"
        sources = Path(tmp) / "sources.toml"
        sources.write_text(generated_sources_toml(args.pages).replace('"/', f'"{base}/'), encoding="utf-8")
        open_db(db_path).close()
        datasette, ds_base = start_datasette(db_path)
        try:
            settings = {**LOCAL_SITE_SETTINGS, "CHIPWATCH_MAX_ARTICLES_PER_SOURCE": args.pages}
            run = subprocess.Popen(
                [sys.executable, "-m", "chipwatch.cli", "run", "--db", str(db_path), "--sources", str(sources), "--quiet",
                 *[a for k, v in settings.items() for a in ("-s", f"{k}={json.dumps(v)}")]],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            done = threading.Event()
            loaded = Readers(db_path, ds_base, args.readers)
            started = time.monotonic()
            watcher = threading.Thread(target=lambda: (run.wait(), done.set()))
            watcher.start()
            loaded.run(until=done)
            write_seconds = time.monotonic() - started
            _, err = run.communicate()
            idle = Readers(db_path, ds_base, args.readers)
            idle.run(count=len(loaded.samples))
        finally:
            datasette.terminate()
            datasette.wait(timeout=10)
    print(f"writer: chipwatch run over {args.pages} pages, exit {run.returncode}, {write_seconds:.0f}s" + (f"; stderr: {err.strip()[:300]}" if err.strip() else ""))
    print(f"{'read':18} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}   {'at rest p50':>11} {'p99':>8}   ratio p50/p99")
    for kind in ("datasette-search", "datasette-table", "cli-search"):
        busy = [s for k, s in loaded.samples if k == kind]
        rest = [s for k, s in idle.samples if k == kind]
        (b50, b99), (r50, r99) = percentiles(busy), percentiles(rest)
        print(f"{kind:18} {len(busy):6d} {b50:8.1f} {b99:8.1f}   {r50:11.1f} {r99:8.1f}   {b50 / r50:.1f} / {b99 / r99:.1f}")
    errors = loaded.errors + idle.errors
    print(f"reader errors: {len(errors)} (of {len(loaded.samples) + len(idle.samples) + len(errors)} reads)")
    for line in errors[:10]:
        print("  " + line)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
