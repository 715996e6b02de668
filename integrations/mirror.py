"""Writes to the mirror: normalized platform objects upserted, never older over newer.

Both webhooks (one object, an event's time) and syncs (pages of objects, the read time) come here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, router, transaction
from django.utils.timezone import now

from .adapters import types as t
from .models import (
    Integration,
    MirroredAppointment,
    MirroredCustomer,
    MirroredLocation,
    MirroredProvider,
    MirroredService,
)

# How far ahead of ours a platform's clock may run. A version later than the present plus this is
# never stored: the row would hold it until that day, and "never older over newer" would refuse
# every real change meanwhile.
MAX_CLOCK_SKEW = timedelta(minutes=5)


def version_cap(version_at: datetime) -> datetime:
    """``version_at``, but never later than now plus MAX_CLOCK_SKEW (whoever computed it)."""
    return min(version_at, now() + MAX_CLOCK_SKEW)


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


def _text(value, limit: int) -> str:
    """A text column's value: a platform may send a number where a name belongs (a webhook's
    ``firstName`` of 80 digits), which is kept as its digits rather than failing the write."""
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value))[:limit]


def _consent(value) -> bool | None:
    """A consent flag: only a real true or false counts; anything else a platform sends (a
    webhook's ``sendPromotionalEmails`` as a long string) is unknown, never consent."""
    return value if isinstance(value, bool) else None


def _customer(c: t.Customer) -> dict[str, Any]:
    return {
        "first_name": _text(c.first_name, 200),
        "last_name": _text(c.last_name, 200),
        "email": _text(c.email, 254),
        "phone": _text(c.phone, 64),
        "active": c.active if isinstance(c.active, bool) else True,
        "email_opt_in": _consent(c.email_opt_in),
        "sms_opt_in": _consent(c.sms_opt_in),
        "stable_id": _text(c.stable_id, 64),
        "merged_into": "",
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
    return {"name": p.name[:200], "active": p.active, "online_bookable": p.online_bookable}


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
    version_at = version_cap(version_at)
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
            rows.append((platform_id, to_fields(obj), obj.raw))
        if rows:
            _write(model, integration, rows, version_at)
    return result


# Pages of at least this many rows are written on PostgreSQL through COPY (see _copy_upsert);
# smaller ones (a webhook's single object) through bulk_create, where a temporary table would cost
# more than it saves.
COPY_MIN_ROWS = 50


def _write(
    model: type, integration: Integration, rows: list[tuple[str, dict, Any]], version_at: datetime
) -> None:
    """Insert or overwrite ``rows`` (platform id, to_fields values, raw), all stamped with
    ``version_at``. The caller has filtered out the stale ones and holds the existing rows'
    locks."""
    names = list(rows[0][1])
    update_fields = [*names, "raw", "version_at", "mirrored_at"]
    alias = router.db_for_write(model)  # where bulk_create would write
    if connections[alias].vendor == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        _copy_upsert(alias, model, integration, rows, version_at, update_fields)
        return
    model.objects.bulk_create(
        [
            model(
                integration=integration,
                platform_id=platform_id,
                raw=raw,
                version_at=version_at,
                **values,
            )
            for platform_id, values, raw in rows
        ],
        update_conflicts=True,
        unique_fields=["integration", "platform_id"],
        update_fields=update_fields,
        batch_size=500,
    )


def _copy_upsert(
    alias: str,
    model: type,
    integration: Integration,
    rows: list[tuple[str, dict, Any]],
    version_at: datetime,
    update_fields: list[str],
) -> None:
    """The same upsert as bulk_create(update_conflicts=True, unique_fields=["integration",
    "platform_id"], update_fields=...), in two statements: COPY the rows into a temporary table,
    then INSERT ... SELECT ... ON CONFLICT (integration_id, platform_id) DO UPDATE.

    Why: on PostgreSQL, bulk_create sends a page as one array per column (Django 5.2's UNNEST
    insert) and psycopg builds those arrays' text in Python, escaping every quote and backslash
    of every ``raw`` JSON one regex match at a time: most of a sync's own time went there. COPY
    (psycopg's documented bulk-load path) formats the rows in C. Values are still prepared by
    each field's get_db_prep_save, as bulk_create prepares them, and ``mirrored_at`` (auto_now)
    is the write time, as bulk_create's pre_save sets it.
    """
    connection = connections[alias]
    # Every name in the SQL below is a model's table or column, quoted: no value is interpolated.
    meta, quote = model._meta, connection.ops.quote_name
    # The same for every row (prepared once), then each row's own.
    constant = {"integration": integration.pk, "version_at": version_at, "mirrored_at": now()}
    names = list(rows[0][1])  # to_fields' keys, the same for every row
    constant_fields = [meta.get_field(name) for name in constant]
    own_fields = [meta.get_field(name) for name in ("platform_id", *names, "raw")]
    fields = [*constant_fields, *own_fields]
    if {f.name for f in fields} != {"integration", "platform_id", *update_fields}:
        # bulk_create would write the same columns: a field added to to_fields() only must fail
        # loudly here, not be left out of the COPY.
        raise ValueError(f"{model.__name__}: the COPY upsert's columns differ from bulk_create's")
    prepared = [
        f.get_db_prep_save(v, connection)
        for f, v in zip(constant_fields, constant.values(), strict=True)
    ]
    columns = ", ".join(quote(f.column) for f in fields)
    table, stage = quote(meta.db_table), quote("mirror_upsert_stage")
    assignments = ", ".join(
        f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in fields if f.name in update_fields
    )
    # ON COMMIT DROP needs a transaction; mirror_upsert's is enough (no savepoint of our own).
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        # Only the copied columns, with the table's types and no constraints; dropped below (a
        # transaction may upsert more than once) and in any case at commit or rollback.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608 - identifiers
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
            for platform_id, values, raw in rows:
                row = (platform_id, *(values[name] for name in names), raw)
                copy.write_row(
                    [
                        *prepared,
                        *(
                            field.get_db_prep_save(value, connection)
                            for field, value in zip(own_fields, row, strict=True)
                        ),
                    ]
                )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "  # noqa: S608
            f"ON CONFLICT ({quote('integration_id')}, {quote('platform_id')}) "
            f"DO UPDATE SET {assignments}"
        )
        cursor.execute(f"DROP TABLE {stage}")


def mirror_mark_deleted(
    *, integration: Integration, platform_ids: Sequence[str], version_at: datetime
) -> int:
    """Appointments gone from the platform: kept (history matters) but marked deleted."""
    version_at = version_cap(version_at)
    return (
        MirroredAppointment.objects.filter(integration=integration, platform_id__in=platform_ids)
        .exclude(version_at__gt=version_at)
        .update(deleted=True, version_at=version_at)
    )
