"""The shipped Chinese NER model and the CLUENER label mapping used to train it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from nlp.train_zh_ner import (
    address_label,
    is_dev,
    map_record,
    read_cluener,
    to_traditional,
    write_docbin,
)

MODEL = Path(__file__).resolve().parents[2] / "nlp" / "models" / "zh_ner"


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(MODEL)


def _ents(nlp, text: str) -> set[tuple[str, str]]:
    return {(e.text, e.label_) for e in nlp(text).ents}


def test_model_is_small_and_char_segmented(nlp):
    size = sum(f.stat().st_size for f in MODEL.rglob("*") if f.is_file())
    assert size < 20_000_000
    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert set(nlp.get_pipe("ner").labels) == {"PERSON", "ORG", "GPE", "LOC"}
    assert [t.text for t in nlp.make_doc("华为芯片")] == ["华", "为", "芯", "片"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("国务院总理李强在北京会见了德国总理。", {("李强", "PERSON"), ("北京", "GPE")}),
        ("华为公司总裁任正非在深圳接受采访。", {("任正非", "PERSON"), ("深圳", "GPE")}),
        ("中芯国际在上海扩大产能。", {("中芯国际", "ORG"), ("上海", "GPE")}),
        ("美国商务部宣布新的出口管制。", {("美国商务部", "ORG")}),
        ("華為公司總裁任正非在深圳接受採訪。", {("任正非", "PERSON"), ("深圳", "GPE")}),
        ("中芯國際在上海擴大產能。", {("中芯國際", "ORG"), ("上海", "GPE")}),
        (
            "美國商務部宣布對華為實施新的出口管制。",
            {("美國商務部", "ORG"), ("華為", "ORG")},
        ),
        ("國務院總理李強在北京會見了德國總理。", {("李強", "PERSON"), ("北京", "GPE")}),
    ],
)
def test_model_finds_entities_in_both_scripts(nlp, text, expected):
    assert expected <= _ents(nlp, text)


def test_map_record_on_a_fake_cluener_line(tmp_path):
    text = (
        "华为在北京市海淀区发布新芯片，任正非出席，工信部官员和《芯片战争》作者到场。"
    )
    record = {
        "text": text,
        "label": {
            "company": {"华为": [[0, 1]]},
            "address": {"北京市海淀区": [[3, 8]]},
            "name": {"任正非": [[15, 17]]},
            "government": {"工信部": [[21, 23]]},
            "book": {"芯片战争": [[28, 31]]},
            "position": {"官员": [[24, 25]]},
        },
    }
    spans = map_record(record)
    assert [(text[s:e], label) for s, e, label in spans] == [
        ("华为", "ORG"),
        ("北京市海淀区", "LOC"),
        ("任正非", "PERSON"),
        ("工信部", "ORG"),
    ]
    path = tmp_path / "train.json"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert list(read_cluener(path)) == [(text, spans)]
    [(traditional, same_spans)] = to_traditional([(text, spans)])
    assert traditional.startswith("華爲")  # OpenCC s2t writes 爲, not Taiwan's 為
    assert same_spans == spans
    assert write_docbin([(text, spans)], tmp_path / "x.spacy") == 1


def test_address_rule_and_split():
    assert address_label("北京") == "GPE"
    assert address_label("广东省") == "GPE"
    assert address_label("美国") == "GPE"
    assert address_label("北京市海淀区中关村") == "LOC"
    assert is_dev("同一句话") == is_dev("同一句话")
