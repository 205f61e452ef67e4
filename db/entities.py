"""Store what the entity layer found: mentions per article, the knowledge base's entities, and which
articles the current pipeline version has analysed. Pure storage: no NLP, no network."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlite_utils import Database

from core.records import Analysis, Document, now_utc


def save_entities(db: Database, entities: Iterable[Mapping[str, Any]]) -> int:
    """Insert or refresh the knowledge base's entities (id, name, kind, type, country, zh, zh_hant)."""
    rows = [dict(e) for e in entities]
    with db.atomic():
        db.table("entities").upsert_all(rows, pk="id")
    return len(rows)


def articles_to_analyze(db: Database, version: str, limit: int, after_id: int = 0) -> list[Document]:
    """Articles (id > after_id) not yet analysed by this pipeline version, oldest id first."""
    rows = db.execute(
        """SELECT a.id, a.text, a.lang, a.title, a.published_at FROM articles a
           LEFT JOIN article_analysis x ON x.article_id = a.id
           WHERE a.id > ? AND (x.pipeline_version IS NULL OR x.pipeline_version != ?)
           ORDER BY a.id LIMIT ?""",
        [after_id, version, limit],
    ).fetchall()
    return [Document(id=r[0], text=r[1], lang=r[2], title=r[3], published_at=r[4]) for r in rows]


def count_to_analyze(db: Database, version: str) -> int:
    return db.execute(
        """SELECT count(*) FROM articles a LEFT JOIN article_analysis x ON x.article_id = a.id
           WHERE x.pipeline_version IS NULL OR x.pipeline_version != ?""",
        [version],
    ).fetchone()[0]


def save_analyses(db: Database, results: Iterable[Analysis], version: str) -> int:
    """Replace the mentions and events of each analysed article and mark it done, all in one transaction."""
    results = list(results)
    when = now_utc()
    with db.atomic():
        for result in results:
            article_id = result.id
            db.execute("DELETE FROM event_entities WHERE event_id IN (SELECT id FROM events WHERE article_id = ?)", [article_id])
            db.execute("DELETE FROM events WHERE article_id = ?", [article_id])
            db.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
            db.conn.executemany(
                """INSERT INTO mentions (article_id, start_char, end_char, text, label, entity_id, name, listed, lists)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (
                        article_id,
                        e.start,
                        e.end,
                        e.text,
                        e.label,
                        e.entity_id,
                        e.name if e.entity_id is not None else None,
                        1 if e.sanctions else 0,
                        json.dumps([{"list": s.list, "name": s.name} for s in e.sanctions], ensure_ascii=False) if e.sanctions else None,
                    )
                    for e in result.entities
                ],
            )
            if result.events is not None:
                _save_events(db, article_id, result)
            db.execute(
                "INSERT OR REPLACE INTO article_analysis (article_id, pipeline_version, analyzed_at, relevant, relevance) VALUES (?, ?, ?, ?, ?)",
                [article_id, version, when, _flag(result.relevant), result.relevance],
            )
    return len(results)


def _flag(value: Any) -> int | None:
    return None if value is None else int(bool(value))


ROLES = (("actors", "actor"), ("targets", "target"), ("products", "product"))


def _save_events(db: Database, article_id: int, result: Analysis) -> None:
    """The article's events, each linked to the knowledge-base entities of the mentions in its
    evidence sentence whose canonical name is one of its arguments."""
    lang, published_at = db.execute("SELECT lang, published_at FROM articles WHERE id = ?", [article_id]).fetchone() or (None, None)
    month = published_at[:7] if published_at and len(published_at) >= 7 else None
    for event in result.events or []:
        cursor = db.execute(
            """INSERT INTO events (article_id, type, actors, targets, products, mechanism, amount, date, evidence,
                                   start_char, end_char, confidence, lang, published_at, month)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                article_id, event.type,
                *(json.dumps(getattr(event, key), ensure_ascii=False) for key, _ in ROLES),
                event.mechanism, event.amount, event.date, event.evidence,
                event.start, event.end, event.confidence, lang, published_at, month,
            ],
        )
        links = set()
        for mention in result.entities:
            if mention.entity_id and event.start <= mention.start and mention.end <= event.end:
                for key, role in ROLES:
                    if mention.name in getattr(event, key):
                        links.add((cursor.lastrowid, mention.entity_id, role))
        db.conn.executemany("INSERT OR IGNORE INTO event_entities (event_id, entity_id, role) VALUES (?, ?, ?)", sorted(links))


def linked_mentions(db: Database, article_ids: list[int]) -> list[tuple[int, str, str | None, int, str | None]]:
    """(article_id, entity_id, name, listed, lists) of every linked mention of the articles, each
    article's in text order: what search's JSON and the alert emails show of an article's entities."""
    if not article_ids or "mentions" not in db.table_names():
        return []
    marks = ",".join("?" * len(article_ids))
    return db.execute(
        f"SELECT article_id, entity_id, name, listed, lists FROM mentions WHERE article_id IN ({marks}) AND entity_id IS NOT NULL"
        " ORDER BY article_id, start_char",
        article_ids,
    ).fetchall()
