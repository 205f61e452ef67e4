"""The stored and printed values every stage shares: languages, event types, circumvention mechanisms.

The event types and what counts as each are those of the annotation guide (EVENTS-GUIDE);
`nlp/events` finds them, `db` stores and filters by them, the CLI and the watches check them.
"""

from __future__ import annotations

# The languages chipwatch reads and stores: English, Simplified and Traditional Chinese.
LANGS: tuple[str, ...] = ("en", "zh", "zh-Hant")

EVENT_TYPES: tuple[str, ...] = (
    "export_restriction",
    "entity_listing",
    "license_decision",
    "circumvention",
    "enforcement",
    "chip_procurement",
    "product_adaptation",
)

MECHANISMS: tuple[str, ...] = ("cloud_rental", "intermediary", "shell_company", "subsidiary", "smuggling", "transshipment")


def check_event_type(value: str) -> str:
    """The event type as stored, or ValueError with one line naming the valid ones."""
    cleaned = (value or "").strip().lower().replace("-", "_")
    if cleaned not in EVENT_TYPES:
        raise ValueError(f"unknown event type {value!r}: use one of {', '.join(EVENT_TYPES)}")
    return cleaned

