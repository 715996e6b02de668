"""RebookingService: suggestions from cancellations, freed slots and each client's own rhythm;
accepting one books it through BookingService. Idempotent: every suggestion has a dedupe key."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.adapters import errors
from integrations.adapters.types import AppointmentStatus, AvailabilityFilters
from integrations.availability import availability_list
from integrations.dates import format_moment
from integrations.models import (
    Integration,
    IntegrationStatus,
    MirroredAppointment,
    MirroredCustomer,
    Salon,
)
from integrations.selectors import integration_capabilities

from .category_intervals import category_days
from .models import (
    RebookingSettings,
    RebookingSuggestion,
    SuggestionKind,
    SuggestionStatus,
)
from .refill_fit import Habits, slot_fit
from .rhythm import (
    client_rhythm,
    describe,
    due_on,
    provider_names,
    rank_slots,
    service_catalog,
)
from .scan import DueClient, due_clients
from .selectors import (
    CANCELLED_STATUSES,
    client_habits,
    client_has_future_booking,
    client_in_cooldown,
    client_next_booking,
    customer_get,
    customer_names,
    overdue_candidates,
    rhythm_exists,
    suggestion_exists,
)

logger = logging.getLogger(__name__)
REFILL_CANDIDATES = 5
# The refill's pool: the REFILL_POOL clients whose due date is nearest the slot among those at
# least REFILL_POOL_GRACE of their interval along by it, ranked by refill_fit.slot_fit.
REFILL_POOL, REFILL_POOL_GRACE = 20, 0.75
# Clients further past their last visit than this many of their intervals by the slot have
# most likely gone elsewhere: not offered a slot at short notice (their due-ness fit is 0 from
# 1.5 on; a skipped cycle is back by 2), and left out before the query's per-client checks.
REFILL_POOL_MAX = 2.5


def rebooking_settings_get(*, salon: Salon) -> RebookingSettings:
    settings, _ = RebookingSettings.objects.get_or_create(salon=salon)
    return settings


# -- shared checks -----------------------------------------------------------------------------
def _first_name(customer: MirroredCustomer | None) -> str:
    return (customer.first_name if customer else "") or "This client"


def _slot_options(ranked, names: dict[str, str], limit: int, tz, skip_day=None) -> list[dict]:
    """The best slot of each day: three choices on three days serve a client better than three
    times on one afternoon. The day a client just cancelled is left out."""
    best, days = [], set()
    for score, slot in ranked:
        day = slot.start.astimezone(tz).date()
        if day in days or day == skip_day:
            continue
        days.add(day)
        best.append((score, slot))
        if len(best) == limit:
            break
    return [
        {
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "provider": slot.provider_id,
            "provider_name": names.get(slot.provider_id, ""),
            "service": slot.service_id,
            "score": score,
        }
        for score, slot in best
    ]


def _window(salon: Salon, settings: RebookingSettings, now: datetime):
    today = now.astimezone(salon.tz).date()
    return today, today + timedelta(days=settings.lookahead_days)


def _rhythm(integration, customer_ref: str, settings, now, catalog):
    return client_rhythm(
        integration=integration,
        customer_ref=customer_ref,
        tz=integration.salon.tz,
        min_visits=settings.min_visits,
        before=now,
        catalog=catalog,
    )


def _openings(integration, rhythm, service_ref: str, settings, now):
    """Open slots for the service in the lookahead window, ranked against the client's rhythm."""
    first, last = _window(integration.salon, settings, now)
    filters = AvailabilityFilters(service_ids=(service_ref,) if service_ref else ())
    caps = integration_capabilities(integration)
    if caps.max_range_days is not None:
        # A platform whose availability costs a call per date and provider (Vagaro: one date per
        # call, docs/platforms/vagaro.md §2.6) is asked no further than one search allows, and
        # for the client's own provider where known: days of calls, not days x staff.
        last = min(last, first + timedelta(days=caps.max_range_days - 1))
        if rhythm is not None and rhythm.usual_provider:
            filters = replace(filters, provider_ids=(rhythm.usual_provider,))
    slots = availability_list(
        integration=integration, start_date=first, end_date=last, filters=filters
    )
    return rank_slots(
        slots,
        rhythm,
        tz=integration.salon.tz,
        now=now,
        lookahead_days=settings.lookahead_days,
        prefer_same_provider=settings.prefer_same_provider,
        keep_usual_time=settings.keep_usual_time,
    )


def _create(**fields) -> RebookingSuggestion | None:
    """Insert under the dedupe key; a concurrent or repeated run finds the existing row."""
    try:
        with transaction.atomic():
            return RebookingSuggestion.objects.create(**fields)
    except IntegrityError:
        return None


# -- a. after a cancellation: rebook the client ---------------------------------------------------
def suggestions_for_cancellation(
    *, integration: Integration, appointment_ref: str, now: datetime | None = None
) -> list[RebookingSuggestion]:
    """Both suggestions a cancellation brings: rebook its client, and refill its freed slot."""
    now = now or timezone.now()
    settings = rebooking_settings_get(salon=integration.salon)
    if not (settings.enabled and settings.on_cancellation):
        return []
    row = MirroredAppointment.objects.filter(
        integration=integration, platform_id=appointment_ref
    ).first()
    if row is None or row.status not in CANCELLED_STATUSES:
        return []
    if row.start < now - timedelta(days=settings.lookahead_days):
        return []  # an old cancellation found late (e.g. by a resync) is history, not news
    made = [
        suggestion_rebook_client(integration=integration, row=row, settings=settings, now=now),
        suggestion_refill_slot(integration=integration, row=row, settings=settings, now=now),
    ]
    return [s for s in made if s is not None]


def suggestion_rebook_client(
    *,
    integration: Integration,
    row: MirroredAppointment,
    settings: RebookingSettings,
    now: datetime,
) -> RebookingSuggestion | None:
    key = f"cancellation:{integration.pk}:{row.platform_id}"
    if not row.customer_ref or suggestion_exists(dedupe_key=key):
        return None
    salon = integration.salon
    customer = customer_get(integration=integration, customer_ref=row.customer_ref)
    if customer is not None and not customer.active:
        return None
    if client_has_future_booking(
        integration=integration, customer_ref=row.customer_ref, now=now, exclude=row.platform_id
    ):
        return None  # they already rebooked
    if client_in_cooldown(
        integration=integration,
        customer_ref=row.customer_ref,
        now=now,
        days=settings.cooldown_days,
    ):
        return None
    catalog = service_catalog(integration)
    rhythm = _rhythm(integration, row.customer_ref, settings, now, catalog)
    if rhythm.last_status == AppointmentStatus.NO_SHOW and not settings.suggest_after_no_show:
        return None
    if not rhythm.usual_provider:
        rhythm.usual_provider = row.provider_ref  # no history: the provider they had booked
    ranked = _openings(integration, rhythm, row.service_ref, settings, now)
    if not ranked:
        return None
    names = provider_names(integration)
    options = _slot_options(
        ranked,
        names,
        settings.suggestions_per_cancellation,
        integration.salon.tz,
        skip_day=row.start.astimezone(integration.salon.tz).date(),
    )
    if not options:
        return None
    provider_name = names.get(rhythm.usual_provider, "")
    found = len(options)
    reason = (
        f"{describe(rhythm, first_name=_first_name(customer), provider_name=provider_name)}; "
        f"{found} opening{'s' if found != 1 else ''} found."
    )
    service_name, _ = catalog.get(row.service_ref, (row.service_name, ""))
    return _create(
        salon=salon,
        integration=integration,
        kind=SuggestionKind.CANCELLATION,
        dedupe_key=key,
        customer_ref=row.customer_ref,
        customer_name=(customer.name if customer else "")[:200],
        service_ref=row.service_ref,
        service_name=(service_name or row.service_name)[:200],
        provider_ref=rhythm.usual_provider,
        provider_name=provider_name[:200],
        source_appointment_ref=row.platform_id,
        options=options,
        reason=reason[:500],
        revenue=row.price,
        expires_at=now + timedelta(days=settings.lookahead_days),
        created_at=now,
    )


# -- b. refill the freed slot -------------------------------------------------------------------
def suggestion_refill_slot(
    *,
    integration: Integration,
    row: MirroredAppointment,
    settings: RebookingSettings,
    now: datetime,
    catalog: dict[str, tuple[str, str]] | None = None,
    providers: dict[str, str] | None = None,
    stored: bool | None = None,
    intervals: dict[str, float] | None = None,
) -> RebookingSuggestion | None:
    """The freed slot offered to the clients due for it. ``catalog``, ``providers``,
    ``stored`` (whether the integration's rhythms are built) and the category ``intervals``
    (category_days_by_name) are read here unless a caller that already knows them passes them
    (the backtest, thousands of times on one salon)."""
    key = f"refill:{integration.pk}:{row.platform_id}"
    if row.start <= now or suggestion_exists(dedupe_key=key):
        return None
    salon = integration.salon
    catalog = catalog if catalog is not None else service_catalog(integration)
    service_name, category = catalog.get(row.service_ref, (row.service_name, ""))
    query = {
        "integration_ids": [str(integration.pk)],
        "now": now,
        "due_by": row.start,
        "min_visits": settings.min_visits,
        # due, or nearly (REFILL_POOL_GRACE), by the slot; the pool's clients whose due date is
        # nearest the slot, then ranked by how well the slot fits them (refill_fit.py)
        "grace": REFILL_POOL_GRACE,
        "fallback": {
            category: intervals[category]
            if intervals is not None and category in intervals
            else category_days(
                settings=settings, integration_ids=[str(integration.pk)], name=category
            )
        }
        if category
        else {},
        "default_fallback": settings.default_fallback_days,
        "cooldown_days": settings.cooldown_days,
        "include_no_show": settings.suggest_after_no_show,
        "category": category,
        "exclude_customer": row.customer_ref,
        "limit": REFILL_POOL,
        "nearest_ratio": 1 / REFILL_POOL_GRACE,
        "max_intervals": REFILL_POOL_MAX,
        # the stored rhythms (an index lookup); computed live until the first build
        "stored": stored if stored is not None else rhythm_exists(integration=integration),
    }
    pool = due_clients(**query)
    if not pool:
        return None
    habits = client_habits(
        integration=integration,
        customer_refs=[d.customer_ref for d in pool],
        before=now,
        service_refs=[ref for ref, (_, c) in catalog.items() if c == category],
    )
    fits = {
        d.customer_ref: slot_fit(
            last_visit=d.last_visit,
            interval=d.interval,
            habits=habits.get(d.customer_ref, Habits()),
            slot_start=row.start,
            slot_provider=row.provider_ref,
            now=now,
            tz=salon.tz,
            same_provider=settings.prefer_same_provider,
            usual_time=settings.keep_usual_time,
            visits=d.visits,
        )
        for d in pool
    }
    due = sorted(pool, key=lambda d: (-fits[d.customer_ref], d.customer_ref))[:REFILL_CANDIDATES]
    names = customer_names(integration=integration, customer_refs=[d.customer_ref for d in due])
    options = [
        {
            "customer": d.customer_ref,
            "name": names.get(d.customer_ref, d.customer_ref),
            "due": due_on(
                d.last_visit,
                d.interval,
                weekday=habits.get(d.customer_ref, Habits()).kept_weekday,
                tz=salon.tz,
            ).isoformat(),
            "last_visit": d.last_visit.isoformat(),
            "score": fits[d.customer_ref],
        }
        for d in due
    ]
    providers = providers if providers is not None else provider_names(integration)
    provider_name = providers.get(row.provider_ref, "")
    when = format_moment(row.start, salon.tz)
    with_whom = f" with {provider_name}" if provider_name else ""
    reason = (
        f"{service_name or 'A slot'}{with_whom} on {when} is free again; "
        f"{len(options)} client{'s' if len(options) != 1 else ''} due for it."
    )
    return _create(
        salon=salon,
        integration=integration,
        kind=SuggestionKind.REFILL,
        dedupe_key=key,
        service_ref=row.service_ref,
        service_name=(service_name or "")[:200],
        provider_ref=row.provider_ref,
        provider_name=provider_name[:200],
        source_appointment_ref=row.platform_id,
        options=options,
        slot_start=row.start,
        slot_end=row.end,
        reason=reason[:500],
        revenue=row.price,
        expires_at=row.start,
        created_at=now,
    )


# -- c. the daily overdue scan --------------------------------------------------------------------
def overdue_scan(*, salon: Salon, now: datetime | None = None) -> list[RebookingSuggestion]:
    """Suggestions for the most overdue clients (set-based query), at most the daily cap."""
    now = now or timezone.now()
    settings = rebooking_settings_get(salon=salon)
    if not (settings.enabled and settings.overdue_enabled):
        return []
    integrations = {
        str(i.pk): i
        for i in salon.integrations.filter(status=IntegrationStatus.CONNECTED).select_related(
            "salon"
        )
    }
    due = overdue_candidates(settings=settings, integration_ids=list(integrations), now=now)
    made = []
    for client in due:
        integration = integrations[_uuid(client.integration_id, integrations)]
        suggestion = _overdue_suggestion(integration, client, settings, now)
        if suggestion is not None:
            made.append(suggestion)
    return made


def _uuid(value: str, known: dict) -> str:
    if value in known:
        return value
    return next(k for k in known if k.replace("-", "") == value.replace("-", ""))


def _overdue_suggestion(
    integration, client: DueClient, settings, now
) -> RebookingSuggestion | None:
    key = f"overdue:{integration.pk}:{client.customer_ref}:{now.date().isoformat()}"
    if suggestion_exists(dedupe_key=key):
        return None
    salon = integration.salon
    customer = customer_get(integration=integration, customer_ref=client.customer_ref)
    catalog = service_catalog(integration)
    rhythm = _rhythm(integration, client.customer_ref, settings, now, catalog)
    try:
        ranked = _openings(integration, rhythm, client.last_service_ref, settings, now)
    except errors.IntegrationError as exc:
        logger.warning("overdue scan: no availability for %s (%s)", integration.pk, exc.code)
        ranked = []
    names = provider_names(integration)
    service_name = catalog.get(client.last_service_ref, ("", ""))[0]
    weeks = round(client.days_since / 7)
    every = round(client.interval / 7)
    habit = (
        "usually comes"
        if client.median_gap is not None and client.visits >= settings.min_visits
        else "is due"
    )
    what = (client.category or service_name or "a visit").lower()
    reason = (
        f"{_first_name(customer)} {habit} every {every} week{'s' if every != 1 else ''} for "
        f"{what}; last visit {weeks} week{'s' if weeks != 1 else ''} ago."
    )
    booked = client_next_booking(integration=integration, customer_ref=client.customer_ref, now=now)
    if booked is not None:  # due in another category than the one booked (scan.due_clients)
        booked_name = catalog.get(booked.service_ref, (booked.service_name, ""))[0]
        day = booked.start.astimezone(salon.tz)
        reason += (
            f" Booked for {(booked_name or 'a visit').lower()} on {day:%a} {day.day} {day:%b}:"
            f" offer {what} at that visit."
        )
    return _create(
        salon=salon,
        integration=integration,
        kind=SuggestionKind.OVERDUE,
        dedupe_key=key,
        customer_ref=client.customer_ref,
        customer_name=(customer.name if customer else "")[:200],
        service_ref=client.last_service_ref,
        service_name=service_name[:200],
        provider_ref=client.last_provider_ref,
        provider_name=names.get(client.last_provider_ref, "")[:200],
        options=_slot_options(
            ranked, names, settings.suggestions_per_cancellation, integration.salon.tz
        ),
        reason=reason[:500],
        expires_at=now + timedelta(days=settings.lookahead_days),
        created_at=now,
    )


# -- decisions ----------------------------------------------------------------------------------
def suggestion_dismiss(*, suggestion: RebookingSuggestion, user) -> None:
    updated = RebookingSuggestion.objects.filter(
        pk=suggestion.pk, status=SuggestionStatus.OPEN
    ).update(
        status=SuggestionStatus.DISMISSED,
        decided_at=timezone.now(),
        decided_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if updated:
        suggestion.refresh_from_db()


def suggestions_expire(*, now: datetime | None = None) -> int:
    return RebookingSuggestion.objects.filter(
        status=SuggestionStatus.OPEN, expires_at__lte=now or timezone.now()
    ).update(status=SuggestionStatus.EXPIRED)
