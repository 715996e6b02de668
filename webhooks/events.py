"""EventService: normalized platform events applied to the mirror, then handed on.

Webhooks and syncs both end here. An event is applied to the mirror (an older event never
overwrites newer state), and the domain events it implies go through one explicit dispatch table
(DOMAIN_HANDLERS), not scattered signals. A payload that is only a hint (Mindbody's cancelled event
carries nothing but ids) is completed by reading the authoritative record through the adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils import timezone

from integrations.adapters.types import (
    ENDED_STATUSES,
    Appointment,
    Customer,
    Event,
    EventKind,
)
from integrations.booking import BookingService
from integrations.mirror import mirror_mark_deleted, mirror_upsert
from integrations.models import Integration
from rebooking.handlers import on_appointment_cancelled
from rebooking.rhythm_store import note_appointment_change, rebuild_after_sync

logger = logging.getLogger(__name__)

DomainHandler = Callable[[Integration, Event], None]

# What happens after the mirror has the change. Rebooking registers here (appointment.cancelled ->
# suggestions); every consumer of platform events is listed in this one table.
# Any appointment change also refreshes that client's stored rhythm (rebooking.rhythm_store).
DOMAIN_HANDLERS: dict[EventKind, list[DomainHandler]] = {
    EventKind.APPOINTMENT_CREATED: [note_appointment_change],
    EventKind.APPOINTMENT_UPDATED: [note_appointment_change],
    EventKind.APPOINTMENT_CANCELLED: [note_appointment_change, on_appointment_cancelled],
    EventKind.APPOINTMENT_DELETED: [note_appointment_change],
    EventKind.CUSTOMER_CREATED: [],
    EventKind.CUSTOMER_UPDATED: [],
    EventKind.CUSTOMER_DELETED: [],
}

APPOINTMENT_KINDS = frozenset(
    {
        EventKind.APPOINTMENT_CREATED,
        EventKind.APPOINTMENT_UPDATED,
        EventKind.APPOINTMENT_CANCELLED,
        EventKind.APPOINTMENT_DELETED,
    }
)
CUSTOMER_KINDS = frozenset(
    {EventKind.CUSTOMER_CREATED, EventKind.CUSTOMER_UPDATED, EventKind.CUSTOMER_DELETED}
)


@dataclass(frozen=True)
class Applied:
    """What applying one event did: ``ignored`` events are recorded but change nothing."""

    ignored: bool = False
    stale: bool = False
    domain_event: Event | None = None
    reason: str = ""


# What happens after a sync that read whole windows (full or reconciliation): it announces
# only changes, so consumers that keep derived data rebuild it here.
SYNC_HANDLERS: list[Callable[[Integration, str], None]] = [rebuild_after_sync]


def sync_finished(*, integration: Integration, kind: str) -> None:
    for handler in SYNC_HANDLERS:
        handler(integration, kind)


def event_dispatch(*, integration: Integration, event: Event) -> None:
    """Hand a domain event to every handler registered for its kind."""
    for handler in DOMAIN_HANDLERS.get(event.kind, ()):
        handler(integration, event)


def domain_kind_for_appointment(previous_status: str | None, appointment: Appointment) -> EventKind:
    """The domain event a change to an appointment means, from its state before and after."""
    ended = appointment.status in ENDED_STATUSES
    if ended and (previous_status is None or previous_status not in ENDED_STATUSES):
        # Also for an appointment first seen already cancelled: the cancellation is the news.
        return EventKind.APPOINTMENT_CANCELLED
    if previous_status is None:
        return EventKind.APPOINTMENT_CREATED
    return EventKind.APPOINTMENT_UPDATED


def event_complete(
    *, integration: Integration, event: Event, service: BookingService | None = None
) -> Event:
    """A hint (an event without its record) with the record read from the platform.

    Called outside any transaction (integrations/platform_calls.py): webhook processing completes
    its events first, then applies them under the row lock. The reading is as new as "now".
    """
    if event.kind in APPOINTMENT_KINDS:
        if event.kind == EventKind.APPOINTMENT_DELETED or isinstance(event.data, Appointment):
            return event
        read = "get_appointment"
    elif event.kind in CUSTOMER_KINDS:
        if isinstance(event.data, Customer):
            return event
        read = "get_customer"
    else:
        return event
    service = service or BookingService(integration)
    data = service.run(getattr(service.adapter, read), event.object_id)
    return replace(event, data=data, occurred_at=timezone.now())


def event_apply(
    *, integration: Integration, event: Event, service: BookingService | None = None
) -> Applied:
    """Apply one platform event to the mirror and dispatch the domain event it implies.

    Hints are completed first (a platform read), so a caller inside a transaction passes
    completed events (``event_complete``)."""
    event = event_complete(integration=integration, event=event, service=service)
    if event.kind in APPOINTMENT_KINDS:
        return _apply_appointment(integration, event)
    if event.kind in CUSTOMER_KINDS:
        return _apply_customer(integration, event)
    return Applied(ignored=True, reason=f"{event.kind} events are not used")


def _version(event: Event) -> datetime:
    return event.occurred_at or timezone.now()


def _apply_appointment(integration, event: Event) -> Applied:
    if event.kind == EventKind.APPOINTMENT_DELETED and not isinstance(event.data, Appointment):
        mirror_mark_deleted(
            integration=integration, platform_ids=[event.object_id], version_at=_version(event)
        )
        domain = replace(event, kind=EventKind.APPOINTMENT_DELETED)
        event_dispatch(integration=integration, event=domain)
        return Applied(domain_event=domain)
    appointment, version = event.data, _version(event)
    result = mirror_upsert(integration=integration, objects=[appointment], version_at=version)
    if result.skipped_stale:
        return Applied(stale=True, reason="newer information was already applied")
    previous = result.previous_status.get(appointment.platform_id)
    kind = domain_kind_for_appointment(previous, appointment)
    domain = replace(event, kind=kind, data=appointment)
    event_dispatch(integration=integration, event=domain)
    return Applied(domain_event=domain)


def _apply_customer(integration, event: Event) -> Applied:
    customer, version = event.data, _version(event)
    if event.kind == EventKind.CUSTOMER_DELETED:
        customer = replace(customer, active=False)
    result = mirror_upsert(integration=integration, objects=[customer], version_at=version)
    if result.skipped_stale:
        return Applied(stale=True, reason="newer information was already applied")
    domain = replace(event, data=customer)
    event_dispatch(integration=integration, event=domain)
    return Applied(domain_event=domain)
