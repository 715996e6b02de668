"""A refill's pool habits (selectors.client_habits, one plain-SQL read): only each client's last
RECENT_VISITS completed visits before the moment count, and the weekday they keep is read from
their visits in the slot's category alone; pinned to a hand-built history."""

from datetime import datetime, timedelta

import pytest

from integrations.models import MirroredAppointment
from rebooking.rhythm import RECENT_VISITS
from rebooking.selectors import client_habits
from tests.rebooking.helpers import customer, integration_for, local, visit

pytestmark = pytest.mark.django_db
BEFORE = local(2026, 6, 20, 9, 0)


@pytest.fixture
def integration(salon):
    integration = integration_for(salon)
    customer(integration, "mia")
    # Three colours on Fridays at 10 with Ana, before any cut.
    for day in (5, 12, 19):
        visit(integration, "mia", local(2025, 12, day, 10, 0), service="svc-colour", provider="ana")
    # Twelve cuts on Tuesdays at 5:30 pm, fortnightly: the first seven with Ana, then Sam.
    for i in range(12):
        start = local(2026, 1, 6) + timedelta(days=14 * i)
        visit(integration, "mia", start, provider="ana" if i < 7 else "sam")
    # None of these counts: a no-show, a deleted visit and one after the moment asked about.
    visit(integration, "mia", local(2026, 6, 16), provider="ana", status="no_show")
    gone = visit(integration, "mia", local(2026, 6, 18), provider="ana")
    MirroredAppointment.objects.filter(pk=gone.pk).update(deleted=True)
    visit(integration, "mia", local(2026, 6, 23), provider="ana")
    visit(integration, "leo", local(2026, 6, 2), provider="ana")
    for a in MirroredAppointment.objects.filter(customer_ref="mia"):
        a.platform_created_at = a.start - timedelta(days=3)
        a.save(update_fields=["platform_created_at"])
    return integration


def habits(integration, services=()):
    return client_habits(
        integration=integration,
        customer_refs=["mia", "zoe"],
        before=BEFORE,
        service_refs=services,
    )


def test_only_the_last_visits_before_the_moment_count(integration):
    assert RECENT_VISITS == 10  # the hand count below assumes it
    mia = habits(integration)["mia"]
    # The last 10 completed visits are cuts 3 to 12: Ana 5, Sam 5, a tie the latest (Sam) wins.
    # Over every visit Ana would win 10 to 5; with the no-show or the deleted visit, Ana 5 to 5
    # and the latest would be hers.
    assert mia.provider == "sam"
    assert mia.weekday == 1  # Tuesday
    assert mia.minutes == 17 * 60 + 30
    assert mia.lead_days == pytest.approx(3.0)
    assert mia.kept_weekday is None  # no category asked about


def test_the_kept_weekday_comes_from_the_slots_category_only(integration):
    assert habits(integration, ["svc-colour"])["mia"].kept_weekday == 4  # Fridays
    assert habits(integration, ["svc-cut"])["mia"].kept_weekday == 1  # Tuesdays


def test_clients_not_asked_about_or_without_visits_are_absent(integration):
    assert set(habits(integration)) == {"mia"}
    assert client_habits(integration=integration, customer_refs=[], before=BEFORE) == {}


def test_times_come_back_aware_on_every_backend(integration):
    rows = client_habits(
        integration=integration, customer_refs=["leo"], before=datetime.now().astimezone()
    )
    assert rows["leo"].minutes == 17 * 60 + 30  # 5:30 pm New York, however the backend stores it
