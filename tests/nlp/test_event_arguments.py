"""Event arguments and type rules: the project's own article in the reference article's style
(tests/nlp/fixtures/wire-circumvention-zh.txt: invented firms, not a report of fact) yields
cloud rental, intermediary and subsidiary events with their buyers and an enforcement by BIS;
names that are not names never become parties; products are normalised."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.records import Mention
from nlp.events.names import is_party_name
from nlp.events.products import products_in
from nlp.events.quantities import amounts
from nlp.events.rules import retype, rule_types
from nlp.places import place_english_names

FIXTURE = Path(__file__).parent / "fixtures" / "wire-circumvention-zh.txt"


@pytest.fixture(scope="module")
def analyzer():
    from nlp.analyze import Analyzer

    return Analyzer()


def test_wire_story_yields_each_mechanism_with_its_buyer_and_the_enforcement(analyzer):
    text = FIXTURE.read_text(encoding="utf-8")
    result = next(analyzer.analyze([{"id": "w", "text": text}]))
    assert result.relevant
    by_kind = {(e.type, e.mechanism): e for e in result.events}
    cloud = by_kind[("circumvention", "cloud_rental")]
    assert "租用" in cloud.evidence and cloud.products == ["Nvidia H100"] and cloud.actors
    assert by_kind[("circumvention", "intermediary")].actors == by_kind[("circumvention", "subsidiary")].actors
    assert "中间商" in by_kind[("circumvention", "intermediary")].evidence
    assert "子公司" in by_kind[("circumvention", "subsidiary")].evidence
    enforcement = by_kind[("enforcement", None)]
    assert "Bureau of Industry and Security" in enforcement.actors and "调查" in enforcement.evidence
    for event in result.events:
        assert text[event.start : event.end] == event.evidence
        assert "Nvidia" not in event.targets


@pytest.mark.parametrize(
    "text,label,expected",
    [
        ("中国人工智能团队", "ORG", False),
        ("美国出口", "LOC", False),
        ("AI", "ORG", False),
        ("中国客户交", "ORG", False),
        ("美国法律团队", "ORG", False),
        ("星河视觉科技公司", "ORG", True),
        ("马来西亚", "GPE", True),
        ("Lianhe Compute", "ORG", True),
        ("the company", "ORG", False),
    ],
)
def test_only_names_are_parties(text, label, expected):
    assert is_party_name(Mention(text, label, 0, len(text)), place_english_names()) is expected


def test_products_are_normalised_from_sentence_and_headline():
    assert products_in("iFlytek 正在租用 Nvidia 的 A100 芯片") == ["Nvidia A100"]
    assert products_in("禁止出售芯片制造設備", "US bars EDA software and HBM; model weights") == ["Chipmaking equipment", "EDA software", "HBM", "AI model weights"]
    assert products_in("GPU shipments including the H20") == ["Nvidia H20"]  # the broad GPU gives way to the model
    assert products_in("chips and semiconductors") == []


def test_type_rules():
    assert rule_types("商汤科技通过中间商从美国购买违禁元器件。", "zh") == ["circumvention"]
    assert rule_types("The firm bought H100 chips through a Singapore intermediary.", "en") == ["circumvention"]
    assert rule_types("Firms might rent A100 chips through clouds.", "en") == []  # a hedge is the model's call
    assert "enforcement" in rule_types("Singapore charged three men with fraud over servers that held Nvidia chips.", "en")
    assert retype("circumvention", "Tencent ordered more H20 chips.", "en", None) == "chip_procurement"
    assert retype("circumvention", "Chinese firms stockpile chips to evade curbs.", "en", None) == "circumvention"


def test_amounts():
    assert amounts("对八个 A100 的访问每小时约10 美元", "zh") == "每小时约10 美元"
    assert amounts("Singapore charged three men over $390 million of servers", "en") == "three men; $390 million"


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n", "啊" * 20_000, "." * 20_000, "Nvidia的A100晶片 смуглинг 走私 🚀 عربى SenseTime通過中間商購買\x00", "芯片出口管制。" * 50_000],
    ids=["empty", "blank", "one-han-character", "one-mark", "mixed-scripts", "long"],
)
def test_bad_input_gives_a_result(analyzer, text):
    result = next(analyzer.analyze([{"id": "bad", "text": text}]))
    assert isinstance(result.relevant, bool) and isinstance(result.events, list)
    for event in result.events:
        assert event.evidence and 0 <= event.start < event.end
