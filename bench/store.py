"""Articles/s of `save_articles` into an empty database and into databases already holding
10,000 and 50,000 articles, side by side in one run (bench/corpus.py: shared vocabulary, one
article in ten a bannered copy of a recent story).

Run by hand:  nice .venv/bin/python bench/store.py [--stored 10000,50000] [--new 2000] [--batch 500]

The stored databases are built first (through save_articles, in batches of --batch; kept with
--keep DIR and reused when present). Then the same --new articles are stored into every
database, one batch per database in turn, so that the machine's load falls on all of them
alike; the figure is articles/s over all batches, and the ratio is each against the empty one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: bench.corpus imports from the repository

from bench.corpus import articles  # noqa: E402
from db.store import open_db, save_articles  # noqa: E402

NEW_START = 1_000_000  # the measured articles come from far beyond any stored ones


def build(path: Path, count: int, batch: int, start_from: Path | None = None, have: int = 0) -> None:
    if start_from is not None:
        shutil.copy(start_from, path)
    db = open_db(path)
    done = have
    started = time.monotonic()
    while done < count:
        take = min(batch, count - done)
        save_articles(db, list(articles(done + 1, done + 1 + take)))
        done += take
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(f"built {path.name}: {count} articles in {time.monotonic() - started:.0f}s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", default="10000,50000", help="stored articles of the databases compared with an empty one")
    parser.add_argument("--new", type=int, default=2000, help="articles stored into each database [2000]")
    parser.add_argument("--batch", type=int, default=500, help="articles per save_articles call (chipwatch import's batch) [500]")
    parser.add_argument("--keep", type=Path, help="folder to keep the built databases in, and reuse them from")
    args = parser.parse_args()
    sizes = [0] + sorted(int(s) for s in args.stored.split(","))
    with tempfile.TemporaryDirectory(prefix="chipwatch-store-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        previous: tuple[Path, int] | None = None
        paths = {}
        for size in sizes:
            built = folder / f"stored-{size}.db"
            if not built.exists() and size:
                build(built, size, args.batch, *(previous or (None, 0)))
            paths[size] = folder / f"run-{size}.db"
            if size:
                shutil.copy(built, paths[size])
                previous = (built, size)
            else:
                paths[size].unlink(missing_ok=True)
        dbs = {size: open_db(path) for size, path in paths.items()}
        seconds = dict.fromkeys(sizes, 0.0)
        for start in range(NEW_START, NEW_START + args.new, args.batch):
            batch = list(articles(start, min(start + args.batch, NEW_START + args.new)))
            for size in sizes:
                began = time.perf_counter()
                save_articles(dbs[size], batch)
                seconds[size] += time.perf_counter() - began
        for db in dbs.values():
            db.close()
    base = args.new / seconds[0]
    for size in sizes:
        rate = args.new / seconds[size]
        print(f"{size:>7} stored: {rate:6.1f} articles/s  ratio {rate / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
