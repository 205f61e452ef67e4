"""`chipwatch report`: a one-page, self-contained HTML summary of a period, the page an analyst forwards.

New events by type and week (an inline SVG chart: no script, no network), the most-mentioned
entities, the listed parties mentioned, and the latest events with their evidence.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from db.charts import weekly_svg

TOP_ENTITIES = 15
LATEST_EVENTS = 20
_AGE_RE = re.compile(r"^(\d{1,4})\s*([hdw])$", re.IGNORECASE)


class ReportError(ValueError):
    """A period the report cannot be made for, one line."""


@dataclass
class ReportData:
    start: dt.date
    end: dt.date
    articles: int = 0
    events: int = 0
    weeks: list[dt.date] = field(default_factory=list)  # Mondays, oldest first
    by_week: Counter = field(default_factory=Counter)  # (monday, type) → events
    entities: list[tuple[str, str, int, bool]] = field(default_factory=list)  # id, name, articles, listed
    listed: list[tuple[str, list[str], int, str]] = field(default_factory=list)  # name, lists, articles, last date
    latest: list[dict] = field(default_factory=list)


def period_start(since: str, now: dt.datetime) -> dt.date:
    """The first day of the period: `7d`, `24h`, `4w` back from now, or a date (2026-03-01)."""
    text = (since or "").strip()
    if match := _AGE_RE.match(text):
        unit = {"h": "hours", "d": "days", "w": "weeks"}[match.group(2).lower()]
        return (now - dt.timedelta(**{unit: int(match.group(1))})).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"--since wants a date (2026-03-01) or an age (7d, 24h, 4w), not {text[:40]!r}") from None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


_DAY = "substr(coalesce(a.published_at, a.fetched_at), 1, 10)"  # the publication day as written


def gather(db: Database, start: dt.date, now: dt.datetime) -> ReportData:
    """Everything the page shows, from articles published on or after `start` (republished copies left out)."""
    data = ReportData(start=start, end=now.date())
    since = [start.isoformat()]
    data.articles = db.execute(f"SELECT count(*) FROM articles a WHERE a.duplicate_of IS NULL AND {_DAY} >= ?", since).fetchone()[0]
    monday = _monday(start)
    while monday <= data.end:
        data.weeks.append(monday)
        monday += dt.timedelta(days=7)
    for day, event_type, count in db.execute(
        f"SELECT {_DAY} AS day, e.type, count(*) FROM events e JOIN articles a ON a.id = e.article_id"
        f" WHERE a.duplicate_of IS NULL AND {_DAY} >= ? GROUP BY day, e.type",
        since,
    ):
        try:
            week = _monday(dt.date.fromisoformat(day))
        except ValueError:
            continue
        if week not in data.weeks:
            data.weeks.append(week)  # published "in the future": still shown
        data.by_week[(week, event_type)] += count
        data.events += count
    data.weeks.sort()
    data.entities = [
        (entity_id, name or entity_id, n, bool(listed))
        for entity_id, name, n, listed in db.execute(
            f"""SELECT m.entity_id, max(m.name), count(DISTINCT m.article_id) AS n, max(m.listed)
                FROM mentions m JOIN articles a ON a.id = m.article_id
                WHERE m.entity_id IS NOT NULL AND a.duplicate_of IS NULL AND {_DAY} >= ?
                GROUP BY m.entity_id ORDER BY n DESC, m.entity_id LIMIT ?""",
            [*since, TOP_ENTITIES],
        )
    ]
    listed: dict[str, tuple[set[str], set[int], str]] = {}
    for name, text, lists, article_id, day in db.execute(
        f"""SELECT m.name, m.text, m.lists, m.article_id, {_DAY} FROM mentions m JOIN articles a ON a.id = m.article_id
            WHERE m.listed = 1 AND a.duplicate_of IS NULL AND {_DAY} >= ?""",
        since,
    ):
        key = name or text
        codes, articles, last = listed.setdefault(key, (set(), set(), ""))
        codes.update(e.get("list", "") for e in json.loads(lists or "[]") if isinstance(e, dict))
        articles.add(article_id)
        listed[key] = (codes, articles, max(last, day or ""))
    data.listed = sorted(((k, sorted(c - {""}), len(a), d) for k, (c, a, d) in listed.items()), key=lambda r: (-r[2], r[0]))
    for row in db.execute(
        f"""SELECT e.type, e.evidence, e.actors, e.targets, e.products, e.mechanism, e.confidence, a.title, a.url, a.source, a.lang, {_DAY} AS day
            FROM events e JOIN articles a ON a.id = e.article_id WHERE a.duplicate_of IS NULL AND {_DAY} >= ?
            ORDER BY coalesce(a.published_at, a.fetched_at) DESC, e.confidence DESC LIMIT ?""",
        [*since, LATEST_EVENTS],
    ):
        keys = ("type", "evidence", "actors", "targets", "products", "mechanism", "confidence", "title", "url", "source", "lang", "day")
        event = dict(zip(keys, row))
        for key in ("actors", "targets", "products"):
            event[key] = json.loads(event[key] or "[]")
        data.latest.append(event)
    return data


def chart_svg(data: ReportData) -> str:
    """Events per week as stacked bars, one colour per event type, with a legend (db/charts.py, as in Datasette)."""
    if not data.events:
        return '<p class="empty">No events in this period.</p>'
    table = {week.isoformat(): {t: n for (w, t), n in data.by_week.items() if w == week and n} for week in data.weeks}
    return weekly_svg(table, width=760, height=300, title="Events by type and week")


def render(data: ReportData) -> str:
    esc = html.escape
    entities = "".join(
        f"<tr><td>{esc(name)}{' <span class=listed>listed</span>' if listed else ''}</td><td class=n>{n}</td></tr>"
        for _, name, n, listed in data.entities
    ) or '<tr><td colspan=2 class="empty">No linked entities in this period.</td></tr>'
    listed = "".join(
        f"<tr><td>{esc(name)}</td><td>{esc(', '.join(lists))}</td><td class=n>{n}</td><td>{esc(last)}</td></tr>" for name, lists, n, last in data.listed
    ) or '<tr><td colspan=4 class="empty">No listed parties mentioned in this period.</td></tr>'
    latest = "".join(
        "<li>"
        f"<span class=type>{esc(e['type'])}</span> {esc(e['day'] or '')} · {esc(e['source'] or '')} · "
        f"<a href=\"{esc(e['url'], quote=True)}\">{esc(' '.join((e['title'] or '(no title)').split()))}</a>"
        f"<blockquote>{esc(' '.join(e['evidence'].split()))}</blockquote>"
        + (f"<div class=who>{esc(_parties(e))}</div>" if _parties(e) else "")
        + "</li>"
        for e in data.latest
    ) or '<li class="empty">No events in this period.</li>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>chipwatch report {data.start} – {data.end}</title>
<style>
body {{ font-family: "Noto Sans", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.15em; border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }}
table {{ border-collapse: collapse; }} td, th {{ padding: .2em .8em .2em 0; text-align: left; vertical-align: top; }}
td.n {{ text-align: right; }} .listed {{ color: #fff; background: #b00020; border-radius: 3px; padding: 0 .3em; font-size: .8em; }}
.type {{ font-family: monospace; background: #eef; padding: 0 .3em; }} blockquote {{ margin: .3em 0 .3em 1.5em; color: #444; }}
.who {{ margin-left: 1.5em; font-size: .9em; color: #555; }} li {{ margin-bottom: .8em; }} .empty {{ color: #777; }}
</style></head>
<body>
<h1>chipwatch: {data.start} to {data.end}</h1>
<p>{data.articles} articles and {data.events} events published in this period (republished copies not counted).</p>
<h2>New events by type and week</h2>
{chart_svg(data)}
<h2>Most-mentioned entities</h2>
<table><tr><th>entity</th><th>articles</th></tr>{entities}</table>
<h2>Listed parties mentioned</h2>
<table><tr><th>party</th><th>lists</th><th>articles</th><th>last</th></tr>{listed}</table>
<h2>Latest events</h2>
<ol>{latest}</ol>
<p class="empty">Made by chipwatch report.</p>
</body></html>
"""


def _parties(event: dict) -> str:
    parts = [f"{label}: {', '.join(event[key])}" for key, label in (("actors", "by"), ("targets", "on"), ("products", "products")) if event[key]]
    if event.get("mechanism"):
        parts.append(f"mechanism: {event['mechanism']}")
    return "; ".join(parts)


def write_report(db: Database, out: Path, since: str = "7d", now: dt.datetime | None = None) -> str:
    """Write the report for the period to `out`; returns a one-line summary of what it holds."""
    now = now or dt.datetime.now(dt.timezone.utc)
    data = gather(db, period_start(since, now), now)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data), encoding="utf-8")
    return (
        f"{data.articles} articles, {data.events} events, {len(data.entities)} entities, "
        f"{len(data.listed)} listed parties since {data.start}"
    )
