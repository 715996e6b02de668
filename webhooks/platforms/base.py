"""What a platform's webhooks need: find the integration, verify, name the event, parse it."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from integrations.adapters.registry import get_adapter_class
from integrations.adapters.types import Event
from integrations.booking import adapter_config_for
from integrations.models import Integration, IntegrationStatus


class Rejected(Exception):
    """The request cannot be accepted; ``status`` is the HTTP answer, ``reason`` is recorded."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def constant_time_in(candidate: str, secrets: Iterable[str]) -> bool:
    """True when ``candidate`` equals one of ``secrets``; every secret is compared, in constant
    time, so timing tells nothing about which key matched or how much of it."""
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(candidate.encode(), secret.encode()):
            matched = True
    return matched


def clean_text(value: str, limit: int) -> str:
    """Text from a request, safe to store: no NUL (PostgreSQL refuses it), bounded."""
    return value.replace("\x00", "")[:limit]


def split_secrets(value: str | None) -> list[str]:
    """Several secrets (rotation) stored as one value separated by commas or whitespace."""
    return [part for part in (value or "").replace(",", " ").split() if part]


class WebhookPlatform:
    platform: str
    # Headers kept on the stored event (lower-case); everything else is dropped, secrets masked.
    kept_headers: tuple[str, ...] = ("content-type", "user-agent", "content-length")
    secret_headers: tuple[str, ...] = ()

    def integration_from_url(self, kwargs: Mapping[str, Any]) -> Integration | None:
        """Integrations addressed by URL (Vagaro) are found before the body is read."""
        return None

    def verify(self, request, integration: Integration | None) -> bool:
        raise NotImplementedError

    def forget_routes(self) -> None:
        """Drop any cached routing (platforms that cache it override this)."""

    def integration_from_payload(self, payload: Mapping[str, Any]) -> Integration:
        raise Rejected(404, "No integration for this webhook.")

    def event_id(self, payload: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def event_type(self, payload: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def parse(self, payload: Mapping[str, Any], integration: Integration) -> list[Event]:
        # Building an adapter makes no network call; normalize_event only reads the payload.
        adapter = get_adapter_class(self.platform)(adapter_config_for(integration))
        return [adapter.normalize_event(payload)]

    def scrub_headers(self, request) -> dict[str, str]:
        headers = {}
        for name, value in request.headers.items():
            lower = name.lower()
            if lower in self.secret_headers:
                headers[name] = "[scrubbed]"
            elif lower in self.kept_headers or lower.startswith(self.header_prefix):
                headers[name] = clean_text(value, 300)
        return headers

    header_prefix = "x-"

    @staticmethod
    def live(integration: Integration) -> bool:
        return integration.status != IntegrationStatus.DISABLED
