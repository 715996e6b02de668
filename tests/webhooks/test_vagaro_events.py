"""Vagaro's webhook envelope read into normalized Events (webhooks/platforms/vagaro.py), on the
vendor's documented payloads (tests/fixtures/vagaro/event_*.json)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.adapters.errors import ValidationError
from integrations.adapters.types import AppointmentStatus, EventKind
from integrations.adapters.vagaro import is_staff_time_off
from tests.integrations.adapters.harness.vagaro import BUSINESS_ID, Harness, fixture
from webhooks.platforms.vagaro import VagaroWebhooks

H = Harness()
WEBHOOKS = VagaroWebhooks()


def normalize_event(adapter, envelope):
    return WEBHOOKS.event_from(envelope, adapter)


# -- events ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kind", "status", "occurred"),
    [
        (
            "event_appointment_created",
            EventKind.APPOINTMENT_CREATED,
            "requested",
            datetime(2026, 11, 20, 16, 58, 3, tzinfo=UTC),
        ),
        (
            "event_appointment_updated",
            EventKind.APPOINTMENT_CANCELLED,
            "cancelled",
            datetime(2026, 11, 20, 17, 5, 12, 114000, tzinfo=UTC),
        ),
        (
            "event_appointment_updated_confirmed",
            EventKind.APPOINTMENT_UPDATED,
            "confirmed",
            datetime(2026, 11, 20, 17, 1, 44, 500000, tzinfo=UTC),
        ),  # spelled createdAt
        (
            "event_appointment_deleted",
            EventKind.APPOINTMENT_DELETED,
            "cancelled",
            datetime(2026, 11, 21, 9, 12, 40, 2000, tzinfo=UTC),
        ),
    ],
)
def test_appointment_events(name, kind, status, occurred):
    envelope_ = fixture(name)
    event = normalize_event(H.adapter(), envelope_)
    assert event.kind is kind
    assert event.platform == "vagaro"
    assert event.event_id == envelope_["id"]
    assert event.object_id == "2dwfErtmMAFxe6hoCnQStw=="
    assert event.occurred_at == occurred
    assert event.account_id == "b7Yx3Zq9Wr=="
    assert event.data.status == status
    assert event.data.start == datetime(2026, 11, 24, 15, tzinfo=UTC)
    assert event.raw == envelope_


def test_customer_events():
    adapter = H.adapter()
    created = normalize_event(adapter, fixture("event_customer_created"))
    assert created.kind is EventKind.CUSTOMER_CREATED
    assert (created.object_id, created.account_id) == ("c9Hk2mN0pQ==", BUSINESS_ID)
    assert created.data.name == "Dana Reyes" and created.data.active is True
    assert created.occurred_at == datetime(2026, 11, 18, 14, 22, 9, 731000, tzinfo=UTC)
    updated = normalize_event(adapter, fixture("event_customer_updated"))
    assert updated.kind is EventKind.CUSTOMER_UPDATED
    assert updated.data.last_name == "Reyes-Ortiz"
    assert updated.data.active is False  # no longer attached to our business
    assert updated.account_id == "a1Bc2De3Fg=="


@pytest.mark.parametrize("name", ["event_form_response_created", "event_transaction_created"])
def test_other_documented_types_are_unknown(name):
    event = normalize_event(H.adapter(), fixture(name))
    assert event.kind is EventKind.UNKNOWN
    assert event.event_id == fixture(name)["id"]
    assert event.data is None
    assert event.occurred_at is not None


@pytest.mark.parametrize(
    "envelope_",
    [
        {"type": "appointment", "action": "archived", "payload": {"appointmentId": "a"}},
        {"type": "gift", "payload": None, "createdDate": "garbage"},
        {},
    ],
)
def test_unexpected_envelopes_are_unknown_and_never_raise(envelope_):
    event = normalize_event(H.adapter(), envelope_)
    assert event.kind is EventKind.UNKNOWN
    assert event.occurred_at is None


def test_personal_off_update_is_not_a_cancellation():
    env = fixture("event_appointment_updated_confirmed")
    env["payload"]["bookingStatus"] = "PersonalOff"
    event = normalize_event(H.adapter(), env)
    assert event.kind is EventKind.APPOINTMENT_UPDATED
    assert event.data.status is AppointmentStatus.CANCELLED
    assert is_staff_time_off(event.data)


def test_no_show_update_is_an_ending_event():
    env = fixture("event_appointment_updated_confirmed")
    env["payload"]["bookingStatus"] = "No Show"
    event = normalize_event(H.adapter(), env)
    assert event.kind is EventKind.APPOINTMENT_CANCELLED
    assert event.data.status is AppointmentStatus.NO_SHOW


def test_deleted_event_with_only_an_id_has_no_data():
    env = fixture("event_appointment_deleted")
    env["payload"] = {"appointmentId": "2dwfErtmMAFxe6hoCnQStw=="}
    event = normalize_event(H.adapter(), env)
    assert event.kind is EventKind.APPOINTMENT_DELETED
    assert event.data is None and event.object_id == "2dwfErtmMAFxe6hoCnQStw=="


def test_malformed_known_events_are_validation_errors():
    adapter = H.adapter()
    broken = fixture("event_appointment_created")
    del broken["payload"]["startTime"]
    with pytest.raises(ValidationError):
        normalize_event(adapter, broken)
    no_id = fixture("event_customer_created")
    del no_id["id"]
    with pytest.raises(ValidationError):
        normalize_event(adapter, no_id)
    with pytest.raises(ValidationError):
        normalize_event(adapter, ["not", "an", "object"])
