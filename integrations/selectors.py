"""Reads for the integration pages: tenant-scoped lookups and the 24-hour API call statistics.

Plain functions, keyword-only (``<entity>_<action>``). Another salon's integration is a 404,
exactly like one that does not exist.
"""

from __future__ import annotations

import math
import statistics
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from .adapters.registry import get_adapter_class
from .adapters.types import Appointment, AppointmentStatus, Capabilities
from .models import ApiCall, Integration, MirroredAppointment, Salon, derive_account_key

WINDOW_HOURS = 24


def integration_list_for_salon(*, salon: Salon) -> QuerySet[Integration]:
    """The salon's integrations, by platform then age (disconnected ones included)."""
    return Integration.objects.filter(salon=salon).select_related("salon")


def integration_get_for_salon(*, salon: Salon, pk) -> Integration:
    """The salon's integration ``pk``; Http404 for a missing one or another salon's."""
    try:
        return Integration.objects.select_related("salon").get(pk=pk, salon=salon)
    except Integration.DoesNotExist:
        raise Http404("No such integration.") from None


def integration_find_in_salon(
    *, salon: Salon, platform: str, account: dict[str, str]
) -> Integration | None:
    """The salon's integration for this platform account (same key as the uniqueness rule), if
    any; None also when another salon has it (nothing about other salons is revealed)."""
    key = derive_account_key(platform, account)
    return Integration.objects.filter(salon=salon, platform=platform, account_key=key).first()


# Integration.options keys of the time zone proposal (written by services.integration_connect):
# the platform's zone while it differs from the salon's, and a zone the owner chose to ignore.
PLATFORM_TIMEZONE = "platform_timezone"
TIMEZONE_KEPT = "platform_timezone_kept"


@dataclass(frozen=True)
class TimezoneProposal:
    platform_name: str
    zone: str  # what the platform says
    salon_zone: str  # what SalonSync uses


def integration_timezone_proposal(integration: Integration) -> TimezoneProposal | None:
    """The platform's time zone for the salon, while it differs from the salon's and the owner
    has neither accepted nor dismissed it."""
    zone = (integration.options or {}).get(PLATFORM_TIMEZONE) or ""
    if not isinstance(zone, str) or not zone or zone == integration.salon.timezone:
        return None
    return TimezoneProposal(integration.platform_name, zone, integration.salon.timezone)


def integration_capabilities(integration: Integration) -> Capabilities:
    """What this connection can do (a platform may narrow its capabilities per account, e.g.
    Vagaro without write access cannot book). No platform call."""
    return get_adapter_class(integration.platform).capabilities_for(integration.options or {})


def mirrored_appointment(*, integration: Integration, platform_id: str) -> Appointment | None:
    """The mirror's copy of one appointment, normalized: what SalonSync knows before asking the
    platform (its date lets Phorest search a list when a read by id 404s)."""
    row = MirroredAppointment.objects.filter(
        integration=integration, platform_id=platform_id
    ).first()
    if row is None:
        return None
    return Appointment(
        platform_id=row.platform_id,
        status=AppointmentStatus(row.status),
        start=row.start,
        end=row.end,
        customer_id=row.customer_ref,
        service_id=row.service_ref,
        provider_id=row.provider_ref,
        location_id=row.location_ref,
        service_name=row.service_name,
        price=row.price,
        created_at=row.platform_created_at,
        updated_at=row.platform_updated_at,
    )


def integration_recent_calls(*, integration: Integration, limit: int = 20) -> list[ApiCall]:
    return list(integration.api_calls.order_by("-created_at", "-pk")[:limit])


@dataclass(frozen=True)
class HourBucket:
    start: datetime  # aware, in the salon's time zone
    calls: int
    errors: int


@dataclass(frozen=True)
class ApiCallStats:
    since: datetime  # aware, in the salon's time zone; the first bucket's start
    until: datetime
    total: int
    errors: int
    error_rate: float | None  # 0..1; None when there were no calls
    median_ms: float | None
    p95_ms: float | None
    buckets: list[HourBucket]

    @property
    def error_percent(self) -> float | None:
        return None if self.error_rate is None else round(self.error_rate * 100, 1)

    @property
    def max_bucket_calls(self) -> int:
        return max((b.calls for b in self.buckets), default=0)


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least ``fraction`` of values at or
    below it): p95 of 1..100 is 95, of 1..10 is 10. None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def window_start(*, now: datetime, tz: zoneinfo.ZoneInfo, hours: int = WINDOW_HOURS) -> datetime:
    """Start of the first of ``hours`` whole-hour buckets ending with the current hour, in UTC.

    Hours are whole hours of the salon's clock (matters for half-hour zones such as
    Asia/Kolkata); arithmetic is done in UTC so a daylight-saving change keeps 24 real hours.
    """
    local_hour = now.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    return local_hour.astimezone(UTC) - timedelta(hours=hours - 1)


def integration_api_stats(
    *, integration: Integration, now: datetime | None = None, hours: int = WINDOW_HOURS
) -> ApiCallStats:
    """API calls of the last ``hours`` hours (the current hour and the ``hours - 1`` before it):
    count, error rate (a call with an error code is an error), median and p95 latency, and the
    calls and errors per hour for the chart. Every retry attempt counts as a call."""
    tz = integration.salon.tz
    now = now or timezone.now()
    start = window_start(now=now, tz=tz, hours=hours)
    rows = list(
        ApiCall.objects.filter(integration=integration, created_at__gte=start, created_at__lte=now)
        .order_by()
        .values_list("created_at", "duration_ms", "error_code")
    )
    calls = [0] * hours
    errors = [0] * hours
    durations: list[float] = []
    error_total = 0
    for created_at, duration_ms, error_code in rows:
        index = min(int((created_at - start).total_seconds() // 3600), hours - 1)
        calls[index] += 1
        durations.append(duration_ms)
        if error_code:
            errors[index] += 1
            error_total += 1
    total = len(rows)
    buckets = [
        HourBucket(
            start=(start + timedelta(hours=i)).astimezone(tz), calls=calls[i], errors=errors[i]
        )
        for i in range(hours)
    ]
    return ApiCallStats(
        since=start.astimezone(tz),
        until=now.astimezone(tz),
        total=total,
        errors=error_total,
        error_rate=(error_total / total) if total else None,
        median_ms=statistics.median(durations) if durations else None,
        p95_ms=percentile(durations, 0.95),
        buckets=buckets,
    )
