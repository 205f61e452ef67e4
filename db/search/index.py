"""The search form of a text and the FTS5 index that holds it (see the package docstring for why)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from core.language import normalise_tag
from core.script import HAN_BMP_RANGES, HAN_CLASS, fold_table

logger = logging.getLogger(__name__)

TABLE = "articles_search"
SEP = "\ue000"  # sentence-break token; private-use characters in texts and queries become spaces

ID_BITS = 29  # article ids up to 536 870 911
ID_MASK = (1 << ID_BITS) - 1
MAX_SECONDS = (1 << 34) - 1  # seconds since 1900: until the year 2444
EPOCH = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)
INDEX_BATCH = 500

_SUPPLEMENTARY_HAN_RE = re.compile(r"([\U00020000-\U0003134f])")
_SUPPLEMENTARY_PRIVATE_RE = re.compile(r"[\U000f0000-\U0010ffff]")
# `.`, `,` and `:` between two letters or digits (3.5, U.S, 1,000, 10:30) join a word; elsewhere they end a clause
_ASCII_BREAK_RE = re.compile(r"[;!?]|(?<![A-Za-z0-9])[.,:]|[.,:](?![A-Za-z0-9])")
CJK_BREAKS = "。、；：？！…‥｡､︰\n\r\u2028\u2029\u0085"
_TOKEN_CHAR_RE = re.compile(rf"[^\W_]|[{HAN_CLASS}]")


@lru_cache(maxsize=1)
def _form_table() -> dict[int, str]:
    """One str.translate pass: Han → ` simplified `, clause breaks → ` SEP `, controls and private use → space."""
    t2s = fold_table()
    table: dict[int, str] = {}
    for start, stop in HAN_BMP_RANGES:
        for code in range(start, stop):
            char = chr(code)
            table[code] = f" {t2s.get(char, char)} "
    for char, simple in t2s.items():  # a few lie outside the ranges above
        table[ord(char)] = f" {simple} "
    table[0x3007] = " \u3007 "
    for char in CJK_BREAKS:
        table[ord(char)] = f" {SEP} "
    for code in [*range(0x20), 0x7F, *range(0xE000, 0xF900)]:
        table.setdefault(code, " ")
    return table


def search_form(text: str | None) -> str:
    """The text as the index sees it: Simplified, one token per Han character, SEP at clause breaks.

    >>> search_form("華為的Ａ１００晶片。")
    ' 华  为  的 A100 晶  片  \\ue000 '
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    if _SUPPLEMENTARY_PRIVATE_RE.search(text):
        text = _SUPPLEMENTARY_PRIVATE_RE.sub(" ", text)
    text = text.translate(_form_table())
    if _SUPPLEMENTARY_HAN_RE.search(text):
        text = _SUPPLEMENTARY_HAN_RE.sub(r" \1 ", text)
    return _ASCII_BREAK_RE.sub(f" {SEP} ", text)


def has_token(form: str) -> bool:
    return bool(_TOKEN_CHAR_RE.search(form))


def sort_key(article_id: int, published_at: str | None) -> int:
    """The index rowid: ascending = newest first, articles without a readable date last, then by id."""
    if not 0 < article_id <= ID_MASK:
        raise ValueError(f"article id {article_id} does not fit the search key")
    seconds = iso_seconds(published_at)
    age = MAX_SECONDS if seconds is None else MAX_SECONDS - min(max(seconds, 0), MAX_SECONDS)
    # newest first, and among articles of the same second the later id first
    return (age << ID_BITS) | (ID_MASK - article_id)


def article_id(key: int) -> int:
    return ID_MASK - (key & ID_MASK)


def iso_seconds(iso: str | None) -> int | None:
    """Seconds since 1900 (UTC) of an ISO-8601 date or datetime; naive times are UTC; None if unreadable."""
    if not iso:
        return None
    try:
        when = dt.datetime.fromisoformat(iso.strip().replace("Z", "+00:00"))
    except (ValueError, TypeError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return int((when - EPOCH).total_seconds())


def lang_token(lang: str | None) -> str:
    """The index's `lang` column: zh (Simplified), zhhant, en, another code's primary subtag, "und" for none."""
    code = normalise_tag(lang)
    if code is None:
        return "und"
    return "zhhant" if code == "zh-Hant" else code


def create_index(db: Database) -> None:
    """Create the search index table (empty); the migration fills it with index_all().

    `lang` is in the index, not only in `articles`, so that a filter that leaves few of many
    matches (芯片 --lang en) is an FTS5 AND instead of a walk over every match.
    """
    db.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, body, lang, content='', tokenize='unicode61 remove_diacritics 2')"
    )


def has_index(db: Database) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [TABLE]).fetchone() is not None


def index_articles(db: Database, rows: Iterable[Mapping[str, Any]]) -> int:
    """Add articles (mappings with id, title, text, lang, published_at) to the index; returns how many.

    Does nothing before the migration that creates the index has run: it indexes every row then.
    """
    if not has_index(db):
        return 0
    values = [
        (
            sort_key(row["id"], row.get("published_at")),
            search_form(row.get("title")),
            search_form(row.get("text")),
            lang_token(row.get("lang")),
        )
        for row in rows
    ]
    db.conn.executemany(f"INSERT INTO {TABLE} (rowid, title, body, lang) VALUES (?, ?, ?, ?)", values)
    return len(values)


def index_all(db: Database, batch_size: int | None = None) -> int:
    """(Re)build the index from every article, in batches; returns how many were indexed."""
    batch_size = batch_size or INDEX_BATCH
    db.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('delete-all')")
    done, last_id = 0, 0
    while True:
        batch = db.execute(
            "SELECT id, title, text, lang, published_at FROM articles WHERE id > ? ORDER BY id LIMIT ?", [last_id, batch_size]
        ).fetchall()
        if not batch:
            break
        done += index_articles(db, (dict(zip(("id", "title", "text", "lang", "published_at"), r)) for r in batch))
        last_id = batch[-1][0]
        logger.info("search index: %d articles", done)
    return done
