"""Vagaro: a per-integration URL (its UUID); X-Vagaro-Signature carries the webhook's verification
token (a static shared token, not an HMAC), compared in constant time with the tokens stored
encrypted on the integration; optionally Vagaro's published source IPs
(docs/platforms/vagaro.md §3.2)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from integrations.models import Integration

from .base import Rejected, WebhookPlatform, clean_text, constant_time_in, split_secrets

SIGNATURE_HEADER = "X-Vagaro-Signature"


class VagaroWebhooks(WebhookPlatform):
    platform = "vagaro"
    secret_headers = ("x-vagaro-signature",)

    def integration_from_url(self, kwargs: Mapping[str, Any]) -> Integration | None:
        integration = (
            Integration.objects.select_related("salon")
            .filter(pk=kwargs["integration_id"], platform=self.platform)
            .first()
        )
        if integration is None or not self.live(integration):
            raise Rejected(404, "No SalonSync integration at this URL.")
        return integration

    def verify(self, request, integration: Integration | None) -> bool:
        allowed = settings.VAGARO_WEBHOOK_ALLOWED_IPS
        if allowed and not _ip_allowed(request.META.get("REMOTE_ADDR", ""), allowed):
            return False
        given = request.headers.get(SIGNATURE_HEADER, "")
        tokens = split_secrets(integration.credentials.get("webhook_token") if integration else "")
        return bool(given and tokens) and constant_time_in(given, tokens)

    def event_id(self, payload: Mapping[str, Any]) -> str:
        value = payload.get("id")
        ok = isinstance(value, (str, int)) and not isinstance(value, bool)
        return clean_text(str(value), 200) if ok else ""

    def event_type(self, payload: Mapping[str, Any]) -> str:
        kind, action = payload.get("type"), payload.get("action")
        if isinstance(kind, str) and isinstance(action, str):
            return clean_text(f"{kind}.{action}", 100)
        return ""


def _ip_allowed(remote: str, allowed: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in allowed)
