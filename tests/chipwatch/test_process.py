"""`chipwatch process` and `chipwatch analyze` through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys

import nlp.pipeline
from chipwatch.process import process_articles
from db.store import ArticleRecord, open_db, save_articles

CLI = [sys.executable, "-m", "chipwatch.cli"]


def search_ids(db_path, *args):
    """The ids `chipwatch search --json` prints for these arguments (the command must succeed)."""
    result = subprocess.run([*CLI, "search", "--db", str(db_path), *args, "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["id"] for line in result.stdout.splitlines()]


def test_analyze_keeps_order_and_reports_bad_lines():
    lines = [
        json.dumps({"id": 1, "text": "中芯国际被列入实体清单。"}, ensure_ascii=False),
        "{broken",
        json.dumps({"id": 3, "text": "Nvidia shipped H20 chips.", "lang": "en"}),
    ]
    result = subprocess.run([*CLI, "analyze", "--jsonl"], input="\n".join(lines), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == [1, None, 3]
    assert "error" in out[1] and out[1]["error"].startswith("line 2:")
    assert out[0]["entities"][0]["entity_id"] == "org:smic" and out[0]["entities"][0]["sanctions"]
    assert {e.get("entity_id") for e in out[2]["entities"]} >= {"org:nvidia", "product:nvidia-h20"}
    assert "1 lines could not be read" in result.stderr


def test_process_stores_mentions_once_and_again_after_a_pipeline_change(tmp_path, monkeypatch):
    db_path = tmp_path / "p.db"
    db = open_db(db_path)
    save_articles(db, [
        ArticleRecord(url="https://a.example/1", source="a", lang="zh", text="美国商务部将商汤科技列入实体清单，中芯国际也在名单上。"),
        ArticleRecord(url="https://a.example/2", source="a", lang="en", text="Huawei ordered more HBM from Samsung, the company said in Shenzhen."),
    ])
    first = process_articles(db_path)
    assert first.analyzed == 2 and first.listed_mentions >= 2
    assert process_articles(db_path).analyzed == 0  # nothing new
    mentions = db.execute("SELECT article_id, text, entity_id, listed FROM mentions ORDER BY article_id, start_char").fetchall()
    assert (1, "商汤科技", "org:sensetime", 1) in mentions
    assert any(m[2] == "org:huawei" and m[3] == 1 for m in mentions)
    count = len(mentions)
    monkeypatch.setattr(nlp.pipeline, "PIPELINE_VERSION", "entities-test")
    monkeypatch.setattr("chipwatch.process.PIPELINE_VERSION", "entities-test")
    assert process_articles(db_path).analyzed == 2  # a new pipeline version redoes every article
    assert db.execute("SELECT count(*) FROM mentions").fetchone()[0] == count  # replaced, not duplicated
    assert db.execute("SELECT count(*) FROM entities").fetchone()[0] > 300


def test_search_by_entity_finds_every_script_and_language(tmp_path):
    db_path = tmp_path / "e.db"
    db = open_db(db_path)
    save_articles(db, [
        ArticleRecord(url="https://a.example/1", source="a", lang="zh", published_at="2026-03-01", text="商汤科技被列入实体清单，公司表示将继续经营。"),
        ArticleRecord(url="https://a.example/2", source="a", lang="zh-Hant", published_at="2026-03-02", text="商湯科技股價下跌，分析師表示影響有限。"),
        ArticleRecord(url="https://a.example/3", source="a", lang="en", published_at="2026-03-03", text="SenseTime said the listing would not affect its customers in Hong Kong."),
        ArticleRecord(url="https://a.example/4", source="a", lang="en", published_at="2026-03-04", text="Megvii and Yitu were named in the same rule, officials in Washington said."),
    ])
    process_articles(db_path)
    assert search_ids(db_path, "--entity", "商汤") == [3, 2, 1]
    assert search_ids(db_path, "--entity", "SenseTime", "--lang", "zh-Hant") == [2]
    assert search_ids(db_path, "实体清单", "--entity", "org:sensetime") == [1]
    unknown = subprocess.run([*CLI, "search", "--db", str(db_path), "--entity", "Nobody Ltd"], capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 1 and "no entity called" in unknown.stderr


def test_process_stores_events_their_entities_and_relevance(tmp_path):
    db_path = tmp_path / "ev.db"
    db = open_db(db_path)
    save_articles(db, [
        ArticleRecord(url="https://a.example/1", source="a", lang="zh", published_at="2026-03-02",
                      text="公司股价周二小幅上涨。\n美国商务部周一将十二家中国芯片企业列入实体清单，其中包括商汤科技。"),
        ArticleRecord(url="https://a.example/2", source="a", lang="en", published_at="2026-03-03",
                      text="Nvidia unveiled a new gaming graphics card on Tuesday, priced ten percent above the last one."),
    ])
    report = process_articles(db_path)
    assert report.relevant == 1 and report.events >= 1
    rows = db.execute("SELECT article_id, type, actors, evidence, start_char, end_char, lang, month FROM events").fetchall()
    listing = [r for r in rows if r[1] == "entity_listing"]
    assert listing and listing[0][0] == 1 and json.loads(listing[0][2]) == ["US Department of Commerce"]
    text = db.execute("SELECT text FROM articles WHERE id = 1").fetchone()[0]
    assert text[listing[0][4] : listing[0][5]] == listing[0][3]
    assert listing[0][6:] == ("zh", "2026-03")
    links = set(db.execute("SELECT entity_id, role FROM event_entities").fetchall())
    assert ("org:us-commerce", "actor") in links and ("org:sensetime", "target") in links
    assert db.execute("SELECT article_id, relevant FROM article_analysis ORDER BY article_id").fetchall() == [(1, 1), (2, 0)]
    process_articles(db_path)  # nothing new: nothing duplicated
    assert len(db.execute("SELECT id FROM events").fetchall()) == len(rows)

    assert search_ids(db_path, "--event", "entity_listing") == [1]
    assert search_ids(db_path, "--relevant") == [1]
    bad = subprocess.run([*CLI, "search", "--db", str(db_path), "--event", "blacklist"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "blacklist" in bad.stderr


def test_an_article_longer_than_spacy_allows_does_not_stop_process(tmp_path):
    """spaCy refuses texts over 1,000,000 characters; such an article once failed its batch on every run."""
    from nlp.analyze import MAX_CHARS

    db_path = tmp_path / "long.db"
    db = open_db(db_path)
    save_articles(db, [
        ArticleRecord(url="https://a.example/long", source="a", lang="en", text="Huawei was listed. " + "word " * 220_000),
        ArticleRecord(url="https://a.example/short", source="a", lang="en", text="SMIC and Huawei were added to the Entity List."),
    ])
    report = process_articles(db_path)
    assert report.analyzed == 2
    assert db.execute("SELECT count(*) FROM article_analysis").fetchone()[0] == 2
    assert db.execute("SELECT max(end_char) FROM mentions").fetchone()[0] <= MAX_CHARS
    assert db.execute("SELECT count(*) FROM mentions m JOIN articles a ON a.id = m.article_id WHERE a.url LIKE '%/long'").fetchone()[0] >= 1
    assert (db.execute("SELECT max(end_char) FROM events").fetchone()[0] or 0) <= MAX_CHARS  # events read the same prefix
