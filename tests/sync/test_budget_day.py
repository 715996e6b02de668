"""The API-call budget bench's day (bench/budget_day.py) at a tiny size: the front desk's changes,
the webhooks, the schedules, the owner's visits and an accepted suggestion run on every platform,
and each mirror ends equal to the emulator's books, so the bench cannot rot unnoticed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.budget_day import (
    PLATFORMS,
    DayPlan,
    mirror_differences,
    run_day,
    sandbox_routes,
    set_up_salon,
)
from integrations.models import MirroredAppointment
from integrations.sync import sync_run

TINY = DayPlan(
    clients=20,
    months_back=3,
    bookings=6,
    changes=2,
    cancellations=2,
    no_shows=1,
    accepts=1,
    visits=1,
    runs=4,
)


@pytest.mark.rebooking  # cancellations make suggestions, one of which is accepted
@pytest.mark.django_db(transaction=True)  # the sandbox sends its webhooks on commit
def test_a_small_day_leaves_every_mirror_exact():
    days = run_day(TINY)

    assert [day.platform for day in days] == list(PLATFORMS)
    for day in days:
        assert day.first_sync > 0 and day.day_calls > 0, day.platform
        assert day.done["booked"] == TINY.bookings, (day.platform, day.notes)
        assert day.done["cancelled"] == TINY.cancellations, (day.platform, day.notes)
        assert day.done["page visits"] == TINY.visits, (day.platform, day.notes)
        assert not [n for n in day.notes if n.startswith("GET ")], day.notes
        assert day.differences_before_nightly == [], (day.platform, day.differences_before_nightly)
        assert day.differences == [], (day.platform, day.differences)
    mindbody, vagaro, phorest = days
    for with_webhooks in (mindbody, vagaro):  # every desk change came as a processed webhook
        assert with_webhooks.webhooks["processed"] >= TINY.bookings + TINY.cancellations
        assert set(with_webhooks.webhooks) == {"processed"}, with_webhooks.webhooks
    assert not phorest.webhooks
    assert phorest.calls["15-min syncs"] > 0  # no webhooks: the 15-minute read brings changes


@pytest.mark.django_db
def test_the_comparison_reports_a_mirror_that_drifted():
    """mirror_differences can fail: a moved, a missing and an extra row are each reported."""
    day = set_up_salon("phorest", DayPlan(clients=4, months_back=1), log=lambda _line: None)
    with sandbox_routes():
        assert sync_run(integration=day.integration).state == "succeeded"
    assert mirror_differences(day.integration, day.account) == []
    rows = MirroredAppointment.objects.filter(integration=day.integration).order_by("pk")
    moved, gone = rows[0], rows[1]
    MirroredAppointment.objects.filter(pk=moved.pk).update(start=moved.start + timedelta(hours=1))
    MirroredAppointment.objects.filter(pk=gone.pk).update(deleted=True)
    extra = rows[2]
    extra.pk, extra.platform_id = None, "not-on-the-platform"
    extra.save()

    found = mirror_differences(day.integration, day.account)

    assert len(found) == 3, found
    assert any(moved.platform_id in d and "start" in d for d in found)
    assert any(gone.platform_id in d and "not in the mirror" in d for d in found)
    assert any("not-on-the-platform" in d and "not on the platform" in d for d in found)
