"""The stored rhythms (ClientRhythm): kept in step with the mirror, so a freed slot's refill reads
who is due by category and provider from an index instead of the whole history.

The rows come from the very query the overdue scan runs live (scan.summary_ctes), so the two
cannot disagree on what a client's rhythm is. A change to a client's appointments (the
EventService's dispatch table, from webhooks and syncs alike) refreshes that client's rows after
the change commits; a full sync or a reconciliation rebuilds the integration's rows.
"""

from __future__ import annotations

import threading
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .scan import _ids, _marks, _ts, summary_ctes

CHUNK = 500  # customers per refresh statement (SQLite's parameter limit, short transactions)
# A batch larger than this rebuilds the whole integration: one pass beats many chunks.
REBUILD_ABOVE = 5000

_pending = threading.local()


def rhythms_refresh(
    *, integration_id: str, customer_refs: list[str] | None = None, now: datetime | None = None
) -> int:
    """Recompute the stored rhythms of these customers (all of the integration's with ``None``)
    from every completed visit the mirror holds (``now`` only stamps the rows); returns the rows
    written. Idempotent: the rows are replaced, never added to."""
    now = now or timezone.now()
    if customer_refs is not None:
        refs = sorted({r for r in customer_refs if r})
        if not refs:
            return 0
        if len(refs) > REBUILD_ABOVE:
            return rhythms_refresh(integration_id=integration_id, now=now)
        return sum(
            _replace(integration_id, refs[i : i + CHUNK], now) for i in range(0, len(refs), CHUNK)
        )
    return _replace(integration_id, None, now)


def _replace(integration_id: str, refs: list[str] | None, now: datetime) -> int:
    ids = _ids([integration_id])
    prefix, params = summary_ctes(integration_ids=[integration_id], now=None, customer_refs=refs)
    delete = "DELETE FROM rebooking_clientrhythm WHERE integration_id = %s"
    delete_params: list = [*ids]
    if refs:
        delete += f" AND customer_ref IN ({_marks(refs)})"
        delete_params += refs
    insert = f"""{prefix}
    INSERT INTO rebooking_clientrhythm (integration_id, customer_ref, category, visits,
        last_visit, last_service_ref, last_provider_ref, median_gap, rhythm_gap, refreshed_at)
    SELECT iid, cref, cat, visits, last_visit, COALESCE(last_sref, ''),
           COALESCE(last_pref, ''), median_gap, rhythm_gap, %s
    FROM summary"""
    # savepoint=False: inside a caller's transaction the two statements simply join it.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(delete, delete_params)
        cursor.execute(insert, [*params, _ts(now)])
        if connection.vendor == "sqlite":  # its driver reports no rowcount after WITH … INSERT
            cursor.execute("SELECT changes()")
            return cursor.fetchone()[0]
        return max(cursor.rowcount, 0)


# -- the EventService's hook ------------------------------------------------------------------
def note_appointment_change(integration, event) -> None:
    """Dispatch-table entry for every appointment event: remember the client, and refresh all
    the clients a transaction touched in one task once it commits (a sync page announces a
    hundred changes; it must not send a hundred tasks)."""
    ref = getattr(getattr(event, "data", None), "customer_id", "") or ""
    if not ref:  # a deletion by id: the mirror still knows whose it was
        from integrations.models import MirroredAppointment

        ref = (
            MirroredAppointment.objects.filter(integration=integration, platform_id=event.object_id)
            .values_list("customer_ref", flat=True)
            .first()
        )
    if ref:
        note_customers(integration, [ref])


def note_customers(integration, refs) -> None:
    """Refresh these clients' rhythms once the current transaction commits (batched)."""
    pending = _pending.__dict__.setdefault("refs", {})
    pending.setdefault(str(integration.pk), set()).update(r for r in refs if r)
    # robust: a broker that is down must not fail what has committed; the nightly rebuild after
    # the reconciliation repairs any client missed.
    transaction.on_commit(_flush, robust=True)


def _flush() -> None:
    from .tasks import refresh_rhythms_task

    pending = _pending.__dict__.pop("refs", None)
    for integration_id, refs in (pending or {}).items():
        refresh_rhythms_task.delay(integration_id, sorted(refs))


def rebuild_after_sync(integration, kind: str) -> None:
    """After a full sync (the silent baseline among them) or a reconciliation: rebuild the
    integration's rows in a task. Incremental syncs announce each change instead."""
    from .tasks import refresh_rhythms_task

    if kind not in ("full", "reconcile"):
        return
    integration_id = str(integration.pk)
    transaction.on_commit(lambda: refresh_rhythms_task.delay(integration_id, None), robust=True)
