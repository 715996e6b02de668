"""The refill's ranking (issue 20): how well a freed slot fits a client due for its category,
pinned to hand-computed fits, and the pool ordered by it rather than by overdue-ness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rebooking.refill_fit import Habits, habits_from_visits, slot_fit

T = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)  # a Tuesday, 3 pm
SLOT = T + timedelta(days=42)  # a Tuesday, 3 pm


def fit(last_visit, habits, **kw):
    return slot_fit(last_visit=last_visit, interval=42, habits=habits, slot_start=SLOT,
                    slot_provider="sam", now=SLOT - timedelta(days=3), tz=UTC, **kw)  # fmt: skip


def test_a_client_due_on_the_slot_with_its_provider_day_and_hour_fits_fully():
    habits = Habits(provider="sam", weekday=1, minutes=15 * 60, lead_days=2)
    # due-ness 4 (the slot is their due date) + lead 1 (books 2 days ahead, the slot is 3 away)
    # + provider 1 + weekday 0.5 + hour 0.5
    assert fit(T, habits) == 7.0
    # The settings that switch provider and time off leave them out.
    assert fit(T, habits, same_provider=False, usual_time=False) == 5.0


def test_a_client_half_way_to_due_who_books_far_ahead_fits_little():
    habits = Habits(provider="ana", weekday=3, minutes=17 * 60, lead_days=10)
    # due-ness: the slot is at 0.5 of their interval: 4 × (1 - 0.5 / 0.5) = 0;
    # lead: 1 - (10 - 3 - 3) / 21 = 0.8095; provider 0; weekday Thursday vs Tuesday, 2 days:
    # 0.5 × (1 - 2 / 3.5) = 0.2143; hour 5 pm vs 3 pm: 0.5 × (1 - 2 / 4) = 0.25.
    assert fit(T + timedelta(days=21), habits) == pytest.approx(
        0 + 0.8095 + 0.2143 + 0.25, abs=1e-3
    )


def test_the_most_overdue_is_not_the_best_fit():
    habits = Habits()
    on_time = fit(T, habits)  # due on the slot
    long_gone = fit(T - timedelta(days=42), habits)  # twice their interval by the slot
    assert on_time == 4 + 1 and long_gone == 1  # due-ness 0 past 1.5 intervals
    assert on_time > long_gone


def test_habits_from_recent_visits_take_the_mode_ties_to_the_latest_and_the_median_lead():
    rows = [
        (T, "ana", T - timedelta(days=1)),
        (T + timedelta(days=35), "sam", T + timedelta(days=30)),  # booked 5 days ahead
        (T + timedelta(days=70, hours=2), "sam", T + timedelta(days=70, hours=2)),  # walk-in
    ]
    habits = habits_from_visits(rows, UTC)
    assert habits.provider == "sam" and habits.weekday == 1 and habits.minutes == 15 * 60
    assert habits.lead_days == 1.0  # median of 1, 5 and 0 days
    assert habits_from_visits([], UTC) == Habits()


def test_a_due_date_counts_less_the_less_the_client_has_shown_it():
    habits = Habits()
    # Due on the slot: due-ness 4 × certainty, + lead 1. One visit: the category's guess (a
    # quarter); two: half; three or more: their own rhythm, whole.
    assert fit(T, habits, visits=1) == 4 * 0.25 + 1
    assert fit(T, habits, visits=2) == 4 * 0.5 + 1
    assert fit(T, habits, visits=3) == fit(T, habits, visits=12) == 4 + 1
    # So a regular a few days off their due date comes before a first-timer due on the day:
    # 4 × (1 - (45/42 - 1) / 0.5) = 3.43 + 1 against 2.
    assert fit(T - timedelta(days=3), habits, visits=6) > fit(T, habits, visits=1)


def test_the_due_date_falls_on_the_weekday_kept_in_the_category():
    # Tuesdays in the category: a habit. 40 days after Tuesday 01-02 is Sunday 02-11; on their
    # Tuesday that is 02-13, the slot: due-ness 4 + lead 1. Without the habit, the slot is at
    # 42 / 40 = 1.05 of the interval: 4 × (1 - 0.05 / 0.5) = 3.6, + lead 1.
    tuesdays = [T - timedelta(days=28), T - timedelta(days=14), T]
    kept = habits_from_visits([(s, "sam", None) for s in tuesdays], UTC, tuesdays)
    assert kept.kept_weekday == 1
    args = dict(last_visit=T, interval=40, slot_start=SLOT, slot_provider="ana",
                now=SLOT - timedelta(days=3), tz=UTC, same_provider=False,
                usual_time=False)  # fmt: skip
    assert slot_fit(habits=kept, **args) == 5.0
    assert slot_fit(habits=Habits(), **args) == pytest.approx(4.6)
    # Visits on Tuesdays in other categories make no habit in this one.
    assert habits_from_visits([(s, "sam", None) for s in tuesdays], UTC).kept_weekday is None
