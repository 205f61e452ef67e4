"""What a search keeps besides its words: a small record, checked once.

`Filters` is what a caller asks for (the CLI's options, a watch, a Datasette page); `checked()`
turns it into `Checked`, the SQL conditions and index bounds both ways of searching use (words
through the index, or the filters alone), or raises SearchError with one line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from core.vocab import LANGS, check_event_type
from db.search.index import EPOCH, ID_BITS, MAX_SECONDS, iso_seconds, lang_token
from db.search.parser import SearchError

MAX_LIMIT = 1000
INDEX_LANGS = ("en", "zh", "zhhant")  # lang_token of each of LANGS


@dataclass(frozen=True)
class Filters:
    """lang: "en", "zh" (Simplified) or "zh-Hant" (Traditional). since: a date ("2026-03-01",
    compared with the publication date as written), a time, or an age ("7d", "24h", "30m", "2w").
    Near-duplicates (copies of a story stored earlier) are left out unless include_duplicates.
    entity_id keeps articles with a mention linked to that knowledge-base entity (db/entities.py),
    event those with an event of that type, relevant those the event layer judged relevant,
    listed those mentioning a party on a sanctions list (that entity, with entity_id); with any of
    these the query may be empty. after_id/until_id keep article ids in (after_id, until_id]:
    alert watches match only articles stored since they last looked. rank orders by relevance
    instead of newest first; now is the time ages are counted from (tests)."""

    lang: str | None = None
    since: str | None = None
    limit: int = 20
    rank: bool = False
    include_duplicates: bool = False
    entity_id: str | None = None
    event: str | None = None
    relevant: bool = False
    listed: bool = False
    after_id: int | None = None
    until_id: int | None = None
    now: dt.datetime | None = None

    @property
    def narrows(self) -> bool:
        """Whether the NLP filters select articles on their own (then the query may be empty)."""
        return bool(self.entity_id is not None or self.event is not None or self.relevant or self.listed)

    def checked(self) -> Checked:
        """The filters as SQL and index bounds; SearchError for the first one that cannot be searched for."""
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or not 1 <= self.limit <= MAX_LIMIT:
            raise SearchError(f"the limit must be between 1 and {MAX_LIMIT}, not {self.limit!r}")
        token = None
        if self.lang is not None:
            token = lang_token(self.lang)
            if token not in INDEX_LANGS:
                raise SearchError(f"unknown language {self.lang!r}: use one of {', '.join(LANGS)}")
        max_key, on_or_after = (None, None)
        if self.since is not None:
            max_key, on_or_after = _since(self.since, self.now or dt.datetime.now(dt.timezone.utc))
        event = None
        if self.event is not None:
            try:
                event = check_event_type(self.event)
            except ValueError as exc:
                raise SearchError(str(exc)) from None
        checked = Checked(self, token, max_key, on_or_after, event)
        if self.listed:
            checked.where.append("a.id IN (SELECT article_id FROM mentions WHERE listed = 1" + (" AND entity_id = ?)" if self.entity_id is not None else ")"))
            checked.params += [self.entity_id] if self.entity_id is not None else []
        if self.entity_id is not None:
            checked.where.append("a.id IN (SELECT article_id FROM mentions WHERE entity_id = ?)")
            checked.params.append(self.entity_id)
        if event is not None:
            checked.where.append("a.id IN (SELECT article_id FROM events WHERE type = ?)")
            checked.params.append(event)
        if self.relevant:
            checked.where.append("a.id IN (SELECT article_id FROM article_analysis WHERE relevant = 1)")
        for bound, op in ((self.after_id, ">"), (self.until_id, "<=")):
            if bound is not None:
                if isinstance(bound, bool) or not isinstance(bound, int):
                    raise SearchError(f"an article id bound must be a whole number, not {bound!r}")
                checked.where.append(f"a.id {op} ?")
                checked.params.append(bound)
        return checked


@dataclass
class Checked:
    """Filters that passed their checks, as the two ways of searching use them."""

    filters: Filters
    lang_token: str | None  # the index's lang value to keep, or None for any
    max_key: int | None  # index keys below this one are new enough (since)
    on_or_after: str | None  # and, for a date, the first publication date to accept
    event: str | None  # the event type as stored
    where: list[str] = field(default_factory=list)  # conditions on `articles AS a`: NLP filters, id window
    params: list = field(default_factory=list)


_AGE_RE = re.compile(r"^(\d{1,6})\s*([mhdw])$", re.IGNORECASE)
_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _since(since: str, now: dt.datetime) -> tuple[int, str | None]:
    """The largest index key to look at, and for a date the first publication date to accept."""
    text = since.strip()
    if match := _AGE_RE.match(text):
        start = now - dt.timedelta(**{_AGE_UNITS[match.group(2).lower()]: int(match.group(1))})
        return _max_key(start), None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise SearchError(f"--since: not a date: {text!r}") from None
        # the date as written in the article (its own zone): anything from 14 h before UTC midnight
        start = dt.datetime.combine(day, dt.time(), dt.timezone.utc) - dt.timedelta(hours=14)
        return _max_key(start), day.isoformat()
    seconds = iso_seconds(text)
    if seconds is None:
        raise SearchError(f"--since wants a date (2026-03-01), a time (2026-03-01T08:00+08:00) or an age (7d, 24h), not {text[:40]!r}")
    return (MAX_SECONDS - min(max(seconds, 0), MAX_SECONDS) + 1) << ID_BITS, None


def _max_key(start: dt.datetime) -> int:
    seconds = int((start - EPOCH).total_seconds())
    return (MAX_SECONDS - min(max(seconds, 0), MAX_SECONDS) + 1) << ID_BITS
