"""Screening sample: sentences naming parties of a CSL-format list, and look-alikes that must stay unflagged.

Run by hand:  .venv/bin/python eval/screening.py            (add --no-screening for NER-span matching alone)

eval/data/screening/csl_sample.csv is a list in trade.gov's Consolidated Screening List format with
real entries (names and alt names as the Entity List, SDN, MEU, CMIC and Unverified List write
them; dates and Federal Register citations where known). eval/data/screening/sentences.jsonl holds
sentences the project wrote: English and Chinese ones naming those parties (by list name, alt name,
short or legal name; Chinese ones by the Chinese name, which the list file does not have: it comes
from the knowledge base), and look-alikes (Huawei Marine Networks, Griffon Aerospace, a date range
7-28 beside a vessel named "7-28", 中国银行, 东北航空, common words that are also names). The list is
imported into a fresh database, so the shipped starter list is there too, as for a user.

Every third sentence is `heldout`: the rules were not tuned on them. A name counts as found when a
mention over it carries a sanctions flag; every flagged mention over no expected name is a false flag.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chipwatch.lists import import_list  # noqa: E402
from db.sanctions import stored_entries  # noqa: E402
from db.store import open_db  # noqa: E402
from nlp.analyze import Analyzer  # noqa: E402
from nlp.sanctions import SanctionsIndex  # noqa: E402
from nlp.screening import Screener  # noqa: E402

DATA = Path(__file__).parent / "data" / "screening"


def score(cases: list[dict], results: list[dict], verbose: bool) -> dict[tuple[str, str], list[int]]:
    """(lang, split) → [names found, names, true flags, false flags]."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for case, result in zip(cases, results, strict=True):
        spans = [(case["text"].index(n), case["text"].index(n) + len(n)) for n in case["names"]]
        flagged = [e for e in result["entities"] if e.get("sanctions")]
        for key in ((case["lang"], case["split"]), (case["lang"], "all")):
            t = totals[key]
            for start, end in spans:
                hit = any(e["start"] < end and start < e["end"] for e in flagged)
                t[0] += hit
                t[1] += 1
                if not hit and verbose and key[1] == "all":
                    print(f"miss {case['id']}: {case['text'][start:end]!r} in {case['text']}")
            for e in flagged:
                right = any(e["start"] < end and start < e["end"] for start, end in spans)
                t[2 if right else 3] += 1
                if not right and verbose and key[1] == "all":
                    print(f"false flag {case['id']}: {e['text']!r} in {case['text']}")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-screening", action="store_true", help="flag NER spans only (the matching before nlp/screening.py)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss and false flag")
    args = parser.parse_args()
    cases = [json.loads(line) for line in (DATA / "sentences.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "fresh.db")
        with open(DATA / "csl_sample.csv", "rb") as handle:
            report = import_list(db, handle, origin="csl_sample.csv")
        assert not report.bad, report.bad
        index = SanctionsIndex(stored_entries(db))
        db.close()
    analyzer = Analyzer(sanctions=index, events=False)
    if args.no_screening:
        analyzer.screener = Screener([])
    results = [r.to_dict() for r in analyzer.analyze([{"id": c["id"], "text": c["text"], "lang": c["lang"]} for c in cases])]
    totals = score(cases, results, args.verbose)
    label = "NER spans only" if args.no_screening else "screening"
    print(f"{label}: {len(cases)} sentences, list of {report.inserted} imported entries + the starter list")
    for lang in ("en", "zh"):
        for split in ("dev", "heldout", "all"):
            found, names, right, wrong = totals[(lang, split)]
            precision = right / (right + wrong) if right + wrong else 1.0
            print(f"  {lang} {split:8} recall {found}/{names} = {found / max(names, 1):.2f}   precision {right}/{right + wrong} = {precision:.2f}")


if __name__ == "__main__":
    main()
