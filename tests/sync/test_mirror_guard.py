"""mirror_guard (integrations/mirror_guard.py): the window an appointment must fall in, and what
is cleaned rather than refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.adapters import types as t
from integrations.mirror_guard import APPOINTMENT_AHEAD, APPOINTMENT_EARLIEST, mirror_guard

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def appointment(start: datetime, **changes) -> t.Appointment:
    values = {
        "platform_id": "a-1",
        "status": t.AppointmentStatus.BOOKED,
        "start": start,
        "end": start + timedelta(hours=1),
        **changes,
    }
    return t.Appointment(**values)


@pytest.mark.parametrize(
    "start, kept",
    [
        (APPOINTMENT_EARLIEST, True),
        (APPOINTMENT_EARLIEST - timedelta(seconds=1), False),
        (NOW + APPOINTMENT_AHEAD - timedelta(hours=1), True),
        (NOW + APPOINTMENT_AHEAD, False),  # its end is past the window
        (datetime(1, 1, 1, tzinfo=UTC), False),
        (datetime(9999, 12, 31, 22, tzinfo=UTC), False),
    ],
)
def test_the_appointment_window(start, kept):
    guarded = mirror_guard([appointment(start)], now=NOW)
    assert (len(guarded.records), len(guarded.refused)) == ((1, 0) if kept else (0, 1))
    if not kept:
        platform_id, reason = guarded.refused[0]
        assert platform_id == "a-1" and "outside" in reason


def test_a_naive_start_is_refused():
    guarded = mirror_guard([appointment(datetime(2026, 12, 2, 9))], now=NOW)
    assert guarded.refused and not guarded.records


def test_a_clean_record_is_returned_as_it_was():
    record = appointment(NOW, price=Decimal("45.00"), raw={"note": "ok"})
    guarded = mirror_guard([record], now=NOW)
    assert guarded.records[0] is record and guarded.adjusted == 0


def test_what_the_columns_cannot_hold_is_cleaned_and_counted():
    bad = appointment(
        NOW,
        platform_id="a\x00-2",
        service_name="Cut\ud800",
        price=Decimal("1e12"),
        created_at=datetime(1, 1, 1, tzinfo=UTC),
        updated_at=datetime(9999, 1, 1, tzinfo=UTC),
        raw={"k\x00": ["v\ud800", {"n": "\x00"}], "n": 1, "big": float("inf")},
    )
    service = t.Service(platform_id="s-1", name="Cut", duration_minutes=-5, price=Decimal("NaN"))
    customer = t.Customer(platform_id="c-1", first_name="Ann\x00a", updated_at=NOW)
    guarded = mirror_guard([bad, service, customer], now=NOW)
    assert guarded.adjusted == 3 and not guarded.refused
    clean, service, customer = guarded.records
    assert (clean.platform_id, clean.service_name, clean.price) == ("a-2", "Cut", None)
    assert (clean.created_at, clean.updated_at) == (None, None)
    assert clean.raw == {"k": ["v", {"n": ""}], "n": 1, "big": None}
    assert (service.duration_minutes, service.price) == (None, None)
    assert (customer.first_name, customer.updated_at) == ("Anna", NOW)


def test_an_infinite_number_alone_is_cleaned_from_raw():
    record = appointment(NOW, raw={"amount": float("-inf"), "ok": 1.5})
    guarded = mirror_guard([record], now=NOW)
    assert guarded.adjusted == 1 and guarded.records[0].raw == {"amount": None, "ok": 1.5}
