"""The demo site dated relative to today: every full date in its pages moved by the same number of days.

The demo's stories were written with dates from 2025-10 to 2026-03; served as written, "this
week" views, `search --since 7d` and the default `report` (7 days) are empty on any later day.
`chipwatch demo` serves the site with every full date shifted so that its newest stored story
(Z1, 2026-03-12) is dated today; the order and spacing of the stories, and each page's agreement
between its meta tags, its JSON-LD, its visible date and the feeds and sitemaps, stay as written.

Shifted: ISO dates (2026-03-12, with any time), RFC 2822 dates of feeds (`Thu, 12 Mar 2026
09:30:00 +0800`, the weekday recomputed), `2026/03/12` (in text and in URL paths: an
aggregator's `/agg/2026/03/12/…` is a date the extractor reads, so the server moves the paths of
the manifest too), `March 12, 2026` and `2026年3月12日`. Not shifted: dates without a day
(`2023年8月`): they are background, not the news. The tests and benchmarks serve the site
unshifted (`serve_site(shift_days=0)`, the default), so their expected dates stay fixed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

DEMO_NEWEST = dt.date(2026, 3, 12)  # the publication date of the demo's newest stored story (Z1 and its copy)

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
_ABBR = tuple(m[:3] for m in _MONTHS)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_ISO_RE = re.compile(r"(?<![\d/])(\d{4})-(\d{2})-(\d{2})(?!\d)")
_SLASH_RE = re.compile(r"(?<!\d)(\d{4})/(\d{2})/(\d{2})(?!\d)")
_RFC_RE = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (" + "|".join(_ABBR) + r") (\d{4})\b")
_ENGLISH_RE = re.compile(r"\b(" + "|".join(_MONTHS) + r") (\d{1,2}), (\d{4})\b")
_CHINESE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def shift_for(today: dt.date | None = None) -> int:
    """Days to add to every demo date so that its newest story is dated `today` (UTC by default)."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    return (today - DEMO_NEWEST).days


def shift_dates(text: str, days: int) -> str:
    """`text` with every full date moved by `days`, each written in its own format."""
    if not days:
        return text
    delta = dt.timedelta(days=days)

    def sub(pattern: re.Pattern[str], read: Callable[[re.Match[str]], dt.date], write: Callable[[dt.date], str]) -> None:
        nonlocal text

        def replace(match: re.Match[str]) -> str:
            try:
                return write(read(match) + delta)
            except ValueError:  # not a real date (2026-13-45): leave it as it is
                return match.group()

        text = pattern.sub(replace, text)

    sub(_ISO_RE, lambda m: dt.date(int(m[1]), int(m[2]), int(m[3])), lambda d: d.isoformat())
    sub(_SLASH_RE, lambda m: dt.date(int(m[1]), int(m[2]), int(m[3])), lambda d: d.strftime("%Y/%m/%d"))
    sub(
        _RFC_RE,
        lambda m: dt.date(int(m[3]), _ABBR.index(m[2]) + 1, int(m[1])),
        lambda d: f"{_DAYS[d.weekday()]}, {d.day:02d} {_ABBR[d.month - 1]} {d.year}",
    )
    sub(_ENGLISH_RE, lambda m: dt.date(int(m[3]), _MONTHS.index(m[1]) + 1, int(m[2])), lambda d: f"{_MONTHS[d.month - 1]} {d.day}, {d.year}")
    sub(_CHINESE_RE, lambda m: dt.date(int(m[1]), int(m[2]), int(m[3])), lambda d: f"{d.year}年{d.month}月{d.day}日")
    return text
