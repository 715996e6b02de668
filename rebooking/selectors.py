"""Reads of the rebooking data: the suggestions page's lists and counts, the figures, and the
checks RebookingService (``services``) asks before it writes. Nothing here writes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from integrations.adapters.types import ACTIVE_STATUSES, ENDED_STATUSES, AppointmentStatus
from integrations.models import (
    Integration,
    MirroredAppointment,
    MirroredCustomer,
    MirroredService,
    Salon,
)

from .category_intervals import category_days_by_name
from .models import (
    ClientRhythm,
    RebookingSettings,
    RebookingSuggestion,
    SuggestionKind,
    SuggestionStatus,
)
from .outreach_rank import REACH, BookingHistory, booking_history, outreach_order
from .recent_visits import recent_visits
from .refill_fit import Habits, habits_from_visits
from .rhythm import RECENT_VISITS
from .scan import DueClient, due_clients

CANCELLED_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED)
OUTREACH_POOL = 3  # × the daily cap: the due clients the scan orders (outreach_rank)


# -- suggestions ----------------------------------------------------------------------------------
def suggestion_list(*, salon: Salon, status: str) -> QuerySet[RebookingSuggestion]:
    """The salon's suggestions in exactly this status (the API's list), in the model's order."""
    return RebookingSuggestion.objects.filter(salon=salon, status=status).select_related("salon")


def suggestion_tab_list(*, salon: Salon, status: str) -> QuerySet[RebookingSuggestion]:
    """One tab of the suggestions page. A suggestion being booked stays with the open ones until
    its outcome is known; open ones come soonest to expire first."""
    shown = [status, SuggestionStatus.BOOKING] if status == SuggestionStatus.OPEN else [status]
    queryset = RebookingSuggestion.objects.filter(salon=salon, status__in=shown).select_related(
        "salon", "integration", "decided_by"
    )
    if status == SuggestionStatus.OPEN:
        queryset = queryset.order_by("expires_at", "-created_at")
    return queryset


def suggestion_counts(*, salon: Salon) -> dict[str, int]:
    """The salon's suggestions per status, as the page's tabs count them: those being booked
    with the open ones (no ``booking`` key)."""
    counts = dict(
        RebookingSuggestion.objects.filter(salon=salon)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts[SuggestionStatus.OPEN] = counts.get(SuggestionStatus.OPEN, 0) + counts.pop(
        SuggestionStatus.BOOKING, 0
    )
    return counts


def suggestion_exists(*, dedupe_key: str) -> bool:
    return RebookingSuggestion.objects.filter(dedupe_key=dedupe_key).exists()


# -- clients --------------------------------------------------------------------------------------
def _future_bookings(*, integration: Integration, customer_ref: str, now: datetime):
    return MirroredAppointment.objects.filter(
        integration=integration,
        customer_ref=customer_ref,
        start__gt=now,
        deleted=False,
        status__in=ACTIVE_STATUSES,
    )


def client_has_future_booking(
    *, integration: Integration, customer_ref: str, now: datetime, exclude: str = ""
) -> bool:
    """Whether the client holds a booking after ``now`` (other than appointment ``exclude``)."""
    return (
        _future_bookings(integration=integration, customer_ref=customer_ref, now=now)
        .exclude(platform_id=exclude)
        .exists()
    )


def client_next_booking(
    *, integration: Integration, customer_ref: str, now: datetime
) -> MirroredAppointment | None:
    """The client's next booking after ``now``, if they hold one."""
    return (
        _future_bookings(integration=integration, customer_ref=customer_ref, now=now)
        .order_by("start", "platform_id")
        .first()
    )


def client_in_cooldown(
    *, integration: Integration, customer_ref: str, now: datetime, days: int
) -> bool:
    """Whether a suggestion about the client was made in the last ``days`` days."""
    return RebookingSuggestion.objects.filter(
        integration=integration,
        customer_ref=customer_ref,
        created_at__gt=now - timedelta(days=days),
    ).exists()


def customer_names(*, integration: Integration, customer_refs: list[str]) -> dict[str, str]:
    """The names of the integration's mirrored customers with these platform ids (only the
    name columns: a refill names its three clients at every cancellation)."""
    rows = MirroredCustomer.objects.filter(
        integration=integration, platform_id__in=customer_refs
    ).values_list("platform_id", "first_name", "last_name")
    return {ref: f"{first} {last}".strip() or ref for ref, first, last in rows}


def customer_get(*, integration: Integration, customer_ref: str) -> MirroredCustomer | None:
    return MirroredCustomer.objects.filter(
        integration=integration, platform_id=customer_ref
    ).first()


def customer_map(
    *, integration: Integration, customer_refs: list[str]
) -> dict[str, MirroredCustomer]:
    """The integration's mirrored customers with these platform ids, by platform id."""
    return {
        c.platform_id: c
        for c in MirroredCustomer.objects.filter(
            integration=integration, platform_id__in=customer_refs
        )
    }


def client_habits(
    *,
    integration: Integration,
    customer_refs: list[str],
    before: datetime,
    service_refs: Collection[str] = (),
) -> dict[str, Habits]:
    """Each client's provider, weekday, hour and booking lead over their last RECENT_VISITS
    completed visits before ``before``, and the weekday they keep for the services
    ``service_refs`` (a slot's category): one read for a refill's pool of a few tens (plain SQL:
    a refill runs it at every cancellation, and the ORM's window filter took longer to build
    than to run)."""
    if not customer_refs:
        return {}
    rows: dict[str, list] = {}
    in_category: dict[str, list] = {}
    for ref, start, provider, booked, recent, recent_in_category in recent_visits(
        integration_id=str(integration.pk),
        customer_refs=customer_refs,
        before=before,
        service_refs=service_refs,
        last=RECENT_VISITS,
    ):
        if recent:
            rows.setdefault(ref, []).append((start, provider, booked))
        if recent_in_category:
            in_category.setdefault(ref, []).append(start)
    tz = integration.salon.tz
    return {ref: habits_from_visits(v, tz, in_category.get(ref, [])) for ref, v in rows.items()}


def rhythm_exists(*, integration: Integration) -> bool:
    """Whether the integration's client rhythms are built (``rhythm_store``)."""
    return ClientRhythm.objects.filter(integration=integration).exists()


def overdue_candidates(
    *,
    settings: RebookingSettings,
    integration_ids: list[str],
    now: datetime,
    stored: bool = False,
    intervals: dict[str, float] | None = None,
) -> list[DueClient]:
    """Who the daily scan contacts: the one query the scan and the backtest both run. The
    backtest, which runs it every replayed day, passes ``stored`` (it has just refreshed the
    stored rhythms, computed by the same SQL) and the category ``intervals`` it has read."""
    if intervals is None:
        # keyed by the salon's own category names: override > learned from its clients > the
        # named default ("color" -> Colour's)
        intervals = category_days_by_name(settings=settings, integration_ids=integration_ids)
    due = due_clients(
        integration_ids=integration_ids,
        now=now,
        due_by=now,
        min_visits=settings.min_visits,
        grace=float(settings.grace_factor),
        fallback=intervals,
        default_fallback=settings.default_fallback_days,
        cooldown_days=settings.cooldown_days,
        include_no_show=settings.suggest_after_no_show,
        # A pool of the clients who have just slipped past their rhythm (the ones a message
        # still wins back; long-lapsed clients hogged the cap and halved the lapses reached in
        # time), then ordered and thinned by outreach_rank (whom to leave alone, who lapses).
        limit=settings.daily_cap * OUTREACH_POOL if settings.daily_cap else None,
        just_due_first=True,
        # A client's row is the category they are slipping in now, if any: one lapsed long ago
        # (the most overdue) put them among the long-lapsed, behind the cap, while they lapsed
        # in another in plain sight (bench/rebooking_backtest.py, loose shape).
        prefer_within=REACH,
        # A booking holds back its own category only: a client booked for a cut who is slipping
        # in colour is still due for colour (offered at that visit). Most lapses the scan missed
        # were these (3,000 clients: 117 of 147 reached late); reached in time 85.8 -> 94.1 %.
        booked_other_within=REACH,
        stored=stored,
    )
    histories = booking_histories(
        integration_ids=integration_ids, customer_refs=[d.customer_ref for d in due], before=now
    )
    return outreach_order(due, histories, settings.daily_cap or None)


def booking_histories(
    *, integration_ids: list[str], customer_refs: list[str], before: datetime
) -> dict[tuple[str, str], BookingHistory]:
    """(customer_ref, category) -> how they booked their completed visits before ``before``
    (outreach_rank.booking_history), in two reads."""
    if not customer_refs:
        return {}
    categories = dict(
        (
            ((str(i), ref), category)
            for i, ref, category in MirroredService.objects.filter(
                integration_id__in=integration_ids
            ).values_list("integration_id", "platform_id", "category")
        )
    )
    visits: dict[tuple[str, str], list] = {}
    for iid, ref, service, start, end, booked in (
        MirroredAppointment.objects.filter(
            integration_id__in=integration_ids,
            customer_ref__in=customer_refs,
            status=AppointmentStatus.COMPLETED,
            deleted=False,
            start__lt=before,
        )
        .order_by("customer_ref", "start")
        .values_list(
            "integration_id", "customer_ref", "service_ref", "start", "end", "platform_created_at"
        )
    ):
        category = categories.get((str(iid), service), "")
        visits.setdefault((ref, category), []).append((start, end, booked))
    return {key: booking_history(v) for key, v in visits.items()}


# -- figures --------------------------------------------------------------------------------------
def _lookahead_days(salon: Salon) -> int:
    """The salon's lookahead; the default while its settings were never saved."""
    saved = (
        RebookingSettings.objects.filter(salon=salon)
        .values_list("lookahead_days", flat=True)
        .first()
    )
    return saved if saved is not None else RebookingSettings().lookahead_days


def rebooking_figures(*, salon: Salon, since: datetime) -> dict:
    """What rebooking achieved since ``since``: the page's figures."""
    lookahead_days = _lookahead_days(salon)
    cancelled = MirroredAppointment.objects.filter(
        integration__salon=salon,
        status__in=CANCELLED_STATUSES,
        start__gte=since,
        deleted=False,
    ).exclude(customer_ref="")
    rebooked_later = MirroredAppointment.objects.filter(
        integration=OuterRef("integration"),
        customer_ref=OuterRef("customer_ref"),
        start__gt=OuterRef("start") - timedelta(days=1),
        start__lte=OuterRef("start") + timedelta(days=lookahead_days),
        deleted=False,
    ).exclude(status__in=ENDED_STATUSES)
    counts = cancelled.aggregate(
        total=Count("pk"), rebooked=Count("pk", filter=Q(Exists(rebooked_later)))
    )
    suggestions = RebookingSuggestion.objects.filter(salon=salon, created_at__gte=since)
    by = suggestions.aggregate(
        accepted=Count("pk", filter=Q(status=SuggestionStatus.ACCEPTED)),
        dismissed=Count("pk", filter=Q(status=SuggestionStatus.DISMISSED)),
        expired=Count("pk", filter=Q(status=SuggestionStatus.EXPIRED)),
        open=Count("pk", filter=Q(status=SuggestionStatus.OPEN)),
        freed=Count("pk", filter=Q(kind=SuggestionKind.REFILL)),
        refilled=Count(
            "pk", filter=Q(kind=SuggestionKind.REFILL, status=SuggestionStatus.ACCEPTED)
        ),
        revenue=Sum("revenue", filter=Q(status=SuggestionStatus.ACCEPTED)),
    )
    total = counts["total"] or 0
    return {
        "cancellations": total,
        "rebooked": counts["rebooked"] or 0,
        "rebook_rate": (counts["rebooked"] / total) if total else None,
        "freed_slots": by["freed"],
        "refilled": by["refilled"],
        "accepted": by["accepted"],
        "dismissed": by["dismissed"],
        "expired": by["expired"],
        "open": by["open"],
        "credited_bookings": by["accepted"],
        "credited_revenue": by["revenue"] or 0,
    }
