"""A salon whose clients keep their weekday: a first visit's weekday is taken as kept."""

from datetime import datetime, timedelta

import pytest

from rebooking.models import ClientRhythm
from rebooking.rhythm import rhythm_from_visits
from rebooking.weekdays_kept import in_whole_weeks, keeps_weekdays, salon_keeps_weekdays
from tests.rebooking.helpers import NY, integration_for

CATALOG = {"svc-cut": ("Cut & Style", "Cut")}


def test_whole_weeks_within_half_a_day():
    assert in_whole_weeks(42) and in_whole_weeks(41.6) and in_whole_weeks(7.4)  # DST: 41.96
    assert not in_whole_weeks(45.5) and not in_whole_weeks(3) and not in_whole_weeks(0.2)


def test_a_salon_keeps_weekdays_when_twice_chance_of_its_clients_do():
    # 30 clients, 9 with gaps of whole weeks: 9 >= 0.3 × 30. With 8, not; with 29 clients, too
    # few to tell.
    spread = [43.0 + 0.1 * i for i in range(30)]  # 43.0 .. 45.9: half a week off 42 and 49
    assert sum(in_whole_weeks(g) for g in spread) == 0
    assert keeps_weekdays([42.0] * 9 + spread[:21])
    assert not keeps_weekdays([42.0] * 8 + spread[:22])
    assert not keeps_weekdays([42.0] * 29)


def test_a_single_visit_is_taken_as_the_weekday_kept_when_the_salon_keeps_them():
    # One Cut on Thursday 2026-01-01; 45 days later is Sunday 02-15. Kept: the nearest Thursday,
    # 02-12 (3 days before); not kept: the plain date.
    thursday = datetime(2026, 1, 1, 15, tzinfo=NY)
    rows = [(thursday, "sam", "svc-cut", "completed")]
    plain = rhythm_from_visits(customer_ref="mia", rows=rows, tz=NY, min_visits=3, catalog=CATALOG)
    kept = rhythm_from_visits(customer_ref="mia", rows=rows, tz=NY, min_visits=3, catalog=CATALOG,
                              first_on_weekday=True)  # fmt: skip
    assert plain.due_after("Cut", thursday, 45, NY) == thursday + timedelta(days=45)
    assert kept.kept_weekday == {"Cut": 3}
    assert kept.due_after("Cut", thursday, 45, NY) == datetime(2026, 2, 12, 15, tzinfo=NY)


@pytest.mark.django_db
def test_the_salon_evidence_is_its_stored_rhythms(salon):
    integration = integration_for(salon)
    now = datetime(2026, 1, 1, 15, tzinfo=NY)
    for i in range(30):
        ClientRhythm.objects.create(integration=integration, customer_ref=f"c{i}", category="Cut",
                                    visits=3, last_visit=now, median_gap=42.0 if i < 9 else 45.5,
                                    refreshed_at=now)  # fmt: skip
    # a single visit has no gap and is not evidence either way
    ClientRhythm.objects.create(integration=integration, customer_ref="one", category="Cut",
                                visits=1, last_visit=now, refreshed_at=now)  # fmt: skip
    assert salon_keeps_weekdays(integration_ids=[str(integration.pk)])
    ClientRhythm.objects.filter(customer_ref="c0").update(median_gap=45.5)
    assert not salon_keeps_weekdays(integration_ids=[str(integration.pk)])
