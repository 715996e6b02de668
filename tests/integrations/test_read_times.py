"""Deciding how a platform's API times are read from one appointment seen both ways
(integrations/read_times.py; docs/platforms/vagaro.md §2.8): hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from integrations.read_times import compare_times, record_read_times

# The webhook says 15:00 UTC, which is 08:00 in Phoenix (UTC-7 all year) and 15:00 in London
# in January (UTC+0).
WEBHOOK_START = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)
PHOENIX = ZoneInfo("America/Phoenix")


def test_read_digits_equal_to_the_webhooks_utc_time_read_as_utc():
    assert compare_times(WEBHOOK_START, "2027-01-12T15:00:00Z", PHOENIX) == "utc"


def test_read_digits_equal_to_the_salons_clock_read_as_local():
    assert compare_times(WEBHOOK_START, "2027-01-12T08:00:00Z", PHOENIX) == "local"
    assert compare_times(WEBHOOK_START, "2027-01-12T08:00:00.000Z", PHOENIX) == "local"


def test_no_evidence_where_the_two_readings_coincide_or_neither_matches():
    assert compare_times(WEBHOOK_START, "2027-01-12T15:00:00Z", ZoneInfo("Europe/London")) is None
    assert compare_times(WEBHOOK_START, "2027-01-12T09:30:00Z", PHOENIX) is None  # moved since
    assert compare_times(WEBHOOK_START, "not a time", PHOENIX) is None


@pytest.mark.django_db
def test_the_decision_is_kept_with_its_evidence(salon):
    from tests.rebooking_ui.conftest import make_integration

    integration = make_integration(salon, platform="vagaro")
    changed = record_read_times(
        integration=integration, reading="local", appointment_id="ap1", webhook_start=WEBHOOK_START
    )
    assert changed is True
    integration.refresh_from_db()
    assert integration.options["read_times"] == "local"
    assert "appointment ap1" in integration.options["read_times_evidence"]
    again = record_read_times(
        integration=integration, reading="local", appointment_id="ap2", webhook_start=WEBHOOK_START
    )
    assert again is False


@pytest.mark.django_db
def test_learning_is_one_attempt_and_the_client_keeps_its_retries(salon):
    """The evidence read is a bonus: a platform that fails it is not retried with backoff
    inside webhook processing (it held each delivery ~21 s with the API unreachable)."""
    from integrations.adapters.errors import TransientError
    from integrations.adapters.types import Appointment, AppointmentStatus
    from integrations.booking import BookingService
    from integrations.models import Integration
    from integrations.read_times import learn_from_webhook

    integration = Integration(
        salon=salon, platform="vagaro", account={"region": "us02", "business_id": "b7Yx3Zq9Wr=="}
    )
    integration.credentials = {"client_id": "cid", "client_secret": "secret"}
    integration.save()
    service = BookingService(integration, sleep=lambda _s: None)
    sent = []

    def unreachable(*args, **kwargs):
        sent.append(service.adapter.http.retry.max_attempts)
        raise TransientError("down", platform="vagaro")

    service.adapter.get_appointment = unreachable
    appointment = Appointment(
        platform_id="ap1",
        status=AppointmentStatus.BOOKED,
        start=WEBHOOK_START,
        end=WEBHOOK_START,
    )
    assert (
        learn_from_webhook(integration=integration, service=service, appointment=appointment)
        is None
    )
    assert sent == [1]  # one attempt while learning
    assert service.adapter.http.retry.max_attempts == 4  # and the usual policy afterwards
