"""Category intervals learned from the salon's own clients (issue 20 item 2): the median usual gap
of the clients with 2+ visits, shrunk towards the named default as if 10 more clients kept to it;
the owner's override over both; the engine (scan and refill) using override > learned > default."""

from datetime import UTC, datetime, timedelta

import pytest

from rebooking.category_intervals import (
    category_days,
    category_intervals,
    category_intervals_from,
    days_by_name,
    default_fits,
    learned_days,
)
from rebooking.forms import category_line
from rebooking.models import RebookingSettings
from rebooking.rhythm_store import rhythms_refresh
from rebooking.selectors import overdue_candidates
from rebooking.services import rebooking_settings_get
from tests.rebooking.helpers import customer, every, integration_for, local, visit


def test_learned_days_shrink_the_median_towards_the_default():
    # median 44 of three clients, default 56: (3 x 44 + 10 x 56) / 13 = 692 / 13
    assert learned_days([50, 40, 44], 56) == pytest.approx(692 / 13)
    # thirty clients at 30 days outweigh the ten pseudo-clients: (900 + 560) / 40 = 36.5
    assert learned_days([30.0] * 30, 56) == pytest.approx(36.5)
    assert learned_days([], 56) == 56.0  # nobody back yet: the default
    # the median, not the mean: one client back after a year moves nothing
    assert learned_days([30, 30, 365], 42) == pytest.approx((3 * 30 + 420) / 13)


def test_the_default_stands_while_it_fits_the_clients_as_well_as_their_median():
    settings = RebookingSettings()  # Cut 42
    # Median 46; within 7 days of 42: 40, 44, 46, 47 (4); of 46: the same 4. The default stays.
    (cut,) = category_intervals_from([("Cut", g) for g in (40, 44, 46, 47, 60)], ["Cut"], settings)
    assert default_fits([40, 44, 46, 47, 60], 42)
    assert (cut.kept_default, cut.learned, cut.observed) == (True, 42.0, 46)
    assert category_line(cut) == (
        "your clients come back every 42 days, the default, which fits as many of them as their"
        " median gap (46 days) does"
    )
    # Five clients at 30 days and one at 42: the default fits 1, the median (30) 5: learned,
    # shrunk as ever: (6 x 30 + 10 x 42) / 16 = 37.5.
    (cut,) = category_intervals_from([("Cut", g) for g in (30,) * 5 + (42,)], ["Cut"], settings)
    assert (cut.kept_default, cut.learned) == (False, 37.5)
    assert category_line(cut) == "your clients come back every 38 days (default 42)"
    assert not default_fits([], 42)  # nobody back yet: nothing to fit (the default is used)
    # Gaps too scattered for either to fit any (60 and 90; the median 75): the learned value.
    assert not default_fits([60, 90], 28)
    # The median on the default itself.
    (cut,) = category_intervals_from([("Cut", g) for g in (40, 42, 44)], ["Cut"], settings)
    assert category_line(cut) == "your clients come back every 42 days, as the default has it"


def test_spellings_are_pooled_and_the_override_wins():
    settings = RebookingSettings(interval_overrides={"cut": 35})  # defaults: Cut 42, Colour 56
    found = category_intervals_from(
        [("Colour", 50), ("color", 44), ("Colour", 40)],
        ["Colour", "color", "Cut", "Massage", ""],
        settings,
    )
    by_name = {c.name: c for c in found}
    assert [c.name for c in found] == ["Colour", "Cut", "Massage", ""]  # uncategorised last
    colour = by_name["Colour"]  # the spelling used most
    assert colour.spellings == ("Colour", "color")
    assert (colour.clients, colour.observed, colour.default) == (3, 44, 56)
    assert colour.learned == pytest.approx(692 / 13) and colour.override is None
    cut = by_name["Cut"]
    assert (cut.clients, cut.learned, cut.override, cut.days) == (0, 42.0, 35, 35.0)
    assert days_by_name(found) == pytest.approx(
        {"Colour": 692 / 13, "color": 692 / 13, "Cut": 35.0, "Massage": 42.0, "": 42.0}
    )


@pytest.fixture
def salon_history(db, salon):
    """Cut: Ada every 30 days (3 visits), Ben once 36 days apart (2), Kim once; no Colour."""
    integration = integration_for(salon)
    for ref in ("ada", "ben", "kim"):
        customer(integration, ref)
    every(integration, "ada", local(2025, 11, 3, 10), 30, 3)  # Nov 3, Dec 3, Jan 2
    every(integration, "ben", local(2025, 11, 10, 10), 36, 2)  # Nov 10, Dec 16
    visit(integration, "kim", local(2026, 2, 1, 12, 0))
    rhythms_refresh(integration_id=str(integration.pk))
    return integration


@pytest.mark.django_db
def test_learned_from_the_stored_rhythms(salon_history):
    settings = rebooking_settings_get(salon=salon_history.salon)
    found = {
        c.name: c
        for c in category_intervals(settings=settings, integration_ids=[str(salon_history.pk)])
    }
    # Cut: Ada 30, Ben 36 -> median 33; (2 x 33 + 10 x 42) / 12 = 40.5. Kim has one visit.
    assert (found["Cut"].clients, found["Cut"].observed) == (2, 33)
    assert found["Cut"].learned == pytest.approx(40.5)
    assert (found["Colour"].clients, found["Colour"].learned) == (0, 56.0)
    # one category read for a refill, under any spelling
    ids = [str(salon_history.pk)]
    assert category_days(settings=settings, integration_ids=ids, name="cuts") == 40.5


@pytest.mark.django_db
def test_the_scan_uses_override_then_learned_then_default(salon_history):
    settings = rebooking_settings_get(salon=salon_history.salon)  # grace 1.25, cooldown 14
    ids = [str(salon_history.pk)]
    # Kim (one visit, Feb 1 noon) 51 days later: due by the learned 40.5 x 1.25 = 50.6 days,
    # not by the default 42 x 1.25 = 52.5.
    now = local(2026, 2, 1, 12, 0).astimezone(UTC) + timedelta(days=51)

    def kim():
        due = overdue_candidates(settings=settings, integration_ids=ids, now=now)
        return next((d for d in due if d.customer_ref == "kim"), None)

    assert kim() is not None and kim().interval == pytest.approx(40.5)
    settings.interval_overrides = {"Cut": 45}  # 45 x 1.25 = 56.25 days: not yet
    assert kim() is None
    settings.interval_overrides = {"CUTS": 30}
    assert kim().interval == 30.0
    settings.interval_overrides = {}
    # a higher named default pulls the learned one up: (2 x 33 + 10 x 70) / 12 = 63.8 days
    settings.fallback_intervals = {"Cut": 70}
    assert kim() is None


@pytest.mark.django_db
def test_the_refill_asks_for_the_learned_interval(salon_history, monkeypatch):
    from rebooking import services

    asked = {}

    def fake_due_clients(**query):
        asked.update(query["fallback"])
        return []

    monkeypatch.setattr(services, "due_clients", fake_due_clients)
    cancelled = visit(
        salon_history,
        "ada",
        datetime(2026, 3, 20, 15, tzinfo=UTC),
        status="cancelled",
        ref="c-1",
    )
    settings = rebooking_settings_get(salon=salon_history.salon)
    services.suggestion_refill_slot(
        integration=salon_history,
        row=cancelled,
        settings=settings,
        now=datetime(2026, 3, 18, tzinfo=UTC),
    )
    assert asked == {"Cut": pytest.approx(40.5)}
