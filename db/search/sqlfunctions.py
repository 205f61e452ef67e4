"""SQL functions for Datasette's stored queries (the plugin's prepare_connection calls register_sql_functions)."""

from __future__ import annotations

import sqlite3

from db.search.index import article_id
from db.search.parser import SearchError, parse_query
from db.search.snippets import snippet

SNIPPET_MAX_CHARS = 200_000  # a snippet is found in the first 200k characters: no article is longer, a crafted value may be

def register_sql_functions(conn: sqlite3.Connection) -> None:
    """chipwatch_match(q) → the MATCH expression ('""', which matches nothing, for an unsearchable q);
    chipwatch_article_id(rowid) → the article id of an index row; chipwatch_snippet(text, q).

        SELECT a.id, a.title, chipwatch_snippet(a.text, :q) FROM articles_search AS s
        JOIN articles AS a ON a.id = chipwatch_article_id(s.rowid)
        WHERE articles_search MATCH chipwatch_match(:q) AND a.duplicate_of IS NULL ORDER BY s.rowid LIMIT 50
    """

    def match(query: str | None) -> str:
        try:
            return parse_query(query or "").match
        except SearchError:
            return '""'

    def marked(text: str | None, query: str | None) -> str:
        if isinstance(text, str) and len(text) > SNIPPET_MAX_CHARS:
            text = text[:SNIPPET_MAX_CHARS]
        if isinstance(query, str) and len(query) > SNIPPET_MAX_CHARS:
            query = query[:SNIPPET_MAX_CHARS]
        try:
            return snippet(text, parse_query(query or "").terms)
        except SearchError:
            return snippet(text, [])

    conn.create_function("chipwatch_match", 1, match, deterministic=True)
    conn.create_function("chipwatch_article_id", 1, lambda key: None if key is None else article_id(key), deterministic=True)
    conn.create_function("chipwatch_snippet", 2, marked, deterministic=True)
