"""Bylines: who wrote or reported the article (never the desk editor), from the header, the text and the meta tags."""

from __future__ import annotations

import logging
import re

from lxml.html import HtmlElement

from core.script import HAN_CLASS, HAN_RE, either_script, fold
from crawler.extract.header import HEADER_AFTER_CHARS
from crawler.extract.meta import json_ld
from crawler.extract.whitespace import normalise_space

logger = logging.getLogger(__name__)

# a byline-only line ("《棱镜》作者 周纯") is looked for among the first lines and the last ones
BYLINE_LINES = 6

# Who counts as an author: the people who wrote or reported the article (作者, 文/, 记者,
# 通讯员, 撰文, 执笔, 采写, 编译). A 责任编辑/编辑/责编 is the desk editor who approved and
# published the piece, not its author: editors are never returned. Organisations in author
# fields (网易, 新京报, "XX网") are sources, not authors, and are dropped too.
# keys that need a separator after them ("文/王文", "作者：魏星", "By Jane Doe")
_BYLINE_KEY = r"(?:文/图|图/文|撰文|撰稿|执笔|采写|编译|整理|作者|文|By|by|BY)\s*[:：/｜|]\s*|(?:By|by|BY)\s+"
# reporter keys, maybe after the outlet ("澎湃新闻记者 段彦超", "（记者陈智 整合）")
_REPORTER_KEY = rf"[{HAN_CLASS}]{{0,8}}?(?:特约记者|见习记者|实习记者|首席记者|记者|通讯员|专栏作者|作者)\s*[:：/]?\s*"
_HAN_NAME = rf"[{HAN_CLASS}]{{2,4}}(?:·[{HAN_CLASS}]{{1,6}})?"
_LATIN_NAME = r"[A-Z][A-Za-z'\-]+(?:[ \t]+[A-Z]\.)?(?:[ \t]+[A-Z][A-Za-z'\-]+){1,2}"
_NAME = rf"(?:{_LATIN_NAME}|{_HAN_NAME})"
# names of one byline stay on one line: a newline ends the list
_NAME_SEP = r"(?:[ \t]*[、，,&;；][ \t]*|[ \t]*(?:和|及|与)[ \t]*|[ \t]+and[ \t]+|[ \t]+)"
_NAME_END = r"(?=$|[\s、，,;；&/／|｜）)】\]。.]|报道|报导|摄|发自|整合|综合|编辑|对此)"
_NAME_RE = re.compile(_NAME)
BYLINE_RE = re.compile(either_script(
    rf"(?:^|(?<=[\s（(【\[｜|：:，,/》”]))(?:{_BYLINE_KEY}|{_REPORTER_KEY})"
    rf"(?P<names>{_NAME}(?:{_NAME_SEP}{_NAME})*){_NAME_END}"),
    re.M,
)
# 2-4 Han characters that follow 记者 in running text but are not names (compared folded: any script)
_NOT_NAMES = frozenset(
    fold(word)
    for word in
    """
    整合 综合 报道 摄影 编辑 通讯员 实习生 发自 获悉 了解 了解到 注意到 发现 采访 调查 来源 供稿 联合 发布 表示
    看到 走访 梳理 统计 查询 致电 询问 咨询 联系 观察 测试 体验 未知 佚名 匿名 本站 本报 本网 原创 网友 小编
    管理员 系统管理员 编者 记者 作者 整理 编译 图片 视频 新闻 消息 讯 电
    网络 网络整理 综合整理 互联网 转载 不详 网络转载 网友供稿
    """.split()
)
# "南都记者" is an outlet's reporter, not a name
_TITLE_WORDS = tuple(fold(word) for word in ("记者", "作者", "编辑", "通讯员", "主编", "评论员"))
_ORG_RE = re.compile(either_script(
    r"(?:网|报|社|台|新闻|频道|中心|客户端|官方|日报|晚报|早报|周刊|杂志|科技|财经|传媒|媒体|集团|公司|部|局|委|办|"
    r"综合|号|消息|版权所有)$|网易|新浪|腾讯|搜狐|凤凰|澎湃|百度|头条|微信|公众号|企鹅号|百家号"
))
_JUNK_AUTHOR_RE = re.compile(either_script(r"\d|@|https?:|www\.|\.com|授权|声明|来源|时间|关注|复制|链接|编辑|责编|Email|^Name$|admin|未知|佚名|匿名"), re.I)


def _names_in(text: str, strict: bool) -> list[str]:
    """Person names in byline phrases of text."""
    names: list[str] = []
    for match in BYLINE_RE.finditer(text):
        for name in _NAME_RE.findall(match["names"]):
            name = name.strip()
            if name and fold(name) not in _NOT_NAMES and not fold(name).endswith(_TITLE_WORDS) and _plausible_author(name):
                names.append(name)
        if strict and names:
            break
    return names


def find_byline_authors(header: str, paragraphs: list[str]) -> list[str]:
    """Names from the byline near the headline, a "（记者 X）" lead or a byline-only line."""
    names = _names_in(header.partition("\n\n")[0][:HEADER_AFTER_CHARS], strict=True)
    if names:
        return names
    for para in paragraphs[:2]:
        for bracket in re.findall(r"[（(【\[]([^）)】\]]{2,40})[）)】\]]", para[:200]):
            names = _names_in(bracket, strict=True)
            if names:
                return names
    for para in paragraphs[:BYLINE_LINES] + paragraphs[-3:]:
        if len(para) <= 40:
            names = _names_in(para, strict=True)
            if names:
                return names
    return []


def _plausible_author(name: str) -> bool:
    """A person's name, not an outlet, an editor label or form junk."""
    name = name.strip()
    if not name or len(name) > 40 or _JUNK_AUTHOR_RE.search(name) or _ORG_RE.search(name):
        return False
    if HAN_RE.search(name):
        return 2 <= len(name.replace("·", "")) <= 8 and " " not in name
    # bylines found in text are capitalised by their pattern; meta tags may hold a handle
    return len(name.split()) <= 4 and len(name) >= 2


def _split_authors(value: str) -> list[str]:
    """"A; B", "A, B", "A and B", "甲、乙", "甲 乙" into names."""
    parts = re.split(r"\s*(?:;|；|,|，|、|&|\band\b|/|\|)\s*", value)
    out: list[str] = []
    for part in parts:
        part = normalise_space(part)
        han_words = part.split(" ")
        if len(han_words) > 1 and all(re.fullmatch(_HAN_NAME, w) for w in han_words):
            out.extend(han_words)
        elif part:
            out.append(part)
    return out


def find_authors(tree: HtmlElement, meta: dict[str, str], byline: list[str], language: str) -> list[str]:
    """Byline names, else person names from meta tags and JSON-LD, else (English pages)
    trafilatura's search of byline elements."""
    candidates = list(byline)
    if not candidates:
        values = [meta[k] for k in ("author", "article:author", "og:article:author", "dc.creator", "byl", "parsely-author") if meta.get(k)]
        for obj in json_ld(tree):
            author = obj.get("author")
            for item in author if isinstance(author, list) else [author]:
                if isinstance(item, dict) and item.get("@type", "Person") == "Person" and item.get("name"):
                    values.append(str(item["name"]))
                elif isinstance(item, str):
                    values.append(item)
        for value in values:
            if value.startswith(("http://", "https://")):
                continue
            candidates.extend(re.sub(r"^(?:By|by|BY)\s+", "", a) for a in _split_authors(value))
    if not candidates and language not in ("zh", "zh-Hant"):
        try:
            from trafilatura.metadata import extract_author

            found = extract_author(tree)
        except Exception as err:  # an author is not worth a crash
            logger.debug("trafilatura author search failed: %s", err)
            found = None
        if found:
            candidates.extend(_split_authors(found))
    authors: list[str] = []
    for name in candidates:
        name = normalise_space(name).strip("：:，, ")
        if _plausible_author(name) and name not in authors:
            authors.append(name)
    return authors
