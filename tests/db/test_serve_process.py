"""`chipwatch serve` takes its Datasette process with it when it is stopped or killed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.hostile import wait_until
from db.store import open_db


def children(pid):
    return [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat")
            if _ppid(p) == pid]


def _ppid(stat):
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_datasette_ends_with_chipwatch_serve(tmp_path, signum):
    db_path = tmp_path / "chipwatch.db"
    open_db(db_path).close()
    serve = subprocess.Popen([sys.executable, "-m", "chipwatch.cli", "serve", "--db", str(db_path), "--port", "0"],
                             stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if re.search(r"running on http://127\.0\.0\.1:\d+", serve.stderr.readline()):
                break
        datasette = children(serve.pid)
        assert datasette, "no Datasette child"
        os.kill(serve.pid, signum)
        serve.wait(timeout=15)
        assert wait_until(lambda: not any(alive(p) for p in datasette), timeout=10), "Datasette outlived chipwatch serve"
    finally:
        if serve.poll() is None:
            serve.kill()
