"""A full disk and a read-only database: a clear line, a non-zero exit, no damage, and the next
run (with space again) finishes the work without duplicates.

The full disk is a small tmpfs, so these tests need root (CI runs as root); they skip otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.support import faults
from bench.sitegen import generated_article, generated_sources_toml, serve_generated_site

CLI = [sys.executable, "-m", "chipwatch.cli"]


def mount_tmpfs(path, size="32m"):
    path.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {result.stderr.strip()}")


@pytest.fixture
def small_fs(tmp_path):
    path = tmp_path / "fs"
    mount_tmpfs(path)
    yield path
    subprocess.run(["umount", "-l", str(path)], check=False)


def fill(fs, leave_kb=64):
    """Fill the file system but `leave_kb`."""
    free = shutil.disk_usage(fs).free
    with open(fs / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave_kb * 1024))


def jsonl(tmp_path, n, start=1):
    path = tmp_path / f"a{start}-{n}.jsonl"
    lines = []
    for i in range(start, start + n):
        lang, title, published, paragraphs = generated_article(i, seed=5)
        lines.append(json.dumps({"url": f"https://x.example/{i}", "title": title, "text": "\n".join(paragraphs), "lang": lang,
                                 "published_at": published, "source": "x"}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(*args, timeout=180):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def integrity(db_path):
    conn = sqlite3.connect(f"file:{db_path}?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0], conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()


def test_import_on_a_full_disk_is_one_line_and_no_damage(small_fs, tmp_path):
    db_path = small_fs / "c.db"
    assert cli("import", "--db", str(db_path), str(jsonl(tmp_path, 20))).returncode == 0
    fill(small_fs)
    result = cli("import", "--db", str(db_path), str(jsonl(tmp_path, 300, start=21)))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: database error: database or disk is full"
    assert "Traceback" not in result.stderr
    assert integrity(db_path) == ("ok", 20)


def test_a_run_on_a_full_disk_stops_cleanly_and_the_next_one_finishes(small_fs, tmp_path):
    db_path = small_fs / "c.db"
    assert cli("import", "--db", str(db_path), str(jsonl(tmp_path, 20))).returncode == 0
    fill(small_fs)
    with serve_generated_site(300) as base:
        sources = tmp_path / "sources.toml"
        sources.write_text(generated_sources_toml(300).replace('"/', f'"{base}/'), encoding="utf-8")
        full = faults.chipwatch_run(db_path, sources)
        out, err = full.communicate(timeout=180)
        assert full.returncode == 1, err
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert lines and all(line.startswith("chipwatch run: ") for line in lines), err
        assert any("database or disk is full" in line for line in lines), err
        assert integrity(db_path)[0] == "ok"
        assert faults.check_database(db_path) == []
        kept = faults.read_state(db_path).articles

        (small_fs / "filler").unlink()
        again = faults.chipwatch_run(db_path, sources)
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
    assert faults.check_database(db_path) == []
    after = faults.read_state(db_path)
    assert all(after.articles.get(i) == url for i, url in kept.items())
    assert len(after.articles) == 20 + 300
    assert after.analysed == set(after.articles)


@pytest.fixture
def read_only_db(tmp_path):
    """A database with 20 articles on a file system mounted read-only (root), or a read-only file and directory."""
    fs = tmp_path / "ro"
    if os.geteuid() == 0:
        mount_tmpfs(fs)
    else:
        fs.mkdir()
    db_path = fs / "c.db"
    assert cli("import", "--db", str(db_path), str(jsonl(tmp_path, 20))).returncode == 0
    if os.geteuid() == 0:
        subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
    else:
        for p in fs.iterdir():
            p.chmod(0o444)
        fs.chmod(0o555)
    yield db_path
    if os.geteuid() == 0:
        subprocess.run(["umount", "-l", str(fs)], check=False)
    else:
        fs.chmod(0o755)


@pytest.mark.parametrize("command", [["import", "{jsonl}"], ["process"], ["run", "--sources", "{sources}"]])
def test_a_read_only_database_is_one_line_and_no_damage(read_only_db, tmp_path, command):
    sources = tmp_path / "sources.toml"
    sources.write_text(generated_sources_toml(1).replace('"/', '"http://127.0.0.1:9/'), encoding="utf-8")
    args = [a.format(jsonl=jsonl(tmp_path, 5, start=100), sources=sources) for a in command]
    result = cli(args[0], "--db", str(read_only_db), *args[1:])
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "read" in lines[0] and str(read_only_db) in lines[0] or "readonly" in lines[0], lines[0]
    assert integrity(read_only_db) == ("ok", 20)


@pytest.mark.parametrize("command", [["search", "芯片"], ["search", "--lang", "en", "chips"], ["lists", "show"], ["report", "--since", "3650d", "--out", "{out}"]])
def test_reading_commands_work_on_a_read_only_database(read_only_db, tmp_path, command):
    """Search, lists show and report only read: a read-only file or file system must not stop them."""
    args = [a.format(out=tmp_path / "report.html") for a in command]
    name = args[:2] if args[0] == "lists" else args[:1]
    result = cli(*name, "--db", str(read_only_db), *args[len(name):])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the command found nothing to show"
    if args[0] == "search":
        assert len(result.stdout.strip().split("\n\n")) >= 2  # several hits from the 20 articles
    assert integrity(read_only_db) == ("ok", 20)
