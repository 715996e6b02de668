"""The last completed visits of a few clients, in one set-based read (plain SQL, portable between
PostgreSQL and SQLite): a refill reads its pool's habits at every cancellation."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from django.db import connection
from django.utils.dateparse import parse_datetime

from .scan import _ids, _marks, _param_ts, _ts


def recent_visits(
    *,
    integration_id: str,
    customer_refs: list[str],
    before: datetime,
    service_refs: Collection[str],
    last: int,
) -> list[tuple[str, datetime, str, datetime | None, bool, bool]]:
    """(customer_ref, start, provider_ref, booked_at, recent, recent_in_category) for each
    completed visit before ``before`` that is among the client's ``last`` visits (``recent``) or
    their ``last`` visits of the services ``service_refs`` (``recent_in_category``), oldest
    first per client."""
    refs = list(customer_refs)
    services = list(service_refs) or [""]  # "" is never a service's platform id
    in_category = f"CASE WHEN a.service_ref IN ({_marks(services)}) THEN 1 ELSE 0 END"
    sql = f"""
    SELECT cref, start, pref, booked, back, back_in_category, in_category FROM (
        SELECT a.customer_ref AS cref, a.start AS start, a.provider_ref AS pref,
               a.platform_created_at AS booked, {in_category} AS in_category,
               ROW_NUMBER() OVER (PARTITION BY a.customer_ref ORDER BY a.start DESC) AS back,
               ROW_NUMBER() OVER (PARTITION BY a.customer_ref, {in_category}
                                  ORDER BY a.start DESC) AS back_in_category
        FROM integrations_mirroredappointment a
        WHERE a.integration_id = %s AND a.customer_ref IN ({_marks(refs)})
          AND a.status = 'completed' AND a.deleted = %s AND a.start < {_param_ts()}
    ) v
    WHERE back <= %s OR (in_category = 1 AND back_in_category <= %s)
    ORDER BY cref, start
    """  # noqa: S608 (only %s marks and fixed fragments are interpolated; values are parameters)
    params = [*services, *services, *_ids([integration_id]), *refs, False, _ts(before)]
    params += [last, last]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        (cref, _aware(start), pref or "", _aware(booked) if booked else None,
         back <= last, bool(in_cat) and back_cat <= last)
        for cref, start, pref, booked, back, back_cat, in_cat in rows
    ]  # fmt: skip


def _aware(value) -> datetime:
    """SQLite hands back text or a naive datetime (UTC); PostgreSQL an aware one."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
