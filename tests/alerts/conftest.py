"""A real SMTP server (aiosmtpd) on 127.0.0.1 whose replies a test can script, and a database with articles."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from db.store import ArticleRecord, open_db, save_articles


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self):
        return message_from_bytes(self.data, policy=default)


@dataclass
class ScriptedHandler:
    """Accepts mail, unless a scripted reply is queued: a reply line for RCPT or DATA, or "drop" to hang up."""

    received: list[Received] = field(default_factory=list)
    rcpt_replies: list[str] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            reply = self.data_replies.pop(0)
            if reply == "drop":  # the connection is lost after the message was sent, before any reply
                server.transport.close()
                return "421 closing"
            return reply
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    handler = ScriptedHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.env = {
        "CHIPWATCH_SMTP_HOST": "127.0.0.1",
        "CHIPWATCH_SMTP_PORT": str(controller.port),
        "CHIPWATCH_SMTP_TLS": "none",
        "CHIPWATCH_MAIL_FROM": "chipwatch@example.org",
        "CHIPWATCH_SMTP_TIMEOUT": "5",
    }
    yield handler
    controller.stop()


@pytest.fixture
def silent_server():
    """Accepts TCP connections and never says a word: an SMTP client must time out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


ARTICLES = [
    ("https://a.example/zh/1", "zh", "2026-11-20T08:00:00+08:00", "华为昇腾芯片订单增加", "多家企业追加采购华为昇腾910C芯片，订单总量上升。"),
    ("https://b.example/en/2", "en", "2026-11-21T09:00:00+00:00", "Commerce adds Huawei affiliates to Entity List", "The Commerce Department added Huawei affiliates to the Entity List on Friday."),
    ("https://c.example/en/3", "en", "2026-11-22T10:00:00+00:00", "TSMC reports record revenue", "TSMC reported record quarterly revenue on strong AI demand."),
]


def add_articles(db_path, rows):
    """Store articles (url, lang, published_at, title, text); returns their ids."""
    db = open_db(db_path)
    result = save_articles(db, [ArticleRecord(url=u, lang=l, published_at=d, title=t, text=x, source=u.split("/")[2]) for u, l, d, t, x in rows])
    db.close()
    return result.stored


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "chipwatch.db"
    add_articles(path, ARTICLES)
    return path


@pytest.fixture
def store():
    """store(db_path, rows) adds articles (url, lang, published_at, title, text) and returns their ids."""
    return add_articles


@pytest.fixture
def closed_port():
    """A local port nothing listens on: connections are refused."""
    return free_port()
