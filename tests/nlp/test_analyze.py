"""The entity layer end to end: spaCy pipelines, knowledge-base linking and sanctions flags."""

from __future__ import annotations

import pytest

from chipwatch.analyze import sanctions_index
from nlp.analyze import Analyzer

DOCS = [
    {"id": "zh", "text": "据知情人士透露，商汤科技通过中间商购买英伟达芯片。中芯国际被列入实体清单。"},
    {"id": "tw", "text": "美國商務部將商湯科技列入實體清單，輝達H20晶片受限。"},
    {"id": "en", "text": "Washington added SenseTime and SMIC to the Entity List, while Huawei Marine Networks was not named.", "lang": "en"},
    {"id": "empty", "text": ""},
]


@pytest.fixture(scope="module")
def results():
    analyzer = Analyzer(sanctions=sanctions_index(None))
    return {r.id: r.to_dict() for r in analyzer.analyze(DOCS)}  # the JSON objects `chipwatch analyze` prints


def by_text(result):
    return {e["text"]: e for e in result["entities"]}


def test_order_languages_and_offsets(results):
    assert list(results) == ["zh", "tw", "en", "empty"]
    assert [results[k]["language"] for k in results] == ["zh", "zh-Hant", "en", "und"]
    for doc in DOCS:
        for entity in results[doc["id"]]["entities"]:
            assert doc["text"][entity["start"] : entity["end"]] == entity["text"]


def test_one_entity_across_languages_and_scripts(results):
    ids = {by_text(results["zh"])["商汤科技"]["entity_id"], by_text(results["tw"])["商湯科技"]["entity_id"],
           by_text(results["en"])["SenseTime"]["entity_id"]}
    assert ids == {"org:sensetime"}
    assert by_text(results["tw"])["商湯科技"]["name"] == "SenseTime"


def test_listed_parties_are_flagged_in_chinese_through_aliases(results):
    smic = by_text(results["zh"])["中芯国际"]
    assert smic["entity_id"] == "org:smic"
    assert any("Entity List" in s["list"] for s in smic["sanctions"])


def test_look_alikes_are_not_flagged(results):
    for entity in results["en"]["entities"]:
        if "Marine" in entity["text"]:
            assert "sanctions" not in entity


def test_products_and_places(results):
    h20 = [e for e in results["tw"]["entities"] if e.get("entity_id") == "product:nvidia-h20"]
    assert h20 and h20[0]["label"] == "PRODUCT"
    washington = by_text(results["en"])["Washington"]
    assert washington["label"] == "GPE" and "entity_id" not in washington


def test_entities_never_run_across_a_paragraph_break_or_keep_edge_punctuation():
    analyzer = Analyzer(sanctions=sanctions_index(None))
    text = "据TechWeb）报道，广东新闻\n\n华为发布新品。"
    (result,) = [r.to_dict() for r in analyzer.analyze([{"id": 1, "text": text}])]
    for entity in result["entities"]:
        assert "\n" not in entity["text"] and not entity["text"].endswith("）")
        assert text[entity["start"] : entity["end"]] == entity["text"]


def test_countries_and_cities_are_places_even_where_the_model_says_org():
    analyzer = Analyzer(sanctions=sanctions_index(None))
    text = "美国、日本和荷兰限制向中国出口光刻机，新加坡与馬來西亞加强转运管理。荷兰政府表示支持。"
    (result,) = [r.to_dict() for r in analyzer.analyze([{"id": 1, "text": text}])]
    labels = {e["text"]: e["label"] for e in result["entities"]}
    assert {k: labels.get(k) for k in ("美国", "日本", "荷兰", "中国", "新加坡", "馬來西亞")} == dict.fromkeys(
        ("美国", "日本", "荷兰", "中国", "新加坡", "馬來西亞"), "GPE"
    )
    assert labels.get("荷兰政府") == "ORG"  # a longer organisation span still wins
