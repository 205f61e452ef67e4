"""Full-text search over articles that is correct for Chinese (Simplified and Traditional) and English.

`search(db, query, Filters(...))`. The package is cut by stage: index.py (the search form and the
FTS5 index), parser.py (the query language), filters.py (the filters record, checked once),
execution.py (running it), snippets.py, sqlfunctions.py (for Datasette).

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

from db.search.execution import Hit, search
from db.search.filters import MAX_LIMIT, Filters
from db.search.index import (
    SEP,
    TABLE,
    article_id,
    create_index,
    has_index,
    index_all,
    index_articles,
    lang_token,
    search_form,
    sort_key,
)
from db.search.parser import Query, SearchError, Term, fts_query, parse_query
from db.search.snippets import MARK_CLOSE, MARK_OPEN, snippet
from db.search.sqlfunctions import register_sql_functions

__all__ = [
    "MARK_CLOSE", "MARK_OPEN", "MAX_LIMIT", "SEP", "TABLE", "Filters", "Hit", "Query", "SearchError", "Term",
    "article_id", "create_index", "fts_query", "has_index", "index_all", "index_articles", "lang_token", "parse_query",
    "register_sql_functions", "search", "search_form", "snippet", "sort_key",
]
