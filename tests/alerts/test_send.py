"""Delivery against a real SMTP server on 127.0.0.1: once, retried, failed, never lost, never injected."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import alerts.send
from alerts.outbox import retry_delay
from alerts.send import send_alerts
from alerts.store import open_alerts_db
from alerts.watches import add_watch, check_watch
from db.store import open_db

NOW = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.timezone.utc)
ANALYST = "analyst@example.com"


def add(db_path, name="huawei", query="华为 OR Huawei", to=ANALYST, backfill=False, **options):
    db, adb = open_db(db_path), open_alerts_db(db_path)
    watch = add_watch(adb, db, check_watch(name, query, to=to, **options), backfill=backfill)
    db.close()
    adb.close()
    return watch


def outbox(db_path):
    adb = open_alerts_db(db_path)
    rows = [dict(zip(("article_id", "address", "status", "attempts"), r)) for r in adb.execute("SELECT article_id, address, status, attempts FROM outbox ORDER BY id")]
    adb.close()
    return rows


def test_delivery_of_new_matches_only(db_path, smtp, store):
    add(db_path)  # the three stored articles are the backlog: not mailed
    report = send_alerts(db_path, env=smtp.env, now=NOW)
    assert (report.new_matches, report.emails, smtp.received) == (0, 0, [])
    store(db_path, [("https://d.example/zh/4", "zh", "2026-11-27T08:00:00+08:00", "華為新款晶片", "華為發布新款AI晶片，採用國產製程。")])
    report = send_alerts(db_path, env=smtp.env, now=NOW)
    assert (report.new_matches, report.emails, report.problems) == (1, 1, [])
    [mail] = smtp.received
    assert mail.rcpt_tos == [ANALYST]
    message = mail.message
    assert message["Subject"] == "華為新款晶片 — 1 new match (huawei)"  # no event stored: the headline leads
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "«華為»發布新款AI晶片" in text  # a Simplified query marks the Traditional words
    assert "<mark>華為</mark>" in html
    for part in (text, html):
        assert "d.example" in part and "2026-11-27" in part and "zh" in part and "https://d.example/zh/4" in part
    assert outbox(db_path) == [{"article_id": 4, "address": ANALYST, "status": "sent", "attempts": 0}]


def test_a_rerun_sends_nothing_new(db_path, smtp, store):
    add(db_path, backfill=True)
    first = send_alerts(db_path, env=smtp.env, now=NOW)
    assert (first.new_matches, first.emails, first.matches_sent) == (2, 1, 2)
    again = send_alerts(db_path, env=smtp.env, now=NOW)
    assert (again.new_matches, again.emails) == (0, 0)
    store(db_path, [("https://e.example/en/5", "en", "2026-11-27T10:00:00+00:00", "Huawei again", "Huawei said something new.")])
    third = send_alerts(db_path, env=smtp.env, now=NOW)
    assert (third.new_matches, third.emails) == (1, 1)
    assert len(smtp.received) == 2
    assert "1 new match" in smtp.received[1].message["Subject"]  # only the new article


def test_one_email_per_recipient(db_path, smtp):
    add(db_path, to="a@example.com, 张三 <z@example.cn>", backfill=True)
    report = send_alerts(db_path, env=smtp.env, now=NOW)
    assert report.emails == 2
    assert sorted(m.rcpt_tos[0] for m in smtp.received) == ["a@example.com", "z@example.cn"]
    assert str(smtp.received[1].message["To"]) == "张三 <z@example.cn>"


def test_a_4xx_then_success(db_path, smtp):
    add(db_path, backfill=True)
    smtp.rcpt_replies.append("451 4.7.1 Greylisted, try again later")
    first = send_alerts(db_path, env=smtp.env, now=NOW)
    assert (first.emails, first.failed, first.problems) == (0, 0, [])  # not a problem yet: it will be retried
    assert "451" in first.deferred[0]
    assert {r["status"] for r in outbox(db_path)} == {"pending"}
    second = send_alerts(db_path, env=smtp.env, now=NOW + dt.timedelta(seconds=1))  # the first retry is on the next run
    assert (second.emails, second.matches_sent) == (1, 2)
    assert len(smtp.received) == 1
    assert {r["status"] for r in outbox(db_path)} == {"sent"}


def test_retries_back_off(db_path, smtp):
    add(db_path, backfill=True)
    smtp.data_replies += ["421 4.3.2 busy", "452 4.3.1 out of space"]
    send_alerts(db_path, env=smtp.env, now=NOW)
    send_alerts(db_path, env=smtp.env, now=NOW + dt.timedelta(minutes=1))  # second failure: wait 5 minutes
    waiting = send_alerts(db_path, env=smtp.env, now=NOW + dt.timedelta(minutes=3))
    assert (waiting.emails, len(waiting.waiting)) == (0, 1)
    done = send_alerts(db_path, env=smtp.env, now=NOW + dt.timedelta(minutes=7))
    assert done.emails == 1
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 20)] == [0, 300, 600, 1200, 6 * 3600]


def test_a_5xx_fails_and_is_reported(db_path, smtp):
    add(db_path, backfill=True)
    smtp.rcpt_replies.append("550 5.1.1 No such user")
    report = send_alerts(db_path, env=smtp.env, now=NOW)
    assert report.failed == 1
    assert len(report.problems) == 1 and "550" in report.problems[0] and "permanent" in report.problems[0]
    assert {r["status"] for r in outbox(db_path)} == {"failed"}
    again = send_alerts(db_path, env=smtp.env, now=NOW + dt.timedelta(hours=1))
    assert (again.emails, again.problems, smtp.received) == (0, [], [])  # not retried, not reported twice


def test_a_5xx_to_the_message_data(db_path, smtp):
    add(db_path, backfill=True)
    smtp.data_replies.append("554 5.6.0 Message rejected")
    report = send_alerts(db_path, env=smtp.env, now=NOW)
    assert report.failed == 1 and "554" in report.problems[0]


def test_a_dropped_connection_is_retried(db_path, smtp):
    add(db_path, backfill=True)
    add(db_path, name="tsmc", query="TSMC", backfill=True)
    smtp.data_replies.append("drop")
    first = send_alerts(db_path, env=smtp.env, now=NOW)
    assert (first.emails, len(first.deferred), first.problems) == (1, 1, [])  # the next email goes on a new connection
    second = send_alerts(db_path, env=smtp.env, now=NOW + dt.timedelta(seconds=1))
    assert second.emails == 1
    assert sorted(m.message["Subject"].rsplit("(", 1)[1].rstrip(")") for m in smtp.received) == ["huawei", "tsmc"]
    assert {r["status"] for r in outbox(db_path)} == {"sent"}


def test_a_refused_connection_leaves_everything_pending(db_path, smtp, closed_port):
    add(db_path, backfill=True)
    add(db_path, name="tsmc", query="TSMC", backfill=True)
    env = {**smtp.env, "CHIPWATCH_SMTP_PORT": str(closed_port)}
    report = send_alerts(db_path, env=env, now=NOW)
    assert (report.emails, len(report.deferred), report.problems) == (0, 2, [])
    assert "cannot connect" in report.deferred[0]
    assert {r["status"] for r in outbox(db_path)} == {"pending"}
    assert send_alerts(db_path, env=smtp.env, now=NOW + dt.timedelta(seconds=1)).emails == 2


def test_a_timeout_is_temporary(db_path, silent_server):
    add(db_path, backfill=True)
    env = {"CHIPWATCH_SMTP_HOST": "127.0.0.1", "CHIPWATCH_SMTP_PORT": str(silent_server), "CHIPWATCH_SMTP_TIMEOUT": "0.5"}
    report = send_alerts(db_path, env=env, now=NOW)
    assert "timed out" in report.deferred[0]
    assert {r["status"] for r in outbox(db_path)} == {"pending"}


def test_repeated_temporary_failures_are_reported_then_given_up(db_path, smtp, closed_port):
    add(db_path, backfill=True)
    env = {**smtp.env, "CHIPWATCH_SMTP_PORT": str(closed_port)}
    reports = [send_alerts(db_path, env=env, now=NOW + dt.timedelta(hours=7 * n), retry_now=True) for n in range(3)]
    assert [len(r.problems) for r in reports] == [0, 0, 1]  # the third failure in a row needs a person
    last = send_alerts(db_path, env=env, now=NOW + dt.timedelta(days=4))
    assert "gave up" in last.problems[0]
    assert {r["status"] for r in outbox(db_path)} == {"failed"}


def test_a_headline_cannot_inject_headers(db_path, smtp, store):
    add(db_path)
    title = "Huawei =?utf-8?q?=0A?=Bcc: spy@evil.example\r\nX-Injected: yes\n=?UTF-8?B?DQpDYzogc3B5MkBldmlsLmV4YW1wbGU=?="
    store(db_path, [("https://evil.example/1", "en", "2026-11-27", title, "Huawei news with a hostile headline.")])
    report = send_alerts(db_path, env=smtp.env, now=NOW)
    assert report.emails == 1
    [mail] = smtp.received
    assert mail.rcpt_tos == [ANALYST]
    message = mail.message
    assert len(message.get_all("Subject")) == 1
    assert set(message.keys()) == {"Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted", "List-Unsubscribe", "MIME-Version", "Content-Type"}
    subject = str(message["Subject"])
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("Huawei ") and subject.endswith("— 1 new match (huawei)")
    head = mail.data.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc" not in head and b"\nX-Injected" not in head and b"\nCc" not in head


def test_a_crash_between_send_and_mark_sends_again_never_loses(db_path, smtp, monkeypatch):
    add(db_path, backfill=True)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed after the server accepted the message")

    with monkeypatch.context() as patch:
        patch.setattr(alerts.send, "mark_sent", crash)
        with pytest.raises(KeyboardInterrupt):
            send_alerts(db_path, env=smtp.env, now=NOW)
    assert len(smtp.received) == 1
    assert {r["status"] for r in outbox(db_path)} == {"pending"}  # not lost
    again = send_alerts(db_path, env=smtp.env, now=NOW)
    assert again.emails == 1 and len(smtp.received) == 2  # one duplicate
    assert send_alerts(db_path, env=smtp.env, now=NOW).emails == 0
    assert {r["status"] for r in outbox(db_path)} == {"sent"}


def test_daily_digest_once_per_day(db_path, smtp, store):
    add(db_path, digest="daily", backfill=True)
    assert send_alerts(db_path, env=smtp.env, now=NOW).emails == 1
    assert "daily digest" in smtp.received[0].message["Subject"]
    store(db_path, [("https://e.example/en/5", "en", "2026-11-28", "Huawei again", "Huawei said something new.")])
    later = send_alerts(db_path, env=smtp.env, now=NOW + dt.timedelta(hours=5))
    assert (later.new_matches, later.emails) == (1, 0)  # queued for tomorrow's digest
    tomorrow = send_alerts(db_path, env=smtp.env, now=NOW + dt.timedelta(days=1))
    assert tomorrow.emails == 1
    assert "1 new match" in smtp.received[1].message["Subject"]


def test_many_matches_are_capped(db_path, smtp, store):
    add(db_path)
    store(db_path, [(f"https://m.example/{i}", "en", f"2026-11-27T{i % 24:02d}:00:00+00:00", f"Huawei item {i}", f"Huawei story number {i} " + "x" * i) for i in range(25)])
    send_alerts(db_path, env=smtp.env, now=NOW)
    [mail] = smtp.received
    assert "25 new matches" in mail.message["Subject"]
    assert "and 5 more" in mail.message.get_body(("plain",)).get_content()


def test_entities_and_events_are_shown(db_path, smtp, store):
    add(db_path)
    [article_id] = store(db_path, [("https://f.example/1", "en", "2026-11-27", "Huawei and SMIC listed", "Commerce put Huawei and SMIC on the Entity List.")])
    db = open_db(db_path)
    db["entities"].insert_all([{"id": "org:huawei", "name": "Huawei", "kind": "org"}, {"id": "org:smic", "name": "SMIC", "kind": "org"}], replace=True)
    db["mentions"].insert_all([
        {"article_id": article_id, "start_char": 13, "end_char": 19, "text": "Huawei", "label": "ORG", "entity_id": "org:huawei", "name": "Huawei",
         "listed": 1, "lists": json.dumps([{"list": "Entity List (EL)", "name": "Huawei Technologies"}])},
        {"article_id": article_id, "start_char": 24, "end_char": 28, "text": "SMIC", "label": "ORG", "entity_id": "org:smic", "name": "SMIC", "listed": 0, "lists": None},
    ])  # fmt: skip
    db["events"].insert({"article_id": article_id, "type": "entity_listing", "evidence": "Commerce put Huawei and SMIC on the Entity List.",
                         "start_char": 0, "end_char": 48, "confidence": 0.9})  # fmt: skip
    db.conn.commit()
    db.close()
    send_alerts(db_path, env=smtp.env, now=NOW)
    message = smtp.received[0].message
    text = message.get_body(("plain",)).get_content()
    assert "Entities: Huawei [LISTED: Entity List (EL)], SMIC" in text
    assert "Event entity_listing: Commerce put Huawei and SMIC on the Entity List." in text
    assert "listed: Entity List (EL)" in message.get_body(("html",)).get_content()


def test_a_filtered_watch_waits_for_the_nlp_stage(db_path, smtp, store):
    add(db_path, name="listings", query="", event="entity_listing")
    [article_id] = store(db_path, [("https://g.example/1", "en", "2026-11-27", "New listings", "Commerce added firms to the Entity List.")])
    assert send_alerts(db_path, env=smtp.env, now=NOW).new_matches == 0  # not processed yet: the watch waits, it does not skip
    db = open_db(db_path)
    db["article_analysis"].insert_all(
        [{"article_id": i, "pipeline_version": "test", "analyzed_at": "2026-11-28"} for i in range(1, article_id + 1)], replace=True
    )
    db["events"].insert({"article_id": article_id, "type": "entity_listing", "evidence": "Commerce added firms to the Entity List.",
                         "start_char": 0, "end_char": 40, "confidence": 0.8})  # fmt: skip
    db.conn.commit()
    db.close()
    report = send_alerts(db_path, env=smtp.env, now=NOW)
    assert (report.new_matches, report.emails) == (1, 1)


def test_dry_run_changes_nothing(db_path, smtp):
    add(db_path, backfill=True)
    report = send_alerts(db_path, env=smtp.env, now=NOW, dry_run=True)
    assert report.planned == [f"watch huawei to {ANALYST}: 2 matches, would send now"]
    assert (smtp.received, outbox(db_path)) == ([], [])
    assert send_alerts(db_path, env=smtp.env, now=NOW).emails == 1


def test_without_smtp_host_emails_go_to_the_outbox_folder(db_path):
    add(db_path, backfill=True)
    report = send_alerts(db_path, env={}, now=NOW)
    [path] = report.files
    assert path.parent == db_path.parent / "chipwatch.outbox" and path.suffix == ".eml"
    assert report.where == str(path.parent)
    from email import message_from_bytes
    from email.policy import default

    message = message_from_bytes(path.read_bytes(), policy=default)
    assert "华为昇腾芯片订单增加" in message.get_body(("plain",)).get_content()
