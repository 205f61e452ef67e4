"""Crawl throughput: chipwatch's full pipeline against a bare downloading spider, side by side.

Run by hand:  .venv/bin/python bench/crawl.py [--pages 1000] [--rounds 3]

Both crawl the same generated site (bench.sitegen.serve_generated_site: N distinct articles,
60 % Chinese, 40 % English, listed in one sitemap) on 127.0.0.1 with the same Scrapy settings:
those `chipwatch demo` uses for its local site (robots.txt obeyed, no delay, 8 requests per
domain). The bare spider is Scrapy's SitemapSpider with a callback that does nothing. The full
pipeline is `chipwatch crawl`: decoding, extraction, language detection, URL normalisation,
known-URL checks, near-duplicate detection and SQLite storage. Pages/second is the responses
Scrapy received divided by the crawl's own elapsed time (process start-up excluded); rounds
alternate the two so that machine noise hits both; the median of the rounds is reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from chipwatch.demo import LOCAL_SITE_SETTINGS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: bench.sitegen and tests.support import from the repository

from bench.sitegen import generated_sources_toml, serve_generated_site
from crawler.settings import CONCURRENT_REQUESTS, DOWNLOAD_MAXSIZE, ROBOTSTXT_OBEY
from db.store import open_db

HERE = Path(__file__).parent
SHARED_SETTINGS = {
    **LOCAL_SITE_SETTINGS,
    "ROBOTSTXT_OBEY": ROBOTSTXT_OBEY,
    "CONCURRENT_REQUESTS": CONCURRENT_REQUESTS,
    "DOWNLOAD_MAXSIZE": DOWNLOAD_MAXSIZE,
    "CHIPWATCH_MAX_ARTICLES_PER_SOURCE": 10**9,
}


def bare(base_url: str) -> tuple[int, float]:
    settings = {k: v for k, v in SHARED_SETTINGS.items() if not k.startswith("CHIPWATCH_")}
    out = subprocess.run(
        [sys.executable, str(HERE / "bare_spider.py"), base_url, json.dumps(settings)],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["pages"], result["seconds"]


def full(base_url: str, workdir: Path, n: int) -> tuple[int, float]:
    sources = workdir / "sources.toml"
    sources.write_text(generated_sources_toml(n), encoding="utf-8")
    db_path = workdir / "bench.db"
    db_path.unlink(missing_ok=True)
    settings = [a for k, v in SHARED_SETTINGS.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "crawl", "--db", str(db_path), "--sources", str(sources),
         "--base-url", base_url, "--quiet", *settings],
        capture_output=True, text=True, check=True,
    )
    db = open_db(db_path)
    stats = json.loads(db.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    db.close()
    if stored != n:
        raise SystemExit(f"full pipeline stored {stored} of {n} pages: the comparison would be unfair")
    return stats["response_received_count"], float(stats["elapsed_time_seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"bare": [], "full": []}
    with tempfile.TemporaryDirectory() as tmp, serve_generated_site(args.pages) as base_url:
        for round_no in range(1, args.rounds + 1):
            for name in ("bare", "full") if round_no % 2 else ("full", "bare"):
                pages, seconds = bare(base_url) if name == "bare" else full(base_url, Path(tmp), args.pages)
                rates[name].append(pages / seconds)
                print(f"round {round_no} {name:4}: {pages} pages in {seconds:.2f}s = {pages / seconds:.1f} pages/s", flush=True)
    bare_rate, full_rate = statistics.median(rates["bare"]), statistics.median(rates["full"])
    print(f"median pages/s: bare spider {bare_rate:.1f}, chipwatch full pipeline {full_rate:.1f}")
    print(f"ratio full/bare: {full_rate / bare_rate:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
