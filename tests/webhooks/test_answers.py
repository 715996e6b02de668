"""The contract's webhook table, for both platforms."""

import json
import uuid

import pytest
from django.db import OperationalError

from tests.webhooks.conftest import (
    MB_KEY,
    MB_OLD_KEY,
    VG_TOKEN,
    mindbody_event,
    signed_mindbody,
    vagaro_event,
    vagaro_post,
)
from webhooks.models import WebhookEvent, WebhookStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_processing(monkeypatch):
    """These tests are about the answers; processing is tested elsewhere."""
    monkeypatch.setattr("webhooks.services.webhook_enqueue", lambda **kw: True)


def test_mindbody_head_subscription_check(client):
    response = client.head("/webhooks/mindbody/")
    assert response.status_code == 200
    assert not WebhookEvent.objects.exists()


def test_get_is_405(client, mindbody_integration):
    assert client.get("/webhooks/mindbody/").status_code == 405


def test_mindbody_verified_is_stored_then_202(client, mindbody_integration):
    payload = mindbody_event("event_appointment_booking_created")
    response = signed_mindbody(client, payload)
    assert response.status_code == 202
    event = WebhookEvent.objects.get()
    assert (event.platform, event.integration, event.external_id) == (
        "mindbody",
        mindbody_integration,
        payload["messageId"],
    )
    assert event.verified and event.status == WebhookStatus.QUEUED
    assert json.loads(bytes(event.body)) == payload
    assert event.event_type == "appointmentBooking.created"
    assert event.headers["X-Mindbody-Signature"] == "[scrubbed]"
    assert event.occurred_at is not None


DOC_KEY = "dGhpcy1pcy1ub3QtYS1yZWFsLWtleS0wMTIzNDU2Nzg5"  # docs/platforms/mindbody.md §6.9
DOC_SIGNATURE = "sha256=/VGCsec6DaB3S5tyFg40y/8bNrEEfJVTpHuMwIniZlA="


def test_mindbody_documented_signature_example(client, mindbody_integration, settings):
    """The vendor document's worked example: payload B's exact 207 bytes and its key."""
    from pathlib import Path

    fixture = (
        Path(__file__).parents[1] / "fixtures/mindbody/event_appointment_booking_cancelled.json"
    )
    body = fixture.read_bytes().rstrip(b"\n")
    assert len(body) == 207
    settings.MINDBODY_WEBHOOK_SIGNATURE_KEY = DOC_KEY
    response = client.post(
        "/webhooks/mindbody/",
        data=body,
        content_type="application/json",
        HTTP_X_MINDBODY_SIGNATURE=DOC_SIGNATURE,
    )
    assert response.status_code == 202
    pretty = json.dumps(json.loads(body), indent=2).encode()
    response = client.post(
        "/webhooks/mindbody/",
        data=pretty,
        content_type="application/json",
        HTTP_X_MINDBODY_SIGNATURE=DOC_SIGNATURE,
    )
    assert response.status_code == 401  # re-serialised JSON: different bytes, no match


@pytest.mark.parametrize(
    "case", ["tampered body", "wrong key", "missing header", "not base64", "no keys configured"]
)
def test_mindbody_bad_signature_is_401_and_recorded(client, mindbody_integration, settings, case):
    payload = mindbody_event("event_appointment_booking_created")
    body = json.dumps(payload).encode()
    if case == "tampered body":
        from webhooks.platforms.mindbody import mindbody_signature

        response = client.post(
            "/webhooks/mindbody/",
            data=body.replace(b"Scheduled", b"Cancelled"),
            content_type="application/json",
            HTTP_X_MINDBODY_SIGNATURE=mindbody_signature(body, MB_KEY),
        )
    elif case == "wrong key":
        response = signed_mindbody(client, payload, key="not-the-key")
    elif case == "missing header":
        response = signed_mindbody(client, payload, key="")
    elif case == "not base64":
        response = signed_mindbody(client, payload, HTTP_X_MINDBODY_SIGNATURE="sha256=%%%")
    else:
        settings.MINDBODY_WEBHOOK_SIGNATURE_KEY = ""
        response = signed_mindbody(client, payload)
    assert response.status_code == 401
    event = WebhookEvent.objects.get()
    assert event.status == WebhookStatus.REJECTED and not event.verified
    assert (
        "X-Mindbody-Signature" not in event.headers
        or event.headers["X-Mindbody-Signature"] == "[scrubbed]"
    )


def test_mindbody_rotated_key_is_accepted(client, mindbody_integration):
    payload = mindbody_event("event_appointment_booking_created")
    assert signed_mindbody(client, payload, key=MB_OLD_KEY).status_code == 202


def _assert_ignored_unserved(response) -> None:
    """Mindbody's one subscription serves every salon: a site nobody here serves is answered 200
    (never a failure counted against the subscription) and recorded as ignored, not processed."""
    assert response.status_code == 200
    assert "ignored" in response.json()["message"]
    event = WebhookEvent.objects.get()
    assert (event.status, event.verified, event.integration_id) == ("ignored", True, None)
    assert event.processed_at is not None


def test_mindbody_unknown_site_is_200_and_recorded_as_ignored(client, mindbody_integration):
    payload = mindbody_event("event_appointment_booking_created")
    payload["eventData"]["siteId"] = 123456
    _assert_ignored_unserved(signed_mindbody(client, payload))


def test_mindbody_disabled_integration_is_200_and_recorded_as_ignored(client, mindbody_integration):
    mindbody_integration.status = "disabled"
    mindbody_integration.save()
    _assert_ignored_unserved(signed_mindbody(client, mindbody_event("event_client_created")))


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"eventId": "client.created", "eventData": {"siteId": -99}}', "no id"),
        (b'{"messageId": "m1", "eventData": "x"}', "siteId is missing"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_mindbody_malformed_is_400_with_reason_and_recorded(
    client, mindbody_integration, body, reason
):
    response = signed_mindbody(client, None, body=body)
    assert response.status_code == 400
    assert reason in response.json()["message"]
    assert WebhookEvent.objects.get().status == WebhookStatus.REJECTED


def test_same_event_again_is_200_stored_once(client, mindbody_integration):
    payload = mindbody_event("event_appointment_booking_created")
    answers = [signed_mindbody(client, payload).status_code for _ in range(10)]
    assert answers == [202] + [200] * 9
    assert WebhookEvent.objects.count() == 1


def test_forged_delivery_cannot_block_the_real_one(client, mindbody_integration):
    payload = mindbody_event("event_appointment_booking_created")
    assert signed_mindbody(client, payload, key="forger").status_code == 401
    assert signed_mindbody(client, payload).status_code == 202


def test_body_over_limit_is_413(client, mindbody_integration, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 100
    payload = mindbody_event("event_client_created")
    assert signed_mindbody(client, payload).status_code == 413
    assert not WebhookEvent.objects.exists()


def test_database_down_is_503(client, mindbody_integration, monkeypatch):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("webhooks.views.webhook_record", down)
    response = signed_mindbody(client, mindbody_event("event_client_created"))
    assert response.status_code == 503


def test_vagaro_verified_stored_202_and_token_scrubbed(client, vagaro_integration):
    payload = vagaro_event("event_appointment_updated")
    response = vagaro_post(client, vagaro_integration, payload)
    assert response.status_code == 202
    event = WebhookEvent.objects.get()
    assert (event.external_id, event.event_type) == (payload["id"], "appointment.updated")
    assert VG_TOKEN not in json.dumps(event.headers)


@pytest.mark.parametrize("token", ["wrong", "", None, VG_TOKEN + "x", VG_TOKEN[:-1]])
def test_vagaro_bad_token_is_401(client, vagaro_integration, token):
    response = vagaro_post(
        client, vagaro_integration, vagaro_event("event_customer_created"), token=token
    )
    assert response.status_code == 401
    assert WebhookEvent.objects.get().status == WebhookStatus.REJECTED


def test_vagaro_rotated_token_is_accepted(client, vagaro_integration):
    response = vagaro_post(
        client, vagaro_integration, vagaro_event("event_customer_created"), token="old-token-0"
    )
    assert response.status_code == 202


def test_vagaro_ip_allowlist(client, vagaro_integration, settings):
    settings.VAGARO_WEBHOOK_ALLOWED_IPS = ["20.220.12.83", "13.67.143.0/24"]
    payload = vagaro_event("event_customer_created")
    assert vagaro_post(client, vagaro_integration, payload).status_code == 401
    ok = vagaro_post(client, vagaro_integration, payload, REMOTE_ADDR="13.67.143.68")
    assert ok.status_code == 202


def test_vagaro_unknown_integration_is_404(client, vagaro_integration):
    import uuid

    response = client.post(
        f"/webhooks/vagaro/{uuid.uuid4()}/",
        data=b"{}",
        content_type="application/json",
        HTTP_X_VAGARO_SIGNATURE=VG_TOKEN,
    )
    assert response.status_code == 404


def test_vagaro_url_of_a_mindbody_integration_is_404(client, mindbody_integration):
    response = vagaro_post(client, mindbody_integration, vagaro_event("event_customer_created"))
    assert response.status_code == 404


def test_vagaro_same_id_other_integration_is_not_a_duplicate(
    client, vagaro_integration, other_salon
):
    from integrations.models import Integration

    second = Integration(
        salon=other_salon, platform="vagaro", account={"business_id": "other"}, status="connected"
    )
    second.credentials = {"client_id": "c", "client_secret": "s", "webhook_token": VG_TOKEN}
    second.save()
    payload = vagaro_event("event_customer_created")
    assert vagaro_post(client, vagaro_integration, payload).status_code == 202
    assert vagaro_post(client, second, payload).status_code == 202


@pytest.mark.django_db(transaction=True)  # as in production: each INSERT commits (FKs checked)
def test_stale_route_from_another_process_is_503_then_recovers(client, mindbody_integration):
    """A route cached before the integration was deleted elsewhere: 503 (Mindbody retries),
    the cache is dropped, and the retry is routed afresh."""
    import time as clock

    from webhooks.platforms import mindbody

    payload = mindbody_event("event_client_created")
    mindbody._routes["-99"] = (clock.monotonic() + 30, (uuid.uuid4(), "connected"))
    assert signed_mindbody(client, payload).status_code == 503
    assert mindbody._routes == {}
    assert signed_mindbody(client, payload).status_code == 202
    assert WebhookEvent.objects.get().integration == mindbody_integration
