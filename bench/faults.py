"""Fault-injection campaigns: `chipwatch run` killed with SIGKILL at random points, N times per stage.

Run by hand:  .venv/bin/python bench/faults.py [--kills 20] [--stage crawl|process|both|import] [--seed 0]

--stage import kills `chipwatch import` of a --import-articles line file (bench/corpus.py) instead.

After every kill the database must pass `PRAGMA integrity_check`, keep every article and analysis
a reader saw committed before the kill, store no URL or mention twice and keep its search index
in step; after the campaign one run must finish the work (tests/support/faults.py says exactly what is
checked). Prints one line per kill and a summary; exits 1 at the first violation.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: bench.sitegen and tests.support import from the repository

from tests.support.faults import CampaignReport, FaultCheckFailed, crawl_campaign, import_campaign, process_campaign


def summary(report: CampaignReport) -> str:
    grew = sum(1 for k in report.kills if (k.analysed_before if report.stage == "process" else k.articles_before) > 0)
    delays = [k.delay for k in report.kills]
    return (
        f"{report.stage}: {len(report.kills)} kills, all checks passed; {grew} kills with committed work to lose; "
        f"median delay {statistics.median(delays):.2f}s; final run: {report.final_articles} articles, "
        f"{report.final_analysed} processed; {report.seconds:.0f}s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="kills per stage [20]")
    parser.add_argument("--stage", choices=("crawl", "process", "both", "import"), default="both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pages", type=int, default=600, help="pages per generated site in the crawl campaign [600]")
    parser.add_argument("--articles", type=int, default=200, help="stored articles in the process campaign [200]")
    parser.add_argument("--import-articles", type=int, default=20_000, help="lines of the file in the import campaign (--stage import) [20000]")
    args = parser.parse_args()
    reports = []
    with tempfile.TemporaryDirectory(prefix="chipwatch-faults-") as tmp:
        try:
            if args.stage in ("crawl", "both"):
                reports.append(crawl_campaign(Path(tmp), args.kills, pages=args.pages, seed=args.seed, log=print))
            if args.stage == "import":
                reports.append(import_campaign(Path(tmp), args.kills, articles=args.import_articles, seed=args.seed, log=print))
            if args.stage in ("process", "both"):
                reports.append(process_campaign(Path(tmp), args.kills, articles=args.articles, seed=args.seed, log=print))
        except FaultCheckFailed as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
    for report in reports:
        print(summary(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
