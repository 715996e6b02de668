"""What a platform's record may bring into the mirror (issue 21): checked before every mirror
write, webhooks' and syncs' alike (integrations/events.py ``_write``).

- An appointment whose start or end lies outside APPOINTMENT_EARLIEST .. now + APPOINTMENT_AHEAD
  is refused with its reason. On PostgreSQL, ``9999-12-31T23:00:00-05:00`` is stored as a UTC
  time in year 10000, which no Python datetime holds: every later read of that row fails (the
  sync, the pages), and year 1 breaks any page that shows it in the salon's time zone. No salon
  books decades ahead or holds bookings from before online booking platforms existed.
- Text PostgreSQL cannot store (NUL, an unpaired surrogate) is dropped from every text field and
  from ``raw`` (where an infinite number becomes null); a record's own created/updated time
  outside APPOINTMENT_EARLIEST .. now + MAX_CLOCK_SKEW is forgotten (None); a price or duration
  its column cannot hold likewise. The record is kept, and counted as adjusted.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from salonsync.safe_json import has_unstorable_text, without_unstorable

from .adapters.types import Appointment
from .mirror import MAX_CLOCK_SKEW

APPOINTMENT_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
APPOINTMENT_AHEAD = timedelta(days=10 * 366)
# MirroredAppointment/MirroredService.price is DecimalField(max_digits=10, decimal_places=2);
# duration_minutes a PositiveIntegerField (PostgreSQL integer).
PRICE_LIMIT = Decimal("1e8")
DURATION_LIMIT = 2**31 - 1
RECORD_TIMES = ("created_at", "updated_at")


class RecordRefused(ValueError):
    """A record the mirror must not hold; the message says which field and why (no PII)."""


@dataclass
class Guarded:
    records: list[Any] = field(default_factory=list)
    adjusted: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (platform id, reason)


def mirror_guard(records: list[Any], *, now: datetime | None = None) -> Guarded:
    """The records the mirror may hold, cleaned; the refused ones with their reasons."""
    now = now or timezone.now()
    guarded = Guarded()
    for record in records:
        try:
            clean = _cleaned(record, now)
        except RecordRefused as exc:
            guarded.refused.append((without_unstorable(record.platform_id)[:200], str(exc)))
            continue
        guarded.adjusted += clean is not record
        guarded.records.append(clean)
    return guarded


def _cleaned(record: Any, now: datetime) -> Any:
    if isinstance(record, Appointment):
        for name in ("start", "end"):
            value = getattr(record, name)
            if not _within(value, APPOINTMENT_EARLIEST, now + APPOINTMENT_AHEAD):
                raise RecordRefused(
                    f"Appointment {record.platform_id[:60]!r}: its {name} ({_shown(value)}) is "
                    f"outside {APPOINTMENT_EARLIEST.year}..{(now + APPOINTMENT_AHEAD).year}; "
                    "not mirrored."
                )
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, str) and has_unstorable_text(value):
            changes[f.name] = without_unstorable(value)
        elif f.name in RECORD_TIMES and value is not None:
            if not _within(value, APPOINTMENT_EARLIEST, now + MAX_CLOCK_SKEW):
                changes[f.name] = None
        elif f.name == "price" and value is not None and not _storable_price(value):
            changes[f.name] = None
        elif f.name == "duration_minutes" and value is not None:
            if not 0 <= value <= DURATION_LIMIT:
                changes[f.name] = None
        elif f.name == "raw" and _needs_cleaning(value):
            changes[f.name] = _clean_json(value)
    return dataclasses.replace(record, **changes) if changes else record


def _within(value: Any, earliest: datetime, latest: datetime) -> bool:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return False
    return earliest <= value <= latest  # aware times compare as instants, even past year 9999


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else type(value).__name__


def _storable_price(value: Any) -> bool:
    try:
        number = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return False
    return number.is_finite() and abs(number) < PRICE_LIMIT


def _needs_cleaning(value: Any) -> bool:
    """Unstorable text, or a float no JSON column holds (a platform's ``1e999`` reads as inf)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_needs_cleaning(v) for v in value.values()) or has_unstorable_text(list(value))
    if isinstance(value, list):
        return any(_needs_cleaning(item) for item in value)
    return has_unstorable_text(value)


def _clean_json(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return without_unstorable(value)
    if isinstance(value, dict):
        return {without_unstorable(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    return value
