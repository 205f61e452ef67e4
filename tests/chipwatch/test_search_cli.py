"""`chipwatch search` through the real command: import a trilingual file, then search it as a user would."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from chipwatch.cli import cli

ARTICLES = [
    {"url": "https://a.example/zh/1", "title": "美国收紧芯片出口管制", "text": "美国商务部宣布收紧对华芯片出口管制，英伟达A100芯片被纳入限制范围。", "lang": "zh", "published_at": "2026-03-01"},
    {"url": "https://a.example/zh/2", "title": "中芯国际财报", "text": "中芯国际营收增长。另有一部影片讲述了工程师的故事。", "lang": "zh", "published_at": "2026-02-20"},
    {"url": "https://b.example/hant/3", "title": "華為被列入實體清單", "text": "美國商務部將華為列入實體清單，限制其取得先進晶片。", "lang": "zh-Hant", "published_at": "2026-03-05"},
    {"url": "https://c.example/en/4", "title": "US tightens export controls", "text": "The Commerce Department tightened export controls on advanced chips sold to SenseTime.", "lang": "en", "published_at": "2026-03-03T12:00:00Z"},
    {"url": "https://c.example/en/5", "title": "Memory exports rise", "text": "Export of memory chips rose, while controls on software were relaxed.", "lang": "en", "published_at": "2026-02-15"},
    {"url": "https://a.example/zh/6", "title": "华为发布手机", "text": "华为今天发布新款手机。商汤科技（SenseTime）遭美国制裁。", "lang": "zh", "published_at": "2026-01-10"},
]


def chipwatch(*args, db):
    return subprocess.run([sys.executable, "-m", "chipwatch.cli", *args, "--db", str(db)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    source = folder / "articles.jsonl"
    source.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    path = folder / "c.db"
    result = chipwatch("import", str(source), db=path)
    assert result.returncode == 0, result.stderr
    return path


def urls(result):
    return [json.loads(line)["url"] for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["芯片"], ["https://a.example/zh/1"]),
        (["华为"], ["https://b.example/hant/3", "https://a.example/zh/6"]),
        (["華為", "--lang", "zh"], ["https://a.example/zh/6"]),
        (["华为", "--lang", "zh-Hant"], ["https://b.example/hant/3"]),
        (["英伟达 A100"], ["https://a.example/zh/1"]),
        (["SenseTime 制裁"], ["https://a.example/zh/6"]),
        (['"export controls"'], ["https://c.example/en/4"]),
        (["export controls"], ["https://c.example/en/4", "https://c.example/en/5"]),
        (["华为 OR 中芯"], ["https://b.example/hant/3", "https://a.example/zh/2", "https://a.example/zh/6"]),
        (["华为", "--since", "2026-03-01"], ["https://b.example/hant/3"]),
        (["华为", "--limit", "1"], ["https://b.example/hant/3"]),
        (["芯片 OR chips", "--rank", "--limit", "10"], None),  # order by relevance: checked as a set below
    ],
)
def test_search_json(db, args, expected):
    result = chipwatch("search", *args, "--json", db=db)
    assert result.returncode == 0, result.stderr
    if expected is None:
        assert set(urls(result)) == {"https://a.example/zh/1", "https://c.example/en/4", "https://c.example/en/5"}
    else:
        assert urls(result) == expected


def test_json_fields_and_snippet(db):
    result = chipwatch("search", "華為", "--json", db=db)
    first = json.loads(result.stdout.splitlines()[0])
    assert set(first) >= {"id", "title", "url", "published_at", "lang", "snippet"}
    assert (first["title"], first["lang"], first["published_at"]) == ("華為被列入實體清單", "zh-Hant", "2026-03-05")
    assert "«華為»" in first["snippet"]


def test_readable_output(db):
    result = chipwatch("search", "芯片", db=db)
    assert result.returncode == 0
    assert "美国收紧芯片出口管制" in result.stdout and "https://a.example/zh/1" in result.stdout
    assert "«芯片»" in result.stdout


def test_no_matches_exits_0_with_a_note(db):
    result = chipwatch("search", "台积电", "--json", db=db)
    assert (result.returncode, result.stdout, result.stderr.strip()) == (0, "", "no matches")


UNSEARCHABLE = ['"', "AND OR", "-华为", "()", "🙂", "", "x" * 10_000]
HOSTILE = ["NEAR(a b", "title:", "华为*", "^华为", '"华为', "a:b", "';DROP TABLE articles;--", "华为 -手机", "*", "OR OR", ":", "{title}:x"]


def test_unsearchable_queries_are_one_line_and_exit_1(db):
    for query in UNSEARCHABLE:  # in-process: the same command, without a Python start-up per query
        result = CliRunner().invoke(cli, ["search", query, "--db", str(db)])
        assert result.exit_code == 1, query
        assert result.exception is None or isinstance(result.exception, SystemExit), query
        assert len(result.stderr.strip().splitlines()) == 1, query


def test_hostile_queries_never_crash(db):
    for query in HOSTILE:
        result = CliRunner().invoke(cli, ["search", query, "--json", "--db", str(db)])
        assert result.exit_code in (0, 1), query
        assert result.exception is None or isinstance(result.exception, SystemExit), query
    result = chipwatch("search", HOSTILE[0], db=db)  # and once through a real process
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr


def test_bad_since_is_exit_1(db):
    result = chipwatch("search", "华为", "--since", "last week", db=db)
    assert result.returncode == 1 and "--since" in result.stderr


def test_missing_database_is_not_created(tmp_path):
    result = chipwatch("search", "华为", db=tmp_path / "none.db")
    assert result.returncode == 1 and "no database" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_words_may_be_separate_arguments(db):
    assert urls(chipwatch("search", "export", "controls", "--json", db=db)) == ["https://c.example/en/4", "https://c.example/en/5"]


def test_a_query_may_start_with_a_minus(db):
    assert urls(chipwatch("search", "-手机", "华为", "--json", db=db)) == ["https://b.example/hant/3"]
    result = chipwatch("search", "-华为", db=db)
    assert result.returncode == 1 and "excluded" in result.stderr


def test_listed_only(tmp_path):
    """`--listed-only` as a watch has it: only articles mentioning a party on a sanctions list; a filter on its own."""
    from db.store import open_db

    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    path = tmp_path / "l.db"
    assert chipwatch("import", str(source), db=path).returncode == 0
    db = open_db(path)
    [article_id] = [r[0] for r in db.execute("SELECT id FROM articles WHERE url = 'https://a.example/zh/6'")]
    db["entities"].insert({"id": "org:huawei", "name": "Huawei", "kind": "org"}, replace=True)
    db["mentions"].insert({"article_id": article_id, "start_char": 0, "end_char": 2, "text": "华为", "label": "ORG", "entity_id": "org:huawei",
                           "name": "Huawei", "listed": 1, "lists": "[]"})  # fmt: skip
    db["events"].insert({"article_id": article_id, "type": "entity_listing", "actors": '["US Department of Commerce"]', "targets": '["SenseTime"]',
                         "products": "[]", "evidence": "商汤科技（SenseTime）遭美国制裁。", "start_char": 11, "end_char": 29, "confidence": 0.9})  # fmt: skip
    db.conn.commit()
    db.close()
    assert urls(chipwatch("search", "华为", "--listed-only", "--json", db=path)) == ["https://a.example/zh/6"]
    assert urls(chipwatch("search", "--listed-only", "--json", db=path)) == ["https://a.example/zh/6"]
    [line] = chipwatch("search", "--listed-only", "--json", db=path).stdout.splitlines()
    hit = json.loads(line)
    assert hit["listed"] is True and hit["entities"] == [{"id": "org:huawei", "name": "Huawei", "listed": True, "lists": []}]
    assert [(e["type"], e["actors"], e["targets"], e["evidence"]) for e in hit["events"]] == [
        ("entity_listing", ["US Department of Commerce"], ["SenseTime"], "商汤科技（SenseTime）遭美国制裁。")
    ]
    other = json.loads(chipwatch("search", "芯片", "--json", db=path).stdout.splitlines()[0])
    assert (other["listed"], other["entities"], other["events"]) == (False, [], [])
