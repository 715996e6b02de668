"""Normalized data: what every adapter returns, whatever the platform.

Every object keeps its platform id and the raw payload it was read from. Every datetime is
timezone-aware.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class AppointmentStatus(enum.StrEnum):
    REQUESTED = "requested"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    NO_SHOW = "no_show"

    @property
    def is_active(self) -> bool:
        """Still holds the provider's time."""
        return self in ACTIVE_STATUSES


ACTIVE_STATUSES = frozenset(
    {
        AppointmentStatus.REQUESTED,
        AppointmentStatus.BOOKED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.ARRIVED,
    }
)
ENDED_STATUSES = frozenset(
    {AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED, AppointmentStatus.NO_SHOW}
)


class EventKind(enum.StrEnum):
    APPOINTMENT_CREATED = "appointment.created"
    APPOINTMENT_UPDATED = "appointment.updated"
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    APPOINTMENT_DELETED = "appointment.deleted"
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_DELETED = "customer.deleted"
    # Two of the platform's client records became one (Mindbody's clientProfileMerger.created),
    # or a client's editable id changed under its permanent one: ``data`` is a CustomerMerge.
    CUSTOMER_MERGED = "customer.merged"
    UNKNOWN = "unknown"


class WebhookAuth(enum.StrEnum):
    SIGNED = "signed"  # HMAC of the body (Mindbody)
    URL_TOKEN = "url_token"  # noqa: S105 - a shared token sent with each delivery (Vagaro)
    NONE = "none"  # no webhooks: polled (Phorest)


@dataclass(frozen=True)
class Capabilities:
    webhooks: WebhookAuth
    can_cancel: bool = True
    can_book: bool = True
    # Filters the platform applies server-side on availability and appointment reads
    # ("service", "provider", "location", "customer", "changed_since").
    filters: frozenset[str] = frozenset()
    # Longest date range one appointment/availability request may span, in days (None: no limit).
    max_range_days: int | None = None
    # iter_appointments can list a date range. False: appointments are read only per customer or
    # by id (Vagaro), so a mirror is built customer by customer and kept current by webhooks.
    appointments_by_date: bool = True


@dataclass(frozen=True)
class CallAllowance:
    """The API calls a platform includes for a salon: ``calls`` per ``period`` ("day" or
    "month"); past it they are billed (or refused). Declared by each adapter from its platform's
    documents; settings.API_CALL_ALLOWANCES overrides it."""

    calls: int
    period: str  # "day" | "month"
    past_it: str = "billed"


@dataclass(frozen=True)
class Customer:
    platform_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    active: bool = True
    email_opt_in: bool | None = None
    sms_opt_in: bool | None = None
    # The platform's permanent id where ``platform_id`` is one the business can edit (Mindbody's
    # UniqueId under its Id, docs/platforms/mindbody.md §7.2); empty where the id never changes.
    stable_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class CustomerMerge:
    """Client ``removed`` now lives on as ``kept``: its appointments and history follow.

    ``removed_id`` is the removed client's platform id when known; else ``removed_stable_id``
    (Mindbody's merge event names the removed client by UniqueId only) is looked up."""

    kept_id: str
    removed_id: str = ""
    removed_stable_id: str = ""
    kept_stable_id: str = ""

    @property
    def platform_id(self) -> str:
        return self.kept_id


@dataclass(frozen=True)
class Service:
    platform_id: str
    name: str
    category: str = ""
    duration_minutes: int | None = None
    price: Decimal | None = None
    active: bool = True
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Provider:
    platform_id: str
    name: str
    active: bool = True
    # Offered to clients by the platform's own online booking (None: the platform does not say).
    # A client-facing page can respect it; bookings SalonSync makes for the salon do not.
    online_bookable: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Location:
    platform_id: str
    name: str
    timezone: str = ""  # IANA name when the platform tells us
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Appointment:
    platform_id: str
    status: AppointmentStatus
    start: datetime
    end: datetime
    customer_id: str = ""
    service_id: str = ""
    provider_id: str = ""
    location_id: str = ""
    service_name: str = ""
    price: Decimal | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    notes: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    provider_id: str = ""
    service_id: str = ""
    location_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Event:
    """A change on the platform, from a webhook or discovered by a sync."""

    kind: EventKind
    platform: str
    event_id: str  # the platform's id for this delivery (idempotency key)
    object_id: str  # the appointment's or customer's platform id
    occurred_at: datetime | None = None
    # The normalized object when the payload carries it; None when the event is only a hint
    # (e.g. Mindbody's cancelled event carries nothing but ids: read the record before acting).
    data: Appointment | Customer | CustomerMerge | None = None
    account_id: str = ""  # site / business the event belongs to
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class BookingRequest:
    customer_id: str
    service_id: str
    provider_id: str
    start: datetime
    location_id: str = ""
    notes: str = ""
    # Our own key for this booking; adapters pass it on where the platform dedupes on one.
    idempotency_key: str = ""


@dataclass(frozen=True)
class AvailabilityFilters:
    service_ids: tuple[str, ...] = ()
    provider_ids: tuple[str, ...] = ()
    location_id: str = ""


@dataclass(frozen=True)
class AppointmentFilters:
    start_date: date | None = None
    end_date: date | None = None
    location_id: str = ""


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    account_name: str = ""
    message: str = ""
    timezone: str = ""
    currency: str = ""  # ISO 4217 code when the platform states the account's currency
    # Per-connection facts learnt while testing (e.g. Vagaro's {"write_access": True}); the core
    # saves them into Integration.options at connect, where the adapter reads them back.
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Activation:
    """How a business approves SalonSync's access (Mindbody's GET site/activationcode:
    ActivationCode and ActivationLink, docs/platforms/mindbody.md §1.2)."""

    code: str = ""
    link: str = ""


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class CallRecord:
    """One HTTP call to a platform, as reported to the caller (no secrets, no bodies)."""

    operation: str
    method: str
    path: str
    status: int | None
    duration_ms: float
    error_code: str = ""
    attempt: int = 1
