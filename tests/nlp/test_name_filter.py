"""The name filter: spans the NER returns that are not names are dropped or cut to the name."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Span

import nlp.components  # noqa: F401 - registers the factories
from nlp.components.filters import NameFilter
from nlp.knowledge_base import shared_kb


@pytest.fixture(scope="module")
def zh():
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})


@pytest.fixture(scope="module")
def name_filter():
    return NameFilter(shared_kb())


def _run(nlp, name_filter, text: str, surface: str, label: str) -> list[tuple[str, str]]:
    """Tag `surface` in `text` as `label` (as a model would), run the filter, return what is left."""
    doc = nlp.make_doc(text)
    start = text.index(surface)
    doc.ents = [doc.char_span(start, start + len(surface), label=label)]
    return [(e.text, e.label_) for e in name_filter(doc).ents]


@pytest.mark.parametrize(
    ("text", "surface", "label", "expected"),
    [
        # a verb tagged as a place
        ("警方已查明事故原因。", "查明", "LOC", []),
        ("公司表示将继续供货。", "表示", "ORG", []),
        # a description glued to a name
        ("上海的云计算公司 Nvidia 发布了新产品。", "上海的云计算公司 Nvidia", "LOC", [("Nvidia", "LOC")]),
        ("美国芯片巨头英伟达发布财报。", "美国芯片巨头英伟达", "ORG", [("英伟达", "ORG")]),
        ("那是上海的公司。", "上海的公司", "ORG", []),
        # a country glued to a company the knowledge base knows
        ("美国英伟达发布财报。", "美国英伟达", "ORG", [("美国", "GPE"), ("英伟达", "ORG")]),
        ("韓國三星電子擴產。", "韓國三星電子", "ORG", [("韓國", "GPE"), ("三星電子", "ORG")]),
        # real names stay whole
        ("中国电子科技集团公司第五十四研究所发布报告。", "中国电子科技集团公司第五十四研究所", "ORG", [("中国电子科技集团公司第五十四研究所", "ORG")]),
        ("他去了的黎波里。", "的黎波里", "GPE", [("的黎波里", "GPE")]),
        ("华为技术有限公司", "华为技术有限公司", "ORG", [("华为技术有限公司", "ORG")]),
        ("中国科学院计算技术研究所", "中国科学院计算技术研究所", "ORG", [("中国科学院计算技术研究所", "ORG")]),
        ("任正非在深圳", "任正非", "PERSON", [("任正非", "PERSON")]),
        # a place glued to a name the knowledge base does not know stays one span
        ("北京某某科技发布", "北京某某科技", "ORG", [("北京某某科技", "ORG")]),
    ],
)
def test_chinese_spans(zh, name_filter, text, surface, label, expected):
    assert _run(zh, name_filter, text, surface, label) == expected


def test_english_non_names_are_dropped_and_names_kept(name_filter):
    en = spacy.blank("en")
    doc = en("The CEO of Nvidia spoke.")
    doc.ents = [Span(doc, 1, 2, label="ORG"), Span(doc, 3, 4, label="ORG")]
    assert [(e.text, e.label_) for e in name_filter(doc).ents] == [("Nvidia", "ORG")]


def test_spans_the_gazetteer_linked_are_left_alone(zh, name_filter):
    doc = zh.make_doc("公司表示")
    doc.ents = [Span(doc, 2, 4, label="ORG", kb_id="org:example")]
    assert [e.text for e in name_filter(doc).ents] == ["表示"]


def test_the_filter_runs_in_the_chinese_pipeline():
    from nlp.pipeline import build_pipeline

    pipeline = build_pipeline("zh")
    names = pipeline.pipe_names
    assert names.index("chipwatch_gazetteer_v1") < names.index("chipwatch_name_filter_v1") < names.index("chipwatch_linker_v1")


@pytest.mark.parametrize(
    ("text", "start", "end", "label", "expected"),
    [
        ("Yesterday the Commerce Department acted.", 1, 4, "ORG", ("Commerce Department", "ORG")),
        ("Elmos Semiconductor's plant was sold.", 0, 3, "ORG", ("Elmos Semiconductor", "ORG")),
        ("Talks in The Hague ended.", 2, 4, "GPE", ("The Hague", "GPE")),
        ("The Nvidia", 0, 2, "PERSON", ("The Nvidia", "PERSON")),
    ],
)
def test_english_article_and_possessive_are_cut(name_filter, text, start, end, label, expected):
    en = spacy.blank("en")
    doc = en(text)
    doc.ents = [Span(doc, start, end, label=label)]
    [ent] = name_filter(doc).ents
    assert (ent.text, ent.label_) == expected
