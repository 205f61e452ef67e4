"""The screening automaton: listed names found in text on boundaries, look-alikes left alone."""

from __future__ import annotations

import pytest

from core.csl import read_csl
from db.sanctions import STARTER_FILE
from nlp.knowledge_base import shared_kb
from nlp.screening import Screener, name_tokens

ENTRIES = [
    {"id": 1, "list": "Entity List (EL) - Bureau of Industry and Security", "name": "Huawei Technologies Co., Ltd.", "alt_names": ["Huawei"]},
    {"id": 2, "list": "Specially Designated Nationals (SDN) - Treasury Department", "name": "Joint Stock Company Sukhoi Civil Aircraft", "alt_names": []},
    {"id": 3, "list": "Specially Designated Nationals (SDN) - Treasury Department", "name": "7-28", "type": "Vessel", "alt_names": []},
    {"id": 4, "list": "Entity List (EL) - Bureau of Industry and Security", "name": "ZTE Corporation", "alt_names": ["ZTE"]},
    {"id": 5, "list": "Entity List (EL) - Bureau of Industry and Security", "name": "Harbin Institute of Technology", "alt_names": ["HIT"]},
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(ENTRIES, shared_kb())


@pytest.fixture(scope="module")
def starter() -> Screener:
    with open(STARTER_FILE, "rb") as handle:
        return Screener([e for _, e in read_csl(handle) if isinstance(e, dict)], shared_kb())


def names(screener: Screener, text: str) -> list[str]:
    return [h.text for h in screener.find(text)]


def test_legal_forms_go_both_ends() -> None:
    assert name_tokens("Huawei Technologies Co., Ltd.") == ["huawei", "technologies"]
    assert name_tokens("Joint Stock Company Sukhoi Civil Aircraft") == ["sukhoi", "civil", "aircraft"]
    assert name_tokens("Shanghai Micro Electronics Equipment (Group) Co., Ltd.") == ["shanghai", "micro", "electronics", "equipment"]
    assert name_tokens("中芯國際集成電路製造有限公司") == list("中芯国际集成电路制造")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Huawei Technologies Co., Ltd. said on Monday it would appeal.", ["Huawei Technologies"]),
        ("Sukhoi Civil Aircraft delivered two jets.", ["Sukhoi Civil Aircraft"]),
        ("Shares of ZTE fell.", ["ZTE"]),
        ("美国将华为列入实体清单。", ["华为"]),  # the KB's Chinese name of the listed entry
        ("哈工大的研究人员", ["哈工大"]),
    ],
)
def test_finds_listed_names(screener: Screener, text: str, found: list[str]) -> None:
    assert names(screener, text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Huawei Marine Networks laid a cable.",  # another organisation that begins with a listed name
        "华为海洋网络有限公司铺设海缆。",
        "The port was closed 7-28 March.",  # a vessel named by digits is a date here
        "zte is a lower-case word here",  # a short name must be written as a name
        "We hit the target.",  # HIT: an acronym must be in capitals
        "Huaweiphone is not a name on the list.",  # token boundaries
    ],
)
def test_leaves_look_alikes(screener: Screener, text: str) -> None:
    assert names(screener, text) == []


@pytest.mark.parametrize("text", ["东北航空公司开通新航线", "中国银行发布公告", "Griffon Aerospace built the drones."])
def test_starter_look_alikes(starter: Screener, text: str) -> None:
    assert names(starter, text) == []


@pytest.mark.parametrize("name", ["北航", "北京航空航天大学", "國防科大", "中国电科54所", "中国电子科技集团公司第五十四研究所", "中芯國際"])
def test_starter_chinese_names(starter: Screener, name: str) -> None:
    assert names(starter, f"美国商务部将{name}列入实体清单。") == [name]


def test_fuzzy_spelling(starter: Screener) -> None:
    assert starter.fuzzy("Sense Time")  # the list's own spelling of SenseTime, spaceless
    assert starter.fuzzy("Semiconductor Manufacturing Internatonal Corporation")
    assert not starter.fuzzy("SenseTime Capital Partners")
    assert not starter.fuzzy("Huawei Marine Networks")
