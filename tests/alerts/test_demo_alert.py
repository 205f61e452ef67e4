"""The demo adds one watch and shows the alert email it produced, written as an .eml file, never mailed."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from email import message_from_bytes
from email.policy import default

from alerts.summary import LABELS


def test_demo_shows_its_alert(tmp_path, closed_port):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPWATCH_")}
    env |= {"CHIPWATCH_SMTP_HOST": "127.0.0.1", "CHIPWATCH_SMTP_PORT": str(closed_port)}  # the demo must not use it
    db_path = tmp_path / "demo.db"
    command = [sys.executable, "-m", "chipwatch.cli", "demo", "--db", str(db_path), "-q"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stderr
    _dated_relative_to_today(db_path, env)
    [eml] = (tmp_path / "demo.outbox").glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=default)
    assert message["To"] == "analyst@example.com"
    assert message["Subject"].endswith(" new matches (demo-huawei)") and message["Subject"].split(":")[0] in LABELS.values()  # an event leads
    assert message["List-Unsubscribe"].startswith("<mailto:chipwatch@localhost?subject=unsubscribe%20")  # no base URL in the demo
    assert f"Subject: {message['Subject']}" in first.stdout and eml.name in first.stdout
    assert "«华为»" in message.get_body(("plain",)).get_content() and "<mark>" in message.get_body(("html",)).get_content()
    second = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)
    assert second.returncode == 0, second.stderr
    assert len(list((tmp_path / "demo.outbox").glob("*.eml"))) == 1  # nothing new: no second email
    assert eml.name in second.stdout


def _dated_relative_to_today(db_path, env):
    """The newest story is dated today, so --since 7d and the default report have content; copies stay copies."""
    today = dt.datetime.now(dt.timezone.utc).date()
    with sqlite3.connect(db_path) as conn:
        newest = conn.execute("SELECT max(published_at) FROM articles WHERE duplicate_of IS NULL").fetchone()[0]
        week = conn.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NULL AND published_at >= ?", [str(today - dt.timedelta(days=7))]).fetchone()[0]
        (original,) = conn.execute(
            "SELECT o.url FROM articles c JOIN articles o ON o.id = c.duplicate_of WHERE c.url LIKE '%world-tech-4471%'"
        ).fetchone()
    assert newest[:10] == str(today) and week >= 5
    assert original.endswith("/en/2026/03/commerce-adds-entities.html")  # the aggregator's moved date still comes after E1's
    search = subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "search", "--db", str(db_path), "--since", "7d", "--relevant", "--json"],
        capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert search.returncode == 0 and len(search.stdout.splitlines()) >= 3, search.stderr
