"""One client record becomes another, and the client's history follows.

Two ways it happens, one outcome:
- the platform merges two profiles (Mindbody's ``clientProfileMerger.created`` names the kept
  client by Id and UniqueId and the removed one by UniqueId only, docs/platforms/mindbody.md §6.7);
- a client's editable id changes under its permanent one (Mindbody's ``Id`` is business-editable,
  ``UniqueId`` is not, §7.2): the mirror holds the old Id, a read brings the new one.

The mirror's appointments of the removed record move to the kept one, and the removed row stays as
a tombstone (``merged_into``, inactive, no stable id) so that a late event for the old id is stale
rather than a new client. Consumers (rebooking's suggestions and rhythms, self-booking's opt-outs)
follow through the ``customer.merged`` domain event the EventService dispatches.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest

from .adapters.types import Customer, CustomerMerge
from .models import Integration, MirroredAppointment, MirroredCustomer


def customer_merge_resolve(
    *, integration: Integration, merge: CustomerMerge
) -> CustomerMerge | None:
    """The merge with the removed client's platform id filled in from the mirror; None when the
    mirror holds no such client (nothing to move) or it is the kept one already."""
    removed_id = merge.removed_id
    if not removed_id and merge.removed_stable_id:
        removed_id = (
            MirroredCustomer.objects.filter(
                integration=integration, stable_id=merge.removed_stable_id
            )
            .exclude(platform_id=merge.kept_id)
            .values_list("platform_id", flat=True)
            .first()
        )
    if not removed_id or removed_id == merge.kept_id:
        return None
    return CustomerMerge(
        kept_id=merge.kept_id,
        removed_id=removed_id,
        removed_stable_id=merge.removed_stable_id,
        kept_stable_id=merge.kept_stable_id,
    )


def customer_merge_apply(
    *, integration: Integration, merge: CustomerMerge, version_at: datetime
) -> int:
    """Move the removed client's appointments to the kept one and leave a tombstone; returns the
    appointments moved. ``merge`` is resolved (``removed_id`` set)."""
    with transaction.atomic():
        moved = MirroredAppointment.objects.filter(
            integration=integration, customer_ref=merge.removed_id
        ).update(customer_ref=merge.kept_id)
        MirroredCustomer.objects.filter(
            integration=integration, platform_id=merge.removed_id
        ).update(
            merged_into=merge.kept_id,
            stable_id="",
            active=False,
            version_at=Greatest(Coalesce(F("version_at"), Value(version_at)), Value(version_at)),
        )
        # A record that once was merged away and now is the kept one again is alive.
        MirroredCustomer.objects.filter(integration=integration, platform_id=merge.kept_id).update(
            merged_into=""
        )
    return moved


def customer_rekeys(
    *, integration: Integration, records: Iterable[Customer], version_at: datetime
) -> tuple[list[CustomerMerge], set[str]]:
    """Among customer records about to be written, those whose permanent id the mirror knows under
    another platform id: (merges to apply, platform ids of records older than the mirror's row
    for the same client, which are stale identities and must not be written)."""
    by_stable = {r.stable_id: r for r in records if r.stable_id}
    if not by_stable:
        return [], set()
    merges, stale = [], set()
    rows = MirroredCustomer.objects.filter(
        integration=integration, stable_id__in=list(by_stable)
    ).values_list("platform_id", "stable_id", "version_at")
    for platform_id, stable_id, row_version in rows:
        record = by_stable[stable_id]
        if platform_id == record.platform_id:
            continue
        if row_version and row_version > version_at:
            stale.add(record.platform_id)  # the id it had before the mirror's newer news
        else:
            merges.append(
                CustomerMerge(
                    kept_id=record.platform_id,
                    removed_id=platform_id,
                    removed_stable_id=stable_id,
                    kept_stable_id=stable_id,
                )
            )
    return merges, stale
