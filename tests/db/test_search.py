"""Search: exact hit sets for Chinese (both scripts), English and mixed queries; hostile queries never crash.

Over 400 lines: most of it is the corpus and the table of queries with their exact hit sets.
"""

import datetime as dt
import random
import sqlite3

import pytest
from sqlite_utils import Database

from db import search as search_module
from db.migrations import migrations
from db.search import Filters, SearchError, fts_query, parse_query, search, search_form
from db.store import ArticleRecord, open_db, save_articles

# (title, text, lang, published_at); ids are the positions, from 1
CORPUS = [
    # 1: 芯片, 英伟达A100 glued, 出口管制; published 2026-03-01 local time, 2026-02-28 in UTC
    ("美国收紧芯片出口管制", "美国商务部宣布收紧对华芯片出口管制，英伟达A100和H100芯片被纳入限制范围。", "zh", "2026-03-01T07:00:00+08:00"),
    # 2: 芯 (中芯) and 片 (影片) but never 芯片
    ("中芯国际发布财报", "中芯国际第四季度营收增长，公司表示将继续扩大产能。另有一部影片讲述了工程师的故事。", "zh", "2026-02-20"),
    # 3: Traditional 華為, 晶片 (not 芯片), 清單，限制 across a comma
    ("華為被列入實體清單", "美國商務部將華為列入實體清單，限制其取得先進晶片與軟體。", "zh-Hant", "2026-03-05T09:00:00+08:00"),
    # 4: Simplified 华为, no 芯片
    ("华为发布新款手机", "华为今天发布新款手机，搭载自研麒麟处理器，售价四千九百九十九元起。", "zh", "2026-01-10"),
    # 5: 芯片 and 制裁 in Traditional text
    ("台灣廠商談供應", "台灣廠商表示，芯片供應仍然緊張，制裁影響持續擴大。", "zh-Hant", "2026-02-01"),
    # 6: the phrase "export controls", A100
    ("US tightens export controls", "The Commerce Department tightened export controls on advanced chips. Nvidia's A100 is affected.", "en", "2026-03-03T12:00:00Z"),
    # 7: export and controls, apart
    ("Memory exports rise", "Export of memory chips rose sharply, while controls on design software were relaxed.", "en", "2026-02-15"),
    # 8: export and controls adjacent only across a sentence break
    ("Officials meet", "Officials discussed the export. Controls on tools were reviewed later.", "en", "2026-02-16"),
    # 9: SenseTime and 制裁 in one Chinese article
    ("商汤科技遭制裁", "商汤科技（SenseTime）遭美国制裁，被列入投资黑名单。", "zh", "2026-02-25"),
    # 10: SenseTime without 制裁
    ("SenseTime shares fall", "SenseTime shares fell in Hong Kong after the announcement.", "en", "2026-02-26"),
    # 11: 英伟达 without A100
    ("英伟达发布新GPU", "英伟达发布新一代GPU，性能大幅提升。", "zh", "2026-02-10"),
    # 12: Traditional 英偉達 and A100 apart
    ("英偉達在中國", "英偉達的A100晶片在中國市場需求旺盛。", "zh-Hant", "2026-02-12"),
    # 13: one character 镓 (Simplified)
    ("镓锗出口管制", "中国对镓、锗实施出口管制，出口须申请许可。", "zh", "2026-02-05"),
    # 14: one character 鎵 (Traditional)
    ("鎵鍺許可", "鎵和鍺的出口許可制度已經實施。", "zh-Hant", "2026-02-06"),
    # 15: a copy of article 1 (marked duplicate_of = 1 below)
    ("美国收紧芯片出口管制（转载）", "转载：美国商务部宣布收紧对华芯片出口管制，英伟达A100和H100芯片被纳入限制范围。", "zh", "2026-03-02"),
    # 16: 制裁 three times and in the title, but the oldest
    ("制裁", "制裁！制裁！美国再次宣布制裁。", "zh", "2025-12-01"),
    # 17: no date, 华为 in English
    ("Huawei profile", "Huawei (华为) is a Chinese telecoms company.", "en", None),
]
DUPLICATE, ORIGINAL = 15, 1


def load(db, rows=CORPUS):
    save_articles(
        db,
        [
            ArticleRecord(url=f"https://n.example/{i}", source="n", title=t, text=x, lang=lang, published_at=p)
            for i, (t, x, lang, p) in enumerate(rows, start=1)
        ],
    )
    # near-duplicate detection is tested in test_store; here the links are set by hand
    db.execute("UPDATE articles SET duplicate_of = NULL")
    db.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", [ORIGINAL, DUPLICATE])
    db.conn.commit()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_db(tmp_path_factory.mktemp("search") / "search.db")
    load(database)
    yield database
    database.close()


def ids(db, query, **options):
    return [hit.id for hit in search(db, query, Filters(**options))]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("芯片", {1, 5}),  # not 2 (芯 and 片 apart), not 3 or 12 (晶片)
        ("芯", {1, 2, 5}),
        ("片", {1, 2, 3, 5, 12}),  # 晶片 too
        ("华为", {3, 4, 17}),
        ("華為", {3, 4, 17}),
        ("制裁", {5, 9, 16}),
        ("镓", {13, 14}),
        ("鎵", {13, 14}),
        ("出口管制", {1, 13}),
        ("实体清单", {3}),
        ("清单限制", set()),  # 清單，限制: a comma is a break
        ("英伟达 A100", {1, 12}),
        ("英偉達 a100", {1, 12}),
        ("英伟达A100", {1}),  # glued: a phrase, adjacent
        ("SenseTime 制裁", {9}),
        ("sensetime", {9, 10}),
        ('"export controls"', {6}),  # not 7 (apart), not 8 (across a full stop)
        ("export controls", {6, 7, 8}),
        ("华为 OR 中芯", {2, 3, 4, 17}),
        ("(华为 OR 中芯) 财报", {2}),
        ("华为 -手机", {3, 17}),
        ("华为 NOT 手机", {3, 17}),
        ("title:华为", {3, 4}),
        ("A100", {1, 6, 12}),
        ("Ｈ１００", {1}),
        ("H100", {1}),
        ("sanction*", set()),
        ("control*", {6, 7, 8}),
        ("nvidia's", {6}),
        ("“华为”", {3, 4, 17}),
        ("「華為」", {3, 4, 17}),
        ('"华为', {3, 4, 17}),
        ("华为 OR", {3, 4, 17}),
        ("((华为", {3, 4, 17}),
        ("zh", set()),  # the language column is not searched as text
    ],
)
def test_exact_hits(db, query, expected):
    assert set(ids(db, query)) == expected


def test_duplicates_are_hidden_unless_asked_for(db):
    assert set(ids(db, "芯片")) == {1, 5}
    assert set(ids(db, "芯片", include_duplicates=True)) == {1, 5, 15}


def test_newest_first_by_default_and_undated_last(db):
    assert ids(db, "华为") == [3, 4, 17]
    assert ids(db, "出口管制 OR export OR 镓") == [6, 1, 8, 7, 14, 13]


def test_published_at_is_compared_as_an_instant(db):
    # 1 is 2026-03-01T07:00+08:00 = 2026-02-28T23:00Z, older than 6 (2026-03-03) and newer than 9 (2026-02-25)
    assert ids(db, "A100 OR 制裁") == [6, 1, 9, 12, 5, 16]


def test_rank_puts_the_most_relevant_first(db):
    newest = ids(db, "制裁")
    ranked = ids(db, "制裁", rank=True)
    assert newest == [9, 5, 16]
    assert ranked[0] == 16 and set(ranked) == {5, 9, 16}


def test_limit(db):
    assert ids(db, "华为", limit=2) == [3, 4]
    assert len(ids(db, "华为", limit=1, rank=True)) == 1


@pytest.mark.parametrize(
    "lang, expected",
    [("zh", {4}), ("zh-Hant", {3}), ("zh-hant", {3}), ("en", {17}), ("zh-TW", {3}), ("zh-CN", {4})],
)
def test_language_filter(db, lang, expected):
    assert set(ids(db, "华为", lang=lang)) == expected
    assert set(ids(db, "华为", lang=lang, rank=True)) == expected


def test_language_filter_for_mixed_query(db):
    assert set(ids(db, "A100", lang="en")) == {6}
    assert set(ids(db, "A100", lang="zh")) == {1}
    assert set(ids(db, "芯片", lang="en")) == set()


def test_since_a_date_uses_the_date_as_written(db):
    # 1 was published 2026-03-01 in its own zone, although it was still February in UTC
    assert set(ids(db, "芯片", since="2026-03-01")) == {1}
    assert set(ids(db, "芯片", since="2026-03-02")) == set()
    assert set(ids(db, "华为", since="2026-03-01")) == {3}
    assert set(ids(db, "华为 OR 制裁", since="2026-02-01", rank=True)) == {3, 5, 9}


def test_since_an_age(db):
    now = dt.datetime(2026, 3, 6, tzinfo=dt.timezone.utc)
    assert set(ids(db, "华为", since="3d", now=now)) == {3}
    assert set(ids(db, "A100", since="72h", now=now)) == {6}  # 6 is 2026-03-03T12:00Z
    assert set(ids(db, "A100", since="2w", now=now)) == {1, 6}
    assert set(ids(db, "制裁", since="10d", now=now)) == {9}
    assert set(ids(db, "制裁", since="5d", now=now)) == set()


@pytest.mark.parametrize("since", ["yesterday", "7", "7y", "2026-13-01", "", "-3d"])
def test_bad_since_is_a_search_error(db, since):
    with pytest.raises(SearchError):
        search(db, "华为", Filters(since=since))


@pytest.mark.parametrize("options", [{"lang": "fr"}, {"lang": "xx"}, {"limit": 0}, {"limit": 10**6}])
def test_bad_options_are_search_errors(db, options):
    with pytest.raises(SearchError):
        search(db, "华为", Filters(**options))


def test_snippet_marks_words_in_the_original_script(db):
    snippets = {hit.id: hit.snippet for hit in search(db, "华为")}
    assert "«華為»" in snippets[3]
    assert "«华为»" in snippets[4]
    assert snippets[3].startswith("美國商務部將«華為»列入實體清單")
    assert {hit.id: hit.snippet for hit in search(db, '"export controls"')}[6] == (
        "The Commerce Department tightened «export controls» on advanced chips. Nvidia's A100 is affected."
    )
    assert "«英伟达A100»" in search(db, "英伟达A100")[0].snippet
    assert "«ＡＩ»" in search_module.snippet("公司发布ＡＩ芯片", parse_query("ai").terms)


def test_hits_carry_the_article_fields(db):
    hit = search(db, "镓")[0]
    assert (hit.id, hit.title, hit.url, hit.published_at, hit.lang, hit.source) == (
        14, "鎵鍺許可", "https://n.example/14", "2026-02-06", "zh-Hant", "n"
    )


def test_search_form():
    assert search_form("華為的Ａ１００晶片。") == " 华  为  的 A100 晶  片  \ue000 "
    assert search_form("U.S. export-controls, 3.5 GPUs") == "U.S \ue000  export-controls \ue000  3.5 GPUs"
    assert search_form("什麼") == search_form("什么")  # the table is closed: both end at one form
    assert search_form(None) == ""
    assert "\ue000" not in search_form("\ue000 private use")


def test_fts_query():
    assert fts_query("华为") == '{title body} : ("华 为")'
    assert fts_query("華為 OR 中芯 制裁") == '{title body} : ((("华 为" OR "中 芯") AND "制 裁"))'
    assert fts_query("英伟达 A100") == '{title body} : (("英 伟 达" AND "A100"))'
    assert fts_query("sanction*") == '{title body} : ("sanction" *)'
    assert fts_query("华为 -手机") == '{title body} : (("华 为" NOT "手 机"))'


HOSTILE = [
    '"', '""', '"""', '"华为', '华为"', "'", "*", "**", "华为*", "*华为", "芯*", "^", "^华为", ":", "title:", ":华为",
    "body:华为", "lang:zh", "{title}: 华为", "(", ")", "()", ")(", "((华为", "华为))", "华为 (芯片 OR (中芯 (英伟达",
    "NEAR", "NEAR(华为 芯片)", "NEAR(a b, 2)", "AND", "OR", "NOT", "AND OR", "OR OR OR", "华为 OR", "OR 华为",
    "华为 AND", "NOT 华为", "华为 NOT", "NOT NOT", "-", "--", "-华为", "华为 -", "- -华为", "华为 OR -芯片", "+华为",
    "华为 + 芯片", "%", "_", "\\", "';DROP TABLE articles;--", "x' OR '1'='1", "🙂", "🙂🙂 华为", "\x00", "华\x00为",
    "\ue000", "\ud800", "\u200b", "\u0301", "\n\t ", "", "   ", "。", "，，，", "芯" * 10_000, "a" * 10_000,
    "华为 " * 100, "A100" + " OR A100" * 40, '"export controls', 'export controls"', "“华为”", "「華為」", "Ｈ２０",
    "NULL", "0", "-1", "1e9", "$(rm -rf /)", "<script>alert(1)</script>", 'title:"华为', "sanction* *", "* OR *",
    '"" OR ""', "a:b:c", "𠀀", "اختبار", "тест", "한국어", "rank:1", "华为 ^ 芯片", "\"华为\"\"芯片\"", "(((((((((",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_query_gives_a_list_or_a_search_error(db, query):
    for options in ({}, {"rank": True}, {"lang": "zh", "since": "2026-01-01"}):
        try:
            assert isinstance(search(db, query, Filters(**options)), list)
        except SearchError as exc:
            assert "cannot search for" not in str(exc)  # the last-resort wrapper of a database error
    try:
        match = fts_query(query)
    except SearchError:
        return
    db.execute(f"SELECT count(*) FROM {search_module.TABLE} WHERE {search_module.TABLE} MATCH ?", [match]).fetchall()


@pytest.mark.parametrize(
    "query, expected",
    [('"华为', {3, 4, 17}), ("Ｈ２０", set()), ("🙂🙂 华为", {3, 4, 17}), ("华为 + 芯片", set()), ("^华为", {3, 4, 17})],
)
def test_hostile_queries_that_still_mean_something(db, query, expected):
    assert set(ids(db, query)) == expected


@pytest.mark.parametrize("query", ["", "   ", "OR", '""', "🙂", "-华为", "华为 OR -芯片", "芯" * 10_000, "华为 " * 100])
def test_queries_that_cannot_be_searched_say_why(db, query):
    with pytest.raises(SearchError) as info:
        search(db, query)
    assert str(info.value) and "\n" not in str(info.value)


def test_migration_indexes_articles_stored_before_it(tmp_path, monkeypatch):
    monkeypatch.setattr("db.search.index.INDEX_BATCH", 4)  # several batches
    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m002_search")
    assert not search_module.has_index(db)
    for i, (title, text, lang, published_at) in enumerate(CORPUS, start=1):
        db.execute(
            "INSERT INTO articles (id, url, source, lang, title, text, published_at, fetched_at, content_hash) VALUES (?, ?, 'n', ?, ?, ?, ?, '2026-03-06', '')",
            [i, f"https://n.example/{i}", lang, title, text, published_at],
        )
    db.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", [ORIGINAL, DUPLICATE])
    db.conn.commit()
    migrations.apply(db)
    assert ids(db, "华为") == [3, 4, 17]
    assert set(ids(db, "芯片")) == {1, 5}
    assert set(ids(db, '"export controls"')) == {6}
    # and articles stored afterwards are indexed as they arrive
    save_articles(db, [ArticleRecord(url="https://n.example/new", source="n", text="华为再次被制裁。", lang="zh", published_at="2026-03-07")])
    assert ids(db, "华为")[0] == len(CORPUS) + 1


def test_store_before_the_migration_does_not_fail(tmp_path):
    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m002_search")
    assert search_module.index_articles(db, [{"id": 1, "title": "x", "text": "华为", "lang": "zh"}]) == 0


def test_search_without_the_index_is_a_search_error(tmp_path):
    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m002_search")
    with pytest.raises(SearchError):
        search(db, "华为")


def test_sort_key_round_trips_and_orders():
    newer = search_module.sort_key(5, "2026-03-02")
    older = search_module.sort_key(9, "2026-03-01T23:00:00-05:00")  # 2026-03-02T04:00Z: newer still
    undated = search_module.sort_key(1, None)
    assert search_module.article_id(newer) == 5 and search_module.article_id(undated) == 1
    assert older < newer < undated
    assert search_module.sort_key(7, "2026-03-02") < search_module.sort_key(6, "2026-03-02")  # same time: later id first
    with pytest.raises(ValueError):
        search_module.sort_key(2**40, None)


def test_random_queries_never_reach_fts5_as_a_syntax_error(db):
    pieces = list('"\'()*^:-+{}[],.;!?|\\ \t华为芯片制裁中芯A1xyz。，“”🙂\x00\ue000') + ["AND", "OR", "NOT", "NEAR", "title:", "lang:", " OR "]
    rng = random.Random(7)
    for _ in range(3000):
        query = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        try:
            match = fts_query(query)
        except SearchError:
            continue
        db.execute(f"SELECT count(*) FROM {search_module.TABLE} WHERE {search_module.TABLE} MATCH ?", [match]).fetchall()


def test_sql_functions_for_datasette(db, tmp_path):
    conn = sqlite3.connect(db.conn.execute("PRAGMA database_list").fetchone()[2])
    search_module.register_sql_functions(conn)
    sql = """SELECT a.id, chipwatch_snippet(a.text, :q) FROM articles_search AS s
             JOIN articles AS a ON a.id = chipwatch_article_id(s.rowid)
             WHERE articles_search MATCH chipwatch_match(:q) AND a.duplicate_of IS NULL ORDER BY s.rowid LIMIT 50"""
    rows = conn.execute(sql, {"q": "华为"}).fetchall()
    assert [r[0] for r in rows] == [3, 4, 17]
    assert "«華為»" in rows[0][1]
    assert conn.execute(sql, {"q": "AND OR"}).fetchall() == []
    conn.close()


# --- event and relevance filters (events are written by hand here; nlp/events is tested apart)


@pytest.fixture()
def db_with_events(tmp_path):
    database = open_db(tmp_path / "events.db")
    load(database)
    text3 = CORPUS[2][1]
    evidence = text3.split("，")[0] + "，"
    for article_id, event_type in ((1, "export_restriction"), (3, "entity_listing"), (13, "export_restriction"), (15, "export_restriction")):
        database["events"].insert(
            {"article_id": article_id, "type": event_type, "evidence": evidence if article_id == 3 else "x", "start_char": 0,
             "end_char": len(evidence) if article_id == 3 else 1, "confidence": 0.9}
        )
    for article_id, relevant in ((1, 1), (3, 1), (13, 1), (15, 1), (4, 0), (11, 0)):
        database["article_analysis"].insert(
            {"article_id": article_id, "pipeline_version": "t", "analyzed_at": "2026-03-06", "relevant": relevant, "relevance": 0.5}
        )
    database.conn.commit()
    yield database
    database.close()


def test_event_filter_alone_lists_newest_first_without_copies(db_with_events):
    assert ids(db_with_events, "", event="export_restriction") == [1, 13]
    assert ids(db_with_events, "", event="export_restriction", include_duplicates=True) == [15, 1, 13]


def test_event_filter_with_words_and_language(db_with_events):
    assert ids(db_with_events, "美国", event="export_restriction") == [1]
    assert ids(db_with_events, "", event="entity_listing", lang="zh-Hant") == [3]
    assert ids(db_with_events, "", event="entity_listing", lang="en") == []


def test_event_filter_snippet_is_the_evidence_sentence(db_with_events):
    (hit,) = search(db_with_events, "", Filters(event="entity_listing"))
    assert hit.snippet == CORPUS[2][1].split("，")[0] + "，"


def test_relevant_filter(db_with_events):
    assert ids(db_with_events, "", relevant=True) == [3, 1, 13]
    assert ids(db_with_events, "华为", relevant=True) == [3]
    assert ids(db_with_events, "", relevant=True, event="entity_listing") == [3]


@pytest.mark.parametrize("event", ["blacklisting", "", "export restriction; DROP TABLE events"])
def test_unknown_event_type_is_a_search_error(db_with_events, event):
    with pytest.raises(SearchError, match="unknown event type"):
        search(db_with_events, "美国", Filters(event=event))


# --- what alert watches need: a window of article ids, and the listed-party filter


def test_article_id_window(db):
    everything = ids(db, "芯片", limit=100)
    assert ids(db, "芯片", after_id=5, limit=100) == [i for i in everything if i > 5]
    assert ids(db, "芯片", after_id=2, until_id=9, limit=100) == [i for i in everything if 2 < i <= 9]
    assert ids(db, "芯片", after_id=100) == []
    with pytest.raises(SearchError):
        search(db, "", Filters(after_id=3))  # a window is not a filter: words are still needed
    with pytest.raises(SearchError, match="whole number"):
        search(db, "芯片", Filters(after_id="3"))


def test_listed_filter(db_with_events):
    db = db_with_events
    db["entities"].insert_all([{"id": "org:huawei", "name": "Huawei", "kind": "org"}, {"id": "org:smic", "name": "SMIC", "kind": "org"}])
    db["mentions"].insert_all([
        {"article_id": 3, "start_char": 0, "end_char": 2, "text": "x", "label": "ORG", "entity_id": "org:huawei", "name": "Huawei", "listed": 1, "lists": "[]"},
        {"article_id": 1, "start_char": 0, "end_char": 2, "text": "x", "label": "ORG", "entity_id": "org:smic", "name": "SMIC", "listed": 0, "lists": "[]"},
        {"article_id": 13, "start_char": 0, "end_char": 2, "text": "x", "label": "ORG", "entity_id": "org:smic", "name": "SMIC", "listed": 1, "lists": "[]"},
    ])  # fmt: skip
    db.conn.commit()
    assert ids(db, "", listed=True) == [3, 13]
    assert ids(db, "", listed=True, entity_id="org:smic") == [13]  # SMIC where it is listed, not article 1
    assert ids(db, "华为", listed=True) == [3]
    assert ids(db, "", listed=True, after_id=3) == [13]
