"""`chipwatch run` under cron: the lock, the exit codes, silence on success, one line per problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from chipwatch.demo import DEMO_SITE, LOCAL_SITE_SETTINGS
from chipwatch.run import lock_path, run_lock
from chipwatch.schedule import crontab_line
from chipwatch.siteserver import serve_site
from db.store import open_db

EXIT_BUSY = 3


def absolute_sources(tmp_path, base_url):
    """The demo's sources with their relative URLs made absolute, as a user's sources file would be."""
    text = (DEMO_SITE / "sources.toml").read_text(encoding="utf-8").replace('"/', f'"{base_url}/')
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def chipwatch_run(db_path, sources, *extra):
    settings = [a for k, v in LOCAL_SITE_SETTINGS.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    return subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "run", "--db", str(db_path), "--sources", str(sources), *settings, *extra],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )


def test_success_is_silent(tmp_path):
    with serve_site(DEMO_SITE) as base_url:
        result = chipwatch_run(tmp_path / "c.db", absolute_sources(tmp_path, base_url))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_failed_crawl_exits_1_with_one_line_per_problem(tmp_path):
    with serve_site(DEMO_SITE) as base_url:
        sources = absolute_sources(tmp_path, base_url)
    # the server is gone: every listing fails
    result = chipwatch_run(tmp_path / "c.db", sources, "-s", "RETRY_TIMES=0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("chipwatch run: crawl: no listing could be read")
    assert len(lines) == 1 + 6  # the verdict, then one line per listing URL (3 feeds, 1 sitemap index, 2 sections)
    assert all(line.startswith("chipwatch run: source demo-") for line in lines[1:])
    assert "Traceback" not in result.stderr


def test_an_overlapping_run_exits_at_once_with_its_own_code(tmp_path):
    db_path = tmp_path / "c.db"
    with run_lock(db_path):
        started = time.monotonic()
        result = chipwatch_run(db_path, DEMO_SITE / "sources.toml")
        elapsed = time.monotonic() - started
    assert result.returncode == EXIT_BUSY
    assert f"pid {os.getpid()}" in result.stderr
    assert elapsed < 30  # it did not crawl


def test_a_stale_lock_file_does_not_block(tmp_path):
    db_path = tmp_path / "c.db"
    lock_path(db_path).write_text("999999")  # left behind by a run killed with -9: no process holds the flock
    with serve_site(DEMO_SITE) as base_url:
        result = chipwatch_run(db_path, absolute_sources(tmp_path, base_url))
    assert result.returncode == 0, result.stderr


def test_a_killed_run_releases_the_lock(tmp_path):
    db_path = tmp_path / "c.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from chipwatch.run import run_lock\nwith run_lock({str(db_path)!r}):\n    print('locked', flush=True)\n    import time; time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(Exception, match="in progress"), run_lock(db_path):
        pass
    holder.kill()
    holder.wait()
    with run_lock(db_path):
        pass


def test_crontab_line_uses_absolute_paths(tmp_path):
    line = crontab_line(tmp_path / "c.db", "30m")
    schedule, command = line[:12], line[13:]
    assert schedule == "*/30 * * * *"
    assert command.split()[0].startswith("/")
    assert command.endswith(f"run --db {tmp_path / 'c.db'}")


def test_crawl_takes_the_run_lock_and_closes_runs_that_were_killed(tmp_path):
    """`chipwatch crawl` and `chipwatch run` never overlap on a database, so an open crawl_runs row is a killed one."""
    db_path = tmp_path / "c.db"
    settings = [a for k, v in LOCAL_SITE_SETTINGS.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    with serve_site(DEMO_SITE) as base_url:
        sources = tmp_path / "sources.toml"
        sources.write_text((DEMO_SITE / "sources.toml").read_text(encoding="utf-8").replace('"/', f'"{base_url}/'), encoding="utf-8")
        crawl = [sys.executable, "-m", "chipwatch.cli", "crawl", "--db", str(db_path), "--sources", str(sources), *settings]
        with run_lock(db_path):
            busy = subprocess.run(crawl, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert busy.returncode == EXIT_BUSY
        assert busy.stderr.startswith("chipwatch crawl: another chipwatch run") and f"pid {os.getpid()}" in busy.stderr
        assert not db_path.exists() or not open_db(db_path).execute("SELECT count(*) FROM articles").fetchone()[0]
        db = open_db(db_path)
        db.execute("INSERT INTO crawl_runs (started_at) VALUES ('2026-01-01T00:00:00+00:00')")  # what a killed crawl leaves
        db.conn.commit()
        result = subprocess.run(crawl, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert db.execute("SELECT id, status FROM crawl_runs ORDER BY id").fetchall() == [(1, "interrupted"), (2, "ok")]
