"""Vagaro: a per-integration URL (its UUID); X-Vagaro-Signature carries the webhook's verification
token (a static shared token, not an HMAC), compared in constant time with the tokens stored
encrypted on the integration; optionally Vagaro's published source IPs
(docs/platforms/vagaro.md §3.2).

The whole envelope {id, createdDate|createdAt, type, action, payload} is read here; the payload is
a record in the REST vocabulary, normalized by the adapter's own normalize_webhook_appointment
(times always read as UTC) / normalize_customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from integrations.adapters.base import PlatformAdapter
from integrations.adapters.errors import ValidationError
from integrations.adapters.types import ENDED_STATUSES, Appointment, Event, EventKind
from integrations.adapters.vagaro import is_staff_time_off
from integrations.events import APPOINTMENT_KINDS
from integrations.models import Integration
from integrations.read_times import learn_from_webhook
from salonsync.client_ip import address_in, client_ip

from .base import (
    Rejected,
    WebhookPlatform,
    clean_text,
    constant_time_in,
    split_secrets,
    utc_time,
)

SIGNATURE_HEADER = "X-Vagaro-Signature"

APPOINTMENT_EVENTS = {
    "created": EventKind.APPOINTMENT_CREATED,
    "updated": EventKind.APPOINTMENT_UPDATED,
    "deleted": EventKind.APPOINTMENT_DELETED,
}
CUSTOMER_EVENTS = {
    "created": EventKind.CUSTOMER_CREATED,
    "updated": EventKind.CUSTOMER_UPDATED,
    "deleted": EventKind.CUSTOMER_DELETED,  # not documented; harmless to understand
}


class VagaroWebhooks(WebhookPlatform):
    platform = "vagaro"
    url_path = "vagaro/<uuid:integration_id>/"
    secret_headers = ("x-vagaro-signature",)
    occurred_at_keys = ("createdDate", "createdAt")

    def learn(self, events: list[Event], integration: Integration, service) -> None:
        """The API's read times may be wall-clock time behind a Z (docs/platforms/vagaro.md
        §2.8, UNCONFIRMED); a webhook's are UTC (§3.4). Until the connection's reading is
        decided, the first appointment a webhook describes is read back once to compare."""
        kinds = APPOINTMENT_KINDS - {EventKind.APPOINTMENT_DELETED}
        for event in events:
            data = event.data
            if event.kind not in kinds or not isinstance(data, Appointment):
                continue
            if not is_staff_time_off(data):
                learn_from_webhook(integration=integration, service=service, appointment=data)
                return

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
        # The client's address as TRUSTED_PROXIES decides: behind a proxy REMOTE_ADDR is the proxy.
        if allowed and not address_in(client_ip(request), allowed):
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

    def event_from(self, envelope: Any, adapter: PlatformAdapter) -> Event:
        """A webhook delivery {id, createdDate|createdAt, type, action, payload} as an Event.

        Unknown types and actions (formResponse, transaction, ...) become EventKind.UNKNOWN.
        """
        if not isinstance(envelope, Mapping):
            raise ValidationError(
                "A Vagaro webhook body must be an object.", platform=self.platform
            )
        payload = envelope.get("payload")
        payload = payload if isinstance(payload, Mapping) else {}
        kind_of, action = envelope.get("type"), envelope.get("action")
        action = action if isinstance(action, str) else ""  # a list or object is no dict key
        common = {
            "platform": self.platform,
            "event_id": _text(envelope.get("id")),
            "occurred_at": self.event_time(envelope),
            "raw": dict(envelope),
        }
        if kind_of == "appointment" and action in APPOINTMENT_EVENTS:
            return self._appointment_event(
                envelope, payload, APPOINTMENT_EVENTS[action], common, adapter
            )
        if kind_of == "customer" and action in CUSTOMER_EVENTS:
            adapter.require(envelope, "id")
            customer = adapter.normalize(payload, "customer")
            ids = payload.get("businessIds") if isinstance(payload.get("businessIds"), list) else []
            ours = adapter.config.account.get("business_id", "")
            account = ours if ours in ids else _text(ids[0] if ids else "")
            kind = CUSTOMER_EVENTS[action]
            return Event(
                kind, object_id=customer.platform_id, data=customer, account_id=account, **common
            )
        object_id = _text(_first(payload, "appointmentId", "customerId", "id"))
        return Event(
            EventKind.UNKNOWN,
            object_id=object_id,
            account_id=_text(payload.get("businessId")),
            **common,
        )

    def event_time(self, envelope: Mapping[str, Any]):
        """The Event's time: the first non-empty of createdDate, createdAt (UTC)."""
        return utc_time(_first(envelope, *self.occurred_at_keys))

    def _appointment_event(
        self, envelope, payload, kind: EventKind, common: dict, adapter: PlatformAdapter
    ) -> Event:
        adapter.require(envelope, "id")
        object_id = str(adapter.require(payload, "appointmentId"))
        try:
            # Webhook times are documented UTC, whatever the connection's read_times says
            # (docs/platforms/vagaro.md §2.8, §3.4).
            data = adapter.normalize(payload, "webhook_appointment")
        except ValidationError:
            if kind is not EventKind.APPOINTMENT_DELETED:
                raise
            data = None  # a deletion may carry only the id
        if (
            kind is EventKind.APPOINTMENT_UPDATED
            and data is not None
            and data.status in ENDED_STATUSES
            and not is_staff_time_off(data)
        ):
            kind = EventKind.APPOINTMENT_CANCELLED
        return Event(
            kind,
            object_id=object_id,
            data=data,
            account_id=_text(payload.get("businessId")),
            **common,
        )


def _first(data: Any, *keys: str) -> Any:
    if not isinstance(data, Mapping):
        return None
    return next((data[k] for k in keys if data.get(k) not in (None, "")), None)


def _text(value: Any) -> str:
    return "" if value is None else str(value)
