"""Mindbody's endpoint against the shared security cases (tests/webhooks/security_cases.py)."""

from __future__ import annotations

from tests.webhooks.conftest import MB_KEY, MB_OLD_KEY, mindbody_event
from tests.webhooks.security_cases import WebhookSecurityCases
from webhooks.platforms.mindbody import mindbody_signature


class TestMindbodyWebhookSecurity(WebhookSecurityCases):
    platform = "mindbody"
    integration_fixture = "mindbody_integration"
    secrets = (MB_KEY, MB_OLD_KEY)
    unserved_answer = 200  # one subscription for every salon (docs/contract.md §5)

    def payload(self):
        return mindbody_event("event_appointment_booking_created")

    def url(self, integration):
        return "/webhooks/mindbody/"

    def signed(self, body, integration):
        return {"HTTP_X_MINDBODY_SIGNATURE": mindbody_signature(body, MB_KEY)}

    def badly_signed(self, body, integration):
        good = mindbody_signature(body, MB_KEY)
        return [
            {"HTTP_X_MINDBODY_SIGNATURE": mindbody_signature(body, "not-the-key")},
            {"HTTP_X_MINDBODY_SIGNATURE": good[:-2]},
            {"HTTP_X_MINDBODY_SIGNATURE": good.removeprefix("sha256=")},
            {"HTTP_X_MINDBODY_SIGNATURE": "sha256=%%%"},
        ]

    def unknown_target(self, integration, payload):
        payload["eventData"]["siteId"] = 123456
        return self.url(integration), payload
