"""Entity-linking accuracy on mentions the project wrote down (eval/data/linking.jsonl), beside a baseline.

Run by hand:  .venv/bin/python eval/linking.py

Each line is a mention as it appears in news (either script, any case, with or without a legal
suffix, short forms, look-alikes that must NOT link, places that must stay places) and the
knowledge-base id it should resolve to, or null. chipwatch's resolver (nlp.knowledge_base) is compared with
a plain dictionary of the entities' canonical English, Simplified and Traditional names matched
exactly, which is what linking without normalisation or aliases gives.
"""

from __future__ import annotations

import json
from pathlib import Path

from nlp.knowledge_base import KnowledgeBase

DATA = Path(__file__).parent / "data" / "linking.jsonl"


def main() -> None:
    kb = KnowledgeBase.load()
    plain = {}
    for entity in kb.all():
        for name in (entity.name, entity.zh, entity.zh_hant):
            if name:
                plain.setdefault(name, entity.id)
    cases = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    ours = baseline = 0
    for case in cases:
        entity = kb.resolve(case["mention"], case["label"])
        got = entity.id if entity else None
        ours += got == case["expected"]
        baseline += plain.get(case["mention"]) == case["expected"]
        if got != case["expected"]:
            print(f"miss: {case['mention']!r} -> {got} (expected {case['expected']})")
    n = len(cases)
    print(f"{n} mentions: chipwatch resolver {ours}/{n} = {ours / n:.1%}; exact canonical names {baseline}/{n} = {baseline / n:.1%}")


if __name__ == "__main__":
    main()
