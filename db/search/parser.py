"""The query language: the user's words, phrases, OR, -word, ( ), title: and prefix* into an FTS5
expression that cannot be a syntax error, and the terms to mark in snippets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from db.search.index import SEP, has_token, search_form

MAX_QUERY_CHARS = 500
MAX_TERMS = 32

_QUOTES = str.maketrans({c: '"' for c in "“”„‟〝〞「」『』"})


class SearchError(ValueError):
    """A query or filter that cannot be searched for, with a message worth one line to the user."""


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
        return self.term(Term(form, column=column)) if has_token(form) else None

    def word(self, text: str, column: str | None) -> str | None:
        """A bare word: clause breaks split it into terms that are ANDed (华为，中芯 is two terms)."""
        prefix = False
        if match := _PREFIX_RE.match(text):
            text, prefix = match.group(1), True
        parts = [p.strip() for p in search_form(text).split(SEP) if has_token(p)]
        exprs = [self.term(Term(p, prefix=prefix and i == len(parts) - 1, column=column)) for i, p in enumerate(parts)]
        if not exprs:
            return None
        return exprs[0] if len(exprs) == 1 else "(" + " AND ".join(exprs) + ")"

    def term(self, term: Term) -> str:
        self.terms.append(term)
        return term.fts()
