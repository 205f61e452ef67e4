"""Alerts people act on: the subject names the event, Chinese headlines get a gloss, links lead to
chipwatch, and unsubscribing works for the recipient (RFC 8058 one-click through Datasette, mailto
otherwise), all through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from datasette.app import Datasette

from alerts.deliver import ConfigError
from alerts.send import send_alerts
from alerts.store import alerts_db_path, open_alerts_db
from alerts.summary import EventFacts, english_amount, event_phrase, most_important
from alerts.watches import add_watch, check_watch
from chipwatch.cli import cli
from chipwatch.serve import DATASETTE_DIR
from db.store import open_db

NOW = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.timezone.utc)
BASE = "https://chipwatch.example.org"


def _watch(db_path, to="analyst@example.com, Boss <boss@example.com>"):
    db, adb = open_db(db_path), open_alerts_db(db_path)
    add_watch(adb, db, check_watch("huawei", "华为 OR Huawei", to=to))
    db.close()
    adb.close()


def _listing(db_path, store):
    """A Chinese Entity List story with its stored event and a listed entity, and an English purchase story."""
    zh_id, en_id = store(db_path, [
        ("https://z.example/1", "zh", "2026-11-27T09:30:00+08:00", "美国将23家中国实体列入实体清单 华为关联公司在列", "美国商务部将23家中国实体列入实体清单，其中包括华为的关联公司。"),
        ("https://e.example/2", "en", "2026-11-27T12:00:00+00:00", "Huawei orders more chips", "Huawei ordered more Ascend chips this month."),
    ])  # fmt: skip
    db = open_db(db_path)
    db["entities"].insert({"id": "org:huawei", "name": "Huawei", "kind": "org"}, replace=True)
    db["mentions"].insert({"article_id": zh_id, "start_char": 30, "end_char": 32, "text": "华为", "label": "ORG", "entity_id": "org:huawei", "name": "Huawei",
                           "listed": 1, "lists": json.dumps([{"list": "Entity List (EL)"}])})  # fmt: skip
    db["events"].insert_all([
        {"article_id": zh_id, "type": "entity_listing", "evidence": "美国商务部将23家中国实体列入实体清单，其中包括华为的关联公司。", "start_char": 0, "end_char": 31,
         "confidence": 0.8, "actors": '["US Department of Commerce"]', "targets": '["Huawei"]', "products": "[]", "amount": "23家中国实体"},
        {"article_id": en_id, "type": "chip_procurement", "evidence": "Huawei ordered more Ascend chips this month.", "start_char": 0, "end_char": 44,
         "confidence": 0.99, "actors": "[]", "targets": '["Huawei"]', "products": '["Huawei Ascend 910C"]'},
    ])  # fmt: skip
    db.conn.commit()
    db.close()
    return zh_id, en_id


def _datasette(db_path):
    return Datasette([str(db_path)], plugins_dir=str(DATASETTE_DIR / "plugins"), settings={"default_page_size": 50})


def _request(db_path, method, path, data=None):
    async def go():
        client = _datasette(db_path).client
        return await (client.post(path, data=data) if method == "POST" else client.get(path))

    return asyncio.run(go())


def test_subject_gloss_links_and_one_click_unsubscribe(db_path, smtp, store):
    _watch(db_path)
    zh_id, _ = _listing(db_path, store)
    env = smtp.env | {"CHIPWATCH_BASE_URL": BASE + "/"}
    assert send_alerts(db_path, env=env, now=NOW).emails == 2
    mail = next(m for m in smtp.received if m.rcpt_tos == ["analyst@example.com"])
    message = mail.message
    assert message["Subject"] == "Entity List: 23 Chinese entities added — 2 new matches (huawei)"  # the listing outranks a purchase
    url, mailto = [part.strip("<> ") for part in message["List-Unsubscribe"].split(",")]
    assert url.startswith(f"{BASE}/-/unsubscribe?t=") and mailto.startswith("mailto:chipwatch@example.org?subject=unsubscribe%20")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    assert "   [Entity List: 23 Chinese entities added; about Huawei]" in text  # the Chinese headline's gloss
    assert f"In chipwatch: {BASE}/chipwatch/articles/{zh_id}" in text
    assert f"Unsubscribe from this watch: {url}" in text
    assert f'href="{BASE}/chipwatch/articles/{zh_id}"' in message.get_body(("html",)).get_content()
    print(mail.data.decode())  # pytest -s shows the email as received

    path = urlsplit(url).path + "?" + urlsplit(url).query
    page = _request(db_path, "GET", path)  # a link scanner's fetch: a page with a button, nothing done
    assert page.status_code == 200 and "analyst@example.com" in page.text and "<form method=\"post\"" in page.text
    adb = open_alerts_db(db_path)
    assert adb.execute("SELECT count(*) FROM recipients").fetchone()[0] == 2
    adb.close()
    done = _request(db_path, "POST", path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058, no cookie, no CSRF token
    assert done.status_code == 200 and "is unsubscribed from the watch" in done.text
    assert "already" in _request(db_path, "POST", path, data={"List-Unsubscribe": "One-Click"}).text
    adb = open_alerts_db(db_path)
    assert [r[0] for r in adb.execute("SELECT address FROM recipients")] == ["Boss <boss@example.com>"]
    assert adb.execute("SELECT address, via FROM unsubscribes").fetchall() == [("analyst@example.com", "one-click")]
    adb.close()
    store(db_path, [("https://e.example/3", "en", "2026-11-28T00:00:00+00:00", "Huawei again", "Huawei said more.")])
    send_alerts(db_path, env=env, now=NOW + dt.timedelta(hours=1))
    assert [m.rcpt_tos for m in smtp.received[2:]] == [["boss@example.com"]]  # only the one who stayed


def test_a_forged_or_altered_token_unsubscribes_nobody(db_path, smtp, store):
    _watch(db_path)
    _listing(db_path, store)
    send_alerts(db_path, env=smtp.env | {"CHIPWATCH_BASE_URL": BASE}, now=NOW)
    url = smtp.received[0].message["List-Unsubscribe"].split(",")[0].strip("<> ")
    token = parse_qs(urlsplit(url).query)["t"][0]
    payload, mac = token.split(".")
    other = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    for bad in (f"{other}.{mac}", f"{payload}.{'A' * 22}", "nonsense", ""):
        reply = _request(db_path, "POST", "/-/unsubscribe", data={"t": bad, "List-Unsubscribe": "One-Click"})
        assert reply.status_code == 400
    adb = open_alerts_db(db_path)
    assert adb.execute("SELECT count(*) FROM recipients").fetchone()[0] == 2
    adb.close()


def test_without_base_url_mailto_and_the_cli(db_path, smtp, store):
    _watch(db_path)
    _listing(db_path, store)
    send_alerts(db_path, env=smtp.env, now=NOW)
    message = smtp.received[0].message
    assert "List-Unsubscribe-Post" not in message and "/articles/" not in message.get_body(("plain",)).get_content()
    [mailto] = [part.strip("<> ") for part in message["List-Unsubscribe"].split(",")]
    subject = parse_qs(urlsplit(mailto).query)["subject"][0]  # what the operator receives
    assert f'with the subject "{subject}"' in message.get_body(("plain",)).get_content()
    runner = CliRunner()
    result = runner.invoke(cli, ["alerts", "unsubscribe", "--db", str(db_path), subject])
    assert result.exit_code == 0, result.output
    assert "unsubscribed from watch huawei" in result.output
    result = runner.invoke(cli, ["alerts", "unsubscribe", "--db", str(db_path), "boss@example.com", "--watch", "huawei"])
    assert result.exit_code == 0 and "Boss <boss@example.com>: unsubscribed" in result.output
    assert runner.invoke(cli, ["alerts", "unsubscribe", "--db", str(db_path), "nobody@example.com"]).exit_code == 1
    adb = open_alerts_db(db_path)
    assert adb.execute("SELECT count(*) FROM recipients").fetchone()[0] == 0
    assert adb.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0] == 0
    adb.close()
    assert alerts_db_path(db_path).exists()


@pytest.mark.parametrize("url", ["https://x.example/\r\nBcc: a@evil.example", "javascript:alert(1)", "https://x.example/a b", "ftp://x.example"])
def test_a_bad_base_url_is_refused_before_sending(db_path, smtp, url):
    _watch(db_path)
    with pytest.raises(ConfigError, match="CHIPWATCH_BASE_URL"):
        send_alerts(db_path, env=smtp.env | {"CHIPWATCH_BASE_URL": url}, now=NOW)
    assert smtp.received == []


def test_an_encoded_newline_in_a_headline_stays_in_the_subject(db_path, smtp, store):
    """CVE-2024-6923: Python 3.11's email lets an encoded-word newline fold into a new header."""
    _watch(db_path, to="analyst@example.com")
    store(db_path, [("https://evil.example/9", "en", "2026-11-27", "Huawei =?utf-8?q?=0D=0A?=Bcc: spy@evil.example", "Huawei news.")])
    send_alerts(db_path, env=smtp.env | {"CHIPWATCH_BASE_URL": BASE}, now=NOW)
    [mail] = smtp.received
    head = mail.data.split(b"\r\n\r\n", 1)[0]
    assert mail.rcpt_tos == ["analyst@example.com"] and b"\nBcc" not in head
    assert mail.message["Subject"] == "Huawei Bcc: spy@evil.example — 1 new match (huawei)"


def test_importance_and_phrases():
    listing = EventFacts("entity_listing", amount="23家中國實體", confidence=0.5)
    purchase = EventFacts("chip_procurement", confidence=0.99, listed=True)
    restriction = EventFacts("export_restriction", actors=["China Ministry of Commerce"], products=["Gallium", "镓"], confidence=0.9)
    assert most_important([purchase, restriction, listing]) is listing
    assert most_important([EventFacts("enforcement", confidence=0.9), EventFacts("enforcement", listed=True, confidence=0.1)]).listed
    assert event_phrase(listing) == "Entity List: 23 Chinese entities added"
    assert event_phrase(restriction) == "Export controls: China Ministry of Commerce on Gallium"
    assert event_phrase(EventFacts("circumvention", targets=["China"], products=["Nvidia H100"], mechanism="cloud_rental")) == (
        "Circumvention: cloud rental, Nvidia H100, to China"
    )
    assert english_amount("$12 billion") == "$12 billion" and english_amount("数千颗") is None


def test_the_page_through_chipwatch_serve_and_chromium(db_path, smtp, store, tmp_path):
    """The real `chipwatch serve` (read-only Datasette, its settings and plugins): the confirm page
    renders in headless Chromium, and a mail program's one-click POST over HTTP unsubscribes."""
    import os
    import re
    import shutil
    import subprocess
    import sys
    import threading
    import time
    import urllib.request
    from pathlib import Path

    _watch(db_path)
    _listing(db_path, store)
    process = subprocess.Popen([sys.executable, "-m", "chipwatch.cli", "serve", "--db", str(db_path), "--port", "0"],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        base, deadline = None, time.monotonic() + 60
        while base is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if match := re.search(r"running on (http://127\.0\.0\.1:\d+)", line):
                base = match.group(1)
            elif not line and process.poll() is not None:
                break
        assert base, "Datasette did not start"
        threading.Thread(target=process.stderr.read, daemon=True).start()
        send_alerts(db_path, env=smtp.env | {"CHIPWATCH_BASE_URL": base}, now=NOW)
        message = next(m.message for m in smtp.received if m.rcpt_tos == ["analyst@example.com"])
        url = message["List-Unsubscribe"].split(",")[0].strip("<> ")
        assert url.startswith(f"{base}/-/unsubscribe?t=")
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200 and "Stop the alert emails of the watch" in page.read().decode()
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None and os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        if chromium is not None:
            flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
            dom = subprocess.run([chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=90).stdout
            assert "analyst@example.com" in dom and "<button" in dom and "Unsubscribe" in dom
            artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
            artifacts.mkdir(exist_ok=True)
            shot = artifacts / "unsubscribe.png"
            shot.unlink(missing_ok=True)
            subprocess.run([chromium, *flags, f"--screenshot={shot}", "--window-size=900,500", url], capture_output=True, timeout=90)
            assert shot.exists() and shot.stat().st_size > 5_000
        one_click = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST",
                                           headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        with urllib.request.urlopen(one_click, timeout=30) as done:
            assert done.status == 200 and "is unsubscribed from the watch" in done.read().decode()
        adb = open_alerts_db(db_path)
        assert [r[0] for r in adb.execute("SELECT address FROM recipients")] == ["Boss <boss@example.com>"]
        adb.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    if chromium is None:
        pytest.skip("chromium is not installed: the page was fetched and the POST made, not rendered")
