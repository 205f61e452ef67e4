"""Datasette plugin: the SQL functions behind the Chinese-correct search page (see metadata.yml, query `search`).

Datasette's own search box hands the raw query to FTS5, which cannot split Chinese. The stored
query calls these functions instead, so the page searches exactly as `chipwatch search` does.
"""

from datasette import hookimpl

from db.search import register_sql_functions


@hookimpl
def prepare_connection(conn):
    register_sql_functions(conn)
