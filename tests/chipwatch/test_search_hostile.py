"""Hostile search queries through the command line: every FTS5 special character, unbalanced quotes
and brackets, operators alone, 10,000-character queries. Each gives hits, "no matches", or one
clear line with exit 1, and none takes long; never a traceback."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from chipwatch.cli import cli
from tests.support.hostile import HOSTILE_QUERIES, LONG_QUERIES
from db.store import ArticleRecord, open_db, save_articles


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "s.db"
    db = open_db(path)
    save_articles(db, [
        ArticleRecord(url="https://a.example/1", source="a", lang="zh", title="华为芯片", text="美国商务部将华为列入实体清单，芯片出口受限。",
                      published_at="2026-03-01"),
        ArticleRecord(url="https://a.example/2", source="a", lang="en", title="Export controls", text="New export controls on chips (A100 * H100).",
                      published_at="2026-03-02"),
    ])
    db.close()
    return path


@pytest.mark.parametrize("rank", [False, True], ids=["newest", "rank"])
@pytest.mark.parametrize("query", HOSTILE_QUERIES + LONG_QUERIES, ids=lambda q: repr(q[:20]))
def test_hostile_query(db_path, query, rank):
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["search", "--db", str(db_path), *(["--rank"] if rank else []), "--", query])
    assert time.monotonic() - started < 3
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


def test_hostile_queries_through_the_real_command(db_path):
    for query in ['"华为', "NEAR(", "*", "-", "(" * 10_000, "华为" * 5000]:
        result = subprocess.run([sys.executable, "-m", "chipwatch.cli", "search", "--db", str(db_path), query],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 1, result.stderr
