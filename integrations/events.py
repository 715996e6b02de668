"""EventService: platform changes applied to the mirror, then handed to whoever subscribed.

Webhooks (one event at a time) and syncs (pages of records) both end here and write the mirror by
one path (``_write``): records compared with the mirror, unchanged ones only re-dated, changed ones
upserted (never older over newer: integrations/mirror.py), and each change turned into the domain
event it means (``appointment.cancelled`` when an appointment ends, …). Those go to the handlers
that consumers subscribed in their AppConfig.ready() (rebooking/apps.py), so this module, on the
ground floor, imports no consumer: the data flows webhooks → integrations.events → rebooking.

A webhook that is only a hint (Mindbody's cancelled event carries nothing but ids) is completed by
reading the record from the platform first (``EventService.complete``), outside any transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .adapters import types as t
from .adapters.types import (
    ENDED_STATUSES,
    Appointment,
    Customer,
    CustomerMerge,
    Event,
    EventKind,
)
from .booking import BookingService
from .customer_merge import customer_merge_apply, customer_merge_resolve, customer_rekeys
from .mirror import MIRRORS, mirror_mark_deleted, mirror_upsert, version_cap
from .mirror_guard import RecordRefused, mirror_guard
from .models import Integration

logger = logging.getLogger(__name__)

DomainHandler = Callable[[Integration, Event], None]
SyncHandler = Callable[[Integration, str], None]

# What happens after the mirror has a change: kind -> handlers, filled by subscribe() from the
# consumers' AppConfig.ready(). tests/foundation/test_event_subscriptions.py pins the table.
DOMAIN_HANDLERS: dict[EventKind, list[DomainHandler]] = {
    kind: [] for kind in EventKind if kind != EventKind.UNKNOWN
}
# What happens after a sync that read whole windows (full or reconciliation): it announces only
# changes, so consumers that keep derived data rebuild it here.
SYNC_HANDLERS: list[SyncHandler] = []

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
_LABELS = {
    t.Appointment: "appointments",
    t.Customer: "customers",
    t.Service: "services",
    t.Provider: "providers",
    t.Location: "locations",
}


@dataclass(frozen=True)
class Applied:
    """What applying one event did: ``ignored`` events are recorded but change nothing."""

    ignored: bool = False
    stale: bool = False
    domain_event: Event | None = None
    reason: str = ""


@dataclass
class Written:
    """What one write of records did to the mirror."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    # Records cleaned before writing (unstorable text, impossible times or amounts), and those
    # refused (platform id, reason): integrations/mirror_guard.py.
    adjusted: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    # Each record that changed, with the domain event it means (None: no event for its type).
    changes: list[tuple[Any, EventKind | None]] = field(default_factory=list)
    # Customers whose editable id changed under their permanent one (customer_merge.py).
    merges: list[CustomerMerge] = field(default_factory=list)


def domain_kind_for_appointment(previous_status: str | None, appointment: Appointment) -> EventKind:
    """The domain event a change to an appointment means, from its state before and after."""
    ended = appointment.status in ENDED_STATUSES
    if ended and (previous_status is None or previous_status not in ENDED_STATUSES):
        # Also for an appointment first seen already cancelled: the cancellation is the news.
        return EventKind.APPOINTMENT_CANCELLED
    if previous_status is None:
        return EventKind.APPOINTMENT_CREATED
    return EventKind.APPOINTMENT_UPDATED


class EventService:
    """The one way platform changes reach the mirror and its consumers."""

    # -- subscriptions -------------------------------------------------------------------------
    @staticmethod
    def subscribe(kind: EventKind, handler: DomainHandler) -> None:
        """Call ``handler(integration, event)`` after each change of ``kind`` is applied."""
        if handler not in DOMAIN_HANDLERS[kind]:
            DOMAIN_HANDLERS[kind].append(handler)

    @staticmethod
    def subscribe_sync(handler: SyncHandler) -> None:
        """Call ``handler(integration, kind)`` after each sync that read whole windows."""
        if handler not in SYNC_HANDLERS:
            SYNC_HANDLERS.append(handler)

    @staticmethod
    def dispatch(*, integration: Integration, event: Event) -> None:
        for handler in DOMAIN_HANDLERS.get(event.kind, ()):
            handler(integration, event)

    @staticmethod
    def dispatch_merges(
        *, integration: Integration, merges: Sequence[CustomerMerge], occurred_at: datetime
    ) -> None:
        for merge in merges:
            EventService.dispatch(
                integration=integration,
                event=Event(
                    kind=EventKind.CUSTOMER_MERGED,
                    platform=integration.platform,
                    event_id=f"merge:{merge.removed_id}:{merge.kept_id}:{occurred_at.isoformat()}",
                    object_id=merge.kept_id,
                    occurred_at=occurred_at,
                    data=merge,
                    account_id=integration.account_key,
                ),
            )

    @staticmethod
    def sync_finished(*, integration: Integration, kind: str) -> None:
        for handler in SYNC_HANDLERS:
            handler(integration, kind)

    # -- one event (webhooks) ------------------------------------------------------------------
    @staticmethod
    def complete(
        *, integration: Integration, event: Event, service: BookingService | None = None
    ) -> Event:
        """A hint (an event without its record) with the record read from the platform.

        Called outside any transaction (integrations/platform_calls.py): webhook processing
        completes its events first, then applies them under the row lock. The reading is as new
        as "now".
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

    @staticmethod
    def apply(
        *, integration: Integration, event: Event, service: BookingService | None = None
    ) -> Applied:
        """Apply one platform event to the mirror and dispatch the domain event it implies.

        Hints are completed first (a platform read), so a caller inside a transaction passes
        completed events (``complete``)."""
        if event.kind == EventKind.CUSTOMER_MERGED and isinstance(event.data, CustomerMerge):
            return _apply_merge(integration, event)
        if event.kind not in APPOINTMENT_KINDS | CUSTOMER_KINDS:
            return Applied(ignored=True, reason=f"{event.kind} events are not used")
        if event.kind == EventKind.APPOINTMENT_DELETED and not isinstance(event.data, Appointment):
            mirror_mark_deleted(
                integration=integration, platform_ids=[event.object_id], version_at=_version(event)
            )
            EventService.dispatch(integration=integration, event=event)
            return Applied(domain_event=event)
        event = EventService.complete(integration=integration, event=event, service=service)
        record = event.data
        if event.kind == EventKind.CUSTOMER_DELETED:
            record = replace(record, active=False)
        written = _write(integration, [record], _version(event))
        if written.refused:  # never retried: the same record would be refused again
            raise RecordRefused(written.refused[0][1])
        if written.stale:
            return Applied(stale=True, reason="newer information was already applied")
        EventService.dispatch_merges(
            integration=integration, merges=written.merges, occurred_at=_version(event)
        )
        if not written.changes:
            return Applied(reason="the mirror already held this")
        record, kind = written.changes[0]
        if event.kind in CUSTOMER_KINDS:
            kind = event.kind  # the platform said what happened to the customer
        domain = replace(event, kind=kind, data=record)
        EventService.dispatch(integration=integration, event=domain)
        return Applied(domain_event=domain)

    # -- a page of records (syncs) -------------------------------------------------------------
    @staticmethod
    def apply_page(
        *,
        integration: Integration,
        records: Sequence[Any],
        read_at: datetime,
        counts: dict[str, int],
        announce: bool = True,
    ) -> None:
        """Write a page a sync read at ``read_at``; announce each change as a domain event.

        ``counts`` is the sync run's tally: read per type, created, updated, unchanged, events,
        and records adjusted or skipped before writing (integrations/mirror_guard.py).
        """
        if not records:
            return
        label = _LABELS[type(records[0])]
        counts[label] = counts.get(label, 0) + len(records)
        written = _write(integration, records, read_at)
        for key in ("created", "updated", "unchanged"):
            counts[key] = counts.get(key, 0) + getattr(written, key)
        # Only when it happens: the sync panel lists these beside the other counts.
        for key, value in (
            ("adjusted", written.adjusted),
            ("skipped", len(written.refused)),
            ("merged", len(written.merges)),
        ):
            if value:
                counts[key] = counts.get(key, 0) + value
        if not announce:
            return
        EventService.dispatch_merges(
            integration=integration, merges=written.merges, occurred_at=read_at
        )
        for record, kind in written.changes:
            if kind is None:
                continue
            occurred_at = getattr(record, "updated_at", None) or read_at
            EventService.dispatch(
                integration=integration,
                event=Event(
                    kind=kind,
                    platform=integration.platform,
                    event_id=f"sync:{kind}:{record.platform_id}:{occurred_at.isoformat()}",
                    object_id=record.platform_id,
                    occurred_at=occurred_at,
                    data=record,
                    account_id=integration.account_key,
                ),
            )
            counts["events"] = counts.get("events", 0) + 1

    @staticmethod
    def announce_deleted(
        *, integration: Integration, platform_ids: Sequence[str], version_at: datetime
    ) -> int:
        """Mark appointments the platform no longer lists as deleted and announce each."""
        marked = mirror_mark_deleted(
            integration=integration, platform_ids=list(platform_ids), version_at=version_at
        )
        for pid in platform_ids:
            EventService.dispatch(
                integration=integration,
                event=Event(
                    kind=EventKind.APPOINTMENT_DELETED,
                    platform=integration.platform,
                    event_id=f"sync:{EventKind.APPOINTMENT_DELETED}:{pid}:{version_at.isoformat()}",
                    object_id=pid,
                    occurred_at=version_at,
                    data=None,
                    account_id=integration.account_key,
                ),
            )
        return marked


def _version(event: Event) -> datetime:
    return version_cap(event.occurred_at or timezone.now())


def _apply_merge(integration: Integration, event: Event) -> Applied:
    """A platform's merge of two client profiles: the removed one's history moves to the kept."""
    merge = customer_merge_resolve(integration=integration, merge=event.data)
    if merge is None:
        return Applied(
            ignored=True, reason="the merged-away client was not in the mirror: nothing to move"
        )
    customer_merge_apply(integration=integration, merge=merge, version_at=_version(event))
    domain = replace(event, data=merge)
    EventService.dispatch(integration=integration, event=domain)
    return Applied(domain_event=domain)


def _write(integration: Integration, records: Sequence[Any], version_at: datetime) -> Written:
    """The one mirror write: new and changed records upserted, unchanged ones re-dated, records
    older than what the mirror holds left alone; each change paired with its domain event."""
    written = Written()
    guarded = mirror_guard(list(records))
    written.adjusted, written.refused = guarded.adjusted, guarded.refused
    for platform_id, reason in guarded.refused:
        logger.warning("integration %s, record %s: %s", integration.pk, platform_id[:60], reason)
    records = guarded.records
    if not records:
        return written
    version_at = version_cap(version_at)  # the same value mirror_upsert stamps, compared below
    model, to_fields = MIRRORS[type(records[0])]
    latest = {r.platform_id: r for r in records}  # a page may repeat an id: last one wins
    if isinstance(records[0], Customer):
        written.merges, old_ids = customer_rekeys(
            integration=integration, records=latest.values(), version_at=version_at
        )
        written.stale += len(old_ids)
        latest = {pid: r for pid, r in latest.items() if pid not in old_ids}
        if not latest:
            return written
    values = {pid: to_fields(r) for pid, r in latest.items()}
    names = list(next(iter(values.values())))
    existing = {
        row["platform_id"]: row
        for row in model.objects.filter(
            integration=integration, platform_id__in=list(latest)
        ).values("platform_id", "version_at", *names)
    }
    changed, unchanged = [], []
    for pid, record in latest.items():
        old = existing.get(pid)
        if old is not None and old["version_at"] and old["version_at"] > version_at:
            written.stale += 1  # newer information arrived (a webhook while a sync read)
        elif old is None or any(old[k] != v for k, v in values[pid].items()):
            changed.append(record)
        else:
            unchanged.append(pid)
    written.unchanged = len(unchanged)
    with transaction.atomic():
        if unchanged:  # the same state, now known to hold at version_at
            model.objects.filter(
                Q(version_at__lt=version_at) | Q(version_at__isnull=True),
                integration=integration,
                platform_id__in=unchanged,
            ).update(version_at=version_at)
        if changed:
            result = mirror_upsert(integration=integration, objects=changed, version_at=version_at)
        for merge in written.merges:
            customer_merge_apply(integration=integration, merge=merge, version_at=version_at)
        if not changed:
            return written
    written.created, written.updated = result.created, result.updated
    written.stale += result.skipped_stale
    if isinstance(changed[0], Appointment):
        for record in changed:
            if record.platform_id in result.previous_status:  # else stale between read and write
                previous = result.previous_status[record.platform_id]
                written.changes.append((record, domain_kind_for_appointment(previous, record)))
    elif isinstance(changed[0], Customer):
        applied = {r.platform_id for r in changed}
        if result.skipped_stale:
            applied = set(
                model.objects.filter(
                    integration=integration, platform_id__in=list(applied), version_at=version_at
                ).values_list("platform_id", flat=True)
            )
        for record in changed:
            if record.platform_id in applied:
                kind = (
                    EventKind.CUSTOMER_UPDATED
                    if record.platform_id in existing
                    else EventKind.CUSTOMER_CREATED
                )
                written.changes.append((record, kind))
    else:
        written.changes.extend((record, None) for record in changed)
    return written
