"""Train the event heads (nlp/models/events/<en|zh>.npz) from the train split of the labelled data.

    python -m nlp.events.train                      # the shipped defaults: MiniLM for en, USE for zh
    python -m nlp.events.train --encoder-en use --out /tmp/heads
    python -m nlp.events.train --encoder-zh path/or/hub-id-of-a-multilingual-encoder

Training examples are the candidate sentences of the training texts (what the extractor will
see), labelled with the types of the labelled sentences they overlap, plus labelled sentences
no trigger caught. The entities the features need come from the entity layer, cached in
eval/.cache/ by text hash. Takes about two minutes on 2 cores, most of it Chinese NER.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np

from nlp.events import EVENT_TYPES
from nlp.events.data import ROOT, LabelledText, load_labelled, sentence_label
from nlp.events.extract import Candidate, candidates, published_year, rule_features
from nlp.events.lexicon import lexicon_lang
from nlp.events.model import MINILM, MODELS_DIR, USE, load_encoder, train_head
from nlp.events.text import fold

CACHE = ROOT / "eval" / ".cache" / "entities.jsonl"
DEFAULT_ENCODERS = {"en": MINILM, "zh": USE}


def entities_for(items: list[LabelledText]) -> dict[str, list[dict[str, Any]]]:
    """The entity layer's mentions per text, computed once per text content and cached."""
    cache: dict[str, list[dict[str, Any]]] = {}
    if CACHE.exists():
        for line in CACHE.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            cache[row["key"]] = row["entities"]
    keys = {item.id: hashlib.sha1(f"{item.lang}\n{item.text}".encode()).hexdigest() for item in items}
    missing = [item for item in items if keys[item.id] not in cache]
    if missing:
        from nlp.analyze import Analyzer

        logging.getLogger(__name__).info("running the entity layer on %d texts", len(missing))
        results = Analyzer().analyze({"id": item.id, "text": item.text, "lang": item.lang} for item in missing)
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        with open(CACHE, "a", encoding="utf-8") as handle:
            for item, result in zip(missing, results, strict=True):
                cache[keys[item.id]] = result["entities"]
                handle.write(json.dumps({"key": keys[item.id], "entities": result["entities"]}, ensure_ascii=False) + "\n")
    return {item.id: cache[keys[item.id]] for item in items}


def examples(items: list[LabelledText], entities: dict[str, list[dict[str, Any]]]) -> tuple[list[Candidate], list[int | None], np.ndarray]:
    found, years, labels = [], [], []
    for item in items:
        cands = candidates(item.text, item.lang, entities[item.id])
        covered = set()
        for c in cands:
            kinds = sentence_label(item, c.start, c.end)
            covered.update((s, e) for s, e, _ in item.sentence_types if s < c.end and c.start < e)
            found.append(c)
            years.append(published_year(item.published_at))
            labels.append([1.0 if k in kinds else 0.0 for k in EVENT_TYPES])
        folded = fold(item.text) if lexicon_lang(item.lang) == "zh" else item.text
        for s, e, kinds in item.sentence_types:
            if (s, e) not in covered:  # a labelled sentence no trigger caught: still worth learning from
                inside = [m for m in entities[item.id] if s <= m["start"] and m["end"] <= e]
                found.append(Candidate(s, e, item.text[s:e], folded[s:e], [], inside))
                years.append(published_year(item.published_at))
                labels.append([1.0 if k in kinds else 0.0 for k in EVENT_TYPES])
    return found, years, np.array(labels, dtype=np.float32).reshape(-1, len(EVENT_TYPES))


def features(encoder_name: str, family: str, items: list[Candidate], years: list[int | None]) -> np.ndarray:
    encoder = load_encoder(encoder_name)
    vectors = encoder.encode([c.folded if family == "zh" else c.text for c in items])
    return np.hstack([vectors, np.array([rule_features(c, y) for c, y in zip(items, years, strict=True)], dtype=np.float32)])


def train(family: str, encoder_name: str, out_dir: Path, articles: Path | None) -> dict[str, Any]:
    items = [i for i in load_labelled(articles) if i.split == "train" and lexicon_lang(i.lang) == family]
    entities = entities_for(items)
    found, years, labels = examples(items, entities)
    head = train_head(
        features(encoder_name, family, found, years), labels, encoder=encoder_name,
        meta={"family": family, "texts": len(items), "sentences": len(found), "positives": {k: int(labels[:, j].sum()) for j, k in enumerate(EVENT_TYPES)},
              "command": " ".join(["python -m nlp.events.train", *sys.argv[1:]])},
    )
    head.save(out_dir / f"{family}.npz")
    return head.meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder-en", default=DEFAULT_ENCODERS["en"], help="minilm (default), use, none, or an HF path / hub id")
    parser.add_argument("--encoder-zh", default=DEFAULT_ENCODERS["zh"], help="use (default), none, or an HF path / hub id")
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--articles", type=Path, help="the shared development articles [../shared/data/articles/dev.jsonl]")
    parser.add_argument("--only", choices=("en", "zh"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for family, encoder_name in (("en", args.encoder_en), ("zh", args.encoder_zh)):
        if args.only and family != args.only:
            continue
        meta = train(family, encoder_name, args.out, args.articles)
        print(f"{family}: {encoder_name}: {meta['texts']} texts, {meta['sentences']} sentences, positives {meta['positives']} -> {args.out / (family + '.npz')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
