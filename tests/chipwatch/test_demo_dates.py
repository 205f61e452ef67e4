"""The demo site dated relative to today: every full date moved alike, in its own format; paths follow."""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime

import pytest

from chipwatch.demo_dates import DEMO_NEWEST, shift_dates, shift_for
from chipwatch.siteserver import serve_site


def test_each_format_moves_by_the_same_days():
    text = (
        '<time datetime="2026-03-11T14:05:00-05:00">March 11, 2026</time> <pubDate>Thu, 12 Mar 2026 09:30:00 +0800</pubDate>'
        ' <span class="time">2026/03/10 12:00</span> 2026年3月5日 /agg/2026/03/12/x.html'
    )
    assert shift_dates(text, 265) == (
        '<time datetime="2026-12-01T14:05:00-05:00">December 1, 2026</time> <pubDate>Wed, 02 Dec 2026 09:30:00 +0800</pubDate>'
        ' <span class="time">2026/11/30 12:00</span> 2026年11月25日 /agg/2026/12/02/x.html'
    )


def test_what_is_not_a_full_date_stays():
    text = "2023年8月 /news/2026/03/a.html 2026-13-45 12026-03-12 March 2026 page 2026-03"
    assert shift_dates(text, 100) == text
    assert shift_dates("2026-03-12", 0) == "2026-03-12"


def test_the_newest_story_lands_on_today():
    assert shift_for(dt.date(2026, 12, 2)) == 265
    assert DEMO_NEWEST + dt.timedelta(days=shift_for()) == dt.datetime.now(dt.timezone.utc).date()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@pytest.mark.parametrize("days", [265, -40])
def test_served_site_is_consistent(days):
    with serve_site(shift_days=days) as base:
        status, rss = _get(f"{base}/feeds/rss.xml")
        assert status == 200
        stamps = re.findall(r"<pubDate>([^<]+)</pubDate>", rss)
        assert stamps
        for stamp in stamps:  # the weekday agrees with the date, as a feed reader may check
            assert stamp[:3] == parsedate_to_datetime(stamp).strftime("%a")
        moved = (dt.date(2026, 3, 12) + dt.timedelta(days=days)).strftime("%Y/%m/%d")
        status, page = _get(f"{base}/agg/{moved}/world-tech-4471.html")  # the aggregator's dated path moves with its date
        assert status == 200 and f"/agg/{moved}/world-tech-4471.html" in page
        assert _get(f"{base}/agg/2026/03/12/world-tech-4471.html")[0] == 404
        status, index = _get(f"{base}/agg/")
        assert f"/agg/{moved}/world-tech-4471.html" in index
