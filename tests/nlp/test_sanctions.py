"""nlp/sanctions.py: CSL rows by line number, normalisation, exact matching, no look-alikes."""

import io

import pytest

from core.csl import CSL_COLUMNS, CslFormatError, RowError, list_code, read_csl
from core.names import normalize_name as normalize_party
from nlp.sanctions import SanctionsIndex

EL = "Entity List (EL) - Bureau of Industry and Security"
SDN = "Specially Designated Nationals (SDN) - Treasury Department"


def csv_bytes(*lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))


def test_reads_full_csl_header_by_name_with_line_numbers():
    header = ",".join(CSL_COLUMNS)
    empty = [""] * len(CSL_COLUMNS)

    def row(**values):
        cells = list(empty)
        for key, value in values.items():
            cells[CSL_COLUMNS.index(key)] = f'"{value}"'
        return ",".join(cells)

    handle = csv_bytes(
        header,
        row(source=EL, name="Huawei Technologies Co., Ltd.", alt_names="Huawei; 华为; Huawei", addresses="Bantian, Longgang District, Shenzhen, CN",
            federal_register_notice="84 FR 22961", start_date="2019-05-16"),
        "",
        row(source=SDN, name="Example Trading LLC"),
    )
    rows = list(read_csl(handle))
    assert [n for n, _ in rows] == [2, 4]
    huawei = rows[0][1]
    assert huawei["list"] == EL and huawei["list_code"] == "EL"
    assert huawei["alt_names"] == ["Huawei", "华为"]
    assert huawei["country"] == "CN" and huawei["federal_register_notice"] == "84 FR 22961"
    assert rows[1][1]["list_code"] == "SDN"


def test_columns_may_be_reordered_missing_or_extra():
    handle = csv_bytes("name,extra,source", '"SMIC",x,"' + EL + '"')
    [(number, entry)] = list(read_csl(handle))
    assert number == 2 and entry["name"] == "SMIC" and entry["list"] == EL and entry["alt_names"] == []


def test_malformed_rows_are_reported_by_line_and_good_rows_kept():
    handle = io.BytesIO(
        b"source,name,alt_names\n"
        + f'"{EL}","Good One",""\n'.encode()
        + f'"{EL}","",""\n'.encode()  # 3: no name
        + b'"","Nameless List",""\n'  # 4: no source
        + f'"{EL}","Too","Many","Cells"\n'.encode()  # 5: column count
        + f'"{EL}","Bad '.encode() + b'\xff\xfe bytes",""\n'  # 6: not UTF-8
        + f'"{EL}","Multi\nLine Name",""\n'.encode()  # 7-8: a quoted field spans lines
        + f'"{EL}","Good Two",""\n'.encode()  # 9
    )
    results = list(read_csl(handle))
    bad = [(n, str(e)) for n, e in results if isinstance(e, RowError)]
    good = [(n, e["name"]) for n, e in results if not isinstance(e, RowError)]
    assert [n for n, _ in bad] == [3, 4, 5, 6]
    assert "'name'" in bad[0][1] and "'source'" in bad[1][1] and "columns" in bad[2][1] and "UTF-8" in bad[3][1]
    assert good == [(2, "Good One"), (7, "Multi\nLine Name"), (9, "Good Two")]


def test_a_file_without_source_or_name_columns_is_refused_whole():
    with pytest.raises(CslFormatError, match="missing column source"):
        list(read_csl(csv_bytes("name,alt_names", "Huawei,")))
    with pytest.raises(CslFormatError, match="empty"):
        list(read_csl(io.BytesIO(b"")))


def test_list_codes_come_from_the_parenthesis():
    assert list_code(EL) == "EL"
    assert list_code("Unverified List (UVL) - Bureau of Industry and Security") == "UVL"
    assert list_code("Military End User (MEU) List - Bureau of Industry and Security") == "MEU"
    assert list_code("Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department") == "CMIC"


def test_normalization_folds_case_script_punctuation_and_legal_forms():
    assert normalize_party("SenseTime Group Limited") == normalize_party("Sense Time") == "sensetime"
    assert normalize_party("HUAWEI TECHNOLOGIES CO., LTD.") == normalize_party("Huawei Technologies Corporation")
    assert normalize_party("華為技術有限公司") == normalize_party("华为技术股份有限公司") == "华为技术"
    assert normalize_party("ＳＭＩＣ") == "smic"  # full-width letters


ENTRIES = [
    {"id": 1, "list": EL, "list_code": "EL", "name": "Huawei Technologies Co., Ltd.", "alt_names": ["Huawei", "华为技术有限公司"]},
    {"id": 2, "list": EL, "list_code": "EL", "name": "SenseTime", "alt_names": '["SenseTime Group Limited"]'},
    {"id": 3, "list": EL, "list_code": "EL", "name": "Semiconductor Manufacturing International Corporation", "alt_names": ["SMIC"]},
    {"id": 4, "list": "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department", "list_code": "CMIC",
     "name": "SenseTime Group Limited", "alt_names": []},
]


def test_exact_and_normalized_names_and_alt_names_match():
    index = SanctionsIndex(ENTRIES)
    assert [(m.list_code, m.entry_id) for m in index.match("Huawei")] == [("EL", 1)]
    assert [m.entry_id for m in index.match("華為技術有限公司")] == [1]
    assert [m.entry_id for m in index.match("huawei technologies co ltd")] == [1]
    assert index.lists_for("Sense Time Group Ltd.") == ["CMIC", "EL"]
    assert index.match("Semiconductor Manufacturing International Corp.")[0].name.startswith("Semiconductor")


@pytest.mark.parametrize("look_alike", ["SenseTime Capital", "Huawei Marine Networks", "Huawei Technologies Investment", "SMIC Capital", "华为海洋", "Sense"])
def test_look_alikes_do_not_match(look_alike):
    assert SanctionsIndex(ENTRIES).match(look_alike) == []


def test_chinese_mention_matches_through_kb_aliases():
    index = SanctionsIndex(ENTRIES, aliases={"中芯国际": ["SMIC", "中芯国际集成电路制造有限公司"]})
    assert [(m.list_code, m.entry_id, m.matched) for m in index.match("中芯國際")] == [("EL", 3, "SMIC")]
    bare = SanctionsIndex(ENTRIES)
    assert bare.match("中芯国际") == []
    assert [m.entry_id for m in bare.match("中芯国际", kb_names=["SMIC"])] == [3]  # names from the entity linker
    assert index.match("中芯国际南方") == []  # an alias is exact too
