"""Datasette plugin: /-/events-per-week, the picture of events per week by type (db/charts.py).

Parameters: weeks (1-260, default 26), lang (en, zh, zh-Hant; empty for all). Reads the first
database Datasette serves, through Datasette's own read-only connection and time limit.
"""

import datetime as dt
from html import escape
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from db.charts import COLOURS, events_per_week, weekly_svg
from core.vocab import EVENT_TYPES

LANGS = ("", "en", "zh", "zh-Hant")


def _week_filter(week: str, lang: str) -> str:
    """Query string of the events table for one week (Monday to Sunday) and language."""
    end = (dt.date.fromisoformat(week) + dt.timedelta(days=7)).isoformat()
    return urlencode({"published_at__gte": week, "published_at__lt": end, **({"lang": lang} if lang else {}), "_sort_desc": "published_at"})


async def events_per_week_page(datasette, request):
    try:
        weeks = min(max(int(request.args.get("weeks", "26")), 1), 260)
    except ValueError:
        weeks = 26
    lang = request.args.get("lang", "")
    if lang not in LANGS:
        lang = ""
    database = datasette.get_database()
    table = await database.execute_fn(lambda conn: events_per_week(conn, weeks=weeks, lang=lang))
    title = "Events per week by type" + (f" ({lang})" if lang else "")
    base = datasette.urls.database(database.name)
    rows = "".join(
        f"<tr><td>{week}</td>"
        + "".join(f"<td>{counts.get(kind, 0) or ''}</td>" for kind in EVENT_TYPES)
        + f"<td><a href=\"{base}/events?{_week_filter(week, lang)}\">{sum(counts.values())}</a></td></tr>"
        for week, counts in reversed(table.items())
    )
    choices = " · ".join(
        f'<a href="?{urlencode({"weeks": weeks, "lang": code})}">{code or "all languages"}</a>' for code in LANGS
    )
    head = "".join(f'<th><span style="color:{COLOURS[kind]}">■</span> {kind}</th>' for kind in EVENT_TYPES)
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<link rel="stylesheet" href="{datasette.urls.static('app.css')}"></head>
<body><div class="not-footer"><section class="content">
<p class="crumbs"><a href="{datasette.urls.instance()}">home</a> / <a href="{base}">{escape(database.name)}</a></p>
<h1>{escape(title)}</h1>
<p>Last {weeks} weeks with events, by the articles' publication dates. {choices}.
Browse the <a href="{base}/events">events table</a> (facets by type, actor, product, language, month).</p>
<figure id="events-chart">{weekly_svg(table, title=title)}</figure>
<table class="rows-and-columns"><thead><tr><th>week of</th>{head}<th>all</th></tr></thead><tbody>{rows}</tbody></table>
</section></div></body></html>"""
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/-/events-per-week$", events_per_week_page)]
