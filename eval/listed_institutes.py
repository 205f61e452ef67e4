"""Chinese universities and institutes on the Entity List, by full and short name: how many are flagged in a fresh database.

Run by hand:  .venv/bin/python eval/listed_institutes.py
Baseline:     .venv/bin/python eval/listed_institutes.py --baseline main   (the starter list and KB of that git revision)

eval/data/listed_institutes.jsonl holds sentences the project wrote (one name each: the full Simplified
name, the full Traditional name, or a short form people write, such as 北航, 哈工大, 中国电科54所) for
the universities and institutes that `nlp/kb/sanctions_starter.csv` has on the Entity List. A sentence
counts as flagged when an entity found over the name carries a sanctions match, exactly what
`chipwatch analyze --db fresh.db` reports as `sanctions`. The current figure uses a new database file,
so the lists are the shipped starter list alone; the baseline reads the starter list and knowledge base
of another git revision into the same pipeline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.csl import read_csl_text  # noqa: E402
from db.sanctions import stored_entries  # noqa: E402
from db.store import open_db  # noqa: E402
from nlp.analyze import Analyzer  # noqa: E402
from nlp.pipeline import PipelineConfig  # noqa: E402
from nlp.sanctions import SanctionsIndex  # noqa: E402

DATA = Path(__file__).parent / "data" / "listed_institutes.jsonl"
KB_FILES = ("organizations.jsonl", "products.jsonl", "places.jsonl")


def flagged(result: dict, case: dict) -> bool:
    start = case["text"].index(case["name"])
    end = start + len(case["name"])
    return any(e.get("sanctions") and e["start"] < end and start < e["end"] for e in result["entities"])


def baseline_inputs(revision: str, workdir: Path) -> tuple[SanctionsIndex, str]:
    """The starter list (as a fresh database of that revision would hold it) and a copy of that revision's KB."""
    def show(path: str) -> str:
        return subprocess.run(["git", "show", f"{revision}:{path}"], capture_output=True, text=True, check=True).stdout

    kb_dir = workdir / "kb"
    kb_dir.mkdir()
    for name in KB_FILES:
        (kb_dir / name).write_text(show(f"nlp/kb/{name}"), encoding="utf-8")
    entries = [e for _, e in read_csl_text(show("nlp/kb/sanctions_starter.csv")) if isinstance(e, dict)]
    return SanctionsIndex(entries), str(kb_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REV", help="measure the starter list and KB of this git revision instead")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    args = parser.parse_args()
    cases = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline:
            index, kb_dir = baseline_inputs(args.baseline, Path(tmp))
            label = f"starter list and KB of {args.baseline}"
        else:
            db = open_db(Path(tmp) / "fresh.db")
            index, kb_dir = SanctionsIndex(stored_entries(db)), None
            db.close()
            label = "fresh database (this tree's starter list and KB)"
        analyzer = Analyzer(sanctions=index, config=PipelineConfig(kb_dir=kb_dir), events=False)
        results = (r.to_dict() for r in analyzer.analyze([{"id": c["id"], "text": c["text"], "lang": "zh"} for c in cases]))
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        entities_hit: dict[str, bool] = {}
        for case, result in zip(cases, results, strict=True):
            hit = flagged(result, case)
            for key in ("all", case["form"], case["script"]):
                totals[key][0] += hit
                totals[key][1] += 1
            entities_hit[case["entity"]] = entities_hit.get(case["entity"], True) and hit
            if not hit and args.verbose:
                print(f"miss: {case['name']} ({case['entity']}): {case['text']}")
    print(f"{label}: {len(cases)} sentences naming {len(entities_hit)} listed universities and institutes")
    for key in ("all", "full", "short", "zh-Hans", "zh-Hant"):
        hit, n = totals[key]
        print(f"  {key:8} flagged {hit}/{n} = {hit / n:.2f}")
    every = sum(entities_hit.values())
    print(f"  entities flagged under every form: {every}/{len(entities_hit)}")


if __name__ == "__main__":
    main()
