"""Mindbody: one app-level endpoint; X-Mindbody-Signature = "sha256=" + base64(HMAC-SHA256 of the
raw body keyed with the subscription's messageSignatureKey, taken literally); events routed to the
integration by eventData.siteId (docs/platforms/mindbody.md §6).

The whole envelope is read here: messageId (the delivery id), eventId (the event name),
eventInstanceOriginationDateTime (UTC) and eventData, the webhook's own camelCase vocabulary,
which the Public API's records do not share; the adapter lends only its time-zone helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.conf import settings

from integrations.adapters.base import PlatformAdapter
from integrations.adapters.errors import IntegrationError, ValidationError
from integrations.adapters.types import (
    Appointment,
    AppointmentStatus,
    Customer,
    CustomerMerge,
    Event,
    EventKind,
)
from integrations.models import Integration

from .base import Rejected, Unserved, WebhookPlatform, clean_text, constant_time_in, split_secrets

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Mindbody-Signature"

EVENT_KINDS: dict[str, EventKind] = {
    "appointmentBooking.created": EventKind.APPOINTMENT_CREATED,
    "appointmentBooking.updated": EventKind.APPOINTMENT_UPDATED,
    "appointmentBooking.cancelled": EventKind.APPOINTMENT_CANCELLED,
    # An add-on changes the appointment but the event carries only ids: a hint to re-read.
    "appointmentAddOn.created": EventKind.APPOINTMENT_UPDATED,
    "appointmentAddOn.deleted": EventKind.APPOINTMENT_UPDATED,
    "client.created": EventKind.CUSTOMER_CREATED,
    "client.updated": EventKind.CUSTOMER_UPDATED,
    # Mindbody never deletes clients; deactivation is its removal (data.active is False).
    "client.deactivated": EventKind.CUSTOMER_DELETED,
    # keptClientId, keptClientUniqueId, removedClientUniqueId: the removed profile's history now
    # belongs to the kept one (docs/platforms/mindbody.md §7.2).
    "clientProfileMerger.created": EventKind.CUSTOMER_MERGED,
}
# Webhook appointment events use their own vocabulary, refined by isConfirmed/hasArrived.
WEBHOOK_STATUS = {"Scheduled": AppointmentStatus.BOOKED, "Cancelled": AppointmentStatus.CANCELLED}


def mindbody_signature(body: bytes, key: str) -> str:
    digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def _sid(value: Any) -> str:
    return "" if value is None else str(value)


class MindbodyWebhooks(WebhookPlatform):
    platform = "mindbody"
    url_path = "mindbody/"
    secret_headers = ("x-mindbody-signature",)
    occurred_at_keys = ("eventInstanceOriginationDateTime",)

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
        if clean_text(str(site_id), 100) != str(site_id):
            # A NUL would fail the routing query on PostgreSQL (a 503 the platform retries).
            raise Rejected(400, "eventData.siteId is not a Mindbody site id.")
        integration = _route(str(site_id))
        if integration is None or not self.live(integration):
            raise Unserved("No SalonSync integration serves this Mindbody site; ignored.")
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

    def event_from(self, envelope: Any, adapter: PlatformAdapter) -> Event:
        """A webhook envelope (messageId, eventId, eventData...) as an Event; never raises on an
        unknown eventId. Payloads that only carry ids give data=None: re-read the record."""
        if not isinstance(envelope, Mapping):
            raise ValidationError(
                "A Mindbody webhook body must be an object.", platform=self.platform
            )
        event_type = envelope.get("eventId")
        if not isinstance(event_type, str):
            event_type = ""
        kind = EVENT_KINDS.get(event_type, EventKind.UNKNOWN)
        data = envelope.get("eventData")
        data = data if isinstance(data, Mapping) else {}
        if kind.value.startswith("appointment."):
            object_id = data.get("appointmentId")
        elif kind is EventKind.CUSTOMER_MERGED:
            object_id = data.get("keptClientId")
        elif kind.value.startswith("customer."):
            object_id = data.get("clientId")
        else:
            object_id = data.get("appointmentId") or data.get("clientId") or ""
        payload: Appointment | Customer | CustomerMerge | None = None
        if kind is not EventKind.UNKNOWN and event_type != "appointmentBooking.cancelled":
            try:
                if kind is EventKind.CUSTOMER_MERGED:
                    payload = _merge(data, adapter)
                elif event_type.startswith("appointmentBooking."):
                    payload = _appointment(data, adapter)
                elif event_type.startswith("client."):
                    payload = _customer(
                        data, adapter, active=kind is not EventKind.CUSTOMER_DELETED
                    )
            except (
                KeyError,
                TypeError,
                ValueError,
                AttributeError,
                ArithmeticError,
                IntegrationError,
            ):
                logger.warning("mindbody: unreadable %s payload, treated as a hint", event_type)
        return Event(
            kind=kind,
            platform=self.platform,
            event_id=_sid(envelope.get("messageId")),
            object_id=_sid(object_id),
            occurred_at=self.occurred_at(envelope),
            data=payload,
            account_id=_sid(data.get("siteId")),
            raw=dict(envelope),
        )


def _local(value: str | None, adapter: PlatformAdapter):
    return adapter.local_datetime(value) if value else None


def _appointment(data: Mapping[str, Any], adapter: PlatformAdapter) -> Appointment:
    status = WEBHOOK_STATUS.get(data.get("status"))
    if status is None:
        logger.warning("mindbody: unknown webhook status %r", data.get("status"))
        status = adapter.default_status
    if status is AppointmentStatus.BOOKED and data.get("hasArrived"):
        status = AppointmentStatus.ARRIVED
    elif status is AppointmentStatus.BOOKED and data.get("isConfirmed"):
        status = AppointmentStatus.CONFIRMED
    start = adapter.local_datetime(data["startDateTime"])
    end = _local(data.get("endDateTime"), adapter) or start + timedelta(
        minutes=int(data.get("durationMinutes") or 0)
    )
    return Appointment(
        platform_id=_sid(adapter.require(data, "appointmentId")),  # never an empty id
        status=status,
        start=start,
        end=end,
        customer_id=_sid(data.get("clientId")),
        service_id=_sid(data.get("sessionTypeId")),
        provider_id=_sid(data.get("staffId")),
        location_id=_sid(data.get("locationId")),
        service_name=data.get("appointmentName") or "",
        notes=data.get("notes") or "",
        raw=dict(data),
    )


def _customer(data: Mapping[str, Any], adapter: PlatformAdapter, *, active: bool) -> Customer:
    return Customer(
        platform_id=_sid(adapter.require(data, "clientId")),  # never an empty id
        first_name=data.get("firstName") or "",
        last_name=data.get("lastName") or "",
        email=data.get("email") or "",
        phone=data.get("mobilePhone") or data.get("homePhone") or data.get("workPhone") or "",
        created_at=_local(data.get("creationDateTime"), adapter),
        active=active,
        email_opt_in=data.get("sendPromotionalEmails"),
        sms_opt_in=data.get("sendPromotionalTexts"),
        stable_id=_sid(data.get("clientUniqueId")),
        raw=dict(data),
    )


def _merge(data: Mapping[str, Any], adapter: PlatformAdapter) -> CustomerMerge:
    removed = _sid(adapter.require(data, "removedClientUniqueId"))
    kept = _sid(adapter.require(data, "keptClientId"))
    if not removed or not kept:
        raise ValidationError("the merge names no kept or no removed client", platform="mindbody")
    return CustomerMerge(
        kept_id=kept,
        removed_stable_id=removed,
        kept_stable_id=_sid(data.get("keptClientUniqueId")),
    )


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
            Integration.objects.filter(platform=MindbodyWebhooks.platform, account_key=site_id)
            .values_list("pk", "status")
            .first()
        )
        if len(_routes) > 10_000:  # unknown ids from a noisy sender must not grow it forever
            _routes.clear()
        cached = _routes[site_id] = (now + ROUTE_TTL, row)
    if cached[1] is None:
        return None
    pk, status = cached[1]
    return Integration(pk=pk, platform=MindbodyWebhooks.platform, status=status)
