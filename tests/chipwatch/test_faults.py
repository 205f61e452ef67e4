"""kill -9 of `chipwatch run` during the crawl and during process: nothing committed is lost,
nothing is duplicated, the database stays sound and the next run finishes the work.

A few kills per stage here; `bench/faults.py` runs the long campaigns (20+ kills per stage).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from tests.support import faults
from tests.support.hostile import wait_until
from bench.sitegen import generated_sources_toml, serve_generated_site
from db.store import open_db


def test_kills_during_the_crawl(tmp_path):
    report = faults.crawl_campaign(tmp_path, kills=3, pages=100, seed=1)
    assert len(report.kills) == 3
    assert report.final_articles == report.final_analysed >= 100
    # the runs that were killed are marked as such by the next run, not left "running" for ever
    db = open_db(tmp_path / "crawl-faults.db")
    statuses = dict(db.execute("SELECT coalesce(status, 'running'), count(*) FROM crawl_runs GROUP BY 1").fetchall())
    assert set(statuses) <= {"ok", "interrupted"} and statuses.get("interrupted", 0) >= 1, statuses


def test_kills_during_process(tmp_path):
    report = faults.process_campaign(tmp_path, kills=3, articles=40, seed=1)
    assert len(report.kills) == 3
    assert report.final_analysed == report.final_articles == 41  # 40 stored beforehand, 1 crawled


def test_a_killed_run_leaves_no_process_holding_its_output(tmp_path):
    """The parse worker used to outlive a killed run, with its forkserver and resource tracker, and keep
    the run's stdout and stderr open: cron, waiting for the end of the output, waited for ever."""
    db_path = tmp_path / "c.db"
    with serve_generated_site(200) as base:
        sources = tmp_path / "sources.toml"
        sources.write_text(generated_sources_toml(200).replace('"/', f'"{base}/'), encoding="utf-8")
        process = faults.chipwatch_run(db_path, sources)
        assert wait_until(lambda: len(faults.read_state(db_path).articles) > 0, timeout=60)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        started = time.monotonic()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            raise AssertionError("a child of the killed run still holds its stdout/stderr") from None
    assert time.monotonic() - started < 5
    assert faults.check_database(db_path) == []
