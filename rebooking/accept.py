"""Accepting a suggestion: a short claim, the platform call outside any transaction, the outcome.

    open ──claim──> booking ──booked──> accepted
                      └──refused / failed / not on the platform──> open (with the reason)

The claim is one conditional UPDATE (autocommit), so exactly one request books and a second click
is told the booking is in progress. The platform call runs with no transaction or row lock held
(integrations/platform_calls.py): on SQLite a held write lock made the sandbox's own write fail,
and on PostgreSQL it held a connection for the length of the call and its retries. The outcome is
written after, conditional on the claim still being ours.

A claim whose outcome was never written (the process died, the platform timed out, the database
failed after the booking) is settled by looking the booking up on the platform: the client's
appointments at that start with that provider. Found: accepted with that appointment. Not found:
back to open. The lookup never books, so a suggestion is never booked twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone

from integrations.adapters import errors
from integrations.adapters.types import (
    ENDED_STATUSES,
    Appointment,
    AppointmentFilters,
    BookingRequest,
)
from integrations.availability import availability_invalidate
from integrations.booking import BookingService
from integrations.dates import format_moment
from integrations.selectors import integration_capabilities

from .models import RebookingSuggestion, SuggestionKind, SuggestionStatus

logger = logging.getLogger(__name__)

# A claim older than this has outlived any platform call (timeouts 5 + 20 s, retries bounded at
# 30 s; integrations/adapters/http.py), so its request is gone: the settler may look it up.
CLAIM_STALE_AFTER = timedelta(minutes=5)
SETTLE_BATCH = 50


@dataclass(frozen=True)
class AcceptOutcome:
    ok: bool
    message: str
    appointment_ref: str = ""
    next_option: int | None = None
    in_progress: bool = False  # another request holds the claim, or the outcome is unknown yet


def booking_request_for(suggestion: RebookingSuggestion, option_index: int) -> BookingRequest:
    """What booking option ``option_index`` of a suggestion asks the platform for."""
    option = suggestion.options[option_index]
    key = f"suggestion-{suggestion.pk}"
    if suggestion.kind == SuggestionKind.REFILL:
        return BookingRequest(
            customer_id=option["customer"],
            service_id=suggestion.service_ref,
            provider_id=suggestion.provider_ref,
            start=suggestion.slot_start,
            idempotency_key=key,
        )
    return BookingRequest(
        customer_id=suggestion.customer_ref,
        service_id=option.get("service") or suggestion.service_ref,
        provider_id=option["provider"],
        start=datetime.fromisoformat(option["start"]),
        idempotency_key=key,
    )


def suggestion_accept(
    *, suggestion: RebookingSuggestion, option_index: int = 0, user
) -> AcceptOutcome:
    """Book option ``option_index`` through BookingService. A slot taken meanwhile offers the
    next option; nothing here holds a transaction while the platform is called."""
    suggestion = RebookingSuggestion.objects.select_related("integration__salon").get(
        pk=suggestion.pk
    )
    refused = _refusal(suggestion, option_index)
    if refused:
        return refused
    request = booking_request_for(suggestion, option_index)
    now = timezone.now()
    claimed = RebookingSuggestion.objects.filter(
        pk=suggestion.pk, status=SuggestionStatus.OPEN
    ).update(
        status=SuggestionStatus.BOOKING,
        booking_started_at=now,
        booking_option=option_index,
        decided_by=user if getattr(user, "is_authenticated", False) else None,
        last_error="",
    )
    if not claimed:  # another request decided or claimed it between our read and the UPDATE
        suggestion.refresh_from_db(fields=["status"])
        return _refusal(suggestion, option_index) or AcceptOutcome(False, "Please try again.")
    suggestion.status, suggestion.booking_started_at = SuggestionStatus.BOOKING, now
    suggestion.booking_option = option_index

    integration = suggestion.integration
    try:
        appointment = BookingService(integration).book(request)
    except errors.ValidationError:
        return _slot_refused(suggestion, option_index)
    except errors.RateLimitError as exc:  # a 429 was not acted on: nothing was booked
        return _release(suggestion, f"{integration.platform_name} is busy: {exc.message}")
    except errors.TransientError:
        # A timeout or a 5xx after the request went out: the platform may have booked it.
        return suggestion_settle(suggestion=suggestion)
    except errors.WriteAccessDenied:  # BookingService has recorded it: no more book buttons
        return _release(suggestion, cannot_book_message(integration))
    except errors.IntegrationError as exc:
        return _release(suggestion, f"{integration.platform_name} could not book it: {exc.message}")
    return _booked(suggestion, appointment)


def suggestion_settle(*, suggestion: RebookingSuggestion) -> AcceptOutcome:
    """Settle a claim whose outcome is unknown by looking the booking up on the platform."""
    integration = suggestion.integration
    request = booking_request_for(suggestion, suggestion.booking_option or 0)
    day = request.start.astimezone(integration.salon.tz).date()
    service = BookingService(integration)
    try:
        found = service.customer_appointments(
            request.customer_id, AppointmentFilters(start_date=day, end_date=day)
        )
    except errors.IntegrationError as exc:
        logger.warning(
            "suggestion %s: booking outcome unknown, lookup failed (%s)", suggestion.pk, exc.code
        )
        return AcceptOutcome(
            False,
            f"{integration.platform_name} did not confirm the booking and could not be asked "
            "whether it was made. SalonSync checks again in a few minutes and updates this "
            "suggestion; nothing will be booked twice.",
            in_progress=True,
        )
    match = _matching(found, request)
    if match is None:
        return _release(
            suggestion,
            f"{integration.platform_name} did not confirm the booking and it is not in the "
            "client's appointments: nothing was booked. You can try again.",
        )
    return _booked(suggestion, match)


def suggestions_settle_stale(*, now: datetime | None = None) -> int:
    """The periodic sweep: settle every claim older than CLAIM_STALE_AFTER. Returns how many
    were settled (accepted or reopened)."""
    cutoff = (now or timezone.now()) - CLAIM_STALE_AFTER
    stale = RebookingSuggestion.objects.filter(
        status=SuggestionStatus.BOOKING, booking_started_at__lt=cutoff
    ).select_related("integration__salon")[:SETTLE_BATCH]
    settled = 0
    for suggestion in stale:
        outcome = suggestion_settle(suggestion=suggestion)
        settled += not outcome.in_progress
    return settled


# -- the pieces --------------------------------------------------------------------------------
def _refusal(suggestion: RebookingSuggestion, option_index: int) -> AcceptOutcome | None:
    if suggestion.status == SuggestionStatus.BOOKING:
        return AcceptOutcome(
            False,
            "This booking is already in progress; the page shows the outcome in a moment.",
            in_progress=True,
        )
    if suggestion.status != SuggestionStatus.OPEN:
        return AcceptOutcome(
            False, f"This suggestion is already {suggestion.get_status_display().lower()}."
        )
    options = suggestion.options or []
    if not 0 <= option_index < len(options):
        return AcceptOutcome(False, "There is no such option.")
    if not integration_capabilities(suggestion.integration).can_book:
        return AcceptOutcome(False, cannot_book_message(suggestion.integration))
    return None


def cannot_book_message(integration) -> str:
    name = integration.platform_name
    return (
        f"{name} does not let SalonSync book for this account (no write access), so book this "
        f"time in {name} itself; SalonSync sees the booking through {name}'s webhook."
    )


def _matching(found: list[Appointment], request: BookingRequest) -> Appointment | None:
    for appointment in found:
        if appointment.status in ENDED_STATUSES or appointment.start != request.start:
            continue
        if request.provider_id and appointment.provider_id not in ("", request.provider_id):
            continue
        if request.service_id and appointment.service_id not in ("", request.service_id):
            continue
        return appointment
    return None


def _booked(suggestion: RebookingSuggestion, appointment: Appointment) -> AcceptOutcome:
    integration = suggestion.integration
    when = format_moment(appointment.start, integration.salon.tz)
    message = f"Booked on {integration.platform_name} for {when}."
    try:
        _record_accepted(suggestion.pk, appointment.platform_id)
        if suggestion.kind == SuggestionKind.REFILL:
            _tell_the_others(suggestion.pk)
    except DatabaseError:
        # The platform booked it; the claim stays and the settler finds the booking later.
        logger.exception("suggestion %s: booked but not recorded", suggestion.pk)
        message += " SalonSync will show it as accepted shortly."
    availability_invalidate(integration=integration)
    return AcceptOutcome(True, message, appointment_ref=appointment.platform_id)


def _tell_the_others(pk: int) -> None:
    """The other clients offered the freed slot hear it has gone (a task after commit: the
    messages are network calls)."""
    from .tasks import refill_gone_task

    transaction.on_commit(lambda: refill_gone_task.delay(pk))


def _record_accepted(pk: int, appointment_ref: str) -> None:
    RebookingSuggestion.objects.filter(pk=pk, status=SuggestionStatus.BOOKING).update(
        status=SuggestionStatus.ACCEPTED,
        decided_at=timezone.now(),
        booked_appointment_ref=appointment_ref[:128],
        booking_started_at=None,
        last_error="",
    )


def _release(suggestion: RebookingSuggestion, reason: str, **changes) -> AcceptOutcome:
    RebookingSuggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.BOOKING).update(
        status=SuggestionStatus.OPEN,
        booking_started_at=None,
        booking_option=None,
        decided_by=None,
        last_error=reason[:500],
        **changes,
    )
    return AcceptOutcome(False, reason)


def _slot_refused(suggestion: RebookingSuggestion, option_index: int) -> AcceptOutcome:
    options = list(suggestion.options or [])
    options[option_index] = {**options[option_index], "taken": True}
    following = next(
        (i for i in range(option_index + 1, len(options)) if not options[i].get("taken")), None
    )
    if suggestion.kind == SuggestionKind.REFILL:
        text = "The platform refused this booking (the slot may be taken)."
    else:
        text = "That opening was taken meanwhile."
    if following is not None:
        text += " The next one is offered."
    availability_invalidate(integration=suggestion.integration)
    _release(suggestion, text, options=options)
    return AcceptOutcome(False, text, next_option=following)
