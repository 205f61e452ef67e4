"""crawler.extract on pages the project wrote itself (tests/sites/extract/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import ExtractionError, Extracted, extract
from crawler.extract.dates import parse_date
from crawler.extract.titles import strip_site_suffix
from crawler.extract.whitespace import normalise_space

SITES = Path(__file__).resolve().parents[1] / "sites" / "extract"

BOILERPLATE = ("相关阅读", "热门推荐", "责任编辑", "責任編輯", "延伸閱讀", "版权所有", "版權所有", "Copyright", "©",
               "扫一扫", "分享到", "网友评论", "首页", "Related Articles", "All rights reserved", "资料图", "京ICP备")


def page(name: str, url: str | None = None) -> Extracted:
    return extract((SITES / name).read_text(encoding="utf-8"), url=url)


def test_chinese_news_page_with_furniture():
    got = page("zh_news.html", url="https://finance.example.cn/a/2024/0305/12345.html?from=rss")
    assert got.title == "商务部回应美方芯片出口管制新规"
    assert got.published_at == "2024-03-05T10:20:00+08:00"
    assert got.authors == ["张三", "李四"]
    assert got.language == "zh"
    # rel=canonical (relative here) wins over og:url
    assert got.canonical_url == "https://finance.example.cn/a/2024/0305/12345.html"
    assert got.text == "\n\n".join(
        [
            "新华社北京3月5日电（记者 王五）商务部新闻发言人5日表示，美方近日再次扩大对华半导体出口管制范围，"
            "将更多中国实体列入“实体清单”，中方对此坚决反对。",
            "发言人指出，美方泛化国家安全概念，滥用出口管制措施，严重破坏国际经贸秩序和全球产业链供应链稳定。",
            "中方将采取必要措施。",
            "据了解，新规涉及先进计算芯片、半导体制造设备等多个领域，将于30日后生效。业内人士认为，相关措施将影响"
            "全球半导体企业的正常贸易往来。",
            "发言人强调，中方将密切关注事态发展，坚决维护中国企业的正当权益。",
        ]
    )


@pytest.mark.parametrize("name", ["zh_news.html", "zh_hant.html", "en_news.html", "date_header.html", "date_script.html"])
def test_no_boilerplate_left(name):
    text = page(name).text
    for marker in BOILERPLATE:
        assert marker not in text, marker
    # whitespace is normalised: no ideographic spaces, nbsp or tabs, paragraphs split by one blank line
    assert "\u3000" not in text and "\xa0" not in text and "\t" not in text
    assert "\n\n\n" not in text
    assert all(p == p.strip() and p for p in text.split("\n\n"))


def test_traditional_chinese_page():
    got = page("zh_hant.html", url="https://news.example.tw/a/1")
    assert got.title == "美國擴大晶片出口管制 台灣供應鏈受關注"
    assert got.published_at == "2024-03-05T14:30:00+08:00"
    assert got.authors == ["王小明"]  # 記者王小明／台北報導; the 責任編輯 is an editor, not an author
    assert got.language == "zh-Hant"
    assert got.canonical_url is None
    assert got.text.split("\n\n") == [
        "美國商務部宣布擴大對中國大陸的先進晶片出口管制，多家台灣半導體業者表示，正在評估新規對訂單與出貨的影響。",
        "經濟部官員指出，相關企業應遵守出口管制規定，政府將協助廠商釐清法規細節，並與美方保持溝通。",
        "分析師認為，這項措施短期內對台灣晶圓代工業者的營收影響有限，但長期仍需觀察。",
    ]


def test_english_page():
    got = page("en_news.html", url="https://news.example.com/2024/03/05/entity-list")
    assert got.title == "US adds chipmakers to Entity List"
    assert got.published_at == "2024-03-05T02:20:00+00:00"  # the zone given in the page is kept
    assert got.authors == ["Jane Doe", "John Smith"]
    assert got.language == "en"
    assert got.canonical_url is None
    paragraphs = got.text.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("The US Commerce Department on Tuesday added a dozen Chinese semiconductor")
    assert paragraphs[-1].endswith("sell to customers in China.")


def test_date_and_source_line_under_the_headline():
    got = page("date_header.html", url="https://tech.example.cn/a/1.html")
    assert got.title == "集成电路产业投资基金完成新一轮募资"  # "-示例网" stripped
    assert got.published_at == "2023-10-17T10:20:35+08:00"
    assert got.authors == []  # "（编辑 刘七）" is an editor
    assert got.text.split("\n\n") == [
        "记者从有关方面获悉，国家集成电路产业投资基金近日完成新一轮募资，重点投向半导体设备、材料和先进封装等环节。",
        "业内人士表示，在外部出口管制不断收紧的背景下，产业链关键环节的自主可控显得更加重要。",
    ]


def test_labelled_date_at_the_bottom_of_a_table_layout():
    got = page("date_label.html", url="http://gov.example.cn/tzgg/1.html")
    assert got.title == "关于开展半导体出口合规培训的通知"
    assert got.published_at == "2023-10-17T15:05:00+08:00"  # 下午3:05
    assert got.text.split("\n\n") == [
        "各有关企业：",
        "为帮助企业了解最新出口管制法规，提升合规管理水平，我局定于下月举办半导体出口合规专题培训，请各企业选派相关负责人参加。",
        "培训内容包括出口管制清单解读、最终用户审查和内部合规制度建设等。",
    ]


def test_date_only_meta_made_precise_by_the_visible_time():
    got = page("date_meta_day.html", url="https://news.example.cn/a/2.html")
    assert got.published_at == "2023-10-17T08:18:00+08:00"
    assert got.title == "晶圆厂扩产计划公布"
    assert len(got.text.split("\n\n")) == 2
    assert "来源" not in got.text


def test_wechat_style_page_hidden_until_scripts_run():
    got = page("date_script.html", url="https://mp.example.qq.com/s/AbCdEf?src=1")
    assert got.title == "一文读懂芯片出口管制新规"
    # var ct = "1697509200" is 2023-10-17 02:20 UTC, shown in China's time
    assert got.published_at == "2023-10-17T10:20:00+08:00"
    assert got.authors == ["chipnotes"]
    # protocol-relative og:url, made absolute
    assert got.canonical_url == "https://mp.example.qq.com/s/AbCdEf"
    assert got.text.split("\n\n") == [
        "本周，美国商务部工业与安全局发布了针对先进计算芯片和半导体制造设备的出口管制更新。",
        "新规调整了性能参数门槛，并扩大了需要许可证的目的地范围。部分此前可以出口的产品将受到限制。",
        "对于国内企业而言，需要重新梳理供应链，评估替代方案。",
    ]


def test_english_page_without_date_gets_it_from_the_url():
    got = page("en_no_date.html", url="https://wire.example.com/2023/10/17/chip-smuggling-trial")
    assert got.published_at == "2023-10-17"  # a date alone: no time, no zone
    assert got.title == "Chip smuggling case goes to trial"
    assert got.canonical_url == "https://wire.example.com/2023/10/17/chip-smuggling-trial"
    assert got.language == "en"


@pytest.mark.parametrize("name", ["script_only.html", "empty.html", "tiny.html", "cut_off.html"])
def test_pages_without_main_text_raise(name):
    # cut_off.html ends inside the first paragraph: the site name, headline, date and byline
    # that trafilatura's fallback glues to those few characters do not make an article
    with pytest.raises(ExtractionError) as err:
        page(name)
    assert "\n" not in str(err.value) and str(err.value)


@pytest.mark.parametrize("html", ["", "   \n\t", "<html></html>", "<html><body></body></html>"])
def test_empty_documents_raise(html):
    with pytest.raises(ExtractionError):
        extract(html)


def test_extraction_error_is_a_value_error():
    assert issubclass(ExtractionError, ValueError)


@pytest.mark.parametrize(
    ("text", "chinese", "expected"),
    [
        ("2023年10月17日 10:20", True, "2023-10-17T10:20:00+08:00"),
        ("2023年10月17日 10:20", False, "2023-10-17"),  # no zone and not a Chinese page: the date only
        ("2023-10-17 10:20:35 来源：新华网", True, "2023-10-17T10:20:35+08:00"),
        ("2023/10/17", True, "2023-10-17"),
        ("2023.10.17 下午3:05", True, "2023-10-17T15:05:00+08:00"),
        ("2024年3月5日 18時05分", True, "2024-03-05T18:05:00+08:00"),
        ("发布时间：2019-09-3007:42", True, "2019-09-30T07:42:00+08:00"),
        ("2019-09-07T13:43:45+08:00", False, "2019-09-07T13:43:45+08:00"),
        ("2024-03-05T02:20:00Z", True, "2024-03-05T02:20:00+00:00"),
        ("2024-03-05 10:20 GMT+8", False, "2024-03-05T10:20:00+08:00"),
        ("2007-08-20-23:59:59", True, "2007-08-20T23:59:59+08:00"),
        ("2023-10-17 00:00:00", True, "2023-10-17"),  # midnight is a CMS placeholder
    ],
)
def test_date_formats(text, chinese, expected):
    assert parse_date(text).iso(chinese) == expected


@pytest.mark.parametrize("text", ["2019年1-7月", "2099-01-01", "1990-01-01 10:00", "2023-13-45", "共计2023条"])
def test_not_dates(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("多地项目连环爆雷 狂奔的龙湖集团_网易财经", "多地项目连环爆雷 狂奔的龙湖集团"),
        ("法国全国大罢工再次严重影响交通-新华网", "法国全国大罢工再次严重影响交通"),
        ("苹果发布新iPhone 11：64GB售5499元|苹果|新品_电信_新浪科技_新浪网", "苹果发布新iPhone 11：64GB售5499元"),
        ("王文：中美贸易“持久战”，中国人的斗志被激发 | 观察者网", "王文：中美贸易“持久战”，中国人的斗志被激发"),
        ("常德市金融系统积极开展活动--当代商报", "常德市金融系统积极开展活动"),
        # titles that contain separators of their own keep them
        ("棱镜|数据业大整顿：爬虫与现金贷共生共荣，用户信息几元不等_财经_腾讯网", "棱镜|数据业大整顿：爬虫与现金贷共生共荣，用户信息几元不等"),
        ("1-10月德清县固定资产投资结构趋稳趋优", "1-10月德清县固定资产投资结构趋稳趋优"),
        ("华为推出Wi-Fi 7路由器", "华为推出Wi-Fi 7路由器"),
        ("新闻动态--中国地理学会官网", "新闻动态--中国地理学会官网"),
        ("US-China chip talks resume | Example News", "US-China chip talks resume"),
        ("Chip controls - what the new export rule means for Nvidia - Example News", "Chip controls - what the new export rule means for Nvidia"),
    ],
)
def test_site_suffix_stripping(title, expected):
    assert strip_site_suffix(title) == expected


def test_site_suffix_known_from_the_host_name():
    assert strip_site_suffix("阿里发布AI芯片，一块顶十块GPU-EDN 电子技术设计", hosts={"ednchina"}) == "阿里发布AI芯片，一块顶十块GPU"
    assert strip_site_suffix("阿里发布AI芯片，一块顶十块GPU-EDN 电子技术设计") == "阿里发布AI芯片，一块顶十块GPU-EDN 电子技术设计"


def test_normalise_space():
    assert normalise_space("\u3000\u3000中方将采取\xa0必要措施。 \t") == "中方将采取 必要措施。"
    assert normalise_space("要退休了， 作为校长\u200b、 教授") == "要退休了，作为校长、教授"
    assert normalise_space("Nvidia  H20\nchips") == "Nvidia H20 chips"


# A page of our own with its head, navigation and a long enough article, for the wrapper and date tests.
ZH_BODY = "美国商务部工业与安全局周二宣布，将十二家中国实体列入出口管制清单，其中包括多家芯片设计公司和服务器制造商。"


def own_page(date_line: str = "", head: str = "", body_date: str = "") -> str:
    paragraphs = "".join(f"<p>{ZH_BODY}第{i}段。</p>" for i in range(1, 6))
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">{head}<title>十二家实体被列入清单_示例新闻网</title>'
        '<script>var a = document.title;</script></head><body><div class="nav"><a href="/">首页</a> <a href="/n">新闻</a></div>'
        f"<h1>十二家实体被列入清单</h1>{date_line}<div class=\"content\">{paragraphs}</div>"
        f"<div class=\"foot\">{body_date}</div></body></html>"
    )


@pytest.mark.parametrize(
    "wrapper",
    ['<text id="8817" title="十二家实体被列入清单">\n{}\n</text>', '<text id="https://news.example.cn/a/1.html" title="十二家实体被列入清单 长标题">{}</text>',
     '<!-- saved -->\n<text id="1">\n<!-- https://news.example.cn/a/1.html -->\n{}'],
)
def test_a_page_in_a_crawlers_wrapper_extracts_as_the_page_itself(wrapper):
    plain = extract(own_page('<div class="info">2026年11月20日 10:20</div>'))
    wrapped = extract(wrapper.format(own_page('<div class="info">2026年11月20日 10:20</div>')))
    assert (wrapped.title, wrapped.text, wrapped.published_at) == (plain.title, plain.text, plain.published_at)
    assert wrapped.text.count("第") == 5


def test_a_fragment_is_not_unwrapped():
    from crawler.extract.wrapper import unwrap_document

    assert unwrap_document("<text>plain</text>") == "<text>plain</text>"
    assert unwrap_document("<div><html></html></div>") == "<div><html></html></div>"


def test_a_date_printed_in_the_page_beats_a_date_guessed_from_the_url():
    got = extract(own_page(body_date="本文发表在2026年11月20日的专栏"), url="https://news.example.cn/2026/11/2bac7fb2.html")
    assert got.published_at == "2026-11-20"


def test_the_url_gives_a_date_only_when_it_spells_one_out():
    assert extract(own_page(), url="https://news.example.cn/2026/11/2bac7fb2.html").published_at is None
    assert extract(own_page(), url="https://news.example.cn/2026/11/20/2bac7fb2.html").published_at == "2026-11-20"


@pytest.mark.parametrize("name", ["date_script.html", "date_label.html", "zh_news.html", "en_news.html"])
def test_the_projects_pages_in_a_wrapper_extract_as_without(name):
    """Wrapped, the parser has no <body>: the WeChat-style page gave "no main text found" and the
    table-layout page lost its date before the wrapper was cut off."""
    html = (SITES / name).read_text(encoding="utf-8")
    plain = extract(html)
    wrapped = extract(f'<text id="20931" title="{plain.title}">\n{html}\n</text>')
    assert (wrapped.title, wrapped.text, wrapped.published_at, wrapped.authors) == (plain.title, plain.text, plain.published_at, plain.authors)
