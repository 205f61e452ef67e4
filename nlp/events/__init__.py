"""Typed chip / export-control / sanction events (see EVENTS-GUIDE in the README's references).

The type and mechanism strings are the stored and printed values; every stage uses these.
"""

from __future__ import annotations

EVENT_TYPES = (
    "export_restriction",
    "entity_listing",
    "license_decision",
    "circumvention",
    "enforcement",
    "chip_procurement",
    "product_adaptation",
)

MECHANISMS = ("cloud_rental", "intermediary", "shell_company", "subsidiary", "smuggling", "transshipment")


def check_event_type(value: str) -> str:
    """The event type as stored, or ValueError with one line naming the valid ones."""
    cleaned = (value or "").strip().lower().replace("-", "_")
    if cleaned not in EVENT_TYPES:
        raise ValueError(f"unknown event type {value!r}: use one of {', '.join(EVENT_TYPES)}")
    return cleaned
