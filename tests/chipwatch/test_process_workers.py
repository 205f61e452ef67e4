"""`chipwatch process --workers N`: the same results as one process, and no worker outlives or hides a failure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import faults
from tests.support.hostile import wait_until
from chipwatch.process import process_articles
from bench.sitegen import generated_article
from db.store import ArticleRecord, open_db, save_articles

CLI = [sys.executable, "-m", "chipwatch.cli"]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def stored_corpus(db_path: Path, count: int) -> None:
    """`count` generated articles (Chinese and English export-control news) in a new database."""
    records = []
    for i in range(1, count + 1):
        lang, title, published, paragraphs = generated_article(i, seed=7)
        records.append(ArticleRecord(url=f"https://w.example/{i}", source="w", lang=lang, title=title, published_at=published, text="\n".join(paragraphs)))
    save_articles(open_db(db_path), records)


def analysis_rows(db_path: Path) -> dict[str, list[tuple]]:
    db = open_db(db_path)
    return {
        "mentions": db.execute("SELECT article_id, start_char, end_char, label, text, entity_id, listed FROM mentions ORDER BY 1, 2, 3, 4").fetchall(),
        "events": db.execute("SELECT article_id, type, evidence, round(confidence, 4), actors, targets, products, mechanism, amount, date FROM events ORDER BY 1, 2, 3").fetchall(),
        "analysis": db.execute("SELECT article_id, relevant FROM article_analysis ORDER BY 1").fetchall(),
    }


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents.setdefault(int(stat.read_text().rsplit(")", 1)[1].split()[1]), []).append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def analysed(db_path: Path) -> int:
    return len(faults.read_state(db_path).analysed)


def start_process(db_path: Path, workers: int, batch: int) -> subprocess.Popen:
    env = {**os.environ, "CHIPWATCH_PROCESS_BATCH": str(batch)}
    return subprocess.Popen([*CLI, "process", "--db", str(db_path), "--workers", str(workers), "--quiet"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_workers_store_exactly_what_one_process_stores(tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    stored_corpus(one, 30)
    stored_corpus(two, 30)
    assert process_articles(one).analyzed == 30
    # small batches: several in flight at once, finishing in any order, saved in article order
    result = subprocess.run([*CLI, "process", "--db", str(two), "--workers", "2"], env={**os.environ, "CHIPWATCH_PROCESS_BATCH": "4"},
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("processed 30 articles")
    expected, got = analysis_rows(one), analysis_rows(two)
    assert len(expected["mentions"]) > 100 and len(expected["events"]) > 5
    assert got == expected


def test_a_worker_killed_midway_gives_one_line_and_keeps_what_was_committed(tmp_path):
    db_path = tmp_path / "k.db"
    stored_corpus(db_path, 120)
    process = start_process(db_path, workers=2, batch=2)
    assert wait_until(lambda: analysed(db_path) >= 4, timeout=240)
    workers = [pid for pid in descendants(process.pid) if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
    assert len(workers) == 2, workers
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert "worker process died" in stderr
    kept = analysed(db_path)
    assert 4 <= kept < 120
    assert faults.check_database(db_path) == []
    # the next run finishes the work, and the articles analysed before the kill are not analysed twice
    result = subprocess.run([*CLI, "process", "--db", str(db_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"processed {120 - kept} articles")
    assert analysed(db_path) == 120


def test_kill_9_of_process_takes_its_workers_with_it(tmp_path):
    db_path = tmp_path / "p.db"
    stored_corpus(db_path, 120)
    process = start_process(db_path, workers=2, batch=2)
    assert wait_until(lambda: analysed(db_path) >= 2, timeout=240)
    children = descendants(process.pid)
    assert len(children) >= 2
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert wait_until(lambda: not any(alive(pid) for pid in children), timeout=20), [pid for pid in children if alive(pid)]
    assert faults.check_database(db_path) == []


def test_workers_must_be_a_positive_number(tmp_path):
    result = subprocess.run([*CLI, "process", "--db", str(tmp_path / "x.db"), "--workers", "0"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--workers" in result.stderr
