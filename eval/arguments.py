"""Event arguments on the real labelled articles: key-entity recall, product recall, actor and target accuracy.

    python -m eval.arguments --articles ../shared/data/articles            # real dev split (never tuned on)
    python -m eval.arguments --articles ../shared/data/articles --split train   # where rules are tuned

Over the relevant real articles of the split (labels in eval/data/events/labels, LABELING.md):
- key-entity recall: the label's key_entities found among the actors and targets of the
  article's events (and, beside it, among the names of its linked entity mentions);
- product recall: each labelled event's products found among the products of the article's
  events of the same type (any type, in brackets);
- actor / target accuracy: per labelled event with a system event of its type, whether the system
  event (the one whose sentence overlaps the label's evidence, else the first of the type) shares
  an actor (a target) with the label, or both have none.
With the labelled sentence: the same measures when the arguments are read from each labelled
event's own evidence sentence and type (what arguments.py does when the sentence is found;
the rows above also pay for the events the model misses).
Names compare case-folded; "H20" matches "Nvidia H20" (one ends with the other).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from nlp.events.data import DATA_DIR, load_labelled
from nlp.events.arguments import arguments_for
from nlp.events.extract import CONTEXT_CHARS, EventExtractor
from nlp.events.names import recover_mentions
from nlp.events.rules import folded_for
from nlp.places import place_english_names
from nlp.events.train import entities_for


def _same(a: str, b: str) -> bool:
    a, b = a.casefold().strip(), b.casefold().strip()
    return a == b or a.endswith(" " + b) or b.endswith(" " + a)


def _found(name: str, names: list[str]) -> bool:
    return any(_same(name, other) for other in names)


def key_entities() -> dict[str, list[str]]:
    found = {}
    for path in sorted((DATA_DIR / "labels").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                found[row["id"]] = row.get("key_entities") or []
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, help="folder of the shared article files [../shared/data/articles]")
    parser.add_argument("--split", default="dev", choices=("dev", "train"))
    parser.add_argument("--errors", action="store_true", help="list each miss")
    args = parser.parse_args(argv)
    items = [i for i in load_labelled(args.articles) if i.origin == "article" and i.split == args.split and i.relevant]
    keys = key_entities()
    entities = entities_for(items)
    results = EventExtractor().extract([{"text": i.text, "language": i.lang, "entities": entities[i.id], "title": i.title, "published_at": i.published_at} for i in items])
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # (lang, measure) -> hits, total
    misses = []
    places = place_english_names()
    for item, result in zip(items, results, strict=True):
        events = result["events"]
        parties = [n for e in events for n in e.actors + e.targets]
        linked = [m.name or m.text for m in entities[item.id]]
        for lang in (item.lang, "all"):
            for name in keys.get(item.id, []):
                counts[(lang, "key entities in events")][0] += _found(name, parties)
                counts[(lang, "key entities in events")][1] += 1
                counts[(lang, "key entities linked")][0] += _found(name, linked)
                counts[(lang, "key entities linked")][1] += 1
        for name in keys.get(item.id, []):
            if not _found(name, parties):
                misses.append(f"{item.id}: key entity {name!r} not in the events")
        for gold in item.events:
            same_type = [e for e in events if e.type == gold["type"]]
            typed_products = [p for e in same_type for p in e.products]
            all_products = [p for e in events for p in e.products]
            start, end = gold["evidence"]
            system = next((e for e in same_type if e.start < end and start < e.end), same_type[0] if same_type else None)
            for lang in (item.lang, "all"):
                for product in gold.get("products") or []:
                    counts[(lang, "products (same type)")][0] += _found(product, typed_products)
                    counts[(lang, "products (same type)")][1] += 1
                    counts[(lang, "products (any event)")][0] += _found(product, all_products)
                    counts[(lang, "products (any event)")][1] += 1
                if system is not None:
                    for role in ("actors", "targets"):
                        said, want = getattr(system, role), gold.get(role) or []
                        counts[(lang, role)][0] += (not said and not want) or any(_found(n, said) for n in want)
                        counts[(lang, role)][1] += 1
            oracle = arguments_for(gold["type"], item.text[start:end], folded_for(item.text, item.lang)[start:end], start,
                                   recover_mentions(item.text[start:end], start, [m for m in entities[item.id] if start <= m.start and m.end <= end], entities[item.id], places),
                                   item.lang, item.published_at, context=[m for m in entities[item.id] if start - CONTEXT_CHARS <= m.start and m.end <= start], title=item.title)
            for lang in (item.lang, "all"):
                for product in gold.get("products") or []:
                    counts[(lang, "sentence: products")][0] += _found(product, oracle["products"])
                    counts[(lang, "sentence: products")][1] += 1
                for role in ("actors", "targets"):
                    said, want = oracle[role], gold.get(role) or []
                    counts[(lang, "sentence: " + role)][0] += (not said and not want) or any(_found(n, said) for n in want)
                    counts[(lang, "sentence: " + role)][1] += 1
            if args.errors:
                misses.append(f"   sentence {gold['type']}: actors {gold.get('actors')} -> {oracle['actors']}; targets {gold.get('targets')} -> {oracle['targets']}; products {gold.get('products')} -> {oracle['products']}")
            for product in gold.get("products") or []:
                if not _found(product, typed_products):
                    misses.append(f"{item.id}: {gold['type']} product {product!r} missing (system: {sorted(set(typed_products))})")
            if system is not None and gold.get("actors") and not any(_found(n, system.actors) for n in gold["actors"]):
                misses.append(f"{item.id}: {gold['type']} actors {gold['actors']} got {system.actors}")
    print(f"relevant real {args.split} articles: {len(items)}")
    measures = ("key entities in events", "key entities linked", "products (same type)", "products (any event)", "actors", "targets")
    for group in (measures, ("sentence: products", "sentence: actors", "sentence: targets")):
        print(f"{'lang':6} " + " ".join(f"{m:>24}" for m in group))
        for lang in ("en", "zh", "all"):
            cells = [counts[(lang, m)] for m in group]
            print(f"{lang:6} " + " ".join((f"{h / n:.2f} ({h}/{n})" if n else "-").rjust(24) for h, n in cells))
    if args.errors:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
