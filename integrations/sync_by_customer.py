"""Syncing a platform that lists appointments only per customer or by id (Vagaro: there is no
list by date range, docs/platforms/vagaro.md §2.5).

Webhooks are the source of change for these platforms; the sync only fills and repairs:
- backfill (the first, "full" sync): walk the customers page by page and read each one's
  appointments. A checkpoint (Integration.sync_checkpoint) records the last page finished, so an
  interrupted backfill (rate limit, worker restart) resumes at the next page instead of starting
  over; its counts show the owner how far it got.
- reconcile (nightly): re-read only the customers who have appointments in a short window around
  today, soonest first, as many as the salon's call allowance affords; an appointment of a
  re-read customer that the platform no longer lists is marked deleted. Deletions of customers
  not re-read are not detected (the connection page says so): a webhook is how they arrive.
- incremental: the customers with appointments today, capped; the periodic 15-minute sync skips
  these platforms (integrations/tasks.py), so this runs only when someone asks for it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from .call_budget import allowance_for
from .events import EventService
from .mirror import mirror_mark_deleted
from .models import Integration, MirroredAppointment

if TYPE_CHECKING:
    from .sync import _Syncer

# Days around today whose customers the nightly reconciliation re-reads.
RECONCILE_DAYS_BACK, RECONCILE_DAYS_AHEAD = 1, 7
# Share of a day's included calls the reconciliation may spend (the rest is for webhooks'
# re-reads, bookings and the owner's own use). A 5,000-a-month allowance gives ~80 customers.
RECONCILE_ALLOWANCE_SHARE = 0.5
# Without a published allowance, still a fuse against a runaway night.
RECONCILE_MAX_CUSTOMERS = 2000
INCREMENTAL_MAX_CUSTOMERS = 50
BACKFILL = "backfill"


def backfill(syncer: _Syncer) -> None:
    """Read every customer's appointments, resuming after the last page a previous run finished."""
    integration, adapter = syncer.integration, syncer.service.adapter
    checkpoint = integration.sync_checkpoint or {}
    resumed = checkpoint.get("kind") == BACKFILL
    start_page = int(checkpoint.get("page", 0)) + 1 if resumed else 1
    for key in ("customers_read", "appointments_read"):
        syncer.counts[key] = int(checkpoint.get(key, 0)) if resumed else 0
    if resumed:
        syncer.counts["resumed_at_page"] = start_page
    pages = adapter.customer_pages(start_page)
    while True:
        page = syncer.service.run(lambda: next(pages, None))
        if page is None:
            break
        number, customers = page
        syncer.apply(customers)
        for customer in customers:
            appointments = syncer.service.run(
                adapter.get_customer_appointments, customer.platform_id
            )
            if appointments:
                syncer.apply(appointments)
            syncer.counts["customers_read"] += 1
            syncer.counts["appointments_read"] += len(appointments)
        _save_checkpoint(integration, {"kind": BACKFILL, "page": number, **_progress(syncer)})
        syncer.counts["pages"] = syncer.counts.get("pages", 0) + 1
        syncer.save_progress()
        syncer.extend_lock()
    _save_checkpoint(
        integration,
        {"kind": "done", "finished_at": timezone.now().isoformat(), **_progress(syncer)},
    )


def reconcile(syncer: _Syncer) -> None:
    """Re-read the customers with appointments near today and mark what vanished."""
    integration = syncer.integration
    today, zone = syncer._today(), syncer._zone()
    window_start = datetime.combine(today - timedelta(days=RECONCILE_DAYS_BACK), time(), zone)
    window_end = datetime.combine(today + timedelta(days=RECONCILE_DAYS_AHEAD + 1), time(), zone)
    syncer.run.window_start, syncer.run.window_end = window_start, window_end
    syncer.run.save(update_fields=["window_start", "window_end"])
    limit = reconcile_customer_limit(integration)
    customers = customers_to_reread(integration, window_start, window_end)
    syncer.counts["customers_skipped"] = max(0, len(customers) - limit)
    _reread(syncer, customers[:limit], window_start, window_end)


def incremental(syncer: _Syncer) -> None:
    """Today's customers only: what a "Sync now" can afford on a per-customer API."""
    today, zone = syncer._today(), syncer._zone()
    start = datetime.combine(today, time(), zone)
    end = start + timedelta(days=1)
    customers = customers_to_reread(syncer.integration, start, end, limit=INCREMENTAL_MAX_CUSTOMERS)
    _reread(syncer, customers, start, end)


def _reread(syncer: _Syncer, customers: list[str], start: datetime, end: datetime) -> None:
    adapter = syncer.service.adapter
    syncer.counts.setdefault("customers_read", 0)
    syncer.counts.setdefault("deleted", 0)
    for customer_id in customers:
        appointments = syncer.service.run(adapter.get_customer_appointments, customer_id)
        syncer.counts["customers_read"] += 1
        if appointments:
            syncer.apply(appointments)
        seen = {a.platform_id for a in appointments}
        missing = list(
            MirroredAppointment.objects.filter(
                integration=syncer.integration,
                customer_ref=customer_id,
                deleted=False,
                start__gte=start,
                start__lt=end,
            )
            .exclude(version_at__gt=syncer.read_at)  # a webhook applied it while we read
            .exclude(platform_id__in=seen)
            .values_list("platform_id", flat=True)
        )
        if missing:
            with transaction.atomic():
                if syncer.announce:
                    marked = EventService.announce_deleted(
                        integration=syncer.integration,
                        platform_ids=missing,
                        version_at=syncer.read_at,
                    )
                else:
                    marked = mirror_mark_deleted(
                        integration=syncer.integration,
                        platform_ids=missing,
                        version_at=syncer.read_at,
                    )
            syncer.counts["deleted"] += marked
        syncer.save_progress()
        syncer.extend_lock()


def customers_to_reread(
    integration: Integration, start: datetime, end: datetime, *, limit: int | None = None
) -> list[str]:
    """Customers with a live mirrored appointment in [start, end), the soonest from now first."""
    now = timezone.now()
    rows = (
        MirroredAppointment.objects.filter(
            integration=integration, deleted=False, start__gte=start, start__lt=end
        )
        .exclude(customer_ref="")
        .values("customer_ref")
        .annotate(first=Min("start"))
    )
    ordered = sorted(
        rows, key=lambda r: (abs((r["first"] - now).total_seconds()), r["customer_ref"])
    )
    return [r["customer_ref"] for r in ordered[:limit]]  # [:None] is everything


def reconcile_customer_limit(integration: Integration) -> int:
    """How many customers one night may re-read: a share of a day's included calls."""
    allowance = allowance_for(integration.platform)
    if allowance is None:
        return RECONCILE_MAX_CUSTOMERS
    per_day = allowance.calls / 30 if allowance.period == "month" else allowance.calls
    return max(1, min(RECONCILE_MAX_CUSTOMERS, int(per_day * RECONCILE_ALLOWANCE_SHARE)))


def backfill_progress(integration: Integration) -> dict[str, Any]:
    """What the connection page shows about the backfill ({} before it starts)."""
    checkpoint = integration.sync_checkpoint or {}
    if checkpoint.get("kind") not in (BACKFILL, "done"):
        return {}
    return {
        "done": checkpoint["kind"] == "done",
        "page": checkpoint.get("page"),
        "customers_read": checkpoint.get("customers_read", 0),
        "appointments_read": checkpoint.get("appointments_read", 0),
        "finished_at": checkpoint.get("finished_at", ""),
    }


def _progress(syncer: _Syncer) -> dict[str, int]:
    return {k: syncer.counts.get(k, 0) for k in ("customers_read", "appointments_read")}


def _save_checkpoint(integration: Integration, value: dict[str, Any]) -> None:
    Integration.objects.filter(pk=integration.pk).update(sync_checkpoint=value)
    integration.sync_checkpoint = value


# SyncRun.Kind value -> what that kind of run does on a per-customer platform.
SYNCS = {"full": backfill, "reconcile": reconcile, "incremental": incremental}
