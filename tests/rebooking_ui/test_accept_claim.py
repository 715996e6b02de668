"""Accept as a claim: open -> booking (one request) -> accepted or back to open; a claim whose
outcome is unknown is settled by looking the booking up on the platform, never by booking again."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from integrations.adapters import errors
from integrations.platform_calls import (
    TransactionAroundPlatformCall,
    ensure_outside_transaction,
    open_transactions,
)
from rebooking.accept import (
    CLAIM_STALE_AFTER,
    suggestion_accept,
    suggestion_settle,
    suggestions_settle_stale,
)
from rebooking.models import RebookingSuggestion, SuggestionKind, SuggestionStatus
from tests.conftest import need

from .conftest import SLOT_0, make_suggestion

pytestmark = pytest.mark.django_db


def reload(suggestion) -> RebookingSuggestion:
    return RebookingSuggestion.objects.get(pk=suggestion.pk)


def test_a_claimed_suggestion_is_not_booked_again(integration, booking, owner):
    suggestion = make_suggestion(integration)
    RebookingSuggestion.objects.filter(pk=suggestion.pk).update(
        status=SuggestionStatus.BOOKING, booking_started_at=timezone.now(), booking_option=0
    )
    outcome = suggestion_accept(suggestion=suggestion, option_index=1, user=owner)
    assert (outcome.ok, outcome.in_progress) == (False, True)
    assert "already in progress" in outcome.message
    assert booking.booked == [] and reload(suggestion).status == SuggestionStatus.BOOKING


def test_the_platform_is_called_with_no_transaction_open(integration, booking, owner):
    seen = []
    original = booking.book

    def book(self, request):
        seen.append(open_transactions())
        return original(self, request)

    booking.book = book
    suggestion = make_suggestion(integration)
    assert suggestion_accept(suggestion=suggestion, option_index=0, user=owner).ok
    assert seen == [[]]
    # While the platform books it, the suggestion is claimed (status "booking") and committed.
    assert reload(suggestion).status == SuggestionStatus.ACCEPTED


def test_the_claim_is_visible_while_the_platform_books(integration, booking, owner):
    during = []
    original = booking.book

    def book(self, request):
        during.append(RebookingSuggestion.objects.get(pk=suggestion.pk))
        return original(self, request)

    booking.book = book
    suggestion = make_suggestion(integration)
    suggestion_accept(suggestion=suggestion, option_index=2, user=owner)
    claim = during[0]
    assert claim.status == SuggestionStatus.BOOKING and claim.booking_option == 2
    assert claim.decided_by == owner and claim.booking_started_at is not None
    done = reload(suggestion)
    assert (done.status, done.booked_appointment_ref, done.decided_by) == (
        "accepted",
        "appt-1",
        owner,
    )
    assert done.booking_started_at is None and done.decided_at is not None


def test_a_timeout_after_the_platform_booked_is_settled_as_accepted(integration, booking, owner):
    booking.fail_after_booking = errors.TransientError("read timed out", platform="phorest")
    suggestion = make_suggestion(integration)
    outcome = suggestion_accept(suggestion=suggestion, option_index=1, user=owner)
    assert outcome.ok and outcome.appointment_ref == "appt-1"
    assert len(booking.booked) == 1  # looked up, not booked twice
    customer, filters = booking.lookups[0]
    day = (SLOT_0 + timedelta(days=1)).astimezone(integration.salon.tz).date()
    assert customer == "cust-1" and (filters.start_date, filters.end_date) == (day, day)
    assert reload(suggestion).status == SuggestionStatus.ACCEPTED


def test_a_timeout_with_no_booking_on_the_platform_reopens_with_the_reason(
    integration, booking, owner
):
    booking.fail = errors.TransientError("read timed out", platform="phorest")
    suggestion = make_suggestion(integration)
    outcome = suggestion_accept(suggestion=suggestion, option_index=0, user=owner)
    assert not outcome.ok and "nothing was booked" in outcome.message
    after = reload(suggestion)
    assert after.status == SuggestionStatus.OPEN and after.last_error == outcome.message
    assert after.decided_by is None and after.booking_option is None


def test_an_unknown_outcome_stays_claimed_until_the_sweep_finds_the_booking(
    integration, booking, owner
):
    booking.fail_after_booking = errors.TransientError("read timed out", platform="phorest")
    booking.lookup_fail = errors.TransientError("503", platform="phorest")
    suggestion = make_suggestion(integration)
    outcome = suggestion_accept(suggestion=suggestion, option_index=0, user=owner)
    assert (outcome.ok, outcome.in_progress) == (False, True)
    assert "checks again" in outcome.message
    assert reload(suggestion).status == SuggestionStatus.BOOKING
    # Too early: the sweep leaves a fresh claim to its request.
    assert suggestions_settle_stale() == 0
    booking.lookup_fail = None
    later = timezone.now() + CLAIM_STALE_AFTER + timedelta(seconds=1)
    assert suggestions_settle_stale(now=later) == 1
    settled = reload(suggestion)
    assert (
        settled.status == SuggestionStatus.ACCEPTED and settled.booked_appointment_ref == "appt-1"
    )
    assert len(booking.booked) == 1


def test_a_claim_left_by_a_crashed_process_with_nothing_booked_reopens(integration, booking):
    suggestion = make_suggestion(integration, kind=SuggestionKind.REFILL)
    RebookingSuggestion.objects.filter(pk=suggestion.pk).update(
        status=SuggestionStatus.BOOKING,
        booking_started_at=timezone.now() - CLAIM_STALE_AFTER * 2,
        booking_option=1,
    )
    assert suggestions_settle_stale() == 1
    assert booking.lookups[0][0] == "cust-8"  # the refill option's client
    after = reload(suggestion)
    assert after.status == SuggestionStatus.OPEN and "nothing was booked" in after.last_error
    assert booking.booked == []


def test_settle_ignores_a_cancelled_or_different_appointment(integration, booking, owner):
    suggestion = make_suggestion(integration)
    booking.booked.append(  # the client has another booking that day, at another time
        type(
            "R",
            (),
            {
                "customer_id": "cust-1",
                "start": SLOT_0 + timedelta(hours=3),
                "service_id": "svc-cut",
                "provider_id": "prov-0",
            },
        )()
    )
    RebookingSuggestion.objects.filter(pk=suggestion.pk).update(
        status=SuggestionStatus.BOOKING, booking_option=0
    )
    outcome = suggestion_settle(suggestion=reload(suggestion))
    assert not outcome.ok and reload(suggestion).status == SuggestionStatus.OPEN


def test_a_rate_limit_reopens_without_a_lookup(integration, booking, owner):
    booking.fail = errors.RateLimitError("Too many requests", platform="phorest", retry_after=60)
    suggestion = make_suggestion(integration)
    outcome = suggestion_accept(suggestion=suggestion, option_index=0, user=owner)
    assert not outcome.ok and "busy" in outcome.message and booking.lookups == []
    assert reload(suggestion).status == SuggestionStatus.OPEN


def test_the_guard_refuses_a_platform_call_inside_a_transaction():
    ensure_outside_transaction("phorest", "book")  # the test's own transaction is not ours
    with transaction.atomic():
        assert open_transactions() == ["default"]
        with pytest.raises(TransactionAroundPlatformCall, match="inside a database transaction"):
            ensure_outside_transaction("phorest", "book")


def test_the_guard_logs_in_production(settings, caplog):
    settings.PLATFORM_CALLS_IN_TRANSACTION = "log"
    with transaction.atomic():
        ensure_outside_transaction("mindbody", "book")
    assert "mindbody call 'book' attempted inside a database transaction" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_book_once(integration, booking, owner):
    need(connection.vendor == "postgresql", "concurrent requests need PostgreSQL")
    suggestion = make_suggestion(integration)
    original = booking.book

    def slow_book(self, request):
        time.sleep(0.3)  # the platform takes a while: the second click arrives meanwhile
        return original(self, request)

    booking.book = slow_book
    outcomes, start = [], threading.Barrier(2)

    def click():
        start.wait()
        try:
            outcomes.append(suggestion_accept(suggestion=suggestion, option_index=0, user=owner))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((o.ok, o.in_progress) for o in outcomes) == [(False, True), (True, False)]
    assert len(booking.booked) == 1 and reload(suggestion).status == SuggestionStatus.ACCEPTED


def test_a_booking_whose_record_fails_is_settled_later_without_booking_again(
    integration, booking, owner, monkeypatch
):
    from django.db import DatabaseError

    import rebooking.accept

    original = rebooking.accept._record_accepted

    def database_down(pk, ref):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(rebooking.accept, "_record_accepted", database_down)
    suggestion = make_suggestion(integration)
    outcome = suggestion_accept(suggestion=suggestion, option_index=0, user=owner)
    assert outcome.ok and "will show it as accepted shortly" in outcome.message
    assert reload(suggestion).status == SuggestionStatus.BOOKING  # the claim is kept

    monkeypatch.setattr(rebooking.accept, "_record_accepted", original)
    later = timezone.now() + CLAIM_STALE_AFTER + timedelta(minutes=1)
    assert suggestions_settle_stale(now=later) == 1
    settled = reload(suggestion)
    assert (
        settled.status == SuggestionStatus.ACCEPTED and settled.booked_appointment_ref == "appt-1"
    )
    assert len(booking.booked) == 1
