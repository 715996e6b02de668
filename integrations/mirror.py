"""Writes to the mirror: normalized platform objects upserted, never older over newer.

Both webhooks (one object, an event's time) and syncs (pages of objects, the read time) come here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from .adapters import types as t
from .models import (
    Integration,
    MirroredAppointment,
    MirroredCustomer,
    MirroredLocation,
    MirroredProvider,
    MirroredService,
)


def _appointment(a: t.Appointment) -> dict[str, Any]:
    return {
        "status": str(a.status),
        "start": a.start,
        "end": a.end,
        "customer_ref": a.customer_id,
        "service_ref": a.service_id,
        "provider_ref": a.provider_id,
        "location_ref": a.location_id,
        "service_name": a.service_name[:200],
        "price": a.price,
        "platform_created_at": a.created_at,
        "platform_updated_at": a.updated_at,
        "deleted": False,
    }


def _customer(c: t.Customer) -> dict[str, Any]:
    return {
        "first_name": c.first_name[:200],
        "last_name": c.last_name[:200],
        "email": c.email[:254],
        "phone": c.phone[:64],
        "active": c.active,
        "email_opt_in": c.email_opt_in,
        "sms_opt_in": c.sms_opt_in,
        "platform_created_at": c.created_at,
        "platform_updated_at": c.updated_at,
    }


def _service(s: t.Service) -> dict[str, Any]:
    return {
        "name": s.name[:200],
        "category": s.category[:200],
        "duration_minutes": s.duration_minutes,
        "price": s.price,
        "active": s.active,
    }


def _provider(p: t.Provider) -> dict[str, Any]:
    return {"name": p.name[:200], "active": p.active}


def _location(loc: t.Location) -> dict[str, Any]:
    return {"name": loc.name[:200], "timezone": loc.timezone[:64]}


MIRRORS: dict[type, tuple[type, Any]] = {
    t.Appointment: (MirroredAppointment, _appointment),
    t.Customer: (MirroredCustomer, _customer),
    t.Service: (MirroredService, _service),
    t.Provider: (MirroredProvider, _provider),
    t.Location: (MirroredLocation, _location),
}


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    skipped_stale: int = 0
    # For appointments: platform id -> status before this write (None when new).
    previous_status: dict[str, str | None] = field(default_factory=dict)


def mirror_upsert(
    *, integration: Integration, objects: Sequence[Any], version_at: datetime
) -> UpsertResult:
    """Upsert normalized objects of one type; rows holding newer information are left alone."""
    result = UpsertResult()
    if not objects:
        return result
    model, to_fields = MIRRORS[type(objects[0])]
    latest = {o.platform_id: o for o in objects}  # a page may repeat an id: last one wins
    with transaction.atomic():
        existing = {
            row["platform_id"]: row
            for row in model.objects.select_for_update()
            .filter(integration=integration, platform_id__in=list(latest))
            .values(
                "platform_id", "version_at", *(("status",) if model is MirroredAppointment else ())
            )
        }
        rows = []
        for platform_id, obj in latest.items():
            old = existing.get(platform_id)
            if old and old["version_at"] and old["version_at"] > version_at:
                result.skipped_stale += 1
                continue
            if model is MirroredAppointment:
                result.previous_status[platform_id] = old["status"] if old else None
            if old:
                result.updated += 1
            else:
                result.created += 1
            rows.append(
                model(
                    integration=integration,
                    platform_id=platform_id,
                    raw=obj.raw,
                    version_at=version_at,
                    **to_fields(obj),
                )
            )
        if rows:
            fields = [*to_fields(objects[0]).keys(), "raw", "version_at", "mirrored_at"]
            model.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["integration", "platform_id"],
                update_fields=fields,
                batch_size=500,
            )
    return result


def mirror_mark_deleted(
    *, integration: Integration, platform_ids: Sequence[str], version_at: datetime
) -> int:
    """Appointments gone from the platform: kept (history matters) but marked deleted."""
    return (
        MirroredAppointment.objects.filter(integration=integration, platform_id__in=platform_ids)
        .exclude(version_at__gt=version_at)
        .update(deleted=True, version_at=version_at)
    )
