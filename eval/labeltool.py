"""Labelling helper for the shared real articles: show one with numbered sentences, check label files.

    python eval/labeltool.py show dev-17 pool-3        # title, date, source, then [n] start-end sentence
    python eval/labeltool.py show pool-3 --grep 实体清单  # only the sentences holding a word
    python eval/labeltool.py check eval/data/events/labels/pool-part-1.jsonl
    python eval/labeltool.py todo FILE... --ids pool-1,pool-2   # which of these ids no file labels yet

The articles are read from ../shared/data/articles/{dev,pool}.jsonl (never copied here). Sentence
offsets are those of nlp.events.text.sentences, the splitter the event layer uses, so a label's
evidence is exactly a sentence the extractor sees. Format and judgement calls: eval/data/events/LABELING.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.vocab import EVENT_TYPES, MECHANISMS  # noqa: E402
from nlp.events.text import sentences  # noqa: E402

ARTICLE_FILES = [ROOT.parent / "shared" / "data" / "articles" / name for name in ("dev.jsonl", "pool.jsonl")]
KEYS = {"id", "lang", "text_sha1", "relevant", "events", "sentences", "key_entities", "note"}
EVENT_KEYS = {"type", "actors", "targets", "products", "mechanism", "amount", "date", "evidence"}


def load_articles() -> dict[str, dict]:
    articles: dict[str, dict] = {}
    for path in ARTICLE_FILES:
        if path.exists():
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        row = json.loads(line)
                        articles[row["id"]] = row
    return articles


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def show(article: dict, grep: str | None) -> None:
    text = article["text"]
    print(f"== {article['id']}  lang={article['lang']}  date={article.get('date')}  source={article.get('source')}")
    print(f"   url={article.get('url')}")
    print(f"   title={article.get('title')}")
    print(f"   text_sha1={sha1(text)}  chars={len(text)}")
    for number, (start, end) in enumerate(sentences(text)):
        sentence = text[start:end]
        if grep and grep not in sentence:
            continue
        print(f"[{number}] {start}-{end}: {sentence}", flush=False)
    print()


def check_line(label: dict, articles: dict[str, dict]) -> list[str]:
    """Problems with one label line, each a short phrase."""
    problems = []
    missing = {"id", "lang", "text_sha1", "relevant", "events", "sentences"} - label.keys()
    if missing:
        return [f"missing keys {sorted(missing)}"]
    unknown = label.keys() - KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    article = articles.get(label["id"])
    if article is None:
        return problems + [f"no article {label['id']}"]
    text = article["text"]
    if label["text_sha1"] != sha1(text):
        problems.append("text_sha1 does not match the article")
    if label["lang"] != article["lang"]:
        problems.append(f"lang {label['lang']!r} is not the article's {article['lang']!r}")
    bounds = set(sentences(text))
    spans = []
    for s in label["sentences"]:
        span = (s.get("start"), s.get("end"))
        if span not in bounds:
            problems.append(f"sentence {span} is not a sentence of the splitter (use `show`)")
        bad = [t for t in s.get("types", []) if t not in EVENT_TYPES]
        if bad or not s.get("types"):
            problems.append(f"sentence {span}: types {s.get('types')} (valid: {', '.join(EVENT_TYPES)})")
        spans.append(span)
    if not label["relevant"] and (label["events"] or label["sentences"]):
        problems.append("not relevant but has events or sentences")
    if label["relevant"] and not label["events"]:
        problems.append("relevant but no events")
    for n, event in enumerate(label["events"]):
        where = f"event {n}"
        if set(event) != EVENT_KEYS:
            problems.append(f"{where}: keys must be exactly {sorted(EVENT_KEYS)}")
            continue
        if event["type"] not in EVENT_TYPES:
            problems.append(f"{where}: unknown type {event['type']!r}")
        if event["type"] == "circumvention":
            if event["mechanism"] not in MECHANISMS:
                problems.append(f"{where}: circumvention needs mechanism in {MECHANISMS}")
        elif event["mechanism"] is not None:
            problems.append(f"{where}: mechanism only for circumvention")
        for key in ("actors", "targets", "products"):
            if not isinstance(event[key], list) or not all(isinstance(v, str) and v.strip() for v in event[key]):
                problems.append(f"{where}: {key} must be a list of names")
        evidence = tuple(event["evidence"]) if isinstance(event["evidence"], list) else None
        if evidence not in spans:
            problems.append(f"{where}: evidence {event['evidence']} is not one of the labelled sentences")
        else:
            types = next(s["types"] for s in label["sentences"] if (s["start"], s["end"]) == evidence)
            if event["type"] not in types:
                problems.append(f"{where}: its evidence sentence is not labelled {event['type']}")
    entities = label.get("key_entities", [])
    if not isinstance(entities, list) or not all(isinstance(v, str) and v.strip() for v in entities):
        problems.append("key_entities must be a list of names")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show_p = sub.add_parser("show")
    show_p.add_argument("ids", nargs="+")
    show_p.add_argument("--grep")
    check_p = sub.add_parser("check")
    check_p.add_argument("files", nargs="+", type=Path)
    todo_p = sub.add_parser("todo")
    todo_p.add_argument("files", nargs="*", type=Path)
    todo_p.add_argument("--ids", required=True, help="comma-separated ids, or a range pool-1..pool-120")
    args = parser.parse_args(argv)
    articles = load_articles()
    if args.command == "show":
        for ident in args.ids:
            if ident not in articles:
                print(f"no article {ident}", file=sys.stderr)
                return 1
            show(articles[ident], args.grep)
        return 0
    if args.command == "todo":
        wanted = expand_ids(args.ids)
        done = {json.loads(line)["id"] for path in args.files if path.exists() for line in path.open(encoding="utf-8") if line.strip()}
        print(" ".join(i for i in wanted if i not in done))
        return 0
    failed = 0
    seen: dict[str, str] = {}
    for path in args.files:
        for number, line in enumerate(path.open(encoding="utf-8"), start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                label = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{where}: not JSON: {exc}")
                failed += 1
                continue
            problems = check_line(label, articles)
            if label.get("id") in seen:
                problems.append(f"labelled twice (also {seen[label['id']]})")
            seen[label.get("id")] = where
            for problem in problems:
                print(f"{where}: {label.get('id')}: {problem}")
            failed += bool(problems)
    print(f"{len(seen)} labels, {failed} with problems", file=sys.stderr)
    return 1 if failed else 0


def expand_ids(spec: str) -> list[str]:
    ids = []
    for part in spec.split(","):
        if ".." in part:
            first, last = part.split("..")
            prefix = first.rsplit("-", 1)[0]
            ids += [f"{prefix}-{n}" for n in range(int(first.rsplit("-", 1)[1]), int(last.rsplit("-", 1)[1]) + 1)]
        elif part:
            ids.append(part)
    return ids


if __name__ == "__main__":
    sys.exit(main())
