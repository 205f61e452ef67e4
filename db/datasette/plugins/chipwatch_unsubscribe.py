"""Datasette plugin: `/-/unsubscribe?t=TOKEN`, the one-click unsubscribe of alert emails (RFC 8058).

GET shows what the link would do and a button (a link scanner that fetches every URL must not
unsubscribe anyone); POST unsubscribes, whether from that button or from a mail program's
one-click request (body `List-Unsubscribe=One-Click`, no cookie, no CSRF token: the signed token
is the proof, so CSRF checks are skipped for this path only). The alerts database is the file
beside the served one (chipwatch.alerts.db for chipwatch.db); it is never served itself.
"""

import html
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response

from alerts.store import alerts_db_path, open_alerts_db
from alerts.unsubscribe import TokenError, read_token, unsubscribe_token

PATH = "/-/unsubscribe"


def _page(title, body, status=200):
    return Response.html(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{html.escape(title)} - chipwatch</title></head>"
        f'<body style="font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.5"><h1>{html.escape(title)}</h1>{body}</body></html>',
        status=status,
    )


def _main_path(datasette):
    """The served database whose alerts database exists beside it."""
    for database in datasette.databases.values():
        if database.path and Path(alerts_db_path(database.path)).exists():
            return database.path
    return None


async def unsubscribe_view(request, datasette):
    token = request.args.get("t", "")
    if request.method == "POST":
        form = await request.post_vars()
        token = form.get("t") or token
    path = _main_path(datasette)
    if path is None:
        return _page("No watches here", "<p>This chipwatch has no alerts database.</p>", 404)
    adb = open_alerts_db(path)
    try:
        if request.method != "POST":
            watch_id, address = read_token(adb, token)
            row = adb.execute("SELECT name FROM watches WHERE id = ?", [watch_id]).fetchone()
            name = row[0] if row else f"#{watch_id}"
            return _page(
                "Unsubscribe from a chipwatch watch",
                f"<p>Stop the alert emails of the watch <strong>{html.escape(name)}</strong> to <strong>{html.escape(address)}</strong>?</p>"
                f'<form method="post" action="{PATH}"><input type="hidden" name="t" value="{html.escape(token, quote=True)}">'
                '<button type="submit" style="font-size:1.1em;padding:.4em 1.2em">Unsubscribe</button></form>',
            )
        done = unsubscribe_token(adb, token, "one-click" if form.get("List-Unsubscribe") == "One-Click" else "web")
    except TokenError as exc:
        return _page("This unsubscribe link does not work", f"<p>{html.escape(str(exc))}.</p>", 400)
    finally:
        adb.close()
    what = "was already unsubscribed from" if done.already else "is unsubscribed from"
    return _page("Unsubscribed", f"<p>{html.escape(done.address)} {what} the watch <strong>{html.escape(done.watch)}</strong>. No more alert emails of it will be sent.</p>")


@hookimpl
def register_routes():
    return [(r"^/-/unsubscribe$", unsubscribe_view)]


@hookimpl
def skip_csrf(scope):
    return scope.get("path") == PATH
