"""The replay's learned category intervals hold only what was known at each scan (issue 20: no
future leak), and agree with what production's selector reads from the stored rhythms then."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rebooking.backtest.learned import LearnedTimeline
from rebooking.backtest.loader import Appt, create_sandbox, drop_sandbox
from rebooking.backtest.replay import _Mirror
from rebooking.category_intervals import category_days_by_name
from rebooking.models import RebookingSettings

NY = ZoneInfo("America/New_York")
T0 = datetime(2024, 5, 6, 10, 0, tzinfo=NY)  # no DST change in the 60 days after


def _cut(n: int, client: str, day: int) -> Appt:
    start = T0 + timedelta(days=day)
    return Appt(f"a{n}", client, "Cut", "cut", "p1", start, 45, "completed", start)


ROWS = [
    _cut(1, "ada", 0),
    _cut(2, "ben", 0),
    _cut(3, "ada", 30),  # Ada's gap (30 days) is known from day 30
    _cut(4, "ben", 40),  # Ben's (40) from day 40
]


def test_each_scan_knows_only_the_visits_before_it():
    times = [T0 + timedelta(days=d, hours=1) for d in (29, 30, 39, 40)]
    timeline = LearnedTimeline(ROWS, RebookingSettings(), times)  # Cut's default: 42
    assert timeline.at(T0) == {"Cut": 42.0}  # before the first scan
    assert timeline.at(times[0])["Cut"] == 42.0  # day 29: nobody has come back
    # day 30: Ada alone, (30 + 10 x 42) / 11
    assert timeline.at(times[1])["Cut"] == pytest.approx(450 / 11)
    assert timeline.at(times[2] + timedelta(hours=5))["Cut"] == pytest.approx(450 / 11)
    # day 40: Ada 30 and Ben 40, median 35, which fits both within a week (the default 42 fits
    # Ben alone): (2 x 35 + 420) / 12
    assert timeline.at(times[3])["Cut"] == pytest.approx(490 / 12)


def test_override_wins_in_the_replay_too():
    settings = RebookingSettings(interval_overrides={"cut": 35})
    timeline = LearnedTimeline(ROWS, settings, [T0 + timedelta(days=61)])
    assert timeline.at(T0 + timedelta(days=62)) == {"Cut": 35.0}


@pytest.mark.django_db
def test_the_timeline_agrees_with_production_at_each_scan():
    integration = create_sandbox(ROWS, tz_name="America/New_York")
    try:
        settings = RebookingSettings()
        mirror = _Mirror(integration, ROWS)
        times = [T0 + timedelta(days=d, hours=1) for d in (10, 30, 45, 60)]
        timeline = LearnedTimeline(ROWS, settings, times)
        for when in times:
            mirror.advance(when)
            mirror.refresh_rhythms(when)
            production = category_days_by_name(
                settings=settings, integration_ids=[str(integration.pk)]
            )
            assert production == pytest.approx(timeline.at(when)), when
    finally:
        drop_sandbox(integration)
