"""The demo adds one watch and shows the alert email it produced, written as an .eml file, never mailed."""

from __future__ import annotations

import os
import subprocess
import sys
from email import message_from_bytes
from email.policy import default


def test_demo_shows_its_alert(tmp_path, closed_port):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPWATCH_")}
    env |= {"CHIPWATCH_SMTP_HOST": "127.0.0.1", "CHIPWATCH_SMTP_PORT": str(closed_port)}  # the demo must not use it
    db_path = tmp_path / "demo.db"
    command = [sys.executable, "-m", "chipwatch.cli", "demo", "--db", str(db_path), "-q"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stderr
    [eml] = (tmp_path / "demo.outbox").glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=default)
    assert message["To"] == "analyst@example.com"
    assert message["Subject"].startswith("chipwatch: demo-huawei: ")
    assert f"Subject: {message['Subject']}" in first.stdout and eml.name in first.stdout
    assert "«华为»" in message.get_body(("plain",)).get_content() and "<mark>" in message.get_body(("html",)).get_content()
    second = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)
    assert second.returncode == 0, second.stderr
    assert len(list((tmp_path / "demo.outbox").glob("*.eml"))) == 1  # nothing new: no second email
    assert eml.name in second.stdout
