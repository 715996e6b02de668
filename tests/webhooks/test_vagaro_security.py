"""Vagaro's endpoint against the shared security cases (tests/webhooks/security_cases.py)."""

from __future__ import annotations

import uuid

from tests.webhooks.conftest import VG_TOKEN, vagaro_event
from tests.webhooks.security_cases import WebhookSecurityCases


class TestVagaroWebhookSecurity(WebhookSecurityCases):
    platform = "vagaro"
    integration_fixture = "vagaro_integration"
    secrets = (VG_TOKEN, "old-token-0", "csecret")
    signs_body = False  # a static verification token (docs/platforms/vagaro.md §3.2)

    def payload(self):
        return vagaro_event("event_appointment_updated")

    def url(self, integration):
        return f"/webhooks/vagaro/{integration.pk}/"

    def signed(self, body, integration):
        return {"HTTP_X_VAGARO_SIGNATURE": VG_TOKEN}

    def badly_signed(self, body, integration):
        return [
            {"HTTP_X_VAGARO_SIGNATURE": "wrong"},
            {"HTTP_X_VAGARO_SIGNATURE": VG_TOKEN + "x"},
            {"HTTP_X_VAGARO_SIGNATURE": VG_TOKEN[:-1]},
            {"HTTP_X_VAGARO_SIGNATURE": ""},
        ]

    def unknown_target(self, integration, payload):
        return f"/webhooks/vagaro/{uuid.uuid4()}/", payload
