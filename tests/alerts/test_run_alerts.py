"""`chipwatch run` ends with the alerts: silent when they went out, exit 1 with a line when one failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from chipwatch.demo import DEMO_SITE, LOCAL_SITE_SETTINGS
from chipwatch.siteserver import serve_site


def run(db_path, sources, env):
    settings = [a for k, v in LOCAL_SITE_SETTINGS.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPWATCH_")} | env
    return subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "run", "--db", str(db_path), "--sources", str(sources), *settings],
        capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL, env=full_env,
    )  # fmt: skip


def add_watch(db_path, name, query):
    result = subprocess.run(
        [sys.executable, "-m", "chipwatch.cli", "watch", "add", name, "--query", query, "--to", f"{name}@example.com", "--db", str(db_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_run_sends_alerts_and_reports_a_permanent_failure(tmp_path, smtp):
    db_path = tmp_path / "c.db"
    add_watch(db_path, "huawei", "华为 OR Huawei")
    add_watch(db_path, "chips", "芯片")
    smtp.rcpt_replies.append("550 5.7.1 relaying denied")  # the first email fails for good, the second goes out
    with serve_site(DEMO_SITE) as base_url:
        sources = tmp_path / "sources.toml"
        sources.write_text((DEMO_SITE / "sources.toml").read_text(encoding="utf-8").replace('"/', f'"{base_url}/'), encoding="utf-8")
        result = run(db_path, sources, smtp.env)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("chipwatch run: alerts: watch chips to chips@example.com: permanent failure")
        assert [m.rcpt_tos for m in smtp.received] == [["huawei@example.com"]]
        again = run(db_path, sources, smtp.env)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")  # nothing new, nothing failed again
    assert len(smtp.received) == 1
