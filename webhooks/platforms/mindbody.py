"""Mindbody: one app-level endpoint; X-Mindbody-Signature = "sha256=" + base64(HMAC-SHA256 of the
raw body keyed with the subscription's messageSignatureKey, taken literally); events routed to the
integration by eventData.siteId (docs/platforms/mindbody.md §6)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.conf import settings

from integrations.adapters.types import Appointment, Event
from integrations.models import Integration

from .base import Rejected, WebhookPlatform, clean_text, constant_time_in, split_secrets

SIGNATURE_HEADER = "X-Mindbody-Signature"


def mindbody_signature(body: bytes, key: str) -> str:
    digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


class MindbodyWebhooks(WebhookPlatform):
    platform = "mindbody"
    secret_headers = ("x-mindbody-signature",)

    def verify(self, request, integration: Integration | None) -> bool:
        given = request.headers.get(SIGNATURE_HEADER, "")
        keys = split_secrets(settings.MINDBODY_WEBHOOK_SIGNATURE_KEY)
        if not given or not keys:
            return False
        return constant_time_in(given, [mindbody_signature(request.body, key) for key in keys])

    def integration_from_payload(self, payload: Mapping[str, Any]) -> Integration:
        data = payload.get("eventData")
        site_id = data.get("siteId") if isinstance(data, Mapping) else None
        if site_id is None or isinstance(site_id, (dict, list, bool)):
            raise Rejected(400, "eventData.siteId is missing.")
        integration = _route(str(site_id))
        if integration is None or not self.live(integration):
            raise Rejected(404, "No SalonSync integration for this Mindbody site.")
        return integration

    def forget_routes(self) -> None:
        forget_routes()

    def event_id(self, payload: Mapping[str, Any]) -> str:
        value = payload.get("messageId")
        ok = isinstance(value, (str, int)) and not isinstance(value, bool)
        return clean_text(str(value), 200) if ok else ""

    def event_type(self, payload: Mapping[str, Any]) -> str:
        value = payload.get("eventId")
        return clean_text(value, 100) if isinstance(value, str) else ""

    def parse(self, payload: Mapping[str, Any], integration: Integration) -> list[Event]:
        events = super().parse(payload, integration)
        # The appointment events carry no session type or price: read the appointment itself
        # rather than overwrite what the mirror knows with blanks.
        return [
            replace(e, data=None)
            if isinstance(e.data, Appointment) and not e.data.service_id
            else e
            for e in events
        ]


# site id -> (expires at, integration id and status, or None). Routing is the hot path of the
# busiest endpoint; a connect or disconnect takes effect here within ROUTE_TTL seconds (Mindbody
# retries a refused delivery for hours, so nothing is lost).
ROUTE_TTL = 30.0
_routes: dict[str, tuple[float, tuple | None]] = {}


def forget_routes(**kwargs) -> None:
    """Drop this process's routes (an integration was saved or deleted; see webhooks/apps.py)."""
    _routes.clear()


def _route(site_id: str) -> Integration | None:
    now = time.monotonic()
    cached = _routes.get(site_id)
    if cached is None or cached[0] < now:
        row = (
            Integration.objects.filter(platform="mindbody", account_key=site_id)
            .values_list("pk", "status")
            .first()
        )
        if len(_routes) > 10_000:  # unknown ids from a noisy sender must not grow it forever
            _routes.clear()
        cached = _routes[site_id] = (now + ROUTE_TTL, row)
    if cached[1] is None:
        return None
    pk, status = cached[1]
    return Integration(pk=pk, platform="mindbody", status=status)
