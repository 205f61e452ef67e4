"""Full-text search over articles that is correct for Chinese (Simplified and Traditional) and English.

SQLite's unicode61 tokenizer keeps a run of Han characters as one token, so 华为 would only
match where it stands between spaces or punctuation; `trigram` never matches terms of one or two
characters, which is most Chinese words (芯片, 华为, 制裁); a word segmenter (jieba) errs on exactly
the names analysts look for, and can cut the same word differently in a query and in a sentence.
So the index holds a *search form* of each title and text, computed here in Python and tokenized
by plain unicode61:

- NFKC (full-width ＡＩ１００ and ，become AI100 and ,), then Traditional characters to Simplified
  through chipwatch's one fold table (core/script.py: OpenCC's character tables, closed so that
  both scripts of a word end at one form). A table, not OpenCC's phrase converter: a query has
  no context, so the mapping must not depend on context, and it is 8x faster (2 100 against
  270 articles/s for the whole search form).
- every Han character is its own token (`华 为`); Latin words and numbers stay words (A100, H20,
  910B), which unicode61 case-folds and strips of accents.
- a clause or sentence break (。，、；：？！, a line break, `.` `,` `:` except inside a word such as
  3.5 or U.S) becomes the token U+E000, so no phrase matches across it.

A query goes through the same transform, and a Chinese word becomes the phrase of its characters
("华为" → `"华 为"`): it matches exactly where those characters are adjacent, in either script,
with no segmentation errors, and one-character words work too.

The FTS5 table is contentless (the text is in `articles`; snippets are cut from the original
text), with a `lang` column, and its rowid is a key that sorts newest first rather than the
article id: `(MAX_SECONDS - seconds since 1900 of published_at) << 29 | (2**29 - 1 - id)`. FTS5
yields a match in rowid order, so "the newest 20" stops after 20 hits instead of collecting and
sorting every article that mentions 芯片. Measured with bench/search.py on 100 000 synthetic
articles (2 000 characters each, 芯片 in 61 %), SQL alone:

  newest 20 of 芯片:   time key 0.2 ms p95; rowid = id + ORDER BY published_at 221 ms
  --lang en 芯片:      lang in the index 19 ms; lang read from `articles` 203 ms
  rank 芯片:           unigram phrase 129 ms; an extra Han-bigram column 78 ms

The bigram column was not taken: newest-first (the default, 4-8 ms p95 end to end) gains
nothing, ranking gains 40 % on the commonest words only, and it doubles the index (443 → 879 MB)
and its build time. The time key makes the index 40 % bigger than id rowids would (443 against
315 MB: large rowid deltas); that buys the newest-first latency.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from core.language import normalise_tag
from core.script import HAN_BMP_RANGES, HAN_CLASS, fold_table
from core.vocab import LANGS, check_event_type

logger = logging.getLogger(__name__)

TABLE = "articles_search"
SEP = "\ue000"  # sentence-break token; private-use characters in texts and queries become spaces

ID_BITS = 29  # article ids up to 536 870 911
ID_MASK = (1 << ID_BITS) - 1
MAX_SECONDS = (1 << 34) - 1  # seconds since 1900: until the year 2444
EPOCH = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_LIMIT = 1000
INDEX_BATCH = 500
TITLE_WEIGHT = 3.0  # bm25: a word in the title counts three times one in the text

SNIPPET_CHARS_ZH = 90
SNIPPET_CHARS_EN = 220
MARK_OPEN, MARK_CLOSE = "«", "»"

_SUPPLEMENTARY_HAN_RE = re.compile(r"([\U00020000-\U0003134f])")
_SUPPLEMENTARY_PRIVATE_RE = re.compile(r"[\U000f0000-\U0010ffff]")
# `.`, `,` and `:` between two letters or digits (3.5, U.S, 1,000, 10:30) join a word; elsewhere they end a clause
_ASCII_BREAK_RE = re.compile(r"[;!?]|(?<![A-Za-z0-9])[.,:]|[.,:](?![A-Za-z0-9])")
_CJK_BREAKS = "。、；：？！…‥｡､︰\n\r\u2028\u2029\u0085"
_QUOTES = str.maketrans({c: '"' for c in "“”„‟〝〞「」『』"})
_TOKEN_CHAR_RE = re.compile(rf"[^\W_]|[{HAN_CLASS}]")


class SearchError(ValueError):
    """A query or filter that cannot be searched for, with a message worth one line to the user."""


@dataclass
class Hit:
    id: int
    title: str | None
    url: str
    published_at: str | None
    lang: str | None
    source: str
    snippet: str


# ---------------------------------------------------------------------------------------------
# The search form


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
    for char in _CJK_BREAKS:
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


def _has_token(form: str) -> bool:
    return bool(_TOKEN_CHAR_RE.search(form))


# ---------------------------------------------------------------------------------------------
# Index


def sort_key(article_id: int, published_at: str | None) -> int:
    """The index rowid: ascending = newest first, articles without a readable date last, then by id."""
    if not 0 < article_id <= ID_MASK:
        raise ValueError(f"article id {article_id} does not fit the search key")
    seconds = _seconds(published_at)
    age = MAX_SECONDS if seconds is None else MAX_SECONDS - min(max(seconds, 0), MAX_SECONDS)
    # newest first, and among articles of the same second the later id first
    return (age << ID_BITS) | (ID_MASK - article_id)


def article_id(key: int) -> int:
    return ID_MASK - (key & ID_MASK)


def _seconds(iso: str | None) -> int | None:
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


# ---------------------------------------------------------------------------------------------
# Queries


@dataclass(frozen=True)
class Term:
    """One phrase of the query: its search form (tokens in order), whether the last token is a prefix."""

    form: str
    prefix: bool = False
    column: str | None = None

    def fts(self) -> str:
        text = '"' + " ".join(self.form.split()).replace('"', '""') + '"' + (" *" if self.prefix else "")
        return f"{self.column} : {text}" if self.column else text


@dataclass
class Query:
    match: str  # the FTS5 MATCH expression, on the title and body columns
    terms: list[Term]  # the phrases to mark in snippets (excluded ones left out)


_LEX_RE = re.compile(
    r"""(?P<space>\s+)
      | (?P<phrase>(?:(?:title|text|body):)?"[^"]*"?)
      | (?P<paren>[()])
      | (?P<neg>-+)(?=[^\s-])
      | (?P<word>[^\s"()]+)""",
    re.VERBOSE | re.IGNORECASE,
)
_PREFIX_RE = re.compile(r"^(.*[A-Za-z0-9])\*+$")
_COLUMN_RE = re.compile(r"^(title|text|body):(?=.)", re.IGNORECASE)
_EDGE_BREAKS_RE = re.compile(rf"^[\s{SEP}]+|[\s{SEP}]+$")
_OPERATORS = ("AND", "OR", "NOT")


def _clean(query: str) -> str:
    """NFKC, typographic quotes as ", and controls, format, surrogate and private-use characters as spaces."""
    query = unicodedata.normalize("NFKC", query).translate(_QUOTES)
    return "".join(" " if unicodedata.category(c)[0] == "C" else c for c in query)


def _lex(query: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: phrase, paren, neg, op (AND/OR/NOT, upper case only) or word."""
    tokens = []
    for match in _LEX_RE.finditer(query):
        kind, text = match.lastgroup or "space", match.group()
        if kind == "space":
            continue
        if kind == "word" and text in _OPERATORS:
            kind = "op"
        tokens.append((kind, text))
    return tokens


def parse_query(user_query: str) -> Query:
    """Parse the user's syntax into an FTS5 expression that cannot be a syntax error.

    Words are ANDed; "quoted text" is a phrase; OR between two words or groups (binding tighter
    than the implicit AND, as in web search engines); -word or NOT word excludes; (…) groups;
    title:word searches titles only; word* is a prefix (Latin words). Anything else is text: FTS5
    operators and punctuation lose their meaning, unbalanced quotes and parentheses close at the end.
    """
    if not isinstance(user_query, str):
        raise SearchError("the query must be text")
    if len(user_query) > MAX_QUERY_CHARS:
        raise SearchError(f"the query is too long: {len(user_query)} characters, at most {MAX_QUERY_CHARS}")
    parser = _Parser(_lex(_clean(user_query)))
    tree = parser.conjunction(depth=0)
    if tree is None:
        raise SearchError(f"nothing to search for in {user_query.strip()[:60]!r}: give a word")
    if len(parser.terms) > MAX_TERMS:
        raise SearchError(f"the query has {len(parser.terms)} words or phrases, at most {MAX_TERMS}")
    return Query(match=f"{{title body}} : ({tree})", terms=parser.terms)


def fts_query(user_query: str) -> str:
    """The FTS5 MATCH expression for a user query (see parse_query)."""
    return parse_query(user_query).match


class _Parser:
    """Recursive descent over lexed tokens; each rule returns FTS5 text, or None for "nothing here"."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.terms: list[Term] = []

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def conjunction(self, depth: int) -> str | None:
        """Items ANDed together, up to the parenthesis closing this depth."""
        include: list[str] = []
        exclude: list[str] = []
        while (token := self.peek())[0] != "end":
            if token == ("paren", ")"):
                self.pos += 1
                if depth:
                    break
                continue  # a stray ")" means nothing
            if token in (("op", "AND"), ("op", "OR")):  # AND is implicit; OR with nothing before it means nothing
                self.pos += 1
                continue
            negated, expr = self.disjunction(depth)
            if expr is not None:
                (exclude if negated else include).append(expr)
        if not include:
            if exclude:
                raise SearchError("a query of only excluded words (-word, NOT word) finds nothing: add a word to look for")
            return None
        expr = include[0] if len(include) == 1 else "(" + " AND ".join(include) + ")"
        for excluded in exclude:
            expr = f"({expr} NOT {excluded})"
        return expr

    def disjunction(self, depth: int) -> tuple[bool, str | None]:
        """item (OR item)*; returns (excluded?, expression)."""
        alternatives = [self.unary(depth)]
        while self.peek() == ("op", "OR"):
            while self.peek() in (("op", "OR"), ("op", "AND")):
                self.pos += 1
            if self.peek() in (("end", ""), ("paren", ")")):
                break  # a trailing OR means nothing
            alternatives.append(self.unary(depth))
        alternatives = [(n, e) for n, e in alternatives if e is not None]
        if not alternatives:
            return False, None
        if len(alternatives) == 1:
            return alternatives[0]
        if any(n for n, _ in alternatives):
            raise SearchError("an excluded word (-word, NOT word) cannot be one side of OR")
        return False, "(" + " OR ".join(e for _, e in alternatives) + ")"

    def unary(self, depth: int) -> tuple[bool, str | None]:
        negated = False
        while self.peek()[0] == "neg" or self.peek() == ("op", "NOT"):
            negated = True
            self.pos += 1
        return negated, self.primary(depth)

    def primary(self, depth: int) -> str | None:
        kind, text = self.peek()
        if kind in ("end", "op") or (kind, text) == ("paren", ")"):
            return None  # "NOT AND", "-)": nothing to negate; the caller moves on
        self.pos += 1
        if kind == "paren":
            return self.conjunction(depth + 1)
        column = None
        if match := _COLUMN_RE.match(text):
            column = "title" if match.group(1).lower() == "title" else "body"
            text = text[match.end() :]
        if kind == "phrase":
            return self.phrase(text.strip('"'), column)
        return self.word(text, column)

    def phrase(self, text: str, column: str | None) -> str | None:
        """A quoted phrase: one term, clause breaks inside it kept."""
        form = _EDGE_BREAKS_RE.sub("", search_form(text))
        return self.term(Term(form, column=column)) if _has_token(form) else None

    def word(self, text: str, column: str | None) -> str | None:
        """A bare word: clause breaks split it into terms that are ANDed (华为，中芯 is two terms)."""
        prefix = False
        if match := _PREFIX_RE.match(text):
            text, prefix = match.group(1), True
        parts = [p.strip() for p in search_form(text).split(SEP) if _has_token(p)]
        exprs = [self.term(Term(p, prefix=prefix and i == len(parts) - 1, column=column)) for i, p in enumerate(parts)]
        if not exprs:
            return None
        return exprs[0] if len(exprs) == 1 else "(" + " AND ".join(exprs) + ")"

    def term(self, term: Term) -> str:
        self.terms.append(term)
        return term.fts()


# ---------------------------------------------------------------------------------------------
# Search


def search(
    db: Database,
    query: str,
    *,
    lang: str | None = None,
    since: str | None = None,
    limit: int = 20,
    rank: bool = False,
    include_duplicates: bool = False,
    now: dt.datetime | None = None,
    entity_id: str | None = None,
    event: str | None = None,
    relevant: bool = False,
    listed: bool = False,
    after_id: int | None = None,
    until_id: int | None = None,
) -> list[Hit]:
    """Articles matching the query, newest first (or by relevance with rank=True).

    lang: "en", "zh" (Simplified) or "zh-Hant" (Traditional). since: a date ("2026-03-01",
    compared with the publication date as written) or an age ("7d", "24h", "30m", "2w").
    Near-duplicates (copies of a story stored earlier) are left out unless include_duplicates.
    entity_id keeps articles with a mention linked to that knowledge-base entity (see
    db/entities.py), event those with an event of that type, relevant those the event layer
    judged relevant, listed those mentioning a party on a sanctions list (that entity, with
    entity_id); with any of these the query may be empty. after_id/until_id keep article ids in
    (after_id, until_id]: alert watches match only articles stored since they last looked.
    Raises SearchError for a query or filter it cannot search for.
    """
    filters, filter_params = _article_filters(entity_id, event, relevant, listed)
    id_where, id_params = _id_range(after_id, until_id)
    if filters and not query.strip():
        return _filtered_articles(
            db, filters + id_where, filter_params + id_params, entity_id=entity_id, event=event, listed=listed,
            lang=lang, since=since, limit=limit, include_duplicates=include_duplicates, now=now,
        )
    parsed = parse_query(query)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"the limit must be between 1 and {MAX_LIMIT}, not {limit!r}")
    if not has_index(db):
        raise SearchError("this database has no search index yet (open it with chipwatch to upgrade it)")
    match = parsed.match
    if lang is not None:
        token = lang_token(lang)
        if token not in ("en", "zh", "zhhant"):
            raise SearchError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
        match = f'lang : "{token}" AND {match}'
    index_where, index_params = [f"{TABLE} MATCH ?"], [match]
    article_where, article_params = [], []
    if since is not None:
        max_key, on_or_after = _since(since, now or dt.datetime.now(dt.timezone.utc))
        index_where.append(f"{TABLE}.rowid < ?")
        index_params.append(max_key)
        if on_or_after:
            article_where.append("substr(a.published_at, 1, 10) >= ?")
            article_params.append(on_or_after)
    if not include_duplicates:
        article_where.append("a.duplicate_of IS NULL")
    article_where += filters + id_where
    article_params += filter_params + id_params
    try:
        if rank:
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


_COLUMNS = "a.id, a.title, a.url, a.published_at, a.lang, a.source, a.text"


def _article_filters(entity_id: str | None, event: str | None, relevant: bool, listed: bool = False) -> tuple[list[str], list]:
    """SQL conditions on `articles AS a` for the entity, event, relevance and listed-party filters."""
    where, params = [], []
    if listed:
        where.append("a.id IN (SELECT article_id FROM mentions WHERE listed = 1" + (" AND entity_id = ?)" if entity_id is not None else ")"))
        params += [entity_id] if entity_id is not None else []
    if entity_id is not None:
        where.append("a.id IN (SELECT article_id FROM mentions WHERE entity_id = ?)")
        params.append(entity_id)
    if event is not None:
        try:
            event = check_event_type(event)
        except ValueError as exc:
            raise SearchError(str(exc)) from None
        where.append("a.id IN (SELECT article_id FROM events WHERE type = ?)")
        params.append(event)
    if relevant:
        where.append("a.id IN (SELECT article_id FROM article_analysis WHERE relevant = 1)")
    return where, params


def _id_range(after_id: int | None, until_id: int | None) -> tuple[list[str], list]:
    """SQL conditions keeping article ids in (after_id, until_id]."""
    where, params = [], []
    for bound, op in ((after_id, ">"), (until_id, "<=")):
        if bound is not None:
            if isinstance(bound, bool) or not isinstance(bound, int):
                raise SearchError(f"an article id bound must be a whole number, not {bound!r}")
            where.append(f"a.id {op} ?")
            params.append(bound)
    return where, params


def _filtered_articles(
    db: Database,
    filters: list[str],
    filter_params: list,
    *,
    entity_id: str | None,
    event: str | None,
    lang: str | None,
    since: str | None,
    limit: int,
    include_duplicates: bool,
    now: dt.datetime | None,
    listed: bool = False,
) -> list[Hit]:
    """Articles passing the entity/event/relevance filters, newest first, when no words are searched for.

    The same filters as a word search, applied to the (usually few thousand at most) articles
    the filters select, ordered by the same newest-first key as the index. The snippet shows
    the entity's first mention, else the first evidence sentence of the event type, else the
    first mention of a listed party, else the article's start.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"the limit must be between 1 and {MAX_LIMIT}, not {limit!r}")
    token = lang_token(lang) if lang is not None else None
    if token is not None and token not in ("en", "zh", "zhhant"):
        raise SearchError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    max_key, on_or_after = _since(since, now or dt.datetime.now(dt.timezone.utc)) if since is not None else (None, None)
    candidates = []
    sql = f"SELECT a.id, a.published_at, a.lang, a.duplicate_of FROM articles a WHERE {' AND '.join(filters)}"
    for article_id, published_at, article_lang, duplicate_of in db.execute(sql, filter_params):
        key = sort_key(article_id, published_at)
        if (duplicate_of is not None and not include_duplicates) or (token is not None and lang_token(article_lang) != token):
            continue
        if (max_key is not None and key >= max_key) or (on_or_after and (published_at or "")[:10] < on_or_after):
            continue
        candidates.append((key, article_id))
    chosen = [article_id for _, article_id in sorted(candidates)[:limit]]
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
            [check_event_type(event), *chosen],
        )
    elif listed:
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


_AGE_RE = re.compile(r"^(\d{1,6})\s*([mhdw])$", re.IGNORECASE)
_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _since(since: str, now: dt.datetime) -> tuple[int, str | None]:
    """The largest index key to look at, and for a date the first publication date to accept."""
    text = since.strip()
    if match := _AGE_RE.match(text):
        start = now - dt.timedelta(**{_AGE_UNITS[match.group(2).lower()]: int(match.group(1))})
        return _max_key(start), None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise SearchError(f"--since: not a date: {text!r}") from None
        # the date as written in the article (its own zone): anything from 14 h before UTC midnight
        start = dt.datetime.combine(day, dt.time(), dt.timezone.utc) - dt.timedelta(hours=14)
        return _max_key(start), day.isoformat()
    seconds = _seconds(text)
    if seconds is None:
        raise SearchError(f"--since wants a date (2026-03-01), a time (2026-03-01T08:00+08:00) or an age (7d, 24h), not {text[:40]!r}")
    return (MAX_SECONDS - min(max(seconds, 0), MAX_SECONDS) + 1) << ID_BITS, None


def _max_key(start: dt.datetime) -> int:
    seconds = int((start - EPOCH).total_seconds())
    return (MAX_SECONDS - min(max(seconds, 0), MAX_SECONDS) + 1) << ID_BITS


# ---------------------------------------------------------------------------------------------
# Snippets


@lru_cache(maxsize=1)
def _normal_table() -> dict[int, str]:
    """Character → the one character it is compared as (Simplified, half width, no accent).

    Length-preserving, so positions found in the normalised text are positions in the original.
    """
    table: dict[int, int | str] = {ord(char): simple for char, simple in fold_table().items()}
    for code in [*range(0xC0, 0x250), *range(0xFF01, 0xFF5F)]:
        char = chr(code)
        norm = unicodedata.normalize("NFKC", char)
        if len(norm) == 1:
            base = unicodedata.normalize("NFD", fold_table().get(norm, norm))[0]
            if base != char:
                table[code] = base
    return table  # type: ignore[return-value]


def _normalise(text: str) -> str:
    normal = text.translate(_normal_table())
    lower = normal.lower()
    return lower if len(lower) == len(normal) else normal  # "İ".lower() is two characters


_BREAK_CLASS = re.escape(_CJK_BREAKS + ";!?")
_GAP = rf"(?:[^\w{_BREAK_CLASS}.,:]|_|[.,:](?=[0-9a-z])){{0,6}}"  # what may lie between two tokens of a phrase
_LATIN_BEFORE = rf"(?<![^\W_{HAN_CLASS}])"
_LATIN_AFTER = rf"(?![^\W_{HAN_CLASS}])"
_FORM_TOKEN_RE = re.compile(rf"[{HAN_CLASS}]|{SEP}|[^\W_{HAN_CLASS}]+")
SNIPPET_TERMS = 8
SNIPPET_SPANS_PER_TERM = 20


@lru_cache(maxsize=256)
def _term_pattern(term: Term) -> re.Pattern[str]:
    """A regex finding the term in normalised original text."""
    tokens = _FORM_TOKEN_RE.findall(_normalise(term.form))
    parts = []
    for i, token in enumerate(tokens):
        if token == SEP:
            parts.append(f"[{_BREAK_CLASS}.,:]")
        elif len(token) == 1 and re.match(rf"[{HAN_CLASS}]", token):
            parts.append(re.escape(token))
        else:
            tail = r"[^\W_]*" if term.prefix and i == len(tokens) - 1 else _LATIN_AFTER
            parts.append(_LATIN_BEFORE + re.escape(token) + tail)
    return re.compile(_GAP.join(parts))


def snippet(text: str | None, terms: list[Term]) -> str:
    """A window of the original text around the most query terms, the terms marked «like this»."""
    text = text or ""
    normal = _normalise(text)
    spans: list[tuple[int, int, int]] = []  # (start, end, term number)
    for number, term in enumerate([t for t in terms if t.column != "title"][:SNIPPET_TERMS]):
        for i, match in enumerate(_term_pattern(term).finditer(normal)):
            if i >= SNIPPET_SPANS_PER_TERM:
                break
            if match.end() > match.start():
                spans.append((match.start(), match.end(), number))
    spans.sort()
    chinese = len(re.findall(rf"[{HAN_CLASS}]", text[:400])) > 40
    width = SNIPPET_CHARS_ZH if chinese else SNIPPET_CHARS_EN
    start = 0
    if spans:
        best = 0
        for s, _, _ in spans:  # the first window holding the most different terms
            covered = len({n for s2, e2, n in spans if s <= s2 and e2 <= s + width})
            if covered > best:
                best, start = covered, s
        start = max(0, start - width // 4)
        if not chinese:  # do not cut an English word in half
            while 0 < start < len(text) and not text[start - 1].isspace():
                start -= 1
    end = min(len(text), start + width)
    if not chinese and end < len(text):
        cut = text.rfind(" ", start, end)
        if cut > start + width // 2:
            end = cut
    pieces, cursor = [], start
    for s, e, _ in spans:
        if s < cursor or e > end:
            continue
        pieces += [text[cursor:s], MARK_OPEN, text[s:e], MARK_CLOSE]
        cursor = e
    pieces.append(text[cursor:end])
    body = re.sub(r"\s+", " ", "".join(pieces)).strip()
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


# ---------------------------------------------------------------------------------------------
# SQL functions, for Datasette's stored queries (a plugin's prepare_connection calls this)


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
        try:
            return snippet(text, parse_query(query or "").terms)
        except SearchError:
            return snippet(text, [])

    conn.create_function("chipwatch_match", 1, match, deterministic=True)
    conn.create_function("chipwatch_article_id", 1, lambda key: None if key is None else article_id(key), deterministic=True)
    conn.create_function("chipwatch_snippet", 2, marked, deterministic=True)
