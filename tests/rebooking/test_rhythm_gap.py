"""A client's usual gap and habits from recent visits (issue 20 item 3): recent gaps weigh more,
a skipped cycle counts as the cycles it spans, and the usual provider, weekday and time come from
the last 10 visits with ties to the latest. Each value hand-computed; the SQL agrees."""

from datetime import UTC, datetime, timedelta

import pytest

from rebooking.models import ClientRhythm
from rebooking.rhythm import RECENT_VISITS, due_on, rhythm_from_visits, usual, weekday_habit
from rebooking.rhythm_gap import RECENT_GAPS, cycles, first_gap_blend, rhythm_gap
from rebooking.rhythm_store import rhythms_refresh
from tests.rebooking.helpers import NY, customer, integration_for, visit

CATALOG = {"svc-cut": ("Cut & Style", "Cut")}


def test_a_skipped_cycle_counts_as_two():
    # median 43; 84 >= 1.5 x 43 is round(84 / 43) = 2 cycles. From the last gap back, weights
    # 1, 0.9, 0.81, 0.729: (44 + 0.9 x 84 + 0.81 x 40 + 0.729 x 42)
    #                      / (1 + 0.9 x 2 + 0.81 + 0.729) = 182.618 / 4.339 = 42.09 (mean: 52.5)
    assert rhythm_gap([42, 40, 84, 44]) == pytest.approx(182.618 / 4.339)
    assert cycles(84, 43) == 2 and cycles(64, 43) == 1 and cycles(65, 43) == 2  # 1.5 x 43 = 64.5
    assert cycles(150, 43) == 3  # 3.49 cycles: three
    assert rhythm_gap([]) is None


def test_recent_gaps_weigh_more():
    # a 5-weekly client moving to 4 weeks: median 35 still; (3 x 28 weighted 1, 0.9, 0.81 and
    # 3 x 35 weighted 0.729, 0.6561, 0.59049) / 4.68559 = (75.88 + 69.14565) / 4.68559 = 30.95
    assert rhythm_gap([35, 35, 35, 28, 28, 28]) == pytest.approx(145.02565 / 4.68559)
    # only the last 12 gaps count: a thirteenth gap back changes nothing
    assert RECENT_GAPS == 12
    assert rhythm_gap([100] + [30] * 12) == pytest.approx(30)


def test_ties_go_to_the_latest():
    assert usual(["sam", "sam", "ana", "ana"]) == "ana"
    assert usual(["sam", "ana", "sam"]) == "sam"
    assert usual([]) is None


def test_habits_come_from_the_last_ten_visits():
    # 6 visits with Sam on Tuesdays 17:30, then 5 with Ana on Thursdays 10:00, every 14 days:
    # over all 11 Sam and Tuesday would win (6 to 5); the last 10 have Ana and Thursday 5 to 5,
    # the tie going to the latest (Ana, Thursday). Times in the last 10: five 17:30 and five
    # 10:00 -> median (600 + 1050) / 2 = 825 minutes, 13:45.
    assert RECENT_VISITS == 10
    rows = []
    tuesday = datetime(2026, 1, 6, 17, 30, tzinfo=NY)
    for i in range(6):
        rows.append((tuesday + timedelta(days=14 * i), "sam", "svc-cut", "completed"))
    thursday = datetime(2026, 3, 19, 10, 0, tzinfo=NY)
    for i in range(5):
        rows.append((thursday + timedelta(days=14 * i), "ana", "svc-cut", "completed"))
    rhythm = rhythm_from_visits(customer_ref="mia", rows=rows, tz=NY, min_visits=3, catalog=CATALOG)
    assert (rhythm.usual_provider, rhythm.usual_weekday) == ("ana", 3)
    assert rhythm.usual_minutes == 825


@pytest.mark.django_db
def test_the_stored_rhythm_gap_is_the_same_arithmetic(salon):
    integration = integration_for(salon)
    customer(integration, "leo")
    start = datetime(2026, 1, 5, 15, tzinfo=UTC)
    for offset in (0, 42, 82, 166, 210):  # gaps 42, 40, 84, 44
        visit(integration, "leo", start + timedelta(days=offset))
    rhythms_refresh(integration_id=str(integration.pk))
    row = ClientRhythm.objects.get(integration=integration, customer_ref="leo")
    assert row.median_gap == pytest.approx(43)
    assert row.rhythm_gap == pytest.approx(182.618 / 4.339)


def test_a_single_gap_is_blended_with_the_category_interval():
    # Cut's interval 42; one gap of 30 days: (30 + 42) / 2 = 36. One of 90 days is
    # round(90 / 42) = 2 cycles of 45: (45 + 42) / 2 = 43.5.
    assert first_gap_blend(30, 42) == pytest.approx(36)
    assert first_gap_blend(90, 42) == pytest.approx(43.5)
    start = datetime(2026, 1, 6, 15, tzinfo=UTC)
    rows = [(start, "sam", "svc-cut", "completed"),
            (start + timedelta(days=30), "sam", "svc-cut", "completed")]  # fmt: skip
    rhythm = rhythm_from_visits(customer_ref="mia", rows=rows, tz=NY, min_visits=3, catalog=CATALOG)
    assert "Cut" not in rhythm.gap_days  # no rhythm of their own yet (min_visits 3)
    assert rhythm.gap_for("Cut", 42) == pytest.approx(36)
    assert rhythm.gap_for("Colour", 56) == 56  # no visit in it: the category's


def test_the_due_date_falls_on_the_weekday_a_client_keeps():
    # Tuesdays (2026-01-06, 01-20 and 02-03 are Tuesdays) and one Friday: Tuesday is a habit.
    tuesday = datetime(2026, 1, 6, 15, tzinfo=NY)
    days = (0, 14, 28, 38)  # 02-13 is a Friday
    rows = [(tuesday + timedelta(days=d), "sam", "svc-cut", "completed") for d in days]
    rhythm = rhythm_from_visits(customer_ref="mia", rows=rows, tz=NY, min_visits=3, catalog=CATALOG)
    assert rhythm.kept_weekday == {"Cut": 1}
    last = rows[-1][0]
    # 40 days after Friday 02-13 is Wednesday 03-25: the nearest Tuesday is 03-24, a day before.
    assert rhythm.due_after("Cut", last, 40, NY) == datetime(2026, 3, 24, 15, tzinfo=NY)
    # 44 days is Sunday 03-29: Tuesday 03-31, two days later (never more than 3 either way).
    assert rhythm.due_after("Cut", last, 44, NY) == datetime(2026, 3, 31, 15, tzinfo=NY)
    # No visits in Nails: no habit there, the plain date.
    assert rhythm.due_after("Nails", last, 40, NY) == last + timedelta(days=40)
    assert due_on(last, 40, weekday=None, tz=NY) == last + timedelta(days=40)
    # No habit: two visits on different days, or one visit, or only 2 of 5 on the usual day.
    assert weekday_habit([1, 4]) == (4, False)
    assert weekday_habit([1]) == (1, False)
    assert weekday_habit([1, 1, 2, 3, 4]) == (1, False)
    assert weekday_habit([1, 1, 2, 1]) == (1, True)


@pytest.mark.django_db
def test_the_scan_blends_a_single_gap_as_python_does(salon):
    from rebooking.scan import due_clients

    integration = integration_for(salon)
    customer(integration, "mia")
    start = datetime(2026, 1, 5, 15, tzinfo=UTC)
    for offset in (0, 90):  # one gap of 90 days: 2 cycles of 45, blended with Cut's 42: 43.5
        visit(integration, "mia", start + timedelta(days=offset))
    now = start + timedelta(days=200)
    for stored in (False, True):
        if stored:
            rhythms_refresh(integration_id=str(integration.pk))
        [due] = due_clients(integration_ids=[str(integration.pk)], now=now, due_by=now,
                            min_visits=3, grace=1.0, fallback={"Cut": 42}, default_fallback=42,
                            cooldown_days=0, include_no_show=False, stored=stored)  # fmt: skip
        assert due.interval == pytest.approx(43.5)
