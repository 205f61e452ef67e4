"""Page bytes in every encoding Chinese and English news arrives in come out as clean text."""

import pytest

from crawler.encoding import codec_name, decode_html, plausibility

SIMPLIFIED = "美国商务部工业和安全局周二宣布，将十二家中国企业列入实体清单，限制其获得先进芯片制造设备。"
TRADITIONAL = "美國商務部工業與安全局週二宣布，將十二家中國企業列入實體清單，限制其取得先進晶片製造設備。"
ENGLISH_ACCENTS = "The Commerce Department's rule, a déjà vu for Zürich-based suppliers, took effect."
OUTSIDE_GB2312 = "朱镕基与张喆"  # 镕 and 喆 exist in GBK/GB18030 but not in GB2312


def page(body: str, head: str = "") -> str:
    title = "News" if body.isascii() or body == ENGLISH_ACCENTS else body[:6]
    return f"<html><head>{head}<title>{title}</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    ("html", "codec", "content_type", "expected_codec"),
    [
        (page(SIMPLIFIED), "gb2312", None, "gb18030"),  # no declaration anywhere
        (page(SIMPLIFIED), "gbk", "text/html; charset=utf-8", "gb18030"),  # header lies
        (page(SIMPLIFIED + OUTSIDE_GB2312, '<meta charset="gb2312">'), "gb18030", None, "gb18030"),
        (page(TRADITIONAL, '<meta http-equiv="Content-Type" content="text/html; charset=big5">'), "big5", None, "cp950"),
        (page(TRADITIONAL), "big5", None, "cp950"),  # Big5 with no declaration
        (page(TRADITIONAL, '<meta charset="gbk">'), "big5", None, "cp950"),  # Big5 claiming to be GBK
        (page(SIMPLIFIED, '<meta charset="big5">'), "gbk", None, "gb18030"),  # GBK claiming to be Big5
        (page(SIMPLIFIED, '<meta charset="gbk">'), "utf-8", None, "utf-8"),  # UTF-8 claiming to be GBK
        (page(ENGLISH_ACCENTS), "cp1252", "text/html; charset=iso-8859-1", "cp1252"),
        (page(ENGLISH_ACCENTS), "cp1252", None, "cp1252"),
    ],
)
def test_decodes_to_the_original_text(html, codec, content_type, expected_codec):
    decoded = decode_html(html.encode(codec), content_type)
    assert decoded.text == html
    assert decoded.encoding == expected_codec
    assert "\ufffd" not in decoded.text


def test_utf8_bom_without_declaration():
    decoded = decode_html(b"\xef\xbb\xbf" + page(SIMPLIFIED).encode("utf-8"))
    assert SIMPLIFIED in decoded.text


@pytest.mark.parametrize("codec", ["utf-8", "gb18030", "big5"])
def test_multibyte_character_cut_at_the_end(codec):
    text = page(TRADITIONAL if codec == "big5" else SIMPLIFIED)
    body = text.encode(codec) + "中".encode(codec)[:1]
    decoded = decode_html(body)
    assert decoded.text.startswith(text[:40])
    assert "\ufffd" not in decoded.text


def test_mixed_utf8_and_gbk_in_one_page():
    body = page(SIMPLIFIED).encode("utf-8") + "<p>出口管制</p>".encode("gbk")
    decoded = decode_html(body)
    assert SIMPLIFIED in decoded.text and "出口管制" in decoded.text
    assert "\ufffd" not in decoded.text


def test_forced_encoding_wins_when_it_fits():
    assert decode_html(page(SIMPLIFIED).encode("gbk"), forced="gbk").encoding == "gb18030"


def test_plain_ascii():
    assert decode_html(b"<html><body>Entity List</body></html>").encoding == "ascii"


def test_declared_labels_widen_to_supersets():
    assert codec_name("GB2312") == "gb18030"
    assert codec_name("gbk") == "gb18030"
    assert codec_name("x-unknown") is None


def test_real_chinese_scores_higher_than_mojibake():
    mojibake = SIMPLIFIED.encode("gbk").decode("cp950", errors="ignore")
    assert plausibility(SIMPLIFIED) > 0.95 > plausibility(mojibake)


def gb2312_page_with_broken_sequences(declare: bool, broken: int = 12) -> tuple[bytes, str]:
    """A GB2312 page (self-written text) with `broken` invalid GBK sequences, each a lead byte
    followed by a space: bytes cp1252 reads strictly (as "¡ "), so only the rule can save it."""
    head = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' if declare else ""
    paragraphs = [SIMPLIFIED] * 16
    html = page("</p><p>".join(paragraphs), head)
    pieces = html.encode("gb2312").split("，".encode("gb2312"))
    body = b""
    for i, piece in enumerate(pieces):
        body += piece + ("，".encode("gb2312") if i < len(pieces) - 1 else b"")
        if i < broken:
            body += b"\xa1 "
    body.decode("cp1252")  # a Latin codec reads every byte: the trap
    return body, html


@pytest.mark.parametrize(
    ("declare", "content_type"),
    [(True, "text/html; charset=gb2312"), (True, None), (False, "text/html; charset=gb2312"), (False, None)],
)
def test_a_chinese_page_with_a_few_broken_bytes_is_not_latin_mojibake(declare, content_type):
    body, _ = gb2312_page_with_broken_sequences(declare)
    decoded = decode_html(body, content_type)
    assert decoded.encoding == "gb18030"
    assert decoded.replaced == 12
    assert decoded.text.count("实体清单") == 16
    assert "\ufffd" not in decoded.text


def test_a_clean_page_reports_no_replaced_bytes():
    assert decode_html(page(SIMPLIFIED).encode("gbk")).replaced == 0


def test_a_latin_page_declared_chinese_is_not_read_as_chinese():
    """Accented Latin text has far more invalid GBK pairs (or reads as implausible Chinese) than a lenient decode may drop."""
    text = page(ENGLISH_ACCENTS * 20, '<meta charset="gb2312">')
    decoded = decode_html(text.encode("cp1252"))
    assert decoded.encoding == "cp1252"
    assert decoded.text == text
