"""`chipwatch report`: the period's numbers are right, and the page renders in a real headless browser."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from alerts.report import ReportError, gather, period_start, write_report
from db.store import open_db

ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOW = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def report_db(db_path, store):
    [old] = store(db_path, [("https://old.example/1", "en", "2026-09-01", "Old listing", "Huawei was listed long ago.")])
    [listing] = store(db_path, [("https://f.example/1", "en", "2026-11-26", "Commerce lists SMIC units", "Commerce added SMIC units to the Entity List.")])
    [smuggle] = store(db_path, [("https://g.example/1", "zh", "2026-11-18", "英伟达芯片走私案", "海关查获一批走私的英伟达A100芯片。")])
    db = open_db(db_path)
    db["entities"].insert_all([{"id": "org:smic", "name": "SMIC", "kind": "org"}, {"id": "org:nvidia", "name": "NVIDIA", "kind": "org"}, {"id": "org:huawei", "name": "Huawei", "kind": "org"}], replace=True)
    db["mentions"].insert_all([
        {"article_id": listing, "start_char": 15, "end_char": 19, "text": "SMIC", "label": "ORG", "entity_id": "org:smic", "name": "SMIC", "listed": 1,
         "lists": json.dumps([{"list": "Entity List (EL)", "name": "SMIC"}])},
        {"article_id": smuggle, "start_char": 9, "end_char": 12, "text": "英伟达", "label": "ORG", "entity_id": "org:nvidia", "name": "NVIDIA", "listed": 0, "lists": None},
        {"article_id": old, "start_char": 0, "end_char": 6, "text": "Huawei", "label": "ORG", "entity_id": "org:huawei", "name": "Huawei", "listed": 1,
         "lists": json.dumps([{"list": "Entity List (EL)", "name": "Huawei"}])},
    ])  # fmt: skip
    db["events"].insert_all([{"actors": "[]", "targets": "[]", "products": "[]", **event} for event in [
        {"article_id": listing, "type": "entity_listing", "actors": '["Commerce"]', "targets": '["SMIC"]', "evidence": "Commerce added SMIC units to the Entity List.",
         "start_char": 0, "end_char": 44, "confidence": 0.9, "published_at": "2026-11-26"},
        {"article_id": smuggle, "type": "circumvention", "products": '["A100"]', "mechanism": "smuggling", "evidence": "海关查获一批走私的英伟达A100芯片。",
         "start_char": 0, "end_char": 18, "confidence": 0.8, "published_at": "2026-11-18"},
        {"article_id": old, "type": "entity_listing", "evidence": "Huawei was listed long ago.", "start_char": 0, "end_char": 27, "confidence": 0.9},
    ]])  # fmt: skip
    db.conn.commit()
    return db_path


def test_the_period_holds_the_right_rows(report_db):
    db = open_db(report_db)
    data = gather(db, period_start("14d", NOW), NOW)
    assert data.events == 2  # not the September one
    assert data.by_week[(dt.date(2026, 11, 23), "entity_listing")] == 1
    assert data.by_week[(dt.date(2026, 11, 16), "circumvention")] == 1
    assert {name for _, name, _, _ in data.entities} == {"SMIC", "NVIDIA"}
    assert data.listed == [("SMIC", ["Entity List (EL)"], 1, "2026-11-26")]
    assert [e["type"] for e in data.latest] == ["entity_listing", "circumvention"]


def test_a_bad_period_is_one_line():
    with pytest.raises(ReportError, match="--since wants"):
        period_start("last tuesday", NOW)


def test_the_command_writes_a_page_that_renders(report_db, tmp_path):
    out = tmp_path / "report.html"
    result = subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "report", "--db", str(report_db), "--since", "400d", "--out", str(out)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: 6 articles, 3 events")
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "海关查获一批走私的英伟达A100芯片。" in page and "listed" in page
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=90).stdout
    assert "New events by type and week" in dom and "<rect" in dom and "英伟达芯片走私案" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    subprocess.run([CHROMIUM, *flags, f"--screenshot={screenshot}", "--window-size=1000,1400", out.as_uri()], capture_output=True, timeout=90)
    assert screenshot.exists() and screenshot.stat().st_size > 10_000


def test_an_empty_period_still_makes_a_page(db_path, tmp_path):
    out = tmp_path / "r.html"
    summary = write_report(open_db(db_path), out, since="2030-01-01", now=NOW)
    assert summary.startswith("0 articles, 0 events")
    assert "No events in this period." in out.read_text(encoding="utf-8")
