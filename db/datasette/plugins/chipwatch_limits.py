"""Datasette plugin: no request outlives the SQL time limit, and error pages are cheap.

Datasette's time limit is a progress handler, which SQLite only calls between VM steps; a watchdog
calling interrupt() is no better, since that too only takes effect between steps. A Python SQL
function fed a huge value (`chipwatch_snippet(printf('%.*c', 200000000, 'a'), 'a')`) ran 7 s of
CPU past a 3 s limit. So the work inside a step is bounded instead: every value a query can
build is capped (SQLITE_LIMIT_LENGTH, 32 MiB: printf, zeroblob, replace and || fail with "string
or blob too big"), and the snippet function reads at most 200k characters
(db/search/sqlfunctions.py). Errors are answered with a short page instead of Datasette's rich
one, and a missing database or table is a 404, not a 500.
"""

import sqlite3
from html import escape

import datasette.handle_exception as default_handler
from datasette import hookimpl
from datasette.views.base import DatasetteError
from datasette.utils.asgi import Response

MAX_VALUE_BYTES = 32 * 1024 * 1024

# Datasette's own handler still runs beside this one and prints a rich traceback with every local
# variable for each error (0.25-0.5 s of CPU a page, one a 404): without rich it prints nothing.
default_handler.rich = None


@hookimpl
def prepare_connection(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)


@hookimpl
def handle_exception(datasette, request, exception):
    status = getattr(exception, "status", 500)
    text = str(exception).strip()
    message = getattr(exception, "message", None) or (text.splitlines()[0] if text else type(exception).__name__)
    if isinstance(exception, KeyError):  # a database or table name Datasette does not know
        status, message = 404, f"not found: {text}"
    elif status == 500 and isinstance(exception, DatasetteError | sqlite3.Error):  # "Cannot sort table by x": the request's fault
        status = 400
    if not isinstance(status, int) or status < 400:
        status = 500
    body = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Error {status}</title></head>"
        f"<body><h1>Error {status}</h1><p>{escape(str(message)[:500])}</p></body></html>"
    )
    return Response.html(body, status=status)
