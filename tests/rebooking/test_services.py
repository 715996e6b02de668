"""Suggestions from a cancellation and a freed slot; accept, dismiss, expire; figures."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.adapters import errors
from integrations.adapters.types import Appointment, AppointmentStatus, Slot
from rebooking.accept import suggestion_accept
from rebooking.models import RebookingSuggestion
from rebooking.selectors import rebooking_figures
from rebooking.services import (
    overdue_scan,
    rebooking_settings_get,
    suggestion_dismiss,
    suggestions_expire,
    suggestions_for_cancellation,
)
from tests.rebooking.helpers import NY, customer, every, integration_for, visit

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 4, 1, 14, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def integration(salon):
    return integration_for(salon)


@pytest.fixture
def slots(monkeypatch):
    """The platform's open slots, as AvailabilityService would return them."""

    class Offered(list):
        pass

    offered = Offered()

    def fake(*, integration, start_date, end_date, filters=None, use_cache=True):
        fake.calls.append((start_date, end_date, filters))
        return list(offered)

    fake.calls = []
    monkeypatch.setattr("rebooking.services.availability_list", fake)
    offered.fake = fake
    return offered


def slot(day, hh, provider="sam", mm=30):
    start = datetime(2026, 4, day, hh, mm, tzinfo=NY)
    return Slot(
        start=start, end=start + timedelta(hours=1), provider_id=provider, service_id="svc-cut"
    )


@pytest.fixture
def mia_cancelled(integration):
    """Mia: Tuesdays 17:30 with Sam every 3 weeks; her next visit (Apr 7) was cancelled."""
    customer(integration, "mia", first="Mia")
    every(integration, "mia", datetime(2026, 1, 13, 17, 30, tzinfo=NY), 21, 4)
    return visit(
        integration,
        "mia",
        datetime(2026, 4, 7, 17, 30, tzinfo=NY),
        status="cancelled",
        ref="cancelled-1",
    )


def test_cancellation_gives_a_ranked_suggestion_with_a_readable_reason(
    integration, mia_cancelled, slots
):
    slots += [slot(7, 10), slot(14, 17), slot(7, 17, "ana"), slot(9, 17), slot(21, 17)]
    made = suggestions_for_cancellation(
        integration=integration, appointment_ref="cancelled-1", now=NOW
    )
    suggestion = next(s for s in made if s.kind == "cancellation")
    assert suggestion.customer_ref == "mia" and suggestion.provider_name == "Sam Lee"
    assert (
        suggestion.reason == "Mia usually books Tuesdays after 5 pm with Sam Lee; 3 openings found."
    )
    starts = [o["start"][:16] for o in suggestion.options]
    assert starts == ["2026-04-14T17:30", "2026-04-21T17:30", "2026-04-09T17:30"]
    assert all(o["provider"] == "sam" for o in suggestion.options)
    start, end, filters = slots.fake.calls[0]
    assert filters.service_ids == ("svc-cut",) and (end - start).days == 14
    assert suggestion.expires_at == NOW + timedelta(days=14)


def test_redelivered_cancellation_creates_no_duplicate(integration, mia_cancelled, slots):
    slots += [slot(14, 17)]
    first = suggestions_for_cancellation(
        integration=integration, appointment_ref="cancelled-1", now=NOW
    )
    again = suggestions_for_cancellation(
        integration=integration, appointment_ref="cancelled-1", now=NOW
    )
    assert len(first) >= 1 and again == []
    assert RebookingSuggestion.objects.filter(kind="cancellation").count() == 1


def test_no_suggestion_with_a_future_booking_or_inside_cooldown(
    integration, mia_cancelled, slots, salon
):
    slots += [slot(14, 17)]
    visit(integration, "mia", datetime(2026, 4, 10, 17, 30, tzinfo=NY), status="booked")
    assert (
        suggestions_for_cancellation(
            integration=integration, appointment_ref="cancelled-1", now=NOW
        )
        == []
    )
    RebookingSuggestion.objects.all().delete()
    from integrations.models import MirroredAppointment

    MirroredAppointment.objects.filter(status="booked").delete()
    RebookingSuggestion.objects.create(
        salon=salon,
        integration=integration,
        kind="overdue",
        dedupe_key="earlier",
        customer_ref="mia",
        reason="x",
        expires_at=NOW,
        options=[],
    )
    RebookingSuggestion.objects.filter(dedupe_key="earlier").update(
        created_at=NOW - timedelta(days=3)
    )
    made = suggestions_for_cancellation(
        integration=integration, appointment_ref="cancelled-1", now=NOW
    )
    assert [s.kind for s in made if s.customer_ref == "mia"] == []


def test_settings_switch_it_off(integration, mia_cancelled, slots, salon):
    settings = rebooking_settings_get(salon=salon)
    settings.on_cancellation = False
    settings.save()
    slots += [slot(14, 17)]
    assert (
        suggestions_for_cancellation(
            integration=integration, appointment_ref="cancelled-1", now=NOW
        )
        == []
    )


def test_freed_slot_is_offered_to_clients_due_for_it(integration, mia_cancelled, slots):
    customer(integration, "zoe", first="Zoe", last="Park")  # Sam, every 28 days: due Apr 1
    every(integration, "zoe", datetime(2025, 12, 10, 11, tzinfo=NY), 28, 4)
    customer(integration, "kim", first="Kim")  # Sam, every 28 days, but seen on Mar 27
    every(integration, "kim", datetime(2026, 1, 30, 11, tzinfo=NY), 28, 3)
    made = suggestions_for_cancellation(
        integration=integration, appointment_ref="cancelled-1", now=NOW
    )
    refill = next(s for s in made if s.kind == "refill")
    assert [o["customer"] for o in refill.options] == ["zoe"]
    assert refill.options[0]["name"] == "Zoe Park"
    assert refill.slot_start == datetime(2026, 4, 7, 17, 30, tzinfo=NY)
    assert refill.reason.startswith(
        "Cut & Style with Sam Lee on Tue, Apr 7, 2026, 5:30 PM is free again; 1 client"
    )


class FakeBooking:
    calls = []
    taken = set()

    def __init__(self, integration, **kw):
        self.integration = integration

    def book(self, request):
        FakeBooking.calls.append(request)
        if request.start in FakeBooking.taken:
            raise errors.ValidationError("slot taken", platform="phorest")
        return Appointment(
            platform_id="booked-9",
            status=AppointmentStatus.BOOKED,
            start=request.start,
            end=request.start + timedelta(hours=1),
        )


@pytest.fixture
def fake_booking(monkeypatch):
    FakeBooking.calls, FakeBooking.taken = [], set()
    monkeypatch.setattr("rebooking.accept.BookingService", FakeBooking)
    return FakeBooking


def test_accept_books_and_records_the_platform_id(
    integration, mia_cancelled, slots, fake_booking, owner
):
    slots += [slot(14, 17), slot(21, 17)]
    suggestion = suggestions_for_cancellation(
        integration=integration, appointment_ref="cancelled-1", now=NOW
    )[0]
    outcome = suggestion_accept(suggestion=suggestion, option_index=0, user=owner)
    assert outcome.ok and outcome.appointment_ref == "booked-9"
    assert outcome.message == "Booked on Phorest for Tue, Apr 14, 2026, 5:30 PM."
    request = fake_booking.calls[0]
    assert (request.customer_id, request.provider_id, request.service_id) == (
        "mia",
        "sam",
        "svc-cut",
    )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.booked_appointment_ref, suggestion.decided_by) == (
        "accepted",
        "booked-9",
        owner,
    )
    again = suggestion_accept(suggestion=suggestion, option_index=0, user=owner)
    assert not again.ok and "already accepted" in again.message
    assert len(fake_booking.calls) == 1


def test_accept_when_the_slot_is_gone_offers_the_next(
    integration, mia_cancelled, slots, fake_booking, owner
):
    slots += [slot(14, 17), slot(21, 17)]
    suggestion = suggestions_for_cancellation(
        integration=integration, appointment_ref="cancelled-1", now=NOW
    )[0]
    fake_booking.taken.add(datetime(2026, 4, 14, 17, 30, tzinfo=NY))
    outcome = suggestion_accept(suggestion=suggestion, option_index=0, user=owner)
    assert not outcome.ok and outcome.next_option == 1
    assert outcome.message == "That opening was taken meanwhile. The next one is offered."
    suggestion.refresh_from_db()
    assert suggestion.status == "open" and suggestion.options[0]["taken"] is True
    assert suggestion_accept(suggestion=suggestion, option_index=1, user=owner).ok
    assert suggestion_accept(suggestion=suggestion, option_index=7, user=owner).ok is False


def test_dismiss_expire_and_figures(integration, mia_cancelled, slots, fake_booking, owner, salon):
    slots += [slot(14, 17)]
    first = suggestions_for_cancellation(
        integration=integration, appointment_ref="cancelled-1", now=NOW
    )[0]
    suggestion_dismiss(suggestion=first, user=owner)
    first.refresh_from_db()
    assert first.status == "dismissed"
    other = RebookingSuggestion.objects.create(
        salon=salon,
        integration=integration,
        kind="overdue",
        dedupe_key="o1",
        customer_ref="x",
        reason="r",
        options=[],
        expires_at=NOW - timedelta(minutes=1),
    )
    assert suggestions_expire(now=NOW) == 1
    other.refresh_from_db()
    assert other.status == "expired"
    figures = rebooking_figures(salon=salon, since=NOW - timedelta(days=30))
    assert (
        figures["cancellations"] == 1 and figures["rebooked"] == 0 and figures["rebook_rate"] == 0
    )
    assert (figures["dismissed"], figures["expired"], figures["accepted"]) == (1, 1, 0)
    visit(integration, "mia", datetime(2026, 4, 16, 17, 30, tzinfo=NY), status="booked")
    assert rebooking_figures(salon=salon, since=NOW - timedelta(days=30))["rebook_rate"] == 1.0


def test_overdue_scan_creates_capped_idempotent_suggestions(integration, salon, slots):
    settings = rebooking_settings_get(salon=salon)
    settings.daily_cap = 1
    settings.save()
    for ref, days in (("a", 40), ("b", 50)):
        customer(integration, ref, first=ref.upper())
        every(integration, ref, NOW - timedelta(days=days + 28 * 3), 28, 4)
    slots += [slot(14, 17)]
    made = overdue_scan(salon=salon, now=NOW)
    assert [s.customer_ref for s in made] == ["a"]  # the one who just slipped, within the cap
    assert made[0].reason == "A usually comes every 4 weeks for cut; last visit 6 weeks ago."
    # A re-run never repeats A (cooldown, dedupe key): the cap now reaches the next client.
    assert [s.customer_ref for s in overdue_scan(salon=salon, now=NOW)] == ["b"]
    assert overdue_scan(salon=salon, now=NOW) == []


def test_overdue_client_booked_for_another_category_is_offered_it_at_that_visit(
    integration, salon, slots
):
    # Colour every 4 weeks, last 6 weeks ago (due, within reach); a cut booked for Tuesday
    # 7 April, 17:30 New York.
    customer(integration, "cara", first="Cara")
    every(integration, "cara", NOW - timedelta(days=42 + 28 * 3), 28, 4, service="svc-colour")
    visit(integration, "cara", datetime(2026, 4, 7, 17, 30, tzinfo=NY), status="booked")
    slots += [slot(14, 17)]
    made = overdue_scan(salon=salon, now=NOW)
    assert [s.customer_ref for s in made] == ["cara"]
    assert made[0].reason == (
        "Cara usually comes every 4 weeks for colour; last visit 6 weeks ago. "
        "Booked for cut & style on Tue 7 Apr: offer colour at that visit."
    )


def test_an_old_cancellation_found_late_is_not_news(integration, slots):
    customer(integration, "old")
    every(integration, "old", datetime(2025, 9, 2, 17, 30, tzinfo=NY), 21, 4)
    visit(
        integration, "old", datetime(2026, 1, 6, 17, 30, tzinfo=NY), status="cancelled", ref="c-old"
    )
    slots += [slot(14, 17)]
    assert (
        suggestions_for_cancellation(integration=integration, appointment_ref="c-old", now=NOW)
        == []
    )
