"""`chipwatch cron`: the crontab line that runs `chipwatch run` on a schedule."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

SCHEDULES = {"15m": "*/15 * * * *", "30m": "*/30 * * * *", "1h": "7 * * * *", "6h": "7 */6 * * *", "1d": "7 6 * * *"}


def crontab_line(db_path: str | Path, every: str) -> str:
    """A crontab line that runs `chipwatch run` on this database with absolute paths (cron has no PATH to speak of)."""
    db = Path(db_path).resolve()
    return f"{SCHEDULES[every]} {_own_command()} run --db {shlex.quote(str(db))}"


def _own_command() -> str:
    """How to start this same chipwatch again: its console script, else this Python with -m."""
    script = Path(sys.argv[0])
    if script.name == "chipwatch" and script.exists():
        return shlex.quote(str(script.absolute()))
    return f"{shlex.quote(sys.executable)} -m chipwatch.cli"
