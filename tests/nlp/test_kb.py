"""nlp.knowledge_base: the entity data loads and validates, and names resolve across scripts and forms."""

from __future__ import annotations

import json

import pytest

from core.names import normalize_name
from core.script import fold
from nlp.knowledge_base import Entity, KBError, KnowledgeBase


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def test_data_loads_with_enough_entities(kb: KnowledgeBase) -> None:
    assert len(kb.organizations()) >= 200
    assert len(kb.products()) >= 80
    assert len(kb.all()) == len(kb)


def test_every_entity_is_complete(kb: KnowledgeBase) -> None:
    for e in kb.all():
        assert e.name and e.type and e.kind in ("org", "product")
        if e.kind == "org":
            assert e.country and len(e.country) == 2
            assert e.parent is None or kb.get(e.parent) is not None
        elif e.maker is not None:
            assert kb.get(e.maker).kind == "org"


def test_no_alias_is_only_a_script_conversion(kb: KnowledgeBase) -> None:
    """The resolver converts scripts, so an alias must not be another name in the other script."""
    for e in kb.all():
        names = [s for s in (e.name, e.zh, e.zh_hant) if s]
        for i, alias in enumerate(e.aliases):
            others = names + [a for j, a in enumerate(e.aliases) if j != i]
            clashes = [
                o
                for o in others
                if o != alias and fold(o) == fold(alias)
            ]
            assert not clashes, (
                f"{e.id}: alias {alias!r} is a script variant of {clashes}"
            )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("商汤科技", "org:sensetime"),
        ("商湯科技", "org:sensetime"),
        ("SenseTime", "org:sensetime"),
        ("SenseTime Group Inc.", "org:sensetime"),
        ("sensetime", "org:sensetime"),
        ("Sense Time", "org:sensetime"),
        ("商汤", "org:sensetime"),
        ("商汤科技有限公司", "org:sensetime"),
        ("中芯国际集成电路制造有限公司", "org:smic"),
        ("中芯國際", "org:smic"),
        ("中芯", "org:smic"),
        ("SMIC", "org:smic"),
        ("Semiconductor Manufacturing International Corp.", "org:smic"),
        ("英伟达", "org:nvidia"),
        ("輝達", "org:nvidia"),
        ("英偉達", "org:nvidia"),
        ("NVIDIA Corporation", "org:nvidia"),
        ("美国商务部", "org:us-commerce"),
        ("美國商務部", "org:us-commerce"),
        ("U.S. Commerce Department", "org:us-commerce"),
        ("工业和安全局", "org:bis"),
        ("工業與安全局", "org:bis"),
        ("工业与安全局", "org:bis"),
        ("BIS", "org:bis"),
        ("商务部", "org:mofcom"),
        ("MOFCOM", "org:mofcom"),
        ("科大讯飞", "org:iflytek"),
        ("iFLYTEK Co., Ltd.", "org:iflytek"),
        ("AliCloud", "org:alibaba-cloud"),
        ("長江存儲", "org:ymtc"),
        ("算能", "org:sophgo"),
        ("China's cyber regulator", "org:cac"),
        ("網信辦", "org:cac"),
        ("海思", "org:hisilicon"),
        ("华为技术有限公司", "org:huawei"),
        ("華為", "org:huawei"),
        ("台積電", "org:tsmc"),
        ("ASML Holding N.V.", "org:asml"),
        ("艾司摩爾", "org:asml"),
        ("升腾910B", "product:huawei-ascend-910b"),
        ("昇腾910B", "product:huawei-ascend-910b"),
        ("昇騰 910B", "product:huawei-ascend-910b"),
        ("Ascend 910B", "product:huawei-ascend-910b"),
        ("H20", "product:nvidia-h20"),
        ("英伟达H20", "product:nvidia-h20"),
        ("GB200", "product:nvidia-gb200"),
        ("MI308", "product:amd-mi308"),
        ("极紫外光刻机", "product:euv-lithography"),
        ("光刻機", "product:lithography-machine"),
        ("镓", "product:gallium"),
        ("7纳米", "product:process-7nm"),
        ("Twinscan NXT:2000i", "product:asml-nxt2000i"),
    ],
)
def test_resolves(kb: KnowledgeBase, text: str, expected: str) -> None:
    entity = kb.resolve(text)
    assert entity is not None, text
    assert entity.id == expected


@pytest.mark.parametrize(
    "text",
    [
        "SenseTime Capital Partners",
        "商汤科技研究院",
        "Washington",
        "华盛顿",
        "Beijing",
        "北京",
        "the US",
        "Nvidia H2O",
        "H2",
        "",
        "   ",
        "Inc.",
    ],
)
def test_look_alikes_and_places_do_not_resolve(kb: KnowledgeBase, text: str) -> None:
    assert kb.resolve(text) is None


def test_resolve_returns_canonical_name(kb: KnowledgeBase) -> None:
    assert kb.resolve("輝達").name == "Nvidia"
    assert kb.resolve("商湯").name == "SenseTime"
    bis = kb.resolve("工業與安全局")
    assert bis.name == "Bureau of Industry and Security"
    assert bis.parent == "org:us-commerce"
    assert kb.get(bis.parent).name == "US Department of Commerce"


def test_normalize_name() -> None:
    assert normalize_name("SenseTime Group Inc.") == "sensetime"
    assert normalize_name("商湯科技股份有限公司") == "商汤科技"
    assert normalize_name("Huawei Technologies Co., Ltd.") == "huaweitechnologies"
    assert normalize_name("ASML Holding N.V.") == "asml"
    assert normalize_name("U.S.") == "us"
    # a name that is only a suffix is kept, not emptied
    assert normalize_name("Group") == "group"
    assert normalize_name("公司") == "公司"


def test_aliases_cover_both_scripts(kb: KnowledgeBase) -> None:
    pairs = list(kb.aliases())
    surfaces = {(s, e.id) for s, e in pairs}
    assert ("商湯", "org:sensetime") in surfaces
    assert ("商汤", "org:sensetime") in surfaces
    assert ("英伟达", "org:nvidia") in surfaces
    assert ("輝達", "org:nvidia") in surfaces
    assert ("辉达", "org:nvidia") in surfaces
    assert ("英偉達", "org:nvidia") in surfaces
    assert ("華為", "org:huawei") in surfaces
    assert ("昇腾910B", "product:huawei-ascend-910b") in surfaces
    assert len(pairs) == len({(s, e.id) for s, e in pairs})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("英伟达H20芯片需要出口许可证", ["product:nvidia-h20"]),
        (
            "H200 and GB200 racks, not B200",
            ["product:nvidia-h200", "product:nvidia-gb200", "product:nvidia-b200"],
        ),
        (
            "RTX 4090D and RTX 4090",
            ["product:nvidia-rtx-4090d", "product:nvidia-rtx-4090"],
        ),
        ("HBM3E, HBM3 and HBM", ["product:hbm3e", "product:hbm3", "product:hbm"]),
        (
            "昇腾910C与Ascend910B",
            ["product:huawei-ascend-910c", "product:huawei-ascend-910b"],
        ),
        ("MI300X beats MI308X", ["product:amd-mi300x", "product:amd-mi308"]),
        (
            "中芯国际7纳米工艺，台积电5nm",
            ["product:process-7nm", "product:process-5nm"],
        ),
        ("NXT:1980i and NXT 2000i", ["product:asml-nxt1980i", "product:asml-nxt2000i"]),
        # look-alikes: water, part numbers, longer model numbers, version strings
        ("H2O, H201, AH20X, SH200-1", []),
        ("17nm, 0.7nm, 2.5nm", []),
    ],
)
def test_product_patterns(kb: KnowledgeBase, text: str, expected: list[str]) -> None:
    assert [e.id for _, _, e in kb.match_products(text)] == expected


def _write(tmp_path, orgs: list[dict], products: list[dict]) -> None:
    (tmp_path / "organizations.jsonl").write_text(
        "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in orgs),
        encoding="utf-8",
    )
    (tmp_path / "products.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in products),
        encoding="utf-8",
    )


def _org(ident: str, name: str, **kw) -> dict:
    return {
        "id": ident,
        "name": name,
        "type": "company",
        "country": "CN",
        "aliases": [],
        **kw,
    }


def test_validation_reports_every_problem(tmp_path) -> None:
    _write(
        tmp_path,
        [
            _org("org:huahong", "Hua Hong Semiconductor", aliases=["华虹"]),
            _org(
                "org:huahong-group", "Huahong Group", zh="华虹集团"
            ),  # 华虹集团 -> 华虹: conflict
            _org("org:huahong", "Duplicate"),
            _org("org:child", "Child", parent="org:missing"),
            {"id": "org:nameless", "type": "company", "country": "CN"},
            _org("org:bad-type", "Bad", type="bank"),
        ],
        [
            {
                "id": "product:x",
                "name": "X",
                "type": "gpu",
                "maker": "org:nowhere",
                "patterns": ["("],
            }
        ],
    )
    with pytest.raises(KBError) as err:
        KnowledgeBase.load(tmp_path)
    text = str(err.value)
    assert "alias conflict" in text and "'华虹'" in text
    assert "duplicate id org:huahong" in text
    assert "org:missing does not exist" in text
    assert "missing required field 'name'" in text
    assert "type 'bank'" in text
    assert "bad pattern" in text
    assert "org:nowhere does not exist" in text


def test_org_and_product_may_share_a_name_and_label_decides(tmp_path) -> None:
    _write(
        tmp_path,
        [_org("org:kunpeng", "Kunpeng Corp")],
        [
            {
                "id": "product:kunpeng",
                "name": "Kunpeng",
                "type": "cpu",
                "maker": "org:kunpeng",
            }
        ],
    )
    kb = KnowledgeBase.load(tmp_path)
    assert kb.resolve("Kunpeng") is None
    assert kb.resolve("Kunpeng", label="ORG").id == "org:kunpeng"
    assert kb.resolve("Kunpeng", label="PRODUCT").id == "product:kunpeng"
    assert isinstance(kb.get("org:kunpeng"), Entity)


def test_a_knowledge_base_edit_changes_the_pipeline_version(tmp_path):
    """Stored articles are re-analysed after an alias is added: the version carries the KB's fingerprint."""
    import shutil

    from nlp.knowledge_base import KB_DIR
    from nlp.pipeline import PIPELINE_VERSION, _kb_fingerprint

    copy = tmp_path / "kb"
    shutil.copytree(KB_DIR, copy)
    assert PIPELINE_VERSION.endswith(f"+kb-{_kb_fingerprint(copy)}")
    with (copy / "organizations.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"id": "org:test-co", "name": "Test Co", "zh": null, "zh_hant": null, "aliases": [], "type": "company", "country": "US", "parent": null}\n')
    assert _kb_fingerprint(copy) != _kb_fingerprint(KB_DIR)
