"""A signed appointment webhook dated year 9999 or year 1 (issue 21): refused at the mirror write
(integrations/mirror_guard.py), so the event is dead at once with its reason, no row is written
(on PostgreSQL ``9999-12-31T23:00:00-05:00`` became a year-10000 row no read could load), and the
appointment's real update still applies afterwards."""

from __future__ import annotations

import pytest
from django.test import Client

from integrations.models import MirroredAppointment
from tests.webhooks.conftest import mindbody_event, signed_mindbody, vagaro_event, vagaro_post
from webhooks.models import WebhookEvent, WebhookStatus

pytestmark = pytest.mark.django_db(transaction=True)

IMPOSSIBLE = [
    ("9999-12-31T23:00:00-05:00", "9999-12-31T23:59:59-05:00"),  # past year 9999 in UTC
    ("9999-12-31T22:00:00Z", "9999-12-31T23:00:00Z"),
    ("0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z"),
]


def _vagaro_appointment(start: str, end: str, **changes) -> dict:
    payload = vagaro_event("event_appointment_created", **changes)
    payload["payload"] = {**payload["payload"], "startTime": start, "endTime": end}
    return payload


def _dead_at_once() -> WebhookEvent:
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts, event.next_attempt_at) == (WebhookStatus.DEAD, 1, None)
    return event


@pytest.mark.parametrize("start, end", IMPOSSIBLE)
def test_vagaro_appointment_in_an_impossible_year_is_dead_with_its_reason(
    vagaro_integration, owner, start, end
):
    client = Client(raise_request_exception=False)
    response = vagaro_post(client, vagaro_integration, _vagaro_appointment(start, end))
    assert response.status_code == 202, response.content
    event = _dead_at_once()
    assert "outside 1990.." in event.last_error and "not mirrored" in event.last_error
    assert not MirroredAppointment.objects.exists()

    # The real booking still reaches the mirror: nothing was frozen.
    real = _vagaro_appointment("2026-11-24T15:00:00Z", "2026-11-24T16:00:00Z", id="evt-real")
    assert vagaro_post(client, vagaro_integration, real).status_code == 202
    row = MirroredAppointment.objects.get(integration=vagaro_integration)
    assert row.start.year == 2026
    client.force_login(owner)
    page = client.get(f"/salons/{vagaro_integration.salon.slug}/integrations/")
    assert page.status_code == 200


@pytest.mark.parametrize("start, end", [("9999-12-31T23:00:00", "9999-12-31T23:45:00")])
def test_mindbody_appointment_in_an_impossible_year_is_dead_at_once(
    client, mindbody_integration, start, end
):
    payload = mindbody_event("event_appointment_booking_created")
    payload["eventData"] = {**payload["eventData"], "startDateTime": start, "endDateTime": end}
    assert signed_mindbody(client, payload).status_code == 202
    event = _dead_at_once()
    assert event.last_error
    assert not MirroredAppointment.objects.exists()


def test_mindbody_appointment_in_year_one_is_dead_with_its_reason(client, mindbody_integration):
    payload = mindbody_event("event_appointment_booking_created")
    payload["eventData"] = {
        **payload["eventData"],
        "startDateTime": "0001-01-02T10:30:00",
        "endDateTime": "0001-01-02T11:15:00",
    }
    assert signed_mindbody(client, payload).status_code == 202
    event = _dead_at_once()
    assert "outside 1990.." in event.last_error
    assert not MirroredAppointment.objects.exists()
