"""Running a search: words through the FTS5 index, newest first or by bm25, or the filters alone.

The NLP filters (entity, event, relevance, listed parties) and the id window are conditions on
`articles`, joined to the index's matches; with no words they select the articles themselves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlite_utils import Database

from db.search.filters import Checked, Filters
from db.search.index import ID_MASK, TABLE, has_index, search_form, sort_key, lang_token
from db.search.parser import SearchError, Term, parse_query
from db.search.snippets import SNIPPET_CHARS_EN, snippet

logger = logging.getLogger(__name__)

TITLE_WEIGHT = 3.0  # bm25: a word in the title counts three times one in the text
_COLUMNS = "a.id, a.title, a.url, a.published_at, a.lang, a.source, a.text"


@dataclass
class Hit:
    id: int
    title: str | None
    url: str
    published_at: str | None
    lang: str | None
    source: str
    snippet: str


def search(db: Database, query: str, filters: Filters | None = None) -> list[Hit]:
    """Articles matching the query and the filters, newest first (or by relevance with filters.rank).

    With NLP filters (see Filters) the query may be empty. Raises SearchError, one line, for a
    query or filter it cannot search for.
    """
    checked = (filters or Filters()).checked()
    if checked.filters.narrows and not query.strip():
        return _filtered_articles(db, checked)
    parsed = parse_query(query)
    if not has_index(db):
        raise SearchError("this database has no search index yet (open it with chipwatch to upgrade it)")
    match = parsed.match
    if checked.lang_token is not None:
        match = f'lang : "{checked.lang_token}" AND {match}'
    index_where, index_params = [f"{TABLE} MATCH ?"], [match]
    article_where, article_params = [], []
    if checked.max_key is not None:
        index_where.append(f"{TABLE}.rowid < ?")
        index_params.append(checked.max_key)
    if checked.on_or_after:
        article_where.append("substr(a.published_at, 1, 10) >= ?")
        article_params.append(checked.on_or_after)
    if not checked.filters.include_duplicates:
        article_where.append("a.duplicate_of IS NULL")
    article_where += checked.where
    article_params += checked.params
    limit = checked.filters.limit
    try:
        if checked.filters.rank:
            rows = _ranked(db, index_where, index_params, article_where, article_params, limit)
        else:
            rows = _newest(db, index_where, index_params, article_where, article_params, limit)
    except Exception as exc:  # a bug in the parser must still be one line, not a traceback
        logger.error("search failed for %r (%s): %s", query, match, exc)
        raise SearchError(f"cannot search for {query.strip()[:60]!r}: {exc}") from exc
    return [
        Hit(id=r[0], title=r[1], url=r[2], published_at=r[3], lang=r[4], source=r[5], snippet=snippet(r[6], parsed.terms))
        for r in rows
    ]


def _filtered_articles(db: Database, checked: Checked) -> list[Hit]:
    """Articles passing the entity/event/relevance filters, newest first, when no words are searched for.

    The same filters as a word search, applied to the (usually few thousand at most) articles
    the filters select, ordered by the same newest-first key as the index. The snippet shows
    the entity's first mention, else the first evidence sentence of the event type, else the
    first mention of a listed party, else the article's start.
    """
    filters = checked.filters
    entity_id, event, token, max_key, on_or_after = filters.entity_id, checked.event, checked.lang_token, checked.max_key, checked.on_or_after
    candidates = []
    sql = f"SELECT a.id, a.published_at, a.lang, a.duplicate_of FROM articles a WHERE {' AND '.join(checked.where)}"
    for article_id, published_at, article_lang, duplicate_of in db.execute(sql, checked.params):
        key = sort_key(article_id, published_at)
        if (duplicate_of is not None and not filters.include_duplicates) or (token is not None and lang_token(article_lang) != token):
            continue
        if (max_key is not None and key >= max_key) or (on_or_after and (published_at or "")[:10] < on_or_after):
            continue
        candidates.append((key, article_id))
    chosen = [article_id for _, article_id in sorted(candidates)[: filters.limit]]
    marks = ",".join("?" * len(chosen))
    rows = {r[0]: r for r in db.execute(f"SELECT {_COLUMNS} FROM articles a WHERE a.id IN ({marks})", chosen)}
    if entity_id is not None:
        spans = db.execute(
            f"SELECT article_id, start_char, end_char FROM mentions WHERE entity_id = ? AND article_id IN ({marks}) ORDER BY article_id, start_char",
            [entity_id, *chosen],
        )
    elif event is not None:
        spans = db.execute(
            f"SELECT article_id, start_char, end_char FROM events WHERE type = ? AND article_id IN ({marks}) ORDER BY article_id, start_char",
            [event, *chosen],
        )
    elif filters.listed:
        spans = db.execute(
            f"SELECT article_id, start_char, end_char FROM mentions WHERE listed = 1 AND article_id IN ({marks}) ORDER BY article_id, start_char",
            chosen,
        )
    else:
        spans = []
    first_span: dict[int, tuple[int, int]] = {}
    for article_id, start, end in spans:
        first_span.setdefault(article_id, (start, end))
    hits = []
    for article_id in chosen:
        r = rows[article_id]
        text = r[6] or ""
        if article_id in first_span:
            start, end = first_span[article_id]
            if event is not None and entity_id is None:  # a sentence: show it, no highlight
                fragment = text[start:end]
                hit_snippet = fragment if len(fragment) <= SNIPPET_CHARS_EN else fragment[:SNIPPET_CHARS_EN] + "…"
            else:
                hit_snippet = snippet(text, [Term(search_form(text[start:end]))])
        else:
            hit_snippet = snippet(text, [])
        hits.append(Hit(id=r[0], title=r[1], url=r[2], published_at=r[3], lang=r[4], source=r[5], snippet=hit_snippet))
    return hits


def _newest(db: Database, index_where: list[str], index_params: list, article_where: list[str], article_params: list, limit: int) -> list:
    """Walk the match in key order (newest first) and stop at the limit: cost grows with the limit, not the match."""
    sql = f"""
        SELECT {_COLUMNS} FROM {TABLE} JOIN articles AS a ON a.id = {ID_MASK} - ({TABLE}.rowid & {ID_MASK})
        WHERE {' AND '.join(index_where + article_where)}
        ORDER BY {TABLE}.rowid LIMIT ?
    """
    return db.execute(sql, [*index_params, *article_params, limit]).fetchall()


def _ranked(db: Database, index_where: list[str], index_params: list, article_where: list[str], article_params: list, limit: int) -> list:
    """bm25 inside FTS5 for the best `window` matches, then the article filters; a wider window if too few survive.

    Joining every match to `articles` first would read each row (duplicate_of lies past the text).
    """
    window = max(4 * limit, 200)
    while True:
        sql = f"""
            SELECT {_COLUMNS} FROM (
                SELECT rowid AS key, bm25({TABLE}, {TITLE_WEIGHT}, 1.0, 0.0) AS score FROM {TABLE}
                WHERE {' AND '.join(index_where)} ORDER BY score, rowid LIMIT ?
            ) AS r JOIN articles AS a ON a.id = {ID_MASK} - (r.key & {ID_MASK})
            {'WHERE ' + ' AND '.join(article_where) if article_where else ''}
            ORDER BY r.score, r.key LIMIT ?
        """
        rows = db.execute(sql, [*index_params, window, *article_params, limit]).fetchall()
        if len(rows) >= limit or not article_where:
            return rows
        seen = db.execute(f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {' AND '.join(index_where)} LIMIT ?)", [*index_params, window]).fetchone()[0]
        if seen < window:
            return rows
        window *= 8
