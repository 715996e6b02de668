"""What a platform's webhooks need: find the integration, verify, name the event, date it, parse it.

Each platform that sends webhooks has one module here (``webhooks/platforms/<platform>.py``) that
owns its whole envelope: the signature, the delivery id, the event name, the time it happened and
the parse into normalized Events. The platform's adapter stays its API client; a webhook module
only borrows the adapter's record normalizers and time-zone helpers (no network call).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from integrations.adapters.base import PlatformAdapter, parse_iso_datetime
from integrations.adapters.registry import get_adapter_class
from integrations.adapters.types import Event
from integrations.booking import adapter_config_for
from integrations.mirror import MAX_CLOCK_SKEW
from integrations.models import Integration, IntegrationStatus
from salonsync.safe_json import without_unstorable

logger = logging.getLogger(__name__)

# No booking platform here sent webhooks before this. An older time does no harm as a version (it
# only loses to newer state), so the bound is fixed, not relative to the receipt: a delivery
# retried late, or a documented example from years ago, keeps its own time.
EARLIEST_EVENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)


class Rejected(Exception):
    """The request cannot be accepted; ``status`` is the HTTP answer, ``reason`` is recorded."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Unserved(Exception):
    """A verified delivery for an account no live integration serves (a Mindbody site whose salon
    disconnected). Answered 200 and recorded as ignored: Mindbody's subscription is one for the
    whole app, and failed deliveries for one site would count against every salon's
    (docs/contract.md §5, docs/operations.md "Mindbody: one subscription for the whole app")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
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
    """Text from a request, safe to store: no NUL and no unpaired surrogate (PostgreSQL refuses
    the one, UTF-8 cannot encode the other), bounded."""
    return without_unstorable(value)[:limit]


def split_secrets(value: str | None) -> list[str]:
    """Several secrets (rotation) stored as one value separated by commas or whitespace."""
    return [part for part in (value or "").replace(",", " ").split() if part]


def utc_time(value: Any) -> datetime | None:
    """A webhook timestamp (UTC by the vendors' documents): one without an offset is read as UTC;
    a missing or unreadable one is None, never a reason to refuse the delivery."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_iso_datetime(value)
        # In UTC here: 9999-12-31T23:59:59-14:00 is a valid text whose UTC instant no datetime
        # holds (OverflowError), and it must fail now rather than when it is stored or read.
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        if value.strip():
            logger.warning("unreadable webhook event time %r", clean_text(value, 40))
        return None


def credible_time(value: datetime | None, received_at: datetime) -> datetime | None:
    """``value`` if it can be when the event happened, else None: the platform's time is only
    believed between EARLIEST_EVENT_TIME and the receipt plus MAX_CLOCK_SKEW. A time beyond that
    would make every later change look older ("never older over newer" would freeze the record);
    the body keeps the text, and the caller falls back to the receipt time."""
    if value is None or not EARLIEST_EVENT_TIME <= value <= received_at + MAX_CLOCK_SKEW:
        return None
    return value


class WebhookPlatform:
    platform: ClassVar[str]
    # The path under /webhooks/ (webhooks/urls.py routes every registered platform by it).
    url_path: ClassVar[str]
    # Envelope keys that may carry the time the event happened, in order (see occurred_at).
    occurred_at_keys: ClassVar[tuple[str, ...]] = ()
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

    def occurred_at(self, payload: Mapping[str, Any]) -> datetime | None:
        """When the platform says the event happened (stored on the WebhookEvent row): the first
        of ``occurred_at_keys`` that holds text."""
        for key in self.occurred_at_keys:
            value = payload.get(key)
            if isinstance(value, str):
                return utc_time(value)
        return None

    def event_from(self, envelope: Any, adapter: PlatformAdapter) -> Event:
        """One delivery as a normalized Event. An unknown event name is EventKind.UNKNOWN, never
        an exception; a delivery that cannot be read raises ValidationError (the event is dead,
        not retried). ``adapter`` lends its record normalizers and the salon's time zone."""
        raise NotImplementedError

    def parse(self, payload: Mapping[str, Any], integration: Integration) -> list[Event]:
        """The delivery's normalized Events (webhooks/services.py calls this when processing)."""
        return [self.event_from(payload, self.adapter_for(integration))]

    def learn(self, events: list[Event], integration: Integration, service) -> None:
        """What a processed delivery teaches about its connection, with the events completed
        and no transaction open (Vagaro: how its API's times are read). Platforms override;
        a failure here is logged and never fails the event."""

    def adapter_for(self, integration: Integration) -> PlatformAdapter:
        # Building an adapter makes no network call; event_from only reads the payload.
        return get_adapter_class(self.platform)(adapter_config_for(integration))

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
