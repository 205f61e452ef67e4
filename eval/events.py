"""Event evaluation on the real dev split: relevance, event types, key entities and products, per
language, with bootstrap intervals, beside two keyword baselines.

    python -m eval.events                       # the shipped heads
    python -m eval.events --heads /tmp/heads    # heads trained with python -m nlp.events.train --out /tmp/heads
    python -m eval.events --errors              # also each wrong article

Texts: the dev half of the labelled real articles (eval/data/events/split.json; never tuned on)
and, as zh-Hant, their Simplified ones converted to Traditional with OpenCC (s2t) where the
conversion keeps every offset (the shared articles hold no Traditional one). The dev written
texts are scored apart: a regression check, not an accuracy figure.

Scores, each with a 95 % bootstrap interval (articles resampled, 1000 draws; the real dev split
holds 13 relevant articles, so intervals are wide):
- relevance: precision / recall / F1 of `relevant`;
- types: precision / recall / F1 of (article, event type) pairs;
- key entities: share of the labels' key_entities named as an actor or target of some event of
  the article; products: share of the labelled events' products named by some event (names
  compared after folding case and spacing); both over relevant articles;
- baselines: "triggers" (every trigger of the candidate rules is an event, nlp/events/lexicon.py)
  and "strong phrases" (an article is relevant when any sentence or its headline holds a phrase
  that states an event almost by itself; its types are those phrases' types);
- reliability of `relevance` on the real dev articles: per probability bin, the share relevant.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.records import Mention
from core.script import fold
from core.vocab import EVENT_TYPES
from nlp.events.data import LabelledText, load_labelled
from nlp.events.extract import EventConfig, EventExtractor, candidates
from nlp.events.lexicon import lexicon_lang, strong_types
from nlp.events.text import sentences
from nlp.events.train import RELIABILITY_BINS, entities_for

DRAWS = 1000
SYSTEMS = ("model", "triggers", "strong phrases")


def traditional_copies(items: list[LabelledText]) -> list[LabelledText]:
    from opencc import OpenCC

    converter = OpenCC("s2t")
    copies = []
    for item in items:
        if item.lang != "zh" or item.origin != "article":
            continue
        text = converter.convert(item.text)
        if len(text) == len(item.text):
            copies.append(replace(item, id=item.id + "-hant", lang="zh-Hant", text=text, title=converter.convert(item.title), origin="article (converted)"))
    return copies


def keyword_baseline(item: LabelledText, entities: list[Mention]) -> set[str]:
    return {kind for c in candidates(item.text, item.lang, entities) for kind in c.triggers}


def strong_baseline(item: LabelledText) -> set[str]:
    zh = lexicon_lang(item.lang) == "zh"
    texts = [item.title] + [item.text[s:e] for s, e in sentences(item.text)]
    found = set()
    for text in texts:
        flags = strong_types(fold(text) if zh else text, item.lang)
        found |= {kind for kind, flag in zip(EVENT_TYPES, flags, strict=True) if flag}
    return found


def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _key(name: str) -> str:
    return " ".join(fold(name).lower().split())


def article_counts(item: LabelledText, relevant: bool, types: set[str], events: list) -> np.ndarray:
    """Per article: relevance tp fp fn, types tp fp fn, key entities found / wanted, products found / wanted."""
    gold_types = {e["type"] for e in item.events}
    named = {_key(n) for e in events for n in [*e.actors, *e.targets]}
    products = {_key(n) for e in events for n in e.products}
    keys = {_key(n) for n in item.extra.get("key_entities", [])} if item.relevant else set()
    wanted = {_key(p) for e in item.events for p in e.get("products", [])} if item.relevant else set()
    return np.array([
        relevant and item.relevant, relevant and not item.relevant, item.relevant and not relevant,
        len(types & gold_types), len(types - gold_types), len(gold_types - types),
        len(keys & named), len(keys), len(wanted & products), len(wanted),
    ], dtype=np.float64)  # fmt: skip


def measures(counts: np.ndarray) -> dict[str, float]:
    total = counts.sum(axis=0)
    rel, typ = prf(*total[0:3]), prf(*total[3:6])
    return {
        "relevance P": rel[0], "relevance R": rel[1], "relevance F1": rel[2], "types P": typ[0], "types R": typ[1], "types F1": typ[2],
        "key entities": total[6] / total[7] if total[7] else float("nan"), "products": total[8] / total[9] if total[9] else float("nan"),
    }  # fmt: skip


def with_intervals(counts: np.ndarray, rng: np.random.Generator) -> dict[str, tuple[float, float, float]]:
    point = measures(counts)
    draws = [measures(counts[rng.integers(0, len(counts), len(counts))]) for _ in range(DRAWS)]
    return {k: (v, float(np.nanpercentile([d[k] for d in draws], 2.5)), float(np.nanpercentile([d[k] for d in draws], 97.5))) for k, v in point.items()}


def show(value: tuple[float, float, float]) -> str:
    v, low, high = value
    return "   –   " if np.isnan(v) else f"{v:.2f} [{low:.2f}–{high:.2f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heads", type=Path, help="folder of en.npz / zh.npz [the shipped nlp/models/events]")
    parser.add_argument("--articles", type=Path, help="the shared articles: a folder of .jsonl files or one file [../shared/data/articles]")
    parser.add_argument("--errors", action="store_true", help="also list each wrong article")
    args = parser.parse_args(argv)
    items = [i for i in load_labelled(args.articles) if i.split == "dev"]
    items += traditional_copies(items)
    entities = entities_for(items)
    extractor = EventExtractor(EventConfig() if args.heads is None else EventConfig(heads_dir=args.heads))
    started = time.perf_counter()
    results = extractor.extract(
        [{"text": i.text, "language": i.lang, "title": i.title, "entities": entities[i.id], "published_at": i.published_at} for i in items]
    )
    elapsed = time.perf_counter() - started
    rows: dict[tuple[str, str], list[np.ndarray]] = defaultdict(list)  # (system, group) -> per-article counts
    per_type: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    scores, truth, errors = [], [], []
    for item, result in zip(items, results, strict=True):
        real = item.origin.startswith("article")
        triggers, strong = keyword_baseline(item, entities[item.id]), strong_baseline(item)
        systems = {
            "model": (result["relevant"], {e.type for e in result["events"]}, result["events"]),
            "triggers": (bool(triggers), triggers, []),
            "strong phrases": (bool(strong), strong, []),
        }
        groups = [item.lang, "all"] if real else [f"written {item.lang}"]
        for system, (relevant, types, events) in systems.items():
            counts = article_counts(item, relevant, types, events)
            for group in groups:
                rows[(system, group)].append(counts)
            if real:
                gold_types = {e["type"] for e in item.events}
                for kind in EVENT_TYPES:
                    cell = per_type[(system, kind)]
                    cell[0] += kind in types and kind in gold_types
                    cell[1] += kind in types and kind not in gold_types
                    cell[2] += kind in gold_types and kind not in types
        if real:
            scores.append(result["relevance"])
            truth.append(item.relevant)
        model_types = {e.type for e in result["events"]}
        if args.errors and real and (result["relevant"] != item.relevant or model_types != {e["type"] for e in item.events}):
            gold = sorted({e["type"] for e in item.events}) or "-"
            errors.append(f"{item.id} [{item.lang}] gold {gold} model {sorted(model_types) or '-'} relevance {result['relevance']}")
    real_items = [i for i in items if i.origin.startswith("article")]
    by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in real_items:
        by_lang[item.lang][0] += 1
        by_lang[item.lang][1] += item.relevant
    print(f"real dev articles: {', '.join(f'{lang} {n} ({r} relevant)' for lang, (n, r) in sorted(by_lang.items()))}; events on all {len(items)} texts: {elapsed:.1f} s")
    print("95 % bootstrap intervals in brackets (articles resampled); zh-Hant = the zh articles converted by OpenCC, not independent")
    rng = np.random.default_rng(0)
    columns = ("relevance P", "relevance R", "relevance F1", "types F1", "key entities", "products")
    print(f"{'texts':16} {'system':15} " + " ".join(f"{c:>17}" for c in columns))
    for group in ("en", "zh", "zh-Hant", "all", "written en", "written zh", "written zh-Hant"):
        for system in SYSTEMS:
            if rows[(system, group)]:
                table = with_intervals(np.array(rows[(system, group)]), rng)
                print(f"{group:16} {system:15} " + " ".join(f"{show(table[c]):>17}" for c in columns))
    print("per type, real dev articles, all languages: P/R/F1 (model | triggers | strong phrases) and support")
    for kind in EVENT_TYPES:
        cells = [prf(*per_type[(system, kind)]) for system in SYSTEMS]
        support = per_type[("model", kind)][0] + per_type[("model", kind)][2]
        print(f"  {kind:20} " + " | ".join(f"{p:.2f}/{r:.2f}/{f:.2f}" for p, r, f in cells) + f"  n={support}")
    print("reliability of relevance, real dev articles (zh-Hant copies included):")
    probabilities, relevant = np.array(scores), np.array(truth, dtype=bool)
    for low, high in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:], strict=False):
        inside = (probabilities >= low) & (probabilities < high)
        if inside.any():
            print(f"  p {low:.1f}-{min(high, 1.0):.1f}: {int(inside.sum()):4} articles, mean predicted {probabilities[inside].mean():.3f}, "
                  f"observed {relevant[inside].mean():.3f} ({int(relevant[inside].sum())} relevant)")  # fmt: skip
    for line in errors:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
