"""Hostile watch queries: every FTS5 special character, unbalanced quotes and brackets, operators
alone, 10,000-character queries. `watch add` stores the watch or refuses it with one line and exit
2; a stored watch can be tested and matched by `alerts send --dry-run`; never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from chipwatch.cli import cli
from tests.support.hostile import HOSTILE_QUERIES, LONG_QUERIES


@pytest.fixture
def run(db_path, monkeypatch):
    for name in ("CHIPWATCH_SMTP_HOST", "CHIPWATCH_MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args):
        result = CliRunner().invoke(cli, [*args[:2], "--db", str(db_path), *args[2:]], catch_exceptions=True)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        return result

    return invoke


@pytest.mark.parametrize("query", HOSTILE_QUERIES + LONG_QUERIES, ids=lambda q: repr(q[:20]))
def test_hostile_watch_query(run, query):
    added = run("watch", "add", "w", "--query", query, "--to", "analyst@example.com", "--backfill")
    if added.exit_code == 2:  # refused: one line saying why
        assert len(added.output.strip().splitlines()) == 1, added.output
        assert "no watches" in run("watch", "list").output
        return
    assert added.exit_code == 0, added.output
    tested = run("watch", "test", "w")
    assert tested.exit_code == 0, tested.output
    sent = run("alerts", "send", "--dry-run")
    assert sent.exit_code == 0, sent.output
