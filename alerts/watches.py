"""Watches: saved searches with their recipients. Validation gives one line per problem."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from alerts.store import now_iso
from core.vocab import LANGS
from db.search import SearchError, parse_query
from core.vocab import check_event_type

DIGESTS = ("daily", "weekly")
MAX_RECIPIENTS = 50
_NAME_RE = re.compile(r"^[\w][\w.-]{0,63}$")
# a plain addr-spec: no spaces, quotes, brackets, commas or controls; a domain of dot-separated labels
_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_NAMED_RE = re.compile(r"^(.*?)\s*<([^<>\s]+)>$")  # Name <addr>
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


class WatchError(ValueError):
    """Bad watch input or an unknown watch, with a message worth one line to the user."""


@dataclass
class Watch:
    id: int
    name: str
    query: str
    lang: str | None
    entity_id: str | None
    event: str | None
    listed_only: bool
    digest: str | None
    created_at: str
    last_article_id: int
    recipients: list[str] = field(default_factory=list)

    @property
    def has_filter(self) -> bool:
        """Whether matching depends on the NLP stages (mentions, events), not only on words."""
        return bool(self.entity_id or self.event or self.listed_only)

    def describe(self) -> str:
        """The watch as search options, e.g. `华为 --lang zh --event entity_listing`."""
        parts = [self.query] if self.query else []
        parts += [f"--lang {self.lang}"] if self.lang else []
        parts += [f"--entity {self.entity_id}"] if self.entity_id else []
        parts += [f"--event {self.event}"] if self.event else []
        parts += ["--listed-only"] if self.listed_only else []
        return " ".join(parts)


def check_address(text: str) -> str:
    """An email address (optionally `Name <addr>`) as stored, or WatchError naming what is wrong."""
    raw = text.strip()
    if not raw:
        raise WatchError("an empty email address")
    if any(ord(c) < 32 or ord(c) == 127 or c in "\u2028\u2029\x85" for c in raw):
        raise WatchError(f"not an email address: {raw!r} (it contains a control character)")
    match = _NAMED_RE.match(raw)
    name, address = (match.group(1).strip().strip('"').strip(), match.group(2)) if match else ("", raw)
    local, at, domain = address.rpartition("@")
    if not at or not _LOCAL_RE.match(local) or local.startswith(".") or local.endswith(".") or ".." in local or not _DOMAIN_RE.match(domain):
        raise WatchError(f"not an email address: {raw!r} (expected name@example.com)")
    if any(c in name for c in '<>"@,;\\'):
        raise WatchError(f"not an email address: {raw!r} (a display name cannot hold < > \" @ , ;)")
    return f"{name} <{address}>" if name else address


def check_addresses(text: str | list[str] | tuple[str, ...]) -> list[str]:
    """Comma-separated addresses (or a list of such strings) → checked, without repeats, in order."""
    items = [text] if isinstance(text, str) else list(text)
    addresses: list[str] = []
    for item in items:
        for part in item.split(","):
            if part.strip():
                address = check_address(part)
                if address.lower() not in (a.lower() for a in addresses):
                    addresses.append(address)
    if not addresses:
        raise WatchError("give at least one address with --to (name@example.com, comma-separated for several)")
    if len(addresses) > MAX_RECIPIENTS:
        raise WatchError(f"{len(addresses)} addresses: at most {MAX_RECIPIENTS} per watch")
    return addresses


def _refused_as_watch_error(check: Callable[[str], Any], value: str, refusal: type[Exception], prefix: str = "") -> Any:
    """check(value), with its one-line refusal raised as a WatchError."""
    try:
        return check(value)
    except refusal as exc:
        raise WatchError(f"{prefix}{exc}") from None


def check_watch(
    name: str,
    query: str | None,
    *,
    lang: str | None = None,
    entity: str | None = None,
    event: str | None = None,
    listed_only: bool = False,
    to: str | list[str] | tuple[str, ...] = (),
    digest: str | None = None,
    resolve_entity: Callable[[str], str] | None = None,
) -> dict:
    """Validate a new watch's options; returns the columns to store, or raises WatchError.

    `resolve_entity` turns an --entity name or id into the knowledge base's id (the CLI passes the
    knowledge base's resolver; this stage knows no NLP), raising LookupError for an unknown one.
    """
    name = (name or "").strip()
    if not _NAME_RE.match(name):
        raise WatchError(f"bad watch name {name!r}: use letters, digits, '.', '-' or '_' (at most 64, no spaces)")
    query = " ".join((query or "").split())
    event_type = _refused_as_watch_error(check_event_type, event, ValueError) if event else None
    if entity and resolve_entity is None:
        raise TypeError("check_watch needs resolve_entity to check an entity")
    entity_id = _refused_as_watch_error(resolve_entity, entity, LookupError) if entity and resolve_entity else None
    if not query and not (entity_id or event_type or listed_only):
        raise WatchError("an empty query needs a filter: give --query, or --entity, --event or --listed-only")
    if query:
        _refused_as_watch_error(parse_query, query, SearchError, prefix="--query: ")
    if lang is not None:
        matching = [code for code in LANGS if code.lower() == lang.strip().lower()]
        if not matching:
            raise WatchError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
        lang = matching[0]
    if digest is not None:
        digest = digest.strip().lower()
        if digest in ("", "immediate", "none"):
            digest = None
        elif digest not in DIGESTS:
            raise WatchError(f"unknown digest {digest!r}: use daily or weekly (or leave it out for one email per run)")
    return {
        "name": name,
        "query": query,
        "lang": lang,
        "entity_id": entity_id,
        "event": event_type,
        "listed_only": int(bool(listed_only)),
        "digest": digest,
        "recipients": check_addresses(to),
    }


def add_watch(adb: Database, db: Database, fields: dict, *, backfill: bool = False, now: dt.datetime | None = None) -> Watch:
    """Store a checked watch (see check_watch). It matches articles stored from now on, or all with backfill."""
    if get_watch(adb, fields["name"], missing_ok=True):
        raise WatchError(f"a watch named {fields['name']!r} exists: remove it first or pick another name")
    last_id = 0 if backfill else db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    row = {k: v for k, v in fields.items() if k != "recipients"}
    with adb.conn:
        cursor = adb.execute(
            f"INSERT INTO watches ({', '.join(row)}, created_at, last_article_id) VALUES ({', '.join('?' * len(row))}, ?, ?)",
            [*row.values(), now_iso(now), last_id],
        )
        watch_id = cursor.lastrowid
        adb.conn.executemany("INSERT INTO recipients (watch_id, address) VALUES (?, ?)", [(watch_id, a) for a in fields["recipients"]])
    return get_watch(adb, fields["name"])


_COLUMNS = "id, name, query, lang, entity_id, event, listed_only, digest, created_at, last_article_id"


def _watch(adb: Database, row: tuple) -> Watch:
    watch = Watch(*row[:6], bool(row[6]), *row[7:])
    watch.recipients = [r[0] for r in adb.execute("SELECT address FROM recipients WHERE watch_id = ? ORDER BY rowid", [watch.id])]
    return watch


def get_watch(adb: Database, name: str, missing_ok: bool = False) -> Watch | None:
    row = adb.execute(f"SELECT {_COLUMNS} FROM watches WHERE name = ?", [name]).fetchone()
    if row is None:
        if missing_ok:
            return None
        known = [r[0] for r in adb.execute("SELECT name FROM watches ORDER BY name")]
        raise WatchError(f"no watch named {name!r}" + (f" (watches: {', '.join(known)})" if known else " (there are no watches)"))
    return _watch(adb, row)


def list_watches(adb: Database) -> list[Watch]:
    return [_watch(adb, row) for row in adb.execute(f"SELECT {_COLUMNS} FROM watches ORDER BY name").fetchall()]


def remove_watch(adb: Database, name: str) -> Watch:
    """Delete a watch, its recipients and its outbox rows (pending alerts are not sent)."""
    watch = get_watch(adb, name)
    with adb.conn:
        adb.execute("DELETE FROM outbox WHERE watch_id = ?", [watch.id])
        adb.execute("DELETE FROM recipients WHERE watch_id = ?", [watch.id])
        adb.execute("DELETE FROM watches WHERE id = ?", [watch.id])
    return watch


def outbox_counts(adb: Database, watch_id: int) -> dict[str, int]:
    """Outbox rows of a watch by status."""
    counts = dict.fromkeys(("pending", "sent", "failed"), 0)
    counts.update(dict(adb.execute("SELECT status, count(*) FROM outbox WHERE watch_id = ? GROUP BY status", [watch_id]).fetchall()))
    return counts
