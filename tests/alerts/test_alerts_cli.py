"""The commands as a user (or cron) runs them: one-line refusals, exit codes, a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from chipwatch.run import run_lock


def chipwatch(db_path, *args, env=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPWATCH_")}
    full_env.update(env or {}, CHIPWATCH_DB=str(db_path))
    return subprocess.run([sys.executable, "-m", "chipwatch.cli", *args], capture_output=True, text=True, timeout=120, env=full_env, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--query", "华为", "--event", "sanction_party", "--to", "a@example.com"], "unknown event type 'sanction_party'"),
        (["--query", "华为", "--to", "a@example.com,not-an-address"], "not an email address: 'not-an-address'"),
        (["--query", "华为", "--to", "a@example.com\nBcc: b@example.com"], "not an email address"),
        (["--to", "a@example.com"], "an empty query needs a filter"),
        (["--query", "  ", "--lang", "zh", "--to", "a@example.com"], "an empty query needs a filter"),
        (["--query", "华为"], "give at least one address with --to"),
        (["--query", "华为", "--lang", "fr", "--to", "a@example.com"], "unknown language 'fr'"),
        (["--query", "华为", "--digest", "hourly", "--to", "a@example.com"], "unknown digest 'hourly'"),
        (["--query", "-华为", "--to", "a@example.com"], "only excluded words"),
        (["--entity", "No Such Company Ltd", "--to", "a@example.com"], "no entity called"),
    ],
)
def test_bad_input_is_refused_with_one_line(db_path, args, message):
    result = chipwatch(db_path, "watch", "add", "w", *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert chipwatch(db_path, "watch", "list").stdout == ""


def test_add_list_test_remove(db_path, store):
    added = chipwatch(db_path, "watch", "add", "hw", "--query", "華為 OR Huawei", "--to", "a@example.com,b@example.com", "--digest", "daily")
    assert added.returncode == 0, added.stderr
    assert "added watch hw" in added.stdout and "after #3" in added.stdout
    again = chipwatch(db_path, "watch", "add", "hw", "--query", "x", "--to", "a@example.com")
    assert again.returncode == 2 and "exists" in again.stderr
    store(db_path, [("https://n.example/1", "zh", "2026-11-27", "华为新闻", "华为发布新品。")])
    listed = chipwatch(db_path, "watch", "list").stdout
    assert "hw  華為 OR Huawei" in listed and "daily to a@example.com, b@example.com" in listed
    tested = chipwatch(db_path, "watch", "test", "hw")
    assert "1 new matches for the next send" in tested.stdout
    assert "«华为»发布新品" in tested.stdout and "Huawei" in tested.stdout  # the latest matches, old ones too
    assert chipwatch(db_path, "watch", "test", "nope").returncode == 2
    assert chipwatch(db_path, "watch", "remove", "hw").stdout == "removed watch hw\n"
    assert chipwatch(db_path, "watch", "list").stdout == ""


def test_send_through_smtp_with_failures(db_path, store, smtp):
    assert chipwatch(db_path, "watch", "add", "hw", "--query", "华为", "--to", "a@example.com").returncode == 0
    assert chipwatch(db_path, "watch", "add", "tsmc", "--query", "TSMC", "--to", "b@example.com").returncode == 0
    store(db_path, [
        ("https://n.example/1", "zh", "2026-11-27", "华为新闻", "华为发布新品。"),
        ("https://n.example/2", "en", "2026-11-27", "TSMC news", "TSMC opens a fab."),
    ])  # fmt: skip
    smtp.rcpt_replies += ["451 4.7.1 try later", "550 5.1.1 no such user"]
    first = chipwatch(db_path, "alerts", "send", env=smtp.env)
    assert first.returncode == 1
    assert first.stderr.startswith("chipwatch alerts: watch tsmc to b@example.com: permanent failure") and first.stderr.count("\n") == 1
    assert "watch hw to a@example.com: temporary failure (try 1)" in first.stdout
    failed = chipwatch(db_path, "alerts", "outbox", "--status", "failed").stdout.splitlines()
    assert len(failed) == 1 and failed[0].startswith("failed   tsmc  b@example.com  #5 TSMC news") and "550 5.1.1 no such user" in failed[0]
    pending = chipwatch(db_path, "alerts", "outbox", "--status", "pending").stdout
    assert pending.startswith("pending  hw  a@example.com  #4 华为新闻") and "1 failed tries" in pending and "451" in pending
    second = chipwatch(db_path, "alerts", "send", env=smtp.env)
    assert (second.returncode, second.stderr) == (0, "")
    assert "sent 1 emails (1 matches)" in second.stdout
    assert [m.rcpt_tos for m in smtp.received] == [["a@example.com"]]
    third = chipwatch(db_path, "alerts", "send", env=smtp.env)
    assert "sent 0 emails" in third.stdout and len(smtp.received) == 1


def test_send_without_smtp_says_where_the_emails_are(db_path):
    chipwatch(db_path, "watch", "add", "hw", "--query", "华为", "--to", "a@example.com", "--backfill")
    result = chipwatch(db_path, "alerts", "send")
    assert result.returncode == 0
    outbox = db_path.parent / "chipwatch.outbox"
    assert f"wrote 1 .eml files into {outbox}" in result.stdout
    assert len(list(outbox.glob("*.eml"))) == 1


def test_dry_run_and_busy_lock(db_path):
    chipwatch(db_path, "watch", "add", "hw", "--query", "华为", "--to", "a@example.com", "--backfill")
    dry = chipwatch(db_path, "alerts", "send", "--dry-run")
    assert dry.stdout == "watch hw to a@example.com: 1 match, would send now\n"
    with run_lock(db_path):
        busy = chipwatch(db_path, "alerts", "send")
    assert busy.returncode == 3 and "in progress" in busy.stderr


def test_bad_smtp_settings_are_one_line(db_path):
    chipwatch(db_path, "watch", "add", "hw", "--query", "华为", "--to", "a@example.com", "--backfill")
    result = chipwatch(db_path, "alerts", "send", env={"CHIPWATCH_SMTP_HOST": "127.0.0.1", "CHIPWATCH_SMTP_TLS": "maybe"})
    assert result.returncode == 1 and result.stderr == "Error: CHIPWATCH_SMTP_TLS: 'maybe': use one of starttls, ssl, none\n"


def test_no_watches(db_path):
    result = chipwatch(db_path, "alerts", "send")
    assert result.returncode == 0 and "no watches" in result.stderr
