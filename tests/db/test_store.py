"""Storage: one story is one row, copies are linked, batches are transactions."""

import json
import sqlite3

import pytest

from db.migrations import migrations
from db.store import ArticleRecord, open_db, raw_html, save_articles

STORY_ZH = (
    "美国商务部工业和安全局周二宣布，将十二家中国企业列入实体清单，限制其获得先进芯片制造设备。"
    "分析人士认为，这一举措将进一步收紧对中国半导体产业的出口管制，影响范围包括光刻机和刻蚀设备。"
    "被列入清单的企业包括多家人工智能芯片设计公司和一家服务器制造商，新规将于三十天后生效。"
)
STORY_EN = (
    "The Commerce Department added twelve Chinese companies to the Entity List on Tuesday, cutting them off "
    "from advanced chipmaking tools. Officials said the companies had supported military end users, and the "
    "rule takes effect in thirty days. Analysts expect the move to affect suppliers of lithography equipment."
)
OTHER_ZH = "某手机厂商今日发布新款旗舰手机，搭载自研影像系统，售价四千九百九十九元起，首批产品将于下周开售，预约人数已经超过一百万。"


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "test.db")
    yield database
    database.close()


def rows(db, sql="SELECT id, url, source, duplicate_of FROM articles ORDER BY id"):
    return [tuple(r) for r in db.execute(sql).fetchall()]


def test_wal_mode_and_schema(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"articles", "article_urls", "article_bands", "crawl_runs", "fetch_failures"} <= set(db.table_names())


def test_tracking_parameters_do_not_make_a_second_row(db):
    result = save_articles(
        db,
        [
            ArticleRecord(url="https://a.example/n/1.html?utm_source=rss", source="a", text=STORY_ZH),
            ArticleRecord(url="https://a.example/n/1.html", source="a", text=STORY_ZH),
        ],
    )
    assert (len(result.stored), result.known) == (1, 1)
    assert rows(db) == [(1, "https://a.example/n/1.html", "a", None)]


def test_canonical_url_makes_two_addresses_one_story(db):
    save_articles(db, [ArticleRecord(url="https://a.example/m/1", canonical_url="https://a.example/n/1.html", source="a", text=STORY_ZH)])
    result = save_articles(db, [ArticleRecord(url="https://a.example/n/1.html", source="a", text=STORY_ZH)])
    assert result.known == 1
    assert rows(db, "SELECT url, article_id FROM article_urls ORDER BY url") == [
        ("https://a.example/m/1", 1),
        ("https://a.example/n/1.html", 1),
    ]


def test_a_canonical_on_another_site_is_recorded_not_trusted(db):
    """A hostile page naming a legitimate site's story as its canonical cannot make that story "stored"."""
    from db.store import is_known_url

    legit = "https://www.legit-news.com.cn/2026/story.html"
    save_articles(db, [ArticleRecord(url="https://evil.example.net/p/1", canonical_url=legit, source="evil", text=OTHER_ZH)])
    assert db.execute("SELECT canonical_url FROM articles").fetchone()[0] == legit
    assert not is_known_url(db, legit)
    result = save_articles(db, [ArticleRecord(url=legit, source="legit", text=STORY_ZH)])
    assert len(result.stored) == 1
    assert rows(db, "SELECT url, source FROM articles ORDER BY id") == [("https://evil.example.net/p/1", "evil"), (legit, "legit")]


def test_a_canonical_on_the_same_registered_domain_is_trusted(db):
    """m.people.com.cn and www.people.com.cn are one site (public suffix com.cn); github.io pages are not."""
    from db.store import is_known_url

    save_articles(db, [ArticleRecord(url="https://m.people.com.cn/n/1", canonical_url="https://www.people.com.cn/n/1.html", source="p", text=STORY_ZH)])
    save_articles(db, [ArticleRecord(url="https://evil.github.io/1", canonical_url="https://victim.github.io/1", source="e", text=STORY_EN)])
    assert is_known_url(db, "https://www.people.com.cn/n/1.html")
    assert not is_known_url(db, "https://victim.github.io/1")


@pytest.mark.parametrize("story", [STORY_ZH, STORY_EN])
def test_aggregator_copy_is_linked_not_dropped(db, story):
    copy = f"聚合新闻网 Aggregator Daily\n\n{story}\n\n阅读更多 READ: 苹果发布新款手机，售价创下新高。"
    save_articles(db, [ArticleRecord(url="https://a.example/1", source="a", text=story)])
    save_articles(db, [ArticleRecord(url="https://agg.example/x/9", source="agg", text=copy)])
    save_articles(db, [ArticleRecord(url="https://agg2.example/y", source="agg2", text=copy + " more")])
    assert rows(db) == [
        (1, "https://a.example/1", "a", None),
        (2, "https://agg.example/x/9", "agg", 1),
        (3, "https://agg2.example/y", "agg2", 1),  # a copy of a copy points at the first copy
    ]


def test_different_stories_are_not_duplicates(db):
    save_articles(
        db,
        [
            ArticleRecord(url="https://a.example/1", source="a", text=STORY_ZH),
            ArticleRecord(url="https://a.example/2", source="a", text=OTHER_ZH),
            ArticleRecord(url="https://a.example/3", source="a", text=STORY_EN),
        ],
    )
    assert [r[3] for r in rows(db)] == [None, None, None]


def test_short_brief_quoted_in_a_long_story_is_not_a_copy(db):
    brief = STORY_EN[:160]
    long_story = STORY_EN + " " + " ".join(f"Paragraph {i} adds new reporting on suppliers and licences." for i in range(30))
    save_articles(db, [ArticleRecord(url="https://a.example/brief", source="a", text=brief)])
    save_articles(db, [ArticleRecord(url="https://a.example/long", source="a", text=long_story)])
    assert [r[3] for r in rows(db)] == [None, None]


def test_fields_are_stored_and_raw_html_is_compressed(db):
    html = ("<html><body>" + STORY_ZH + "</body></html>").encode("gb18030")
    save_articles(
        db,
        [
            ArticleRecord(
                url="https://a.example/1",
                source="a",
                text=STORY_ZH,
                title="标题",
                lang="zh",
                authors=["张三"],
                published_at="2026-03-05T10:20:00+08:00",
                encoding="gb18030",
                raw_html=html,
            )
        ],
    )
    row = db.execute("SELECT title, lang, authors, published_at, encoding, length(raw_html), content_hash FROM articles").fetchone()
    assert row[:5] == ("标题", "zh", json.dumps(["张三"], ensure_ascii=False), "2026-03-05T10:20:00+08:00", "gb18030")
    assert row[5] < len(html)
    assert len(row[6]) == 64
    assert raw_html(db, 1) == html


def test_a_failing_batch_stores_nothing(db):
    good = ArticleRecord(url="https://a.example/1", source="a", text=STORY_ZH)
    bad = ArticleRecord(url="https://a.example/2", source=None, text=STORY_EN)  # source is NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        save_articles(db, [good, bad])
    assert rows(db) == []
    assert rows(db, "SELECT * FROM article_urls") == []


def test_reopening_applies_no_migration_twice(tmp_path):
    open_db(tmp_path / "x.db").close()
    db = open_db(tmp_path / "x.db")
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations")]
    assert len(names) == len(set(names)) >= 1
    assert migrations.pending(db) == []


def test_the_earlier_published_copy_becomes_the_first_copy(db):
    copy = f"聚合新闻网\n\n{STORY_ZH}\n\n阅读更多：苹果发布新款手机。"
    save_articles(db, [ArticleRecord(url="https://agg.example/1", source="agg", text=copy, published_at="2026-03-06T08:00:00+08:00")])
    save_articles(db, [ArticleRecord(url="https://agg2.example/1", source="agg2", text=copy, published_at="2026-03-07")])
    save_articles(db, [ArticleRecord(url="https://a.example/1", source="a", text=STORY_ZH, published_at="2026-03-05T23:00:00Z")])
    assert rows(db) == [
        (1, "https://agg.example/1", "agg", 3),
        (2, "https://agg2.example/1", "agg2", 3),
        (3, "https://a.example/1", "a", None),
    ]


def test_the_original_wins_when_a_copy_naming_it_was_crawled_first(db):
    copy = f"本文由聚合新闻网转载，版权归原作者所有。\n{STORY_ZH}\n阅读更多：苹果发布新款手机。"
    save_articles(db, [ArticleRecord(url="https://agg.example/1", canonical_url="https://a.example/n/1.html", source="agg", text=copy)])
    result = save_articles(db, [ArticleRecord(url="https://a.example/n/1.html", source="a", text=STORY_ZH)])
    assert len(result.stored) == 1  # a canonical URL on another host is not a known URL
    assert rows(db) == [(1, "https://agg.example/1", "agg", 2), (2, "https://a.example/n/1.html", "a", None)]


def test_a_copy_that_names_another_host_as_canonical_never_takes_the_story(db):
    save_articles(db, [ArticleRecord(url="https://a.example/n/1.html", source="a", text=STORY_EN, published_at="2026-03-06")])
    save_articles(db, [ArticleRecord(url="https://agg.example/1", canonical_url="https://a.example/n/1.html", source="agg",
                                     text=STORY_EN + " Read more.", published_at="2026-03-01")])
    assert rows(db) == [(1, "https://a.example/n/1.html", "a", None), (2, "https://agg.example/1", "agg", 1)]


def test_an_unbannered_story_wins_over_a_bannered_copy_stored_first(db):
    copy = f"This article was originally published by Example News.\n{STORY_EN}"
    save_articles(db, [ArticleRecord(url="https://agg.example/1", source="agg", text=copy)])
    save_articles(db, [ArticleRecord(url="https://a.example/1", source="a", text=STORY_EN)])
    assert rows(db) == [(1, "https://agg.example/1", "agg", 2), (2, "https://a.example/1", "a", None)]


def test_banners_are_cut_from_the_text_and_kept_aside(db):
    copy = f"【本文转载自微信公众号芯观察，如有侵权请联系删除】\n{STORY_ZH}\n转载请注明出处。"
    save_articles(db, [ArticleRecord(url="https://agg.example/1", source="agg", text=copy)])
    text, banner = db.execute("SELECT text, banner FROM articles").fetchone()
    assert text == STORY_ZH
    assert banner == "【本文转载自微信公众号芯观察，如有侵权请联系删除】\n转载请注明出处。"


def test_a_story_that_quotes_a_banner_sentence_in_its_body_keeps_it(db):
    text = f"{STORY_ZH}\n本文由记者转载了相关声明。\n{OTHER_ZH}"
    save_articles(db, [ArticleRecord(url="https://a.example/1", source="a", text=text)])
    assert db.execute("SELECT text, banner FROM articles").fetchone() == (text, None)


def test_a_later_copy_naming_itself_as_canonical_does_not_take_the_story(db):
    save_articles(db, [ArticleRecord(url="https://a.example/1", canonical_url="https://a.example/1", source="a", text=STORY_ZH, published_at="2026-03-05")])
    copy = f"聚合新闻网\n{STORY_ZH}\n阅读更多：苹果发布新款手机。"
    save_articles(db, [ArticleRecord(url="https://agg.example/1", canonical_url="https://agg.example/1", source="agg", text=copy, published_at="2026-03-06")])
    assert rows(db) == [(1, "https://a.example/1", "a", None), (2, "https://agg.example/1", "agg", 1)]
