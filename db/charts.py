"""Events per week by type: the numbers (SQL over `events`) and the picture (a self-contained SVG).

Used by the Datasette page /-/events-per-week (db/datasette/plugins/chipwatch_charts.py). The
SVG needs no JavaScript and no network: it renders the same in a browser, an email or a file.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from html import escape

from core.vocab import EVENT_TYPES

# one colour per event type, distinguishable in print and for common colour blindness (Okabe-Ito)
COLOURS = dict(zip(EVENT_TYPES, ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999933"), strict=True))

WEEKS_SQL = """
    SELECT date(substr(published_at, 1, 10), '-6 days', 'weekday 1') AS week, type, count(*) AS events
    FROM events
    WHERE published_at IS NOT NULL AND date(substr(published_at, 1, 10)) IS NOT NULL
      AND (:lang = '' OR lang = :lang)
      AND date(substr(published_at, 1, 10)) >= date(:until, '-' || (:weeks * 7) || ' days')
      AND date(substr(published_at, 1, 10)) <= date(:until)
    GROUP BY week, type
    ORDER BY week
"""


def events_per_week(conn: sqlite3.Connection, weeks: int = 26, until: str | None = None, lang: str = "") -> dict[str, dict[str, int]]:
    """{week's Monday (ISO date): {type: count}} for the `weeks` weeks up to `until` (default: the
    newest event), of one language when `lang` is given."""
    if until is None:
        row = conn.execute("SELECT max(date(substr(published_at, 1, 10))) FROM events").fetchone()
        until = row[0] if row and row[0] else dt.date.today().isoformat()
    table: dict[str, dict[str, int]] = {}
    for week, kind, count in conn.execute(WEEKS_SQL, {"until": until, "weeks": weeks, "lang": lang}):
        table.setdefault(week, {})[kind] = count
    if table:  # weeks without events are shown as empty, not skipped
        first = dt.date.fromisoformat(min(table))
        last = dt.date.fromisoformat(max(table))
        while first <= last:
            table.setdefault(first.isoformat(), {})
            first += dt.timedelta(days=7)
    return dict(sorted(table.items()))


def weekly_svg(table: dict[str, dict[str, int]], *, width: int = 900, height: int = 320, title: str = "Events per week by type") -> str:
    """A stacked bar chart with a legend; an empty table gives a chart that says so."""
    left, right, top, bottom = 44, 190, 34, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    weeks = list(table)
    peak = max((sum(counts.values()) for counts in table.values()), default=0)
    scale_max = max(1, _nice(peak))
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">'
        ),
        f'<text x="{left}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    ticks = min(4, scale_max)  # whole numbers only
    for i in range(ticks + 1):  # horizontal grid with counts
        value = scale_max * i / ticks
        y = top + plot_h - plot_h * i / ticks
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    if not weeks:
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" fill="#666">No events yet</text>')
    slot = plot_w / max(len(weeks), 1)
    bar = max(2.0, slot * 0.7)
    label_every = max(1, round(len(weeks) / 8))
    for n, week in enumerate(weeks):
        x = left + n * slot + (slot - bar) / 2
        y = top + plot_h
        for kind in EVENT_TYPES:
            count = table[week].get(kind, 0)
            if count:
                h = plot_h * count / scale_max
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{COLOURS[kind]}">'
                    f"<title>week of {week}: {count} {kind}</title></rect>"
                )
        if n % label_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{week[5:]}</text>')
    if weeks:
        parts.append(f'<text x="{left}" y="{height - 8}" fill="#666">weeks starting Monday, {weeks[0][:4]}–{weeks[-1][:4]}</text>')
    for i, kind in enumerate(EVENT_TYPES):  # legend
        y = top + 6 + i * 20
        parts.append(f'<rect x="{width - right + 14}" y="{y}" width="12" height="12" fill="{COLOURS[kind]}"/>')
        parts.append(f'<text x="{width - right + 32}" y="{y + 10}">{kind}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice(value: int) -> int:
    """The next round number at or above value: 1, 2, 5, 10, 20, 50, ..."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10
