"""The publication date: meta tags, JSON-LD, the headline's neighbourhood, labelled lines, scripts, in Chinese formats and UTC+8."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from htmldate import find_date
from lxml.html import HtmlElement

from core.script import either_script
from crawler.extract.meta import json_ld

logger = logging.getLogger(__name__)

# Chinese pages give local times without a zone; mainland, Hong Kong, Macau and Taiwan are UTC+8
CHINA_TZ = "+08:00"

_TIME = (
    r"(?:\s*|T|-)(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?"
    r"(?:\.\d+)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[(（]?北京时间[)）]?)?"
)
_DATE_RES = (
    re.compile(either_script(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?(?:" + _TIME + r")?(?!\d)")),
    re.compile(either_script(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?:" + _TIME + r")?(?!\d)")),
)
_DATE_LABEL_RE = re.compile(either_script(r"(?:发布|发表|刊发|出版)?(?:时间|日期)\s*[:：]|发表于|发布于|Published|Posted"))
_EARLIEST_YEAR = 1995


@dataclass
class _Stamp:
    """A date, maybe with a time and a UTC offset, as found on the page."""

    day: date
    time: tuple[int, int, int] | None = None
    tz: str | None = None
    instant: datetime | None = None  # an absolute time (Unix timestamp), shown in local time

    def iso(self, chinese: bool) -> str:
        """ISO-8601: with time and zone when both are known (UTC+8 for Chinese pages)."""
        if self.instant is not None:
            zone = timezone(timedelta(hours=8)) if chinese else timezone.utc
            return self.instant.astimezone(zone).isoformat(timespec="seconds")
        tz = self.tz or (CHINA_TZ if chinese else None)
        if self.time is None or tz is None:
            return self.day.isoformat()
        hour, minute, second = self.time
        return f"{self.day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}{tz}"


def _tz_offset(raw: str | None) -> str | None:
    """"+0800"/"+08:00"/"Z"/"GMT+8"/"北京时间" to "+08:00" form."""
    if not raw:
        return None
    raw = raw.strip("()（） ")
    if raw == "Z":
        return "+00:00"
    if "北京" in raw:  # 北京时间 or 北京時間
        return CHINA_TZ
    match = re.search(r"([+-])\s*(\d{1,2}):?(\d{2})?$", raw)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    if int(hours) > 14:
        return None
    return f"{sign}{int(hours):02d}:{minutes or '00'}"


def parse_date(text: str, latest: date | None = None) -> _Stamp | None:
    """First plausible Chinese/ISO date (with time and zone when given) in text."""
    latest = latest or (date.today() + timedelta(days=1))
    found: list[tuple[int, _Stamp]] = []
    for regex in _DATE_RES:
        for match in regex.finditer(text):
            stamp = _stamp_from_match(match, latest)
            if stamp:
                found.append((match.start(), stamp))
                break
    if not found:
        return None
    return min(found, key=lambda item: item[0])[1]


def _stamp_from_match(match: re.Match, latest: date) -> _Stamp | None:
    """Validate the pieces of one date match."""
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    if not _EARLIEST_YEAR <= day.year or day > latest:
        return None
    if match["H"] is None:
        return _Stamp(day)
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    if match["ampm"] in ("下午", "晚上") and hour < 12:
        hour += 12
    # 00:00:00 is a CMS placeholder for "no time" far more often than a real publication time
    if hour > 23 or minute > 59 or second > 59 or hour == minute == second == 0:
        return _Stamp(day)
    return _Stamp(day, (hour, minute, second), _tz_offset(match["tz"]))


# meta keys naming the publication time, best first
_PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "og:published_time",
    "og:release_date",
    "publishdate",
    "publish_date",
    "publish-date",
    "pubdate",
    "publication_date",
    "publishtime",
    "firstpublishedtime",
    "og:time",
    "apub:time",
    "parsely-pub-date",
    "sailthru.date",
    "citation_publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "date",
    "weibo: article:create_at",
)
# last resort: the page says when it changed, not when it was published
_UPDATED_KEYS = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dateupdate",
    "lastmodifiedtime",
    "weibo: article:update_at",
    "last-modified",
)


@dataclass
class _DateCandidates:
    """Dates found on the page, from the most to the least trusted source."""

    meta: _Stamp | None  # publication meta tags, JSON-LD, <time pubdate>
    header: _Stamp | None  # the line next to the headline
    labelled: _Stamp | None  # "发布时间：…" anywhere in the page
    script: _Stamp | None  # a publication time in an inline script
    updated: _Stamp | None  # modification meta tags: when nothing else is known
    printed: _Stamp | None = None  # the first date printed anywhere in the page's text, unlabelled

    def best(self) -> _Stamp | None:
        ranked = [s for s in (self.meta, self.header, self.labelled, self.script, self.updated) if s]
        if not ranked:
            return None
        best = ranked[0]
        if best.time is None:
            # the same day with a time from a less trusted source is more precise, not less right
            for other in ranked[1:]:
                if other.day == best.day and other.time is not None:
                    return other
        return best


def _meta_stamp(meta: dict[str, str], keys: tuple[str, ...], extra: list[str] = ()) -> _Stamp | None:
    for value in [meta[k.strip()] for k in keys if meta.get(k.strip())] + list(extra):
        stamp = parse_date(value)
        if stamp:
            return stamp
    return None


def date_candidates(tree: HtmlElement, meta: dict[str, str], header: str) -> _DateCandidates:
    """Dates from meta tags, JSON-LD, <time>, the headline's neighbourhood and labelled lines."""
    # some sites write "og:time " with a trailing space: keys were stripped when collected
    ld = json_ld(tree)
    ld_published = [str(o["datePublished"]) for o in ld if o.get("datePublished")]
    ld_modified = [str(o["dateModified"]) for o in ld if o.get("dateModified")]
    times = [
        t.get("datetime", "")
        for t in tree.iter("time")
        if t.get("datetime") and (t.get("itemprop") == "datePublished" or t.get("pubdate") is not None)
    ]
    published = _meta_stamp(meta, _PUBLISHED_KEYS, ld_published + times)
    after, _, before = header.partition("\n\n")
    near = _labelled_date(after) or _labelled_date(before) or parse_date(after) or parse_date(before)
    labelled = printed = None
    if near is None:
        body = tree.find(".//body")
        if body is not None:
            texts = " ".join(body.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")[:3000])
            labelled = _labelled_date(texts)
            printed = None if labelled else parse_date(texts)
    return _DateCandidates(published, near, labelled, _script_stamp(tree), _meta_stamp(meta, _UPDATED_KEYS, ld_modified), printed)


# publication time in page scripts: WeChat's `var ct = "1581517074"` (Unix time), Toutiao's
# `publish_time: '2019-09-08 11:42:03'`
_SCRIPT_TIME_RE = re.compile(
    r"""\b(?:var\s+)?(?:ct|publish_?time|pub_?time|publishTime|pubTime|pubDate)\s*[=:]\s*["']?(1\d{9})\b"""
    r"""|\b(?:publish_?time|pub_?time|publishTime|pubTime|pubDate|datePublished)["']?\s*[=:]\s*["'](\d{4}[^"']{5,25})["']"""
)


def _script_stamp(tree: HtmlElement) -> _Stamp | None:
    """Publication time given in an inline script, as a Unix timestamp or a date string."""
    for script in tree.iter("script"):
        if script.get("src") or not script.text:
            continue
        match = _SCRIPT_TIME_RE.search(script.text)
        if not match:
            continue
        if match[2]:
            stamp = parse_date(match[2])
            if stamp:
                return stamp
            continue
        moment = datetime.fromtimestamp(int(match[1]), tz=timezone.utc)
        if _EARLIEST_YEAR <= moment.year and moment.date() <= date.today() + timedelta(days=1):
            return _Stamp(moment.date(), (moment.hour, moment.minute, moment.second), "+00:00", moment)
    return None


def _labelled_date(text: str) -> _Stamp | None:
    """A date right after a "发布时间：" style label."""
    for label in _DATE_LABEL_RE.finditer(text):
        stamp = parse_date(text[label.end() : label.end() + 40])
        if stamp:
            return stamp
    return None


def publication_date(dates: _DateCandidates, tree: HtmlElement, url: str | None, chinese: bool) -> str | None:
    """Best date: publication meta, the line by the headline, a labelled date, a script
    variable, an update stamp, a date printed anywhere in the page, htmldate on the page, and
    last a full date in the URL.

    The URL comes last and only as /YYYY/MM/DD/ (or YYYYMMDD) with nothing glued to the day:
    htmldate read `/2026/11/2bac7fb2.html` as 2026-11-02, and that beat the date the page printed.
    """
    best = dates.best() or dates.printed
    if best:
        return best.iso(chinese)
    try:
        found = find_date(tree, extensive_search=False, original_date=True)
    except Exception as err:  # htmldate is defensive, but a date is not worth a crash
        logger.debug("htmldate failed on %s: %s", url, err)
        found = None
    return found or url_date(url)


_URL_DATE_RE = re.compile(r"(?<![0-9])((?:19|20)\d{2})([-/_]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?![0-9A-Za-z])")


def url_date(url: str | None) -> str | None:
    """A full date written in the URL's path (2026/11/20, 2026-11-20, 20261120), else None."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]*", "", url, flags=re.IGNORECASE)
    for match in _URL_DATE_RE.finditer(path):
        try:
            day = date(int(match[1]), int(match[3]), int(match[4]))
        except ValueError:
            continue
        if _EARLIEST_YEAR <= day.year and day <= date.today() + timedelta(days=1):
            return day.isoformat()
    return None
