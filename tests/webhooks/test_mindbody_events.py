"""Mindbody's webhook envelope read into normalized Events (webhooks/platforms/mindbody.py), on the
vendor's documented payloads (tests/fixtures/mindbody/event_*.json)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from integrations.adapters.errors import ValidationError
from integrations.adapters.mindbody import MindbodyAdapter
from integrations.adapters.types import AppointmentStatus, EventKind
from tests.integrations.adapters.harness.mindbody import Harness, fixture
from webhooks.platforms.mindbody import MindbodyWebhooks

WEBHOOKS = MindbodyWebhooks()


@pytest.fixture
def adapter() -> MindbodyAdapter:
    return MindbodyAdapter(Harness().config())


def normalize_event(adapter, envelope):
    return WEBHOOKS.event_from(envelope, adapter)


# -- events -------------------------------------------------------------------------------
def test_event_appointment_updated(adapter):
    event = normalize_event(adapter, fixture("event_appointment_booking_updated"))
    assert event.kind is EventKind.APPOINTMENT_UPDATED
    assert event.event_id == "ASwFMoA2Q5UKw69g3RDbvU"
    assert event.object_id == "121" and event.account_id == "-99"
    assert event.occurred_at == datetime(2025, 3, 20, 16, 41, 7, tzinfo=UTC)
    data = event.data
    assert data.status is AppointmentStatus.CONFIRMED  # Scheduled + isConfirmed
    assert data.start == datetime(2025, 3, 21, 10, 30, tzinfo=UTC)  # the Z is honoured
    assert (data.customer_id, data.provider_id, data.location_id) == ("100000120", "5", "1")
    assert (data.service_id, data.service_name) == ("17", "Women's Cut")


def test_event_appointment_created_local_time_on_dst_day(adapter):
    event = normalize_event(adapter, fixture("event_appointment_booking_created"))
    assert event.kind is EventKind.APPOINTMENT_CREATED
    assert event.data.status is AppointmentStatus.BOOKED
    assert event.data.start.isoformat() == "2026-03-08T10:30:00-04:00"


def test_event_appointment_arrived_and_cancelled_status(adapter):
    envelope = fixture("event_appointment_booking_updated")
    envelope["eventData"]["hasArrived"] = True
    assert normalize_event(adapter, envelope).data.status is AppointmentStatus.ARRIVED
    envelope["eventData"]["status"] = "Cancelled"
    assert normalize_event(adapter, envelope).data.status is AppointmentStatus.CANCELLED


def test_event_appointment_cancelled_is_a_hint(adapter):
    event = normalize_event(adapter, fixture("event_appointment_booking_cancelled"))
    assert event.kind is EventKind.APPOINTMENT_CANCELLED
    assert (event.object_id, event.account_id, event.data) == ("121", "-99", None)
    assert event.occurred_at == datetime(2025, 3, 20, 17, 5, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "name", ["event_appointment_add_on_created", "event_appointment_add_on_deleted"]
)
def test_event_add_ons_update_the_appointment(adapter, name):
    event = normalize_event(adapter, fixture(name))
    assert event.kind is EventKind.APPOINTMENT_UPDATED
    assert (event.object_id, event.data) == ("121", None)


@pytest.mark.parametrize(
    ("name", "kind", "active", "email"),
    [
        ("event_client_created", EventKind.CUSTOMER_CREATED, True, "john.smith@example.com"),
        ("event_client_updated", EventKind.CUSTOMER_UPDATED, True, "john.s@example.com"),
        ("event_client_deactivated", EventKind.CUSTOMER_DELETED, False, "john.smith@example.com"),
    ],
)
def test_event_client(adapter, name, kind, active, email):
    event = normalize_event(adapter, fixture(name))
    assert event.kind is kind and event.object_id == "100000120" and event.account_id == "-99"
    assert isinstance(event.data.platform_id, str) and event.data.platform_id == "100000120"
    assert event.data.name == "John Smith" and event.data.email == email
    assert event.data.active is active and event.data.phone == "8055551234"
    assert event.data.created_at == datetime(2024, 5, 14, 13, 12, tzinfo=UTC)
    assert event.data.email_opt_in is True and event.data.sms_opt_in is False


def test_event_client_carries_the_permanent_unique_id(adapter):
    event = normalize_event(adapter, fixture("event_client_updated"))
    assert event.data.stable_id == "100000120"


def test_event_client_profile_merger(adapter):
    event = normalize_event(adapter, fixture("event_client_profile_merger_created"))
    assert event.kind is EventKind.CUSTOMER_MERGED and event.event_id == "HZdMTvH9X2bRd36n0YKicB"
    assert (event.object_id, event.account_id) == ("100000120", "-99")
    merge = event.data
    assert (merge.kept_id, merge.removed_id) == ("100000120", "")  # removed: by UniqueId only
    assert (merge.kept_stable_id, merge.removed_stable_id) == ("100000120", "100000121")


def test_event_client_profile_merger_without_the_removed_client_is_unusable(adapter):
    envelope = fixture("event_client_profile_merger_created")
    del envelope["eventData"]["removedClientUniqueId"]
    event = normalize_event(adapter, envelope)
    assert event.kind is EventKind.CUSTOMER_MERGED and event.data is None


def test_unknown_events_never_raise(adapter):
    for envelope in (
        {"eventId": "clientContract.created", "eventData": {"siteId": -99}},
        {"eventId": "appointmentBooking.noShow"},
        {"eventId": 7, "eventData": "x"},
        {},
    ):
        assert normalize_event(adapter, envelope).kind is EventKind.UNKNOWN


def test_unreadable_known_event_degrades_to_a_hint(adapter, caplog):
    envelope = fixture("event_appointment_booking_updated")
    del envelope["eventData"]["startDateTime"]
    with caplog.at_level(logging.WARNING):
        event = normalize_event(adapter, envelope)
    assert event.kind is EventKind.APPOINTMENT_UPDATED and event.object_id == "121"
    assert event.data is None
    with pytest.raises(ValidationError):
        normalize_event(adapter, ["not", "an", "envelope"])
