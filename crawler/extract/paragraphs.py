"""Paragraph cleaning: the headline, date and source lines, buttons, captions, repeats and the page furniture after the article go."""

from __future__ import annotations

import logging
import re


from core.script import HAN_RE, either_script
from crawler.extract.bylines import BYLINE_LINES, BYLINE_RE
from crawler.extract.dates import parse_date
from crawler.extract.titles import SENTENCE_END
from crawler.extract.whitespace import compact

logger = logging.getLogger(__name__)

# a paragraph that starts like this ends the article: what follows is page furniture
_STOP_RE = re.compile(either_script(
    r"^[\[【(（]?\s*(?:责任编辑|责编|编辑|主编|审核|审校|校对|值班编辑|免责声明|特别声明|版权声明|声明)\s*[:：/|｜]"
    r"|^[\[【(（]?(?:责任编辑|责编|编辑)[ \t]+[^\s)）\]】]{1,8}(?:[ \t]+(?:校对|审核)[ \t]+[^\s)）\]】]{1,8})?[)）\]】]?$"
    r"|^(?:相关阅读|相关新闻|相关文章|相关报道|相关推荐|相关链接|相关专题|相关搜索|相关资讯|延伸阅读|推荐阅读|热门推荐|"
    r"热门文章|热点推荐|热门搜索|猜你喜欢|为你推荐|精彩推荐|更多精彩|大家都在看|往期回顾|往期推荐|今日推荐|热门评论|"
    r"最新评论|网友评论|我要评论|发表评论|评论|分享到|分享|上一篇|下一篇|返回顶部|"
    r"Related|Related Articles|Read more|More from|Share this)\s*[:：>»]*\s*(?:[(（]?\d*[)）]?)$"
    r"|^相关(?:阅读|新闻|文章|报道|资讯|链接)\s*(?:请关注)?\s*[:：]|^关键词\s*[:：>]|^地\s*址\s*[:：]|^邮政编码|^邮\s*编\s*[:：]"
    r"|转载请注明|转发请注明|本文链接\s*[:：]|本文仅代表作者|仅代表作者(?:本人|个人)?观点"),
    re.I,
)
# a short paragraph holding one of these is copyright/footer or app-promotion text
_FOOTER_RE = re.compile(either_script(
    r"版权所有|Copyright|©|All Rights Reserved|ICP备|未经授权不得转载|违法和不良信息举报|意见反馈|"
    r"(?:扫描|扫码|扫一扫|长按|识别).{0,15}(?:二维码|关注|下载)|关注.{0,20}(?:公众号|官方微信|微信号|官方微博)|"
    r"下载.{0,12}(?:客户端|APP)|客户端.{0,20}下载|【(?:点击投票|下载地址|点击下载)】|粉丝福利|^\S{0,10}公众号$"),
    re.I,
)
_FOOTER_MAX = 120
# "原标题：<the headline>" repeats the title (a different original title is kept)
_ORIGINAL_TITLE_RE = re.compile(either_script(r"^[（(]?原标题[:：]|[)）]$"))
# paragraphs that are buttons, share prompts, reactions or relative times, wherever they stand
_JUNK_RE = re.compile(either_script(
    r"^(?:字号|打印|收藏|已收藏!?|知道了|点赞|在看|分享|微信|微博|QQ空间|朋友圈|A\+|A-|大|中|小|【?字体[:：].*|"
    r"原创|举报|关注|取消|确认|加载中.*|加载更多|查看更多|展开全文|阅读全文|点击查看.*|点击进入专题.*|"
    r"点击.{0,6}阅读原文|阅读原文|设为首页.*|添加收藏夹.*|加入收藏.*|"
    r"好文|钦佩|喜欢|泪奔|可爱|思考|赞|踩|\d+|\d*\s*/\s*\d+|"
    r"昨天|今天|刚刚|\d+\s*(?:秒|分钟|小时|天)前|"
    r"(?:【[^】]{1,6}】\s*)+|(?:当前|现在|您的|您所在的|所在)?位置\s*[:：].{0,60}|.*[【\[]详细[】\]]|感谢您的反馈.*|图片均?来自网络|图片来源于网络|(?:微信)?扫一扫.{0,20}|关注该公众号|.{0,10}公众号)$"
))
# trailing link text glued to the last line: "返回腾讯网首页>>", "返回搜狐，查看更多"
_TRAILER_RE = re.compile(either_script(
    r"\s*返回[^，。！？]{1,12}(?:首页\s*(?:>>|»)?|[，,]\s*查看更多)\s*$"
    r"|\s*[(（][^()（）]{0,40}(?:下载|客户端|APP|扫码|关注)[^()（）]{0,30}[)）]\s*$"
    r"|(?<=[。！？!?…）)」”])\s*(?:责任编辑|责编|编辑)\s*[:：|｜]\s*\S{1,8}$"
))
# image captions and credits left as their own paragraph
_CAPTION_RE = re.compile(either_script(
    r"^(?:[▲△↑▼]|图为|图\s*[:：]|图片来自|图片来源|（图片来源|\(图片来源|（点击.{0,8}大图）|资料图)"
    r"|(?:摄|供图|截图|视觉中国|视觉中国\s*资料|资料图|IC photo|东方IC|图片来源于网络|图源网络)\s*[)）]?[。.]?$"
))
_CAPTION_MAX = 60
# "来源：澎湃新闻" or "2019-09-24 09:10 来源：澎湃新闻" lines above the text
_INFO_LINE_RE = re.compile(either_script(r"^(?:来源|作者|编辑|发布时间|发布日期|时间|日期|稿源)\s*[:：]\s*\S{0,20}$"))
_INFO_WORDS_RE = re.compile(either_script(r"来源|作者|发布|编辑|时间|日期|浏览|阅读|字号|点击"))
_HEADER_LINES = 5
_NAV_LINES = 30
# the headline this far into the first paragraph means the page header was glued to the text
_GLUED_TITLE_MAX_START = 60
_GLUED_LINE_MAX = 30
_NAV_LINE_MAX = 30
_HEADER_LINE_MAX = 40
# stop markers this early are a stray widget, not the end of the article
_STOP_MIN_BEFORE = 150
_STOP_MIN_SHARE = 0.3


def clean_paragraphs(paragraphs: list[str], title: str | None) -> list[str]:
    """Drop the headline, the date/source lines above the text, buttons, captions, duplicates
    and the page furniture after the article (from "责任编辑：", "相关阅读", a copyright or
    QR-code line on)."""
    paragraphs = _drop_header_lines(paragraphs, title)
    title_key = compact(title or "")
    total = sum(len(p) for p in paragraphs)
    kept: list[str] = []
    seen: set[str] = set()
    before = 0
    for para in paragraphs:
        para = _TRAILER_RE.sub("", para)
        if not para:
            continue
        furniture = bool(_STOP_RE.search(para)) or (len(para) < _FOOTER_MAX and bool(_FOOTER_RE.search(para)))
        if furniture and (before >= _STOP_MIN_BEFORE or before >= _STOP_MIN_SHARE * total):
            break
        if furniture or _JUNK_RE.match(para) or (title_key and _ORIGINAL_TITLE_RE.sub("", compact(para)) == title_key):
            continue
        if len(para) <= _CAPTION_MAX and _CAPTION_RE.search(para):
            continue
        key = compact(para)
        if _dedupable(para) and key in seen:
            continue
        seen.add(key)
        kept.append(para)
        before += len(para)
    # "发布时间：2023-10-17 浏览次数：120" left under the text
    while kept and len(kept[-1]) <= _HEADER_LINE_MAX and parse_date(kept[-1]) and _INFO_WORDS_RE.search(kept[-1]):
        kept.pop()
    return kept


def strip_glued_header(paragraphs: list[str], title: str | None, header: str) -> list[str]:
    """A first paragraph that runs site name, headline, date and byline into the text (what
    trafilatura's fallback gives for a cut-off <article>) loses everything up to the text."""
    if not paragraphs or not title:
        return paragraphs
    first = paragraphs[0]
    position = first.find(title)
    if position < 0 or position > _GLUED_TITLE_MAX_START or len(first) == len(title) + position:
        return paragraphs
    rest = first[position + len(title) :].lstrip()
    for line in header.partition("\n\n")[0].split("\n"):
        if line and len(line) <= _GLUED_LINE_MAX and rest.startswith(line):
            rest = rest[len(line) :].lstrip()
    return ([rest] if rest else []) + paragraphs[1:]


def _dedupable(para: str) -> bool:
    """Prose repeated (a summary above the text, a title below it) is dropped; code lines and
    short lines may repeat legitimately."""
    return len(HAN_RE.findall(para)) >= 10 or (len(para) >= 60 and para.endswith((".", "!", "?", "。", "！", "？")))


def _drop_header_lines(paragraphs: list[str], title: str | None) -> list[str]:
    """Remove the headline and the short byline/date/source lines that precede the text."""
    title_key = compact(title or "")
    # a page dump starts with menus and breadcrumbs: cut through the headline line
    for index, para in enumerate(paragraphs[:_NAV_LINES]):
        if title_key and compact(para) in (title_key, f"原创{title_key}"):
            if all(len(p) <= _NAV_LINE_MAX for p in paragraphs[:index]):
                paragraphs = paragraphs[index + 1 :]
            break
    head = paragraphs[:_HEADER_LINES]
    # the last short line carrying a date ends the header block: "石佳/中国青年报", "2019-09-24 09:10"
    cut = 0
    for index, para in enumerate(head):
        if len(para) > _HEADER_LINE_MAX or para.endswith(SENTENCE_END):
            break
        if parse_date(para) and (len(para) < 30 or _INFO_WORDS_RE.search(para)):
            cut = index + 1
    rest = paragraphs[cut:]
    out: list[str] = []
    for index, para in enumerate(rest):
        if index < _HEADER_LINES and not out:
            key = compact(para)
            if title_key and key in (title_key, f"原创{title_key}"):
                continue
            if _INFO_LINE_RE.match(para):
                continue
        out.append(para)
    return out


def drop_byline_lines(paragraphs: list[str]) -> list[str]:
    """Remove lines that are only a byline ("澎湃新闻记者 段彦超 廖艳", "采写：南都记者 余毅菁")
    at the start or end of the text: the names are in Extracted.authors."""
    def byline_only(para: str) -> bool:
        if len(para) > 40:
            return False
        match = BYLINE_RE.search(para)
        return (
            bool(match)
            and bool(re.fullmatch(r"[（(【\[]?\s*(?:《[^》]{1,12}》)?\s*(?:(?:文|图|文/图)\s*/)?\s*", para[: match.start()]))
            and not para[match.end() :].strip("）)】] ")
        )

    head = [p for p in paragraphs[:BYLINE_LINES] if not byline_only(p)]
    tail = paragraphs[BYLINE_LINES:]
    while tail and len(tail) > len(paragraphs) - BYLINE_LINES - 2 and byline_only(tail[-1]):
        tail.pop()
    return head + tail
