"""What a client does from their link: book an opening (through rebooking.accept, the same
claim and BookingService call the owner's Accept uses: one booking, no transaction held across
the platform call), ask for a time the platform will not let SalonSync book, unsubscribe. And
the owner marking a client's request done."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from rebooking.accept import suggestion_accept
from rebooking.models import RebookingSuggestion, SuggestionStatus

from .links import BookLink
from .models import ClientAction, ClientOptOut
from .selectors import client_option, option_opening

logger = logging.getLogger(__name__)


class Result:
    BOOKED = "booked"
    TAKEN = "taken"  # the platform refused it: the slot went meanwhile
    PENDING = "pending"  # the outcome is not known yet (SalonSync settles it)
    GONE = "gone"  # someone else booked it, or the suggestion was withdrawn
    FAILED = "failed"  # the platform could not book it now; nothing was booked


@dataclass(frozen=True)
class BookResult:
    result: str
    appointment_ref: str = ""


def selfbook_book(
    *, suggestion: RebookingSuggestion, link: BookLink, option_index: int
) -> BookResult:
    """Book option ``option_index`` for the link's client. The attempt is recorded first
    (ClientAction ``booked``), so a booking the settler confirms later is credited too: the
    suggestion counts as booked by the client while it is accepted with this option and no
    member decided it."""
    _record(
        suggestion,
        link,
        ClientAction.Kind.BOOKED,
        option_index,
        status=ClientAction.Status.DONE,
    )
    outcome = suggestion_accept(suggestion=suggestion, option_index=option_index, user=None)
    if outcome.ok:
        return BookResult(Result.BOOKED, outcome.appointment_ref)
    current = RebookingSuggestion.objects.get(pk=suggestion.pk)
    mine = client_option(current, link.customer_ref)
    ours = current.booking_option is not None and current.booking_option in (option_index, mine)
    if current.status == SuggestionStatus.ACCEPTED:
        return BookResult(Result.BOOKED if ours else Result.GONE, current.booked_appointment_ref)
    if current.status == SuggestionStatus.BOOKING:
        return BookResult(Result.PENDING if ours else Result.GONE)
    if current.status != SuggestionStatus.OPEN:
        return BookResult(Result.GONE)
    if outcome.next_option is not None or _marked_taken(current, option_index):
        return BookResult(Result.TAKEN)
    logger.warning("client booking of suggestion %s did not go through", suggestion.pk)
    return BookResult(Result.FAILED)


def selfbook_ask(
    *, suggestion: RebookingSuggestion, link: BookLink, option_index: int
) -> ClientAction:
    """The client asks for option ``option_index`` (or ClientAction.ANY_TIME): a task on the
    owner's suggestions page until someone marks it done. Asking twice is one task."""
    opening = option_opening(suggestion, option_index)
    return _record(
        suggestion,
        link,
        ClientAction.Kind.ASKED,
        option_index,
        when_label=opening.label if opening else "",
    )


def link_opened(*, link: BookLink) -> None:
    """The client opened the link of a message about this suggestion: the message counts as
    opened (the owner's figures); the first open is kept."""
    from rebooking.models import Notification

    Notification.objects.filter(
        suggestions=link.suggestion_id,
        customer_ref=link.customer_ref,
        kind=Notification.Kind.CLIENT,
        opened_at__isnull=True,
    ).update(opened_at=timezone.now())


def client_request_done(*, action: ClientAction, user) -> bool:
    """Mark a client's request handled; False when it already was."""
    return bool(
        ClientAction.objects.filter(pk=action.pk, status=ClientAction.Status.OPEN).update(
            status=ClientAction.Status.DONE, handled_at=timezone.now(), handled_by=user
        )
    )


def client_opt_out(*, integration_id: str, customer_ref: str) -> None:
    """No more SalonSync emails to this client (idempotent)."""
    from integrations.models import Integration

    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None:
        return  # the salon disconnected since: nothing will email them from it
    try:
        with transaction.atomic():
            ClientOptOut.objects.get_or_create(integration=integration, customer_ref=customer_ref)
    except IntegrityError:
        pass  # a concurrent click recorded it


def _record(suggestion, link: BookLink, kind: str, option_index: int, **fields) -> ClientAction:
    name = suggestion.customer_name
    refill_option = client_option(suggestion, link.customer_ref)
    if isinstance(refill_option, int):  # a refill: the name is the option's
        name = (suggestion.options or [])[refill_option].get("name") or ""
    try:
        with transaction.atomic():
            action, _ = ClientAction.objects.get_or_create(
                suggestion=suggestion,
                customer_ref=link.customer_ref,
                kind=kind,
                option_index=option_index,
                defaults={"customer_name": name[:200], **fields},
            )
    except IntegrityError:  # a double tap raced us to it
        action = ClientAction.objects.get(
            suggestion=suggestion,
            customer_ref=link.customer_ref,
            kind=kind,
            option_index=option_index,
        )
    return action


def _marked_taken(suggestion: RebookingSuggestion, option_index: int) -> bool:
    options = suggestion.options or []
    return 0 <= option_index < len(options) and bool(options[option_index].get("taken"))
