"""Train the event heads (nlp/models/events/<en|zh>.npz) from the train split of the labelled data.

    python -m nlp.events.train                      # the shipped defaults: MiniLM for en, USE for zh
    python -m nlp.events.train --encoder-en use --out /tmp/heads
    python -m nlp.events.train --encoder-zh path/or/hub-id-of-a-multilingual-encoder

Training examples are the candidate sentences of the training texts (what the extractor will
see), labelled with the types of the labelled sentences they overlap, plus labelled sentences
no trigger caught. The pooling (nlp/events/extract.py: decide) and the probability threshold are
chosen by 5-fold cross-validation over the training texts (F1 of the event types each text
gets); the dev split is never looked at. The entities the features need come from the entity layer, cached in
eval/.cache/ by text hash. Takes about two minutes on 2 cores, most of it Chinese NER.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.records import Mention
from core.script import fold
from core.vocab import EVENT_TYPES
from nlp.events.data import ROOT, LabelledText, load_labelled, sentence_label
from nlp.events.extract import (
    POOLINGS,
    Candidate,
    candidates,
    decide,
    model_text,
    published_year,
    rule_features,
)
from nlp.events.lexicon import lexicon_lang
from nlp.events.model import MINILM, MODELS_DIR, USE, load_encoder, train_head

CACHE = ROOT / "eval" / ".cache" / "entities.jsonl"
DEFAULT_ENCODERS = {"en": MINILM, "zh": USE}


def entities_for(items: list[LabelledText]) -> dict[str, list[Mention]]:
    """The entity layer's mentions per text, computed once per text content and cached."""
    cache: dict[str, list[Mention]] = {}
    if CACHE.exists():
        for line in CACHE.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            cache[row["key"]] = [Mention.from_dict(m) for m in row["entities"]]
    keys = {item.id: hashlib.sha1(f"{item.lang}\n{item.text}".encode()).hexdigest() for item in items}
    missing = [item for item in items if keys[item.id] not in cache]
    if missing:
        from nlp.analyze import Analyzer

        logging.getLogger(__name__).info("running the entity layer on %d texts", len(missing))
        results = Analyzer().analyze({"id": item.id, "text": item.text, "lang": item.lang} for item in missing)
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        with open(CACHE, "a", encoding="utf-8") as handle:
            for item, result in zip(missing, results, strict=True):
                cache[keys[item.id]] = result.entities
                handle.write(json.dumps({"key": keys[item.id], "entities": [m.to_dict() for m in result.entities]}, ensure_ascii=False) + "\n")
    return {item.id: cache[keys[item.id]] for item in items}


@dataclass
class Examples:
    candidates: list[Candidate]  # candidate sentences, then labelled sentences no trigger caught
    years: list[int | None]
    labels: np.ndarray  # (sentences, types)
    owners: list[int]  # the text each sentence comes from
    is_candidate: list[bool]  # False for the labelled sentences no trigger caught (never seen at run time)
    titles: list[Candidate]  # headline candidates, scored but never trained on
    title_owners: list[int]
    title_years: list[int | None]


def examples(items: list[LabelledText], entities: dict[str, list[dict[str, Any]]]) -> Examples:
    found = Examples([], [], np.zeros((0, len(EVENT_TYPES))), [], [], [], [], [])
    labels = []
    for number, item in enumerate(items):
        year = published_year(item.published_at)
        covered = set()
        for c in candidates(item.text, item.lang, entities[item.id]):
            kinds = sentence_label(item, c.start, c.end)
            covered.update((s, e) for s, e, _ in item.sentence_types if s < c.end and c.start < e)
            found.candidates.append(c)
            labels.append([1.0 if k in kinds else 0.0 for k in EVENT_TYPES])
            found.owners.append(number)
            found.is_candidate.append(True)
        folded = fold(item.text) if lexicon_lang(item.lang) == "zh" else item.text
        for s, e, kinds in item.sentence_types:
            if (s, e) not in covered:  # a labelled sentence no trigger caught: still worth learning from
                inside = [m for m in entities[item.id] if s <= m["start"] and m["end"] <= e]
                found.candidates.append(Candidate(s, e, item.text[s:e], folded[s:e], [], inside, model_text(item.text[s:e], item.lang), item.lang))
                labels.append([1.0 if k in kinds else 0.0 for k in EVENT_TYPES])
                found.owners.append(number)
                found.is_candidate.append(False)
        found.years += [year] * (len(found.owners) - len(found.years))
        for c in candidates(item.title, item.lang, []):
            found.titles.append(c)
            found.title_owners.append(number)
            found.title_years.append(year)
    found.labels = np.array(labels, dtype=np.float32).reshape(-1, len(EVENT_TYPES))
    return found


THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(13))  # 0.3 ... 0.9
FOLDS = 5
POOLING_MARGIN = 0.02


def choose_decision(x: np.ndarray, xt: np.ndarray, data: Examples, items: list[LabelledText], encoder: str) -> tuple[float, str, dict[str, float]]:
    """The pooling and probability threshold with the best F1 of (text, event type) pairs, out of
    fold over the training texts: each text is decided by a head that never saw it, exactly as
    the extractor decides (nlp/events/extract.py: decide)."""
    owners, title_owners = np.array(data.owners), np.array(data.title_owners, dtype=int)
    oof, oof_titles = np.zeros_like(data.labels), np.zeros((len(xt), len(EVENT_TYPES)))
    for fold_number in range(FOLDS):
        held, held_titles = owners % FOLDS == fold_number, title_owners % FOLDS == fold_number
        if held.any() and (~held).any():
            head = train_head(x[~held], data.labels[~held], encoder=encoder)
            oof[held] = head.probabilities(x[held])
            if held_titles.any():
                oof_titles[held_titles] = head.probabilities(xt[held_titles])
    gold = {(i, kind) for i, item in enumerate(items) for kind in {e["type"] for e in item.events}}
    live = np.array(data.is_candidate)
    per_text = [(np.nonzero((owners == i) & live)[0], np.nonzero(title_owners == i)[0]) for i in range(len(items))]
    scores: dict[str, float] = {}
    for pooling in POOLINGS:
        for threshold in THRESHOLDS:
            predicted = set()
            for i, (rows, title_rows) in enumerate(per_text):
                if len(rows):
                    title = oof_titles[title_rows].max(axis=0) if len(title_rows) else None
                    found, _ = decide(oof[rows], threshold, pooling, title)
                    predicted |= {(i, EVENT_TYPES[j]) for _, j, _ in found}
            tp = len(predicted & gold)
            scores[f"{pooling} {threshold}"] = round(2 * tp / (len(predicted) + len(gold)), 4) if predicted or gold else 0.0
    best = {pooling: max((k for k in scores if k.startswith(pooling)), key=lambda k: (scores[k], -abs(float(k.split()[1]) - 0.5))) for pooling in POOLINGS}
    # the simpler decision unless pooling is clearly better: differences below the margin are noise on this little data
    chosen = best["noisy_or"] if scores[best["noisy_or"]] >= scores[best["max"]] + POOLING_MARGIN else best["max"]
    pooling, threshold = chosen.split()
    return float(threshold), pooling, scores


def features(encoder_name: str, items: list[Candidate], years: list[int | None]) -> np.ndarray:
    encoder = load_encoder(encoder_name)
    vectors = encoder.encode([c.model_text for c in items])
    return np.hstack([vectors, np.array([rule_features(c, y) for c, y in zip(items, years, strict=True)], dtype=np.float32)])


def train(family: str, encoder_name: str, out_dir: Path, articles: Path | None) -> dict[str, Any]:
    items = [i for i in load_labelled(articles) if i.split == "train" and lexicon_lang(i.lang) == family]
    entities = entities_for(items)
    data = examples(items, entities)
    both = features(encoder_name, data.candidates + data.titles, data.years + data.title_years)
    x, xt = both[: len(data.candidates)], both[len(data.candidates) :]
    threshold, pooling, scores = choose_decision(x, xt, data, items, encoder_name)
    head = train_head(
        x, data.labels, encoder=encoder_name, threshold=threshold,
        meta={"family": family, "pooling": pooling, "texts": len(items), "sentences": len(data.candidates),
              "positives": {k: int(data.labels[:, j].sum()) for j, k in enumerate(EVENT_TYPES)},
              "out_of_fold_f1": scores, "command": " ".join(["python -m nlp.events.train", *sys.argv[1:]])},
    )  # fmt: skip
    head.save(out_dir / f"{family}.npz")
    return {**head.meta, "threshold": head.threshold}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder-en", default=DEFAULT_ENCODERS["en"], help="minilm (default), use, none, or an HF path / hub id")
    parser.add_argument("--encoder-zh", default=DEFAULT_ENCODERS["zh"], help="use (default), none, or an HF path / hub id")
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--articles", type=Path, help="the shared development articles: a folder of .jsonl files or one file [../shared/data/articles]")
    parser.add_argument("--only", choices=("en", "zh"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for family, encoder_name in (("en", args.encoder_en), ("zh", args.encoder_zh)):
        if args.only and family != args.only:
            continue
        meta = train(family, encoder_name, args.out, args.articles)
        decision = f"{meta['pooling']} {meta['threshold']}"
        print(
            f"{family}: {encoder_name}: {meta['texts']} texts, {meta['sentences']} sentences, positives {meta['positives']}, "
            f"decision {decision} (out-of-fold F1 {meta['out_of_fold_f1'][decision]}) -> {args.out / (family + '.npz')}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
