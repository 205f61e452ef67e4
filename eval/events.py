"""Event evaluation on the dev split: relevance and event types, per language, model beside keyword baseline.

    python -m eval.events                       # the shipped heads
    python -m eval.events --heads /tmp/heads    # heads trained with python -m nlp.events.train --out /tmp/heads

Texts: the dev half of the labelled shared articles and of the project's written texts
(eval/data/events/split.json). zh-Hant: the written Traditional texts, plus the Simplified dev
articles converted to Traditional with OpenCC (s2t) where the conversion keeps every offset —
the shared set has no Traditional article.

Scores:
- relevance: article-level precision / recall / F1 of `relevant`;
- types: precision / recall / F1 of (text, event type) pairs — did the article get an event of
  the type the labels give it — and per type over all languages;
- keyword baseline: the same trigger rules that pick candidate sentences, every trigger an
  event (nlp/events/lexicon.py), no model.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from core.records import Mention
from core.vocab import EVENT_TYPES
from nlp.events.data import LabelledText, load_labelled
from nlp.events.extract import EventConfig, EventExtractor, candidates
from nlp.events.train import entities_for


def traditional_copies(items: list[LabelledText]) -> list[LabelledText]:
    from opencc import OpenCC

    converter = OpenCC("s2t")
    copies = []
    for item in items:
        if item.lang != "zh" or item.origin != "article":
            continue
        text = converter.convert(item.text)
        if len(text) == len(item.text):
            copies.append(replace(item, id=item.id + "-hant", lang="zh-Hant", text=text, origin="article (converted)"))
    return copies


def keyword_baseline(item: LabelledText, entities: list[Mention]) -> set[str]:
    return {kind for c in candidates(item.text, item.lang, entities) for kind in c.triggers}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heads", type=Path, help="folder of en.npz / zh.npz [the shipped nlp/models/events]")
    parser.add_argument("--articles", type=Path, help="the shared development articles: a folder of .jsonl files or one file [../shared/data/articles]")
    parser.add_argument("--errors", action="store_true", help="also list each wrong text")
    args = parser.parse_args(argv)
    items = [i for i in load_labelled(args.articles) if i.split == "dev"]
    items += traditional_copies(items)
    entities = entities_for(items)
    config = EventConfig() if args.heads is None else EventConfig(heads_dir=args.heads)
    extractor = EventExtractor(config)
    started = time.perf_counter()
    results = extractor.extract([{"text": i.text, "language": i.lang, "entities": entities[i.id], "published_at": i.published_at} for i in items])
    elapsed = time.perf_counter() - started
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # (system, lang, measure) -> tp fp fn
    per_type: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    errors = []
    for item, result in zip(items, results, strict=True):
        gold_types = {e["type"] for e in item.events}
        systems = {
            "model": (result["relevant"], {e.type for e in result["events"]}),
            "keywords": (None, keyword_baseline(item, entities[item.id])),
        }
        systems["keywords"] = (bool(systems["keywords"][1]), systems["keywords"][1])
        group = "articles" if item.origin.startswith("article") else "written"
        for system, (relevant, types) in systems.items():
            for lang in (item.lang, "all", f"{item.lang} {group}"):
                cell = counts[(system, lang, "relevance")]
                cell[0] += relevant and item.relevant
                cell[1] += relevant and not item.relevant
                cell[2] += item.relevant and not relevant
                cell = counts[(system, lang, "types")]
                cell[0] += len(types & gold_types)
                cell[1] += len(types - gold_types)
                cell[2] += len(gold_types - types)
            for kind in EVENT_TYPES:
                cell = per_type[(system, kind)]
                cell[0] += kind in types and kind in gold_types
                cell[1] += kind in types and kind not in gold_types
                cell[2] += kind in gold_types and kind not in types
        if args.errors and (result["relevant"] != item.relevant or {e.type for e in result["events"]} != gold_types):
            errors.append(f"{item.id} [{item.lang}] gold {sorted(gold_types) or '-'} model {sorted({e.type for e in result['events']}) or '-'} relevance {result['relevance']}")
    by_lang = defaultdict(lambda: [0, 0])
    for item in items:
        by_lang[item.lang][0] += 1
        by_lang[item.lang][1] += item.relevant
    print(f"dev texts: {len(items)} ({', '.join(f'{lang} {n} ({r} relevant)' for lang, (n, r) in sorted(by_lang.items()))}); events on: {elapsed:.1f} s")
    print(f"{'texts':17} {'measure':10} {'model P/R/F1':>20} {'keywords P/R/F1':>20}")
    for lang in ("en", "zh", "zh-Hant", "all", "en articles", "zh articles", "zh-Hant articles", "en written", "zh written", "zh-Hant written"):
        for measure in ("relevance", "types"):
            cells = [prf(*counts[(system, lang, measure)]) for system in ("model", "keywords")]
            print(f"{lang:17} {measure:10} " + " ".join(f"{p:6.2f}/{r:4.2f}/{f:4.2f}".rjust(20) for p, r, f in cells))
    print("per type, all languages (model | keywords): P/R/F1 and support")
    for kind in EVENT_TYPES:
        model, keywords = prf(*per_type[("model", kind)]), prf(*per_type[("keywords", kind)])
        support = per_type[("model", kind)][0] + per_type[("model", kind)][2]
        print(f"  {kind:20} {model[0]:.2f}/{model[1]:.2f}/{model[2]:.2f} | {keywords[0]:.2f}/{keywords[1]:.2f}/{keywords[2]:.2f}  n={support}")
    for line in errors:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
