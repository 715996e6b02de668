"""The replay's mirror moved forward in steps: the same state as revealing everything at once,
stored rhythms in step with it, and the throwaway salon's fast commits confined to the replay."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import MirroredAppointment
from rebooking.backtest.loader import Appt, create_sandbox, drop_sandbox, reveal
from rebooking.backtest.replay import _Mirror, _throwaway_commits, replay
from rebooking.models import ClientRhythm
from rebooking.rhythm_store import rhythms_refresh

NY = ZoneInfo("America/New_York")
T0 = datetime(2024, 3, 5, 10, 0, tzinfo=NY)
pytestmark = pytest.mark.django_db


def _history() -> list[Appt]:
    rows, n = [], 0
    statuses = ["completed", "completed", "cancelled", "completed", "late_cancelled", "no_show"]
    for c in range(6):
        for i in range(10):
            n += 1
            start = T0 + timedelta(days=17 * i + c, hours=c)
            # some booked weeks ahead, some at the last minute (after a cancellation is known)
            booked = start - timedelta(days=30 if i % 3 == 0 else 1, hours=i % 2)
            status = statuses[(i + c) % len(statuses)]
            rows.append(
                Appt(f"a{n}", f"c{c}", "Cut", "cut", f"p{c % 2}", start, 60, status, booked)
            )
    return rows


def _state(integration):
    return sorted(
        MirroredAppointment.objects.filter(integration=integration).values_list(
            "platform_id", "status", "deleted"
        )
    )


def test_revealing_step_by_step_matches_revealing_at_once():
    rows = _history()
    stepped = create_sandbox(rows, tz_name="America/New_York")
    whole = create_sandbox(rows, tz_name="America/New_York")
    try:
        mirror = _Mirror(stepped, rows)
        checks = 0
        now = T0 - timedelta(days=40)
        while now < T0 + timedelta(days=190):
            mirror.advance(now)
            reveal(whole, now)  # the reference: every row's state at ``now``, all at once
            assert _state(stepped) == _state(whole), now
            checks += 1
            now += timedelta(days=3, hours=7)
        assert checks > 50
        assert any(not deleted for _, _, deleted in _state(whole))  # something was revealed
    finally:
        drop_sandbox(stepped)
        drop_sandbox(whole)


def test_stored_rhythms_follow_the_revealed_visits():
    rows = _history()
    integration = create_sandbox(rows, tz_name="America/New_York")
    try:
        mirror = _Mirror(integration, rows)
        now = T0 + timedelta(days=60)
        mirror.advance(now)
        mirror.refresh_rhythms(now)
        for later in (now + timedelta(days=20), now + timedelta(days=90)):
            mirror.advance(later)
            mirror.refresh_rhythms(later)
            kept = sorted(
                ClientRhythm.objects.filter(integration=integration).values_list(
                    "customer_ref", "visits", "last_visit"
                )
            )
            rhythms_refresh(integration_id=str(integration.pk))  # rebuilt from scratch
            rebuilt = sorted(
                ClientRhythm.objects.filter(integration=integration).values_list(
                    "customer_ref", "visits", "last_visit"
                )
            )
            assert kept == rebuilt
            assert kept  # clients with completed visits have rhythms
    finally:
        drop_sandbox(integration)


def test_a_visit_at_the_very_moment_counts_in_the_stored_rhythm():
    rows = _history()
    integration = create_sandbox(rows, tz_name="America/New_York")
    try:
        visit = next(a for a in rows if a.status == "completed" and a.start > T0 + timedelta(30))
        reveal(integration, visit.start)
        rhythms_refresh(integration_id=str(integration.pk), now=visit.start)
        row = ClientRhythm.objects.get(integration=integration, customer_ref=visit.client)
        assert row.last_visit == visit.start
    finally:
        drop_sandbox(integration)


def test_fast_commits_are_confined_to_the_replay():
    if connection.vendor != "postgresql":  # SQLite: nothing to switch, and no SQL sent for it
        with CaptureQueriesContext(connection) as queries, _throwaway_commits():
            pass
        assert len(queries) == 0
        return

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    seen = []

    def progress(done, total):
        if not seen:
            seen.append(setting())

    before = setting()
    replay(_history(), tz_name="America/New_York", progress=progress)
    assert seen == ["off"]
    assert setting() == before == "on"
