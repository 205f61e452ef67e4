"""`chipwatch search --json`: each hit with what the pipeline knows of its article (entities with
their listing flags, events with their parties), so a script needs no second query."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlite_utils import Database

from db.entities import linked_mentions


def _list(value: str | None) -> Any:
    try:
        return json.loads(value or "[]")
    except ValueError:
        return []


def details(db: Database, article_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per article: `entities` (linked ones, first mention first: id, name, listed, lists), `events`
    (type, actors, targets, products, mechanism, amount, date, evidence, confidence) and `listed`."""
    found: dict[int, dict[str, Any]] = {i: {"entities": [], "events": [], "listed": False} for i in article_ids}
    if not article_ids or "mentions" not in db.table_names():
        return found
    marks = ",".join("?" * len(article_ids))
    seen: dict[tuple[int, str], dict[str, Any]] = {}
    for article_id, entity_id, name, listed, lists in linked_mentions(db, article_ids):
        entity = seen.get((article_id, entity_id))
        if entity is None:
            entity = seen[(article_id, entity_id)] = {"id": entity_id, "name": name or entity_id, "listed": False, "lists": []}
            found[article_id]["entities"].append(entity)
        if listed:
            entity["listed"] = found[article_id]["listed"] = True
            for entry in _list(lists):
                label = entry.get("list") if isinstance(entry, dict) else None
                if label and label not in entity["lists"]:
                    entity["lists"].append(label)
    if "events" in db.table_names():
        for article_id, kind, actors, targets, products, mechanism, amount, date, evidence, confidence in db.execute(
            "SELECT article_id, type, actors, targets, products, mechanism, amount, date, evidence, confidence FROM events"
            f" WHERE article_id IN ({marks}) ORDER BY article_id, start_char",
            article_ids,
        ):
            found[article_id]["events"].append({
                "type": kind, "actors": _list(actors), "targets": _list(targets), "products": _list(products),
                "mechanism": mechanism, "amount": amount, "date": date, "evidence": evidence, "confidence": confidence,
            })  # fmt: skip
    return found


def hit_lines(db: Database, hits: list[Any]) -> list[str]:
    """One JSON object per hit: its search fields, then entities, events and listed."""
    extra = details(db, [hit.id for hit in hits])
    return [json.dumps(asdict(hit) | extra[hit.id], ensure_ascii=False) for hit in hits]
