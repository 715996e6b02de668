"""Webhooks read the sender's address as TRUSTED_PROXIES decides (salonsync/client_ip.py), as
login throttling does (issue 21): behind a proxy REMOTE_ADDR is the proxy, the same for every
sender, so a per-address limit or allow-list on it would treat every sender alike."""

from __future__ import annotations

import pytest

from tests.webhooks.conftest import mindbody_event, signed_mindbody, vagaro_event, vagaro_post
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

PROXY = "192.0.2.10"
VAGARO_ADDRESS = "13.67.143.68"  # one of Vagaro's published addresses (docs/platforms/vagaro.md)


def via_proxy(client_address: str) -> dict:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


@pytest.fixture(autouse=True)
def _proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]


def test_rejected_throttle_counts_each_sender_behind_the_proxy(
    client, mindbody_integration, settings
):
    settings.WEBHOOK_REJECTED_PER_MINUTE = 2
    payload = mindbody_event("event_client_updated")
    junk = [
        signed_mindbody(client, payload, key="bad", **via_proxy("203.0.113.5")).status_code
        for _ in range(3)
    ]
    assert junk == [401, 401, 429]
    # Another sender through the same proxy is not throttled by the first one's junk.
    other = signed_mindbody(client, payload, key="bad", **via_proxy("198.51.100.8"))
    assert other.status_code == 401
    stored = sorted(WebhookEvent.objects.values_list("remote_ip", flat=True))
    assert stored == ["198.51.100.8", "203.0.113.5", "203.0.113.5"]


def test_a_forged_forwarded_header_does_not_escape_the_throttle(
    client, mindbody_integration, settings
):
    settings.WEBHOOK_REJECTED_PER_MINUTE = 2
    payload = mindbody_event("event_client_updated")
    answers = [
        signed_mindbody(
            client,
            payload,
            key="bad",
            REMOTE_ADDR="203.0.113.5",  # not a trusted proxy: its X-Forwarded-For is ignored
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(4)
    ]
    assert answers == [401, 401, 429, 429]
    assert set(WebhookEvent.objects.values_list("remote_ip", flat=True)) == {"203.0.113.5"}


def test_vagaro_allow_list_matches_the_sender_behind_the_proxy(
    client, vagaro_integration, settings
):
    settings.VAGARO_WEBHOOK_ALLOWED_IPS = [VAGARO_ADDRESS]
    payload = vagaro_event("event_customer_created")
    ok = vagaro_post(client, vagaro_integration, payload, **via_proxy(VAGARO_ADDRESS))
    assert ok.status_code == 202, ok.content
    stranger = vagaro_post(
        client,
        vagaro_integration,
        vagaro_event("event_customer_created", id="other-id"),
        **via_proxy("203.0.113.5"),
    )
    assert stranger.status_code == 401


def test_vagaro_allow_list_ignores_a_forged_forwarded_header(client, vagaro_integration, settings):
    settings.VAGARO_WEBHOOK_ALLOWED_IPS = [VAGARO_ADDRESS]
    payload = vagaro_event("event_customer_created")
    forged = vagaro_post(
        client,
        vagaro_integration,
        payload,
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR=VAGARO_ADDRESS,
    )
    assert forged.status_code == 401


def test_a_malformed_allow_list_fails_at_startup():
    """Checked with the other address lists when settings load, not at the first delivery."""
    from tests.foundation.test_settings import manage

    result = manage(
        "check", DJANGO_DEBUG="true", VAGARO_WEBHOOK_ALLOWED_IPS="13.67.143.68,not-an-address"
    )
    assert result.returncode != 0
    assert "VAGARO_WEBHOOK_ALLOWED_IPS" in result.stderr
