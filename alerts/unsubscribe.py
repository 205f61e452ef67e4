"""Unsubscribing without an account: a signed token per (watch, recipient) in every alert.

The token names the watch and the address and carries an HMAC-SHA256 over both with a key that
lives only in the alerts database (made by its migration m002), so nobody can forge a link that
unsubscribes someone else, and no table of issued tokens is needed. It is used three ways:
RFC 8058 one-click (the mail program POSTs `List-Unsubscribe=One-Click` to `chipwatch serve`'s
`/-/unsubscribe`), the same page opened in a browser (GET shows a button, so a link scanner that
follows every URL unsubscribes nobody), and `chipwatch alerts unsubscribe TOKEN` for an operator
who received the `mailto:` request when no base URL is configured.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote

from sqlite_utils import Database

from alerts.store import now_iso

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{2,400}\.[A-Za-z0-9_-]{22}$")
VIAS = ("one-click", "web", "cli")


class TokenError(ValueError):
    """A token that is malformed or not signed by this alerts database."""


@dataclass(frozen=True)
class Unsubscribed:
    watch: str
    address: str
    already: bool  # the address had already left the watch (a second click)


def _key(adb: Database) -> bytes:
    return adb.execute("SELECT value FROM settings WHERE name = 'unsubscribe_key'").fetchone()[0].encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest()[:16])


def make_token(adb: Database, watch_id: int, address: str) -> str:
    """`<watch id and address, base64url>.<MAC>`: URL-safe, header-safe (letters, digits, - _ .)."""
    payload = _b64(f"{watch_id}\n{address}".encode())
    return f"{payload}.{_mac(_key(adb), payload)}"


def read_token(adb: Database, token: str) -> tuple[int, str]:
    """The (watch id, address) a token names, or TokenError."""
    token = (token or "").strip()
    if not _TOKEN_RE.match(token):
        raise TokenError("not an unsubscribe token")
    payload, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(_key(adb), payload)):
        raise TokenError("this unsubscribe link was not issued by this chipwatch (or the alerts database was re-created)")
    try:
        watch_id, address = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().split("\n", 1)
        return int(watch_id), address
    except ValueError:
        raise TokenError("not an unsubscribe token") from None


def unsubscribe(adb: Database, watch_id: int, address: str, via: str, now: dt.datetime | None = None) -> Unsubscribed:
    """Remove the address from the watch and drop its pending alerts; recorded in `unsubscribes`. Idempotent."""
    row = adb.execute("SELECT name FROM watches WHERE id = ?", [watch_id]).fetchone()
    done = adb.execute("SELECT watch_name FROM unsubscribes WHERE watch_id = ? AND address = ?", [watch_id, address]).fetchone()
    if row is None:  # the watch was removed since: nothing is sent to anyone any more
        return Unsubscribed(done[0] if done else f"#{watch_id}", address, already=True)
    with adb.conn:
        removed = adb.execute("DELETE FROM recipients WHERE watch_id = ? AND address = ?", [watch_id, address]).rowcount
        adb.execute("DELETE FROM outbox WHERE watch_id = ? AND address = ? AND status = 'pending'", [watch_id, address])
        if removed:
            adb.execute(
                "INSERT OR REPLACE INTO unsubscribes (watch_id, watch_name, address, at, via) VALUES (?, ?, ?, ?, ?)",
                [watch_id, row[0], address, now_iso(now), via],
            )
    return Unsubscribed(row[0], address, already=not removed)


def unsubscribe_token(adb: Database, token: str, via: str, now: dt.datetime | None = None) -> Unsubscribed:
    watch_id, address = read_token(adb, token)
    return unsubscribe(adb, watch_id, address, via, now)


def unsubscribe_address(adb: Database, address: str, watch_name: str | None = None, now: dt.datetime | None = None) -> list[Unsubscribed]:
    """Remove an address (bare `a@b`, matching `Name <a@b>` too) from every watch, or from one."""
    bare = address.strip().lower()
    found = []
    for watch_id, stored, name in adb.execute(
        "SELECT r.watch_id, r.address, w.name FROM recipients r JOIN watches w ON w.id = r.watch_id ORDER BY w.name"
    ).fetchall():
        if watch_name is not None and name != watch_name:
            continue
        if stored.lower() == bare or stored.lower().endswith(f"<{bare}>"):
            found.append(unsubscribe(adb, watch_id, stored, "cli", now))
    return found


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/-/unsubscribe?t={quote(token)}"


def unsubscribe_mailto(mail_from: str, token: str) -> str:
    """mailto: the sender, subject `unsubscribe TOKEN`: what `chipwatch alerts unsubscribe` takes."""
    return f"mailto:{mail_from}?subject={quote('unsubscribe ' + token)}"
