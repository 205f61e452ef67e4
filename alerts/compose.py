"""Composing alert emails: multipart plain text and HTML, UTF-8, headers safe from text found on the web."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from sqlite_utils import Database

from db.entities import linked_mentions

from alerts.summary import EventFacts, event_phrase, gloss, most_important
from db.search import MARK_CLOSE, MARK_OPEN

MAX_MATCHES = 20  # per email; the rest is counted ("and 12 more")
MAX_SUBJECT = 140
MAX_ENTITIES = 8
MAX_EVENTS = 3
_ENCODED_WORD_RE = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
# every character that could end a header line somewhere: C0/C1 controls, DEL, Unicode line and paragraph separators
_BREAKS_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class _UrlListHeader(UnstructuredHeader):
    """List-Unsubscribe: `<url>, <mailto:…>`, folded only between its URLs and never as encoded-words.

    The stock policy folds at 78 columns and turns a long unbreakable URL into an RFC 2047
    encoded-word, which no mail program reads as a URL any more. Each URL here is built from
    checked ASCII (no space, no line break), so a line of its own, under RFC 5322's 998, is safe.
    """

    def fold(self, *, policy) -> str:  # type: ignore[override]
        value = _BREAKS_RE.sub("", str(self))
        return f"{self.name}: " + f",{policy.linesep} ".join(value.split(", ")) + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _UrlListHeader)
POLICY = SMTP.clone(header_factory=_HEADERS)


@dataclass
class Entity:
    name: str
    listed: bool = False
    lists: list[str] = field(default_factory=list)


Event = EventFacts  # an event as the email shows it: type, evidence sentence, parties, products


@dataclass
class Links:
    """Where the email points beyond the article itself: chipwatch's own pages and the way out.

    `base_url` (CHIPWATCH_BASE_URL, where `chipwatch serve` is reachable) gives article pages and
    RFC 8058 one-click unsubscribe; without it the unsubscribe is a mailto: to the sender.
    """

    base_url: str | None = None
    database: str = "chipwatch"  # the name Datasette serves the main database under: its file's stem
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    token: str | None = None

    def article(self, article_id: int) -> str | None:
        return f"{self.base_url.rstrip('/')}/{self.database}/articles/{article_id}" if self.base_url else None


@dataclass
class Match:
    """One matched article as the email shows it."""

    article_id: int
    title: str | None
    url: str
    source: str | None
    published_at: str | None
    lang: str | None
    snippet: str | None
    entities: list[Entity] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def gloss(self) -> str | None:
        """An English line under a Chinese headline, from the stored events and entities."""
        if not (self.lang or "").startswith("zh"):
            return None
        return gloss(self.events, [e.name for e in self.entities])


def header_text(text: str | None, max_chars: int = MAX_SUBJECT) -> str:
    """Text safe for one header line: encoded-words decoded first (=?utf-8?q?=0A?= is a newline in
    disguise), then every control or line-break character made a space; at most max_chars.

    Python 3.11's email package does not neutralise these itself (CVE-2024-6923).
    """
    text = text or ""
    for _ in range(3):  # an encoded-word may decode to another one
        decoded = _ENCODED_WORD_RE.sub(_decode_word, text)
        if decoded == text:
            break
        text = decoded
    text = _ENCODED_WORD_RE.sub(" ", text).replace("=?", "= ?")
    text = " ".join(_BREAKS_RE.sub(" ", text).split())
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _decode_word(match: re.Match[str]) -> str:
    try:
        (raw, charset), *_ = decode_header(match.group())
        return raw.decode(charset or "ascii", errors="replace") if isinstance(raw, bytes) else raw
    except (LookupError, ValueError):
        return " "


def one_line(text: str | None) -> str:
    """Collapse whitespace and line breaks (titles, snippets) for the body."""
    return " ".join(_BREAKS_RE.sub(" ", text or "").split())


def subject(watch_name: str, matches: list[Match], digest: str | None) -> str:
    """What happened first, then how much: `Entity List: 23 Chinese entities added — 5 new matches (huawei)`.

    The most important event among the matches names the email (alerts/summary.py); without
    events, the headline of the newest match does. A digest says so after the count.
    """
    noun = "match" if len(matches) == 1 else "matches"
    top = most_important(e for m in matches for e in m.events)
    lead = event_phrase(top) if top is not None else (next((m.title for m in matches if m.title), None) or "")
    tail = f"{len(matches)} new {noun}" + (f", {digest} digest" if digest else "") + f" ({watch_name})"
    lead = header_text(lead, max(20, MAX_SUBJECT - len(tail) - 3)) if lead else ""
    return header_text(f"{lead} — {tail}" if lead else f"chipwatch: {tail}", MAX_SUBJECT + 40)


def compose(
    *,
    watch_name: str,
    watch_description: str,
    digest: str | None,
    matches: list[Match],
    mail_from: str,
    to: str,
    now: dt.datetime,
    links: Links | None = None,
) -> EmailMessage:
    """The alert email for one recipient: the newest MAX_MATCHES matches, then "and N more"."""
    links = links or Links()
    shown, more = matches[:MAX_MATCHES], max(0, len(matches) - MAX_MATCHES)
    message = EmailMessage(policy=POLICY)
    message["Subject"] = subject(watch_name, matches, digest)
    message["From"] = _address(mail_from)
    message["To"] = _address(to)
    message["Date"] = format_datetime(now.astimezone(dt.timezone.utc), usegmt=True)
    message["Message-ID"] = make_msgid("chipwatch", domain=parseaddr(mail_from)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    unsubscribe = [u for u in (links.unsubscribe_url, links.unsubscribe_mailto) if u]
    if unsubscribe:  # RFC 2369; built from checked parts only, and made one line again here
        message["List-Unsubscribe"] = ", ".join(f"<{header_text(u, 2000)}>" for u in unsubscribe)
    if links.unsubscribe_url:  # RFC 8058: a mail program may POST to the URL; no page to read
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text_body(watch_name, watch_description, digest, shown, more, links), charset="utf-8")
    message.add_alternative(html_body(watch_name, watch_description, digest, shown, more, links), subtype="html", charset="utf-8")
    return message


def _address(text: str) -> Address:
    name, addr = parseaddr(text)
    return Address(display_name=header_text(name, 80), addr_spec=addr)


def _heading(watch_name: str, description: str, digest: str | None, count: int) -> str:
    what = f"{digest} digest of" if digest else "alert for"
    return f"chipwatch {what} the watch {watch_name!r} ({description}): {count} new {'match' if count == 1 else 'matches'}"


def _leave_text(watch_name: str, links: Links) -> list[str]:
    """The footer's way out: the one-click page, else a request by mail, else the operator's command."""
    if links.unsubscribe_url:
        return [f"Unsubscribe from this watch: {links.unsubscribe_url}"]
    if links.unsubscribe_mailto:
        to = links.unsubscribe_mailto[len("mailto:"):].split("?")[0]
        return [f'Unsubscribe: send an email to {to} with the subject "unsubscribe {links.token}"']
    return [f"Stop it with: chipwatch watch remove {watch_name}"]


def _entities_text(entities: list[Entity]) -> str:
    return ", ".join(e.name + (f" [LISTED: {', '.join(e.lists) or 'sanctions list'}]" if e.listed else "") for e in entities)


def text_body(watch_name: str, description: str, digest: str | None, matches: list[Match], more: int, links: Links | None = None) -> str:
    links = links or Links()
    lines = [_heading(watch_name, description, digest, len(matches) + more), ""]
    for number, m in enumerate(matches, 1):
        lines.append(f"{number}. {one_line(m.title) or '(no title)'}")
        if m.gloss:
            lines.append(f"   [{one_line(m.gloss)}]")
        lines.append(f"   {m.source or '?'} · {_when(m.published_at)} · {m.lang or '?'}")
        if m.snippet:
            lines.append(f"   {one_line(m.snippet)}")
        if m.entities:
            lines.append(f"   Entities: {_entities_text(m.entities)}")
        for event in m.events:
            lines.append(f"   Event {event.type}: {one_line(event.evidence)}")
        page = links.article(m.article_id)
        if page:
            lines.append(f"   In chipwatch: {page}")
        lines.append(f"   {m.url}")
        lines.append("")
    if more:
        lines += [f"… and {more} more: chipwatch watch test {watch_name}", ""]
    lines += [
        "-- ",
        f"You get this because you are a recipient of the chipwatch watch {watch_name!r}.",
        *_leave_text(watch_name, links),
    ]
    return "\n".join(lines) + "\n"


def _when(published_at: str | None) -> str:
    """2026-11-20 08:00 from an ISO date-time, as the article wrote it; "date unknown" without one."""
    return (published_at or "date unknown")[:16].replace("T", " ")


def _mark(snippet: str) -> str:
    """Escape, then the «» marks as <mark>."""
    return html.escape(one_line(snippet)).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def html_body(watch_name: str, description: str, digest: str | None, matches: list[Match], more: int, links: Links | None = None) -> str:
    links = links or Links()
    esc = html.escape
    items = []
    for m in matches:
        entities = ", ".join(
            (f'<strong style="color:#b00020">{esc(e.name)} (listed: {esc(", ".join(e.lists) or "sanctions list")})</strong>' if e.listed else esc(e.name))
            for e in m.entities
        )
        events = "".join(f"<li><code>{esc(e.type)}</code> {esc(one_line(e.evidence))}</li>" for e in m.events)
        page = links.article(m.article_id)
        items.append(
            f'<li style="margin-bottom:1em"><a href="{esc(page or m.url, quote=True)}"><strong>{esc(one_line(m.title) or "(no title)")}</strong></a><br>'
            + (f'<span style="color:#333;font-style:italic">{esc(one_line(m.gloss))}</span><br>' if m.gloss else "")
            + f'<span style="color:#555">{esc(m.source or "?")} · {esc(_when(m.published_at))} · {esc(m.lang or "?")}</span><br>'
            + (f"{_mark(m.snippet)}<br>" if m.snippet else "")
            + (f"Entities: {entities}<br>" if entities else "")
            + (f'<ul style="margin:0">{events}</ul>' if events else "")
            + (f'<a href="{esc(page, quote=True)}" style="font-size:small">in chipwatch</a> · ' if page else "")
            + f'<a href="{esc(m.url, quote=True)}" style="font-size:small">{esc(m.url)}</a></li>'
        )
    more_html = f"<p>… and {more} more: <code>chipwatch watch test {esc(watch_name)}</code></p>" if more else ""
    return (
        '<!DOCTYPE html><html lang="mul"><head><meta charset="utf-8"><title>chipwatch</title></head>'
        '<body style="font-family:sans-serif;max-width:48em">'
        f"<p>{esc(_heading(watch_name, description, digest, len(matches) + more))}</p>"
        f'<ol>{"".join(items)}</ol>{more_html}'
        f'<p style="color:#777;font-size:small">You get this because you are a recipient of the chipwatch watch '
        f"{esc(watch_name)}. {_leave_html(watch_name, links)}</p>"
        "</body></html>\n"
    )


def _leave_html(watch_name: str, links: Links) -> str:
    esc = html.escape
    if links.unsubscribe_url:
        return f'<a href="{esc(links.unsubscribe_url, quote=True)}">Unsubscribe from this watch</a>.'
    if links.unsubscribe_mailto:
        return f'<a href="{esc(links.unsubscribe_mailto, quote=True)}">Unsubscribe</a> (sends an email to chipwatch).'
    return f"Stop it with <code>chipwatch watch remove {esc(watch_name)}</code>."


def article_details(db: Database, article_ids: list[int]) -> dict[int, tuple[list[Entity], list[Event]]]:
    """Linked entities (first mention first, listed ones marked) and events of each article, from the main database."""
    details: dict[int, tuple[list[Entity], list[Event]]] = {i: ([], []) for i in article_ids}
    if not article_ids:
        return details
    marks = ",".join("?" * len(article_ids))
    seen: dict[tuple[int, str], Entity] = {}
    for article_id, entity_id, name, listed, lists in linked_mentions(db, article_ids):
        entity = seen.get((article_id, entity_id))
        if entity is None:
            if len(details[article_id][0]) >= MAX_ENTITIES:
                continue
            entity = seen[(article_id, entity_id)] = Entity(name or entity_id)
            details[article_id][0].append(entity)
        if listed:
            entity.listed = True
            for entry in json.loads(lists or "[]"):
                label = (entry.get("list") or "").split(" - ")[0].strip() if isinstance(entry, dict) else None
                if label and label not in entity.lists:
                    entity.lists.append(label)
    listed = {e.name for entities, _ in details.values() for e in entities if e.listed}
    for article_id, event_type, evidence, actors, targets, products, mechanism, amount, confidence in db.execute(
        "SELECT article_id, type, evidence, actors, targets, products, mechanism, amount, confidence FROM events"
        f" WHERE article_id IN ({marks}) ORDER BY article_id, confidence DESC, start_char",
        article_ids,
    ):
        if len(details[article_id][1]) < MAX_EVENTS:
            parties = _names(actors) + _names(targets)
            details[article_id][1].append(
                Event(event_type, evidence, _names(actors), _names(targets), _names(products), mechanism, amount, confidence or 0.0,
                      listed=any(p in listed for p in parties))
            )  # fmt: skip
    return details


def _names(value: str | None) -> list[str]:
    try:
        names = json.loads(value or "[]")
    except ValueError:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
