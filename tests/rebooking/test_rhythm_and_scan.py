"""The rhythm (median gap, usual weekday and time), ranking, and the set-based overdue scan."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.adapters.types import Slot
from integrations.models import MirroredService
from rebooking.rhythm import client_rhythm, describe, rank_slots, usual_time
from rebooking.scan import due_clients
from rebooking.selectors import overdue_candidates
from rebooking.services import rebooking_settings_get
from tests.rebooking.helpers import NY, customer, every, integration_for, local, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(salon):
    return integration_for(salon)


def test_rhythm_across_a_dst_change(integration):
    # Tuesdays 17:30 New York time, every 3 weeks, across the 2026-03-08 spring-forward.
    every(integration, "mia", local(2026, 1, 13), 21, 6)  # Jan 13 ... Apr 14
    rhythm = client_rhythm(
        integration=integration,
        customer_ref="mia",
        tz=NY,
        min_visits=3,
        before=datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert rhythm.visits == 6
    assert rhythm.usual_weekday == 1  # Tuesday
    assert rhythm.usual_minutes == 17 * 60 + 30  # same wall clock before and after DST
    assert rhythm.usual_provider == "sam"
    assert rhythm.gap_days["Cut"] == pytest.approx(21, abs=0.05)  # DST hour is 0.04 day
    assert describe(rhythm, first_name="Mia", provider_name="Sam") == (
        "Mia usually books Tuesdays after 5 pm with Sam"
    )


def test_skipped_cycles_not_averaged_in_and_min_visits(integration):
    starts = [local(2026, 1, 1), local(2026, 1, 29), local(2026, 2, 26), local(2026, 6, 1)]
    for start in starts:  # gaps 28, 28, 95: a mean would say 50
        visit(integration, "leo", start)
    rhythm = client_rhythm(
        integration=integration,
        customer_ref="leo",
        tz=NY,
        min_visits=3,
        before=datetime(2026, 7, 1, tzinfo=UTC),
    )
    # 95 days >= 1.5 x the median 28 is round(95 / 28) = 3 cycles; weights 1, 0.9, 0.81 from
    # the last gap back: (95 + 0.9 x 28 + 0.81 x 28) / (3 + 0.9 + 0.81) = 30.34
    assert rhythm.gap_days["Cut"] == pytest.approx(142.88 / 4.71, abs=0.05)
    few = client_rhythm(
        integration=integration,
        customer_ref="leo",
        tz=NY,
        min_visits=5,
        before=datetime(2026, 7, 1, tzinfo=UTC),
    )
    assert "Cut" not in few.gap_days  # not enough visits: the category's fallback applies


def test_ranking_prefers_provider_then_usual_time_then_sooner(integration):
    every(integration, "mia", local(2026, 1, 13), 21, 4)
    rhythm = client_rhythm(
        integration=integration,
        customer_ref="mia",
        tz=NY,
        min_visits=3,
        before=datetime(2026, 4, 1, tzinfo=UTC),
    )
    now = datetime(2026, 4, 1, 12, tzinfo=UTC)

    def slot(day, hh, provider):
        start = datetime(2026, 4, day, hh, 30, tzinfo=NY)
        return Slot(
            start=start, end=start + timedelta(hours=1), provider_id=provider, service_id="svc-cut"
        )

    slots = [
        slot(7, 17, "ana"),  # Tuesday 17:30, other provider
        slot(9, 10, "sam"),  # Thursday morning with Sam
        slot(14, 17, "sam"),  # Tuesday 17:30 with Sam, a week later
        slot(7, 17, "sam"),  # Tuesday 17:30 with Sam: the best
    ]
    ranked = rank_slots(
        slots,
        rhythm,
        tz=NY,
        now=now,
        lookahead_days=14,
        prefer_same_provider=True,
        keep_usual_time=True,
    )
    order = [(s.start.day, s.start.hour, s.provider_id) for _, s in ranked]
    assert order == [(7, 17, "sam"), (14, 17, "sam"), (9, 10, "sam"), (7, 17, "ana")]
    plain = rank_slots(
        slots,
        rhythm,
        tz=NY,
        now=now,
        lookahead_days=14,
        prefer_same_provider=False,
        keep_usual_time=False,
    )
    assert plain[0][1].start.day == 7 and plain[-1][1].start.day == 14  # just sooner first


def test_overdue_scan_finds_due_clients_and_respects_suppressions(integration, salon):
    now = datetime(2026, 6, 1, 15, tzinfo=UTC)
    settings = rebooking_settings_get(salon=salon)
    # due: every 28 days, last visit 40 days ago (28 x 1.25 = 35)
    customer(integration, "due")
    every(integration, "due", now - timedelta(days=40 + 28 * 3), 28, 4)
    # not yet: same rhythm, last visit 20 days ago
    customer(integration, "fresh")
    every(integration, "fresh", now - timedelta(days=20 + 28 * 3), 28, 4)
    # has a future booking
    customer(integration, "booked")
    every(integration, "booked", now - timedelta(days=40 + 28 * 3), 28, 4)
    visit(integration, "booked", now + timedelta(days=3), status="booked")
    # last visit was a no-show
    customer(integration, "noshow")
    every(integration, "noshow", now - timedelta(days=60 + 28 * 3), 28, 4)
    visit(integration, "noshow", now - timedelta(days=30), status="no_show")
    # inactive customer
    customer(integration, "gone", active=False)
    every(integration, "gone", now - timedelta(days=40 + 28 * 3), 28, 4)
    # one visit only: the Colour fallback (56 days) x 1.25 = 70; last visit 75 days ago
    customer(integration, "newbie")
    visit(integration, "newbie", now - timedelta(days=75), service="svc-colour")
    kwargs = {
        "integration_ids": [str(integration.pk)],
        "now": now,
        "due_by": now,
        "min_visits": 3,
        "grace": 1.25,
        "fallback": settings.fallback_intervals,
        "default_fallback": 42,
        "cooldown_days": 14,
        "include_no_show": False,
    }
    due = {d.customer_ref: d for d in due_clients(**kwargs)}
    assert set(due) == {"due", "newbie"}
    assert due["due"].median_gap == pytest.approx(28, abs=0.05)
    assert due["due"].last_service_ref == "svc-cut" and due["due"].last_provider_ref == "sam"
    assert due["newbie"].median_gap is None and due["newbie"].interval == 56
    assert due["newbie"].category == "Colour"
    assert list(due) == ["due", "newbie"]  # most overdue first: 40/35 before 75/70
    assert {d.customer_ref for d in due_clients(**{**kwargs, "include_no_show": True})} == {
        "due",
        "newbie",
        "noshow",
    }
    assert [d.customer_ref for d in due_clients(**{**kwargs, "limit": 1})] == ["due"]


def test_overdue_candidates_match_the_salon_category_names(integration, salon):
    # The salon calls its categories "Hair Colour" and "gel nails" (issue 20: exact keys matched
    # nothing, so both fell back to the 42-day default).
    MirroredService.objects.create(integration=integration, platform_id="svc-hc", name="Gloss",
                                   category="Hair Colour", duration_minutes=60)  # fmt: skip
    MirroredService.objects.create(integration=integration, platform_id="svc-gel", name="Gel",
                                   category="gel nails", duration_minutes=45)  # fmt: skip
    now = datetime(2026, 6, 1, 15, tzinfo=UTC)
    settings = rebooking_settings_get(salon=salon)
    # One visit each: Colour 56 × 1.25 = 70 days, Nails 21 × 1.25 = 26.25 days.
    visit(integration, "colour_60", now - timedelta(days=60), service="svc-hc")  # not yet
    visit(integration, "colour_75", now - timedelta(days=75), service="svc-hc")
    visit(integration, "nails_27", now - timedelta(days=27), service="svc-gel")
    due = {d.customer_ref: d for d in overdue_candidates(
        settings=settings, integration_ids=[str(integration.pk)], now=now)}  # fmt: skip
    assert set(due) == {"colour_75", "nails_27"}
    assert (due["colour_75"].interval, due["nails_27"].interval) == (56, 21)
    assert settings.fallback_days("Hair Colour") == 56 and settings.fallback_days("spa") == 42


def test_scan_one_row_per_client_most_overdue_category(integration):
    now = datetime(2026, 6, 1, 15, tzinfo=UTC)
    every(integration, "both", now - timedelta(days=40 + 28 * 3), 28, 4)  # Cut ratio 40/35
    every(integration, "both", now - timedelta(days=150 + 30 * 3), 30, 4, service="svc-colour")
    due = due_clients(
        integration_ids=[str(integration.pk)],
        now=now,
        due_by=now,
        min_visits=3,
        grace=1.25,
        fallback={},
        default_fallback=42,
        cooldown_days=14,
        include_no_show=False,
    )
    assert [(d.customer_ref, d.category) for d in due] == [("both", "Colour")]


def test_scan_row_is_the_category_still_within_reach_when_there_is_one(integration, salon):
    """Cut: every 28 days, last 40 days ago (40 <= 1.5 x 28 = 42: slipping now, still
    reachable); Colour: every 30 days, last 150 days ago (ratio 4, long lapsed). The most
    overdue row is Colour; with ``prefer_within`` 1.5 it is Cut, and the daily scan (REACH
    1.5) contacts the client about Cut. With Cut past reach too, the most overdue again."""
    now = datetime(2026, 6, 1, 15, tzinfo=UTC)
    every(integration, "both", now - timedelta(days=40 + 28 * 3), 28, 4)
    every(integration, "both", now - timedelta(days=150 + 30 * 3), 30, 4, service="svc-colour")
    every(integration, "late", now - timedelta(days=43 + 28 * 3), 28, 4)  # 43 > 42
    every(integration, "late", now - timedelta(days=150 + 30 * 3), 30, 4, service="svc-colour")
    query = dict(
        integration_ids=[str(integration.pk)],
        now=now,
        due_by=now,
        min_visits=3,
        grace=1.25,
        fallback={},
        default_fallback=42,
        cooldown_days=14,
        include_no_show=False,
    )
    rows = {d.customer_ref: d.category for d in due_clients(**query, prefer_within=1.5)}
    assert rows == {"both": "Cut", "late": "Colour"}
    settings = rebooking_settings_get(salon=salon)
    due = overdue_candidates(settings=settings, integration_ids=[str(integration.pk)], now=now)
    assert [(d.customer_ref, d.category) for d in due] == [("both", "Cut"), ("late", "Colour")]


@pytest.mark.parametrize(
    ("weekday", "minutes", "words"),
    [
        (3, 9 * 60 + 30, "Thursday mornings"),  # not "Thursdays mornings"
        (1, 17 * 60 + 30, "Tuesdays after 5 pm"),
        (4, 14 * 60, "Fridays around 2 pm"),
        (0, 12 * 60 + 15, "Mondays around noon"),
    ],
)
def test_usual_time_reads_naturally(weekday, minutes, words):
    assert usual_time(weekday, minutes) == words


def test_a_booking_holds_back_its_own_category_only(integration, salon):
    """Colour every 30 days, last 40 days ago: due (40 >= 30 × 1.25 = 37.5) and still within
    reach (40 <= 1.5 × 30 = 45). Booked for a cut in 10 days, the client is still due for colour;
    booked for colour, not; 150 days past their colour (beyond reach) and booked for a cut, they
    gave colour up and are left alone."""
    now = datetime(2026, 6, 1, 15, tzinfo=UTC)
    soon = now + timedelta(days=10)
    for ref, last, booked in (
        ("cut_booked", 40, "svc-cut"),
        ("colour_booked", 40, "svc-colour"),
        ("gave_up", 150, "svc-cut"),
        ("free", 40, None),
    ):
        every(integration, ref, now - timedelta(days=last + 30 * 3), 30, 4, service="svc-colour")
        if booked:
            visit(integration, ref, soon, status="booked", service=booked)
    query = dict(
        integration_ids=[str(integration.pk)],
        now=now,
        due_by=now,
        min_visits=3,
        grace=1.25,
        fallback={},
        default_fallback=42,
        cooldown_days=28,
        include_no_show=False,
    )
    assert {d.customer_ref for d in due_clients(**query)} == {"free"}  # any booking holds
    held = {d.customer_ref: d.category for d in due_clients(**query, booked_other_within=1.5)}
    assert held == {"cut_booked": "Colour", "free": "Colour"}
    settings = rebooking_settings_get(salon=salon)
    due = overdue_candidates(settings=settings, integration_ids=[str(integration.pk)], now=now)
    assert {d.customer_ref for d in due} == {"cut_booked", "free"}
