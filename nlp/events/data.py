"""The labelled event data: the project's labels of the shared development articles, and texts the
project wrote itself, each split into train and dev.

eval/data/events/labels/*.jsonl label the articles of ../shared/data/articles/dev.jsonl (part-*)
and pool.jsonl (pool-*) by id and character offsets (the articles are not shipped); eval/data/events/written.jsonl carries its own
texts. The split is fixed by eval/data/events/split.json, and written-train-*.jsonl are train only
(see eval/README.md); figures are
reported on dev only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "eval" / "data" / "events"
DEFAULT_ARTICLES = ROOT.parent / "shared" / "data" / "articles"  # dev.jsonl and pool.jsonl


@dataclass
class LabelledText:
    id: str
    lang: str
    text: str
    relevant: bool
    events: list[dict]
    sentence_types: list[tuple[int, int, list[str]]]  # (start, end, types) of the sentences that state events
    split: str
    origin: str  # "article" (shared dev set) or "written" (the project's own)
    published_at: str | None = None
    title: str = ""
    extra: dict = field(default_factory=dict)


class DataError(ValueError):
    pass


def load_split(path: Path | None = None) -> dict[str, str]:
    data = json.loads((path or DATA_DIR / "split.json").read_text(encoding="utf-8"))
    return {ident: name for name in ("train", "dev") for ident in data[name]}


def _read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{number}: not JSON: {exc}") from None


def load_labelled(articles_path: Path | None = None, *, include_articles: bool = True) -> list[LabelledText]:
    """Every labelled text with its split. The shared articles are needed only for their labels.

    articles_path: a folder of article files (every *.jsonl in it) or one file.
    """
    split = load_split()
    items: list[LabelledText] = []
    if include_articles:
        path = articles_path or DEFAULT_ARTICLES
        if not path.exists():
            raise DataError(f"{path}: the shared development articles are needed (give --articles PATH)")
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        articles = {row["id"]: row for file in files for row in _read_jsonl(file)}
        for label_file in sorted((DATA_DIR / "labels").glob("*.jsonl")):
            for label in _read_jsonl(label_file):
                article = articles.get(label["id"])
                if article is None:
                    raise DataError(f"{label_file}: {label['id']} is not in {path}")
                if hashlib.sha1(article["text"].encode("utf-8")).hexdigest() != label["text_sha1"]:
                    raise DataError(f"{label_file}: {label['id']}: the article's text changed since it was labelled")
                items.append(_item(label, article["text"], article.get("lang", label["lang"]), split, "article", article.get("date"), article.get("title", "")))
    for row in _read_jsonl(DATA_DIR / "written.jsonl"):
        items.append(_item(row, row["text"], row["lang"], split, "written", row.get("published_at"), row.get("title", "")))
    for path in sorted(DATA_DIR.glob("written-train-*.jsonl")):  # longer written texts, for training only
        for row in _read_jsonl(path):
            items.append(_item(row, row["text"], row["lang"], {row["id"]: "train"}, "written", row.get("published_at"), row.get("title", "")))
    return items


def _item(label: dict, text: str, lang: str, split: dict[str, str], origin: str, published_at: str | None, title: str) -> LabelledText:
    if label["id"] not in split:
        raise DataError(f"{label['id']} is in neither train nor dev of split.json")
    spans = [(s["start"], s["end"], list(s["types"])) for s in label.get("sentences", [])]
    for start, end, _ in spans:
        if not 0 <= start < end <= len(text):
            raise DataError(f"{label['id']}: sentence offsets {start}-{end} are outside the text")
    return LabelledText(
        id=label["id"], lang=lang, text=text, relevant=bool(label["relevant"]), events=label.get("events", []),
        sentence_types=spans, split=split[label["id"]], origin=origin, published_at=published_at, title=title,
        extra={"key_entities": list(label.get("key_entities", []))},
    )


def sentence_label(item: LabelledText, start: int, end: int) -> set[str]:
    """The types of the labelled sentences that overlap [start, end)."""
    types: set[str] = set()
    for s, e, kinds in item.sentence_types:
        if s < end and start < e:
            types.update(kinds)
    return types
