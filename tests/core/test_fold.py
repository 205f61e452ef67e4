"""One Traditional → Simplified fold: the same string folds to the same form in every stage.

Checked over the whole table (every Traditional and variant character OpenCC knows): the search
index, the snippet highlighter, the knowledge base's and the sanctions lists' name keys, the event
rules and the extraction patterns all see a character as its fold.
"""

from __future__ import annotations

import re

import pytest

from core.names import normalize_name
from core.script import HAN_RE, either_script, fold, fold_table, script_kind
from db import search
from db.search.snippets import _normalise as normalise
from nlp.events.lexicon import compiled


@pytest.fixture(scope="module")
def pairs() -> list[tuple[str, str]]:
    table = fold_table()
    assert len(table) > 2500
    return sorted(table.items())


def test_the_fold_is_one_character_for_one_and_closed(pairs):
    for char, simple in pairs:
        assert len(char) == len(simple) == 1
        assert fold(simple) == simple, (char, simple)  # folding twice changes nothing
    keys = "".join(c for c, _ in pairs)
    assert len(fold(keys)) == len(keys)


def test_the_search_index_and_snippets_read_every_character_as_its_fold(pairs):
    keys, values = "".join(c for c, _ in pairs), "".join(s for _, s in pairs)
    # the same tokens (FTS5 splits on spaces, and a supplementary-plane character gets its own)
    assert search.search_form(keys).split() == search.search_form(values).split() == list(values)
    assert normalise(keys) == normalise(values)


def test_name_keys_fold_like_the_index(pairs):
    for char, simple in pairs:
        if HAN_RE.match(char):
            assert normalize_name(f"甲{char}乙") == normalize_name(f"甲{simple}乙") == f"甲{simple}乙", char


def test_event_rules_and_extraction_patterns_match_either_script(pairs):
    for char, simple in pairs:
        if not HAN_RE.match(char):
            continue
        assert compiled(simple, "zh").fullmatch(fold(char)), char  # rules are folded like the text
        assert re.fullmatch(either_script(simple), char), char  # extraction patterns take both scripts


def test_a_traditional_only_character_folds_to_another(pairs):
    traditional_only = [c for c, _ in pairs if script_kind(c) > 0]
    assert len(traditional_only) > 2000
    for char in traditional_only:
        assert fold(char) != char


@pytest.mark.parametrize("word", ["什麼", "什么", "瞭解", "了解", "著名", "着名", "華為", "臺灣"])
def test_words_the_knowledge_base_and_the_index_once_folded_apart_now_agree(word):
    # OpenCC's phrase converter turned 什麼 into 什么 for the knowledge base while the index made it 什幺
    assert normalize_name(word) == fold(word)
    assert search.search_form(word).split() == list(fold(word))


@pytest.mark.parametrize(("traditional", "simplified"), [("什麼", "什么"), ("華為", "华为"), ("臺灣", "台湾"), ("著", "着")])
def test_both_scripts_of_a_word_fold_alike(traditional, simplified):
    assert fold(traditional) == fold(simplified)
    assert search.fts_query(traditional) == search.fts_query(simplified)
