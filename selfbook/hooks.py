"""Self-booking's contributions to rebooking (registered in apps.py): the links a client email
carries, the unsubscribed client's block, and the notes on the owner's suggestion cards."""

from __future__ import annotations

from django.urls import reverse

from rebooking.extensions import CardNote, ClientLinks
from rebooking.models import SuggestionStatus

from .links import book_url, unsubscribe_url
from .models import ClientAction
from .selectors import client_option, is_opted_out


def client_links_for(*, suggestion, customer) -> ClientLinks:
    ref = customer.platform_id
    mine = client_option(suggestion, ref)
    bookable = bool(suggestion.options) and (mine is None or isinstance(mine, int))
    return ClientLinks(
        book_url=book_url(suggestion_id=suggestion.pk, customer_ref=ref) if bookable else "",
        unsubscribe_url=unsubscribe_url(integration_id=suggestion.integration_id, customer_ref=ref),
    )


def client_block_for(*, integration, customer_ref: str, channel: str = "email", **_) -> str:
    """An unsubscribed client gets no SalonSync message on any channel."""
    if is_opted_out(integration=integration, customer_ref=customer_ref):
        return "The client unsubscribed from SalonSync's messages."
    return ""


def is_credited(suggestion, action: ClientAction) -> bool:
    """A suggestion is booked by the client when it was accepted with the option they booked
    from their link and no member decided it."""
    return (
        action.kind == ClientAction.Kind.BOOKED
        and suggestion.status == SuggestionStatus.ACCEPTED
        and suggestion.booking_option == action.option_index
        and suggestion.decided_by_id is None
    )


def card_notes_for(suggestions) -> dict[int, list[CardNote]]:
    by_pk = {s.pk: s for s in suggestions}
    notes: dict[int, list[CardNote]] = {}
    actions = ClientAction.objects.filter(suggestion_id__in=list(by_pk)).select_related(
        "handled_by"
    )
    for action in actions:
        suggestion = by_pk[action.suggestion_id]
        who = action.customer_name or "The client"
        if action.kind == ClientAction.Kind.BOOKED:
            if is_credited(suggestion, action):
                note = CardNote(f"{who} booked this from their link.", testid="self-booked")
                notes.setdefault(suggestion.pk, []).append(note)
            continue
        what = action.when_label or "another time"
        if action.status == ClientAction.Status.OPEN:
            platform = suggestion.integration.platform_name
            note = CardNote(
                f"{who} asked for {what} from their link: book it in {platform} and let them know.",
                testid="client-request",
                action_url=reverse(
                    "selfbook_request_done",
                    kwargs={"slug": suggestion.salon.slug, "pk": action.pk},
                ),
                action_label="Done",
            )
        else:
            by = f" by {action.handled_by.get_username()}" if action.handled_by else ""
            note = CardNote(f"{who} asked for {what}: done{by}.", testid="client-request-done")
        notes.setdefault(suggestion.pk, []).append(note)
    return notes
