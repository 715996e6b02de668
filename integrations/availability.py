"""AvailabilityService: open slots for a date range in the salon's zone, briefly cached."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import date

from django.core.cache import cache

from .adapters.types import AvailabilityFilters, Slot
from .booking import BookingService
from .models import Integration

CACHE_SECONDS = 60


def _version_key(integration: Integration) -> str:
    return f"availability-version:{integration.pk}"


def _cache_key(integration: Integration, start: date, end: date, f: AvailabilityFilters) -> str:
    # A per-integration version in the key lets a booking invalidate every cached range at once.
    version = cache.get_or_set(_version_key(integration), 1, None)
    raw = f"{start}|{end}|{sorted(f.service_ids)}|{sorted(f.provider_ids)}|{f.location_id}"
    return f"availability:{integration.pk}:{version}:" + hashlib.sha256(raw.encode()).hexdigest()


def availability_list(
    *,
    integration: Integration,
    start_date: date,
    end_date: date,
    filters: AvailabilityFilters | None = None,
    use_cache: bool = True,
) -> list[Slot]:
    """Open slots sorted by start, with times converted to the salon's time zone."""
    filters = filters or AvailabilityFilters()
    key = _cache_key(integration, start_date, end_date, filters)
    if use_cache and (cached := cache.get(key)) is not None:
        return cached
    tz = integration.salon.tz
    slots = BookingService(integration).availability(start_date, end_date, filters)
    slots = sorted(
        (
            Slot(
                start=s.start.astimezone(tz),
                end=s.end.astimezone(tz),
                provider_id=s.provider_id,
                service_id=s.service_id,
                location_id=s.location_id,
            )
            for s in slots
        ),
        key=lambda s: (s.start, s.provider_id, s.service_id),
    )
    cache.set(key, slots, CACHE_SECONDS)
    return slots


def availability_invalidate(*, integration: Integration) -> None:
    """Bookings change availability: callers drop the cache after a booking or cancellation."""
    with contextlib.suppress(ValueError):  # no version yet: nothing cached
        cache.incr(_version_key(integration))
