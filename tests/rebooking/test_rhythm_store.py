"""The stored rhythms: the same answers as the live query, kept in step by the EventService."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.adapters.types import Appointment, AppointmentStatus, Event, EventKind
from integrations.events import EventService
from rebooking.models import ClientRhythm
from rebooking.rhythm_store import rhythms_refresh
from rebooking.scan import due_clients
from rebooking.services import rebooking_settings_get, suggestions_for_cancellation
from tests.rebooking.helpers import NY, customer, every, integration_for, visit

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 4, 1, 14, tzinfo=UTC)


@pytest.fixture
def integration(salon):
    return integration_for(salon)


@pytest.fixture
def history(integration):
    """Four clients of different rhythms, two categories, two providers, a cancellation."""
    customer(integration, "mia")  # Cut with Sam every 21 days, and Colour every 56
    every(integration, "mia", datetime(2025, 11, 4, 17, 30, tzinfo=NY), 21, 7)
    every(
        integration,
        "mia",
        datetime(2025, 10, 1, 10, tzinfo=NY),
        56,
        3,
        service="svc-colour",
        provider="ana",
    )
    customer(integration, "zoe")  # Cut with Sam every 28 days
    every(integration, "zoe", datetime(2025, 12, 10, 11, tzinfo=NY), 28, 4)
    customer(integration, "kim")  # one visit only: the fallback interval applies
    visit(integration, "kim", datetime(2026, 1, 20, 9, tzinfo=NY), provider="ana")
    customer(integration, "lea")  # irregular gaps: 10, 40, 20 days (median 20)
    for day in (datetime(2025, 12, 1, 12, tzinfo=NY),):
        for offset in (0, 10, 50, 70):
            visit(integration, "lea", day + timedelta(days=offset))
    visit(integration, "lea", datetime(2026, 3, 3, 12, tzinfo=NY), status="cancelled")
    return integration


def _query(integration, **kw):
    settings = rebooking_settings_get(salon=integration.salon)
    base = {
        "integration_ids": [str(integration.pk)],
        "now": NOW,
        "due_by": NOW + timedelta(days=6),
        "min_visits": settings.min_visits,
        "grace": 1.0,
        "fallback": settings.fallback_intervals,
        "default_fallback": settings.default_fallback_days,
        "cooldown_days": settings.cooldown_days,
        "include_no_show": False,
    }
    return {**base, **kw}


@pytest.mark.parametrize(
    "narrow",
    [{}, {"category": "Cut"}, {"category": "Cut", "provider_ref": "sam"}, {"category": "Colour"}],
)
def test_stored_rhythms_answer_as_the_live_query(history, narrow):
    written = rhythms_refresh(integration_id=str(history.pk), now=NOW)
    assert written == ClientRhythm.objects.filter(integration=history).count() == 5
    live = due_clients(**_query(history, **narrow))
    stored = due_clients(**_query(history, **narrow), stored=True)
    assert live  # the comparison means something only if someone is due
    assert stored == live


def test_stored_row_holds_the_median_gap_and_the_last_visit(history):
    rhythms_refresh(integration_id=str(history.pk), now=NOW)
    lea = ClientRhythm.objects.get(integration=history, customer_ref="lea")
    assert (lea.visits, lea.category, lea.last_provider_ref) == (4, "Cut", "sam")
    assert lea.median_gap == pytest.approx(20.0)
    assert lea.last_visit == datetime(2025, 12, 1, 12, tzinfo=NY) + timedelta(days=70)
    kim = ClientRhythm.objects.get(integration=history, customer_ref="kim")
    assert kim.visits == 1 and kim.median_gap is None


def test_refresh_of_some_clients_replaces_only_their_rows(history):
    rhythms_refresh(integration_id=str(history.pk), now=NOW)
    visit(history, "zoe", datetime(2026, 3, 31, 11, tzinfo=NY))  # a fifth visit
    visit(history, "kim", datetime(2026, 3, 31, 9, tzinfo=NY), provider="ana")
    assert rhythms_refresh(integration_id=str(history.pk), customer_refs=["zoe"], now=NOW) == 1
    assert ClientRhythm.objects.get(integration=history, customer_ref="zoe").visits == 5
    assert ClientRhythm.objects.get(integration=history, customer_ref="kim").visits == 1  # stale
    assert rhythms_refresh(integration_id=str(history.pk), customer_refs=[], now=NOW) == 0
    assert ClientRhythm.objects.filter(integration=history).count() == 5


def _event(kind, appointment):
    return Event(
        kind=kind,
        platform="phorest",
        event_id=f"evt-{appointment.platform_id}-{kind}",
        object_id=appointment.platform_id,
        occurred_at=NOW,
        data=appointment,
    )


def test_an_appointment_event_refreshes_that_clients_rhythm(
    history, django_capture_on_commit_callbacks
):
    rhythms_refresh(integration_id=str(history.pk))
    start = datetime(2026, 3, 30, 11, tzinfo=NY)
    done = Appointment(
        platform_id="new-visit",
        status=AppointmentStatus.COMPLETED,
        start=start,
        end=start + timedelta(hours=1),
        customer_id="zoe",
        service_id="svc-cut",
        provider_id="ana",
    )
    with django_capture_on_commit_callbacks(execute=True):
        EventService.apply(integration=history, event=_event(EventKind.APPOINTMENT_CREATED, done))
    zoe = ClientRhythm.objects.get(integration=history, customer_ref="zoe")
    assert (zoe.visits, zoe.last_provider_ref) == (5, "ana")

    gone = Event(
        kind=EventKind.APPOINTMENT_DELETED,
        platform="phorest",
        event_id="evt-deleted",
        object_id="new-visit",
        occurred_at=NOW + timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        EventService.apply(integration=history, event=gone)  # only the id: the mirror knows whose
    zoe = ClientRhythm.objects.get(integration=history, customer_ref="zoe")
    assert (zoe.visits, zoe.last_provider_ref) == (4, "sam")


def test_refill_reads_the_stored_rhythms_once_built(history, monkeypatch):
    monkeypatch.setattr("rebooking.services.availability_list", lambda **kw: [])
    cancelled = visit(
        history, "mia", datetime(2026, 4, 7, 17, 30, tzinfo=NY), status="cancelled", ref="c-1"
    )
    assert cancelled.customer_ref == "mia"
    rhythms_refresh(integration_id=str(history.pk), now=NOW)
    # Zoe (Sam, every 28 days, last seen Mar 4) is due for the freed slot and fits it best;
    # Kim (Ana's, one visit, about 2 of the category's intervals ago) after her. Lea (every
    # 18-20 days, last seen Feb 9: 3 of her intervals by the slot) has likely gone elsewhere.
    made = suggestions_for_cancellation(integration=history, appointment_ref="c-1", now=NOW)
    refill = next(s for s in made if s.kind == "refill")
    assert [o["customer"] for o in refill.options] == ["zoe", "kim"]
    # The refill answers from the stored rows: without Zoe's row she is not offered, which the
    # live query would still have done.
    refill.delete()
    ClientRhythm.objects.filter(integration=history, customer_ref="zoe").delete()
    made = suggestions_for_cancellation(integration=history, appointment_ref="c-1", now=NOW)
    refill = next(s for s in made if s.kind == "refill")
    assert [o["customer"] for o in refill.options] == ["kim"]
