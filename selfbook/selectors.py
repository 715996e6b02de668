"""What a client's link shows: the suggestion it was made for, in which state, and the openings
still free on the platform (checked live when the page opens). Reads only: the availability
call is a platform read, made with no transaction open."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from integrations.adapters import errors
from integrations.adapters.types import AvailabilityFilters
from integrations.availability import availability_list
from integrations.selectors import integration_capabilities
from rebooking.models import RebookingSuggestion, SuggestionKind, SuggestionStatus
from rebooking.presenters import format_when

from .links import BookLink, LinkInvalid
from .models import Accent, ClientAction, ClientOptOut, ClientPageLook

logger = logging.getLogger(__name__)

# Openings shown to a client: the best few still free.
SHOWN = 3


class State:
    OPEN = "open"  # openings to book (or ask for)
    BOOKED = "booked"  # booked for this client: the confirmation
    BOOKING = "booking"  # a booking is being made right now
    GONE = "gone"  # taken by someone else, withdrawn, or no opening left
    EXPIRED = "expired"


@dataclass(frozen=True)
class Opening:
    index: int  # the option of the suggestion
    label: str  # "Tue, Jun 4, 2030, 10:30 AM"
    provider: str


@dataclass
class ClientPage:
    state: str
    suggestion: RebookingSuggestion
    link: BookLink
    first_name: str
    openings: list[Opening] = field(default_factory=list)
    can_book: bool = True
    checked: bool = True  # False: the platform could not be asked; booking still checks
    booked: Opening | None = None
    asked: list[ClientAction] = field(default_factory=list)
    any_time_asked: bool = False

    @property
    def salon(self):
        return self.suggestion.salon

    @property
    def asked_indexes(self) -> set[int]:
        return {a.option_index for a in self.asked}

    @property
    def is_refill(self) -> bool:
        return self.suggestion.kind == SuggestionKind.REFILL


def salon_look(salon) -> tuple[str, str]:
    """The salon's accent class and tagline for its client pages."""
    look = ClientPageLook.objects.filter(salon=salon).first()
    return (look.accent, look.tagline) if look else (Accent.PLUM, "")


def link_suggestion(link: BookLink) -> RebookingSuggestion:
    """The suggestion a link was made for; LinkInvalid when it is gone or the client is not
    one the suggestion is for."""
    suggestion = (
        RebookingSuggestion.objects.select_related("salon", "integration__salon")
        .filter(pk=link.suggestion_id)
        .first()
    )
    if suggestion is None or client_option(suggestion, link.customer_ref) is _NOT_FOR_THEM:
        raise LinkInvalid
    return suggestion


_NOT_FOR_THEM = object()


def client_option(suggestion: RebookingSuggestion, customer_ref: str):
    """The option index that is the client's in a refill (None for other kinds, where the
    client chooses among the openings); _NOT_FOR_THEM when the suggestion is not theirs."""
    if suggestion.kind == SuggestionKind.REFILL:
        for index, option in enumerate(suggestion.options or []):
            if isinstance(option, dict) and option.get("customer") == customer_ref:
                return index
        return _NOT_FOR_THEM
    return None if suggestion.customer_ref == customer_ref else _NOT_FOR_THEM


def is_opted_out(*, integration, customer_ref: str) -> bool:
    return ClientOptOut.objects.filter(integration=integration, customer_ref=customer_ref).exists()


def option_opening(suggestion: RebookingSuggestion, index: int) -> Opening | None:
    """Option ``index`` as a time and provider in words (the freed slot, for a refill)."""
    options = suggestion.options or []
    if not 0 <= index < len(options) or not isinstance(options[index], dict):
        return None
    tz = suggestion.salon.tz
    if suggestion.kind == SuggestionKind.REFILL:
        return Opening(index, format_when(suggestion.slot_start, tz), suggestion.provider_name)
    option = options[index]
    return Opening(index, format_when(option.get("start"), tz), option.get("provider_name") or "")


def client_page(*, link: BookLink, live: bool = True, now: datetime | None = None) -> ClientPage:
    """The page a link opens. ``live``: check the openings against the platform now."""
    now = now or timezone.now()
    suggestion = link_suggestion(link)
    mine = client_option(suggestion, link.customer_ref)
    page = ClientPage(
        state=State.OPEN,
        suggestion=suggestion,
        link=link,
        first_name=_first_name(suggestion, link.customer_ref),
        can_book=integration_capabilities(suggestion.integration).can_book,
    )
    status = suggestion.status
    if status in (SuggestionStatus.ACCEPTED, SuggestionStatus.BOOKING):
        chosen = suggestion.booking_option
        theirs = chosen is not None and (mine is None or chosen == mine)
        if status == SuggestionStatus.ACCEPTED:
            page.state = State.BOOKED if theirs else State.GONE
            if theirs:
                page.booked = option_opening(suggestion, chosen)
        else:
            page.state = State.BOOKING if theirs else State.GONE
        return page
    if status == SuggestionStatus.DISMISSED:
        page.state = State.GONE
        return page
    if status == SuggestionStatus.EXPIRED or suggestion.expires_at <= now:
        page.state = State.EXPIRED
        return page
    asked = list(
        ClientAction.objects.filter(
            suggestion=suggestion, customer_ref=link.customer_ref, kind=ClientAction.Kind.ASKED
        )
    )
    page.asked = [a for a in asked if a.option_index != ClientAction.ANY_TIME]
    page.any_time_asked = len(page.asked) < len(asked)
    page.openings, page.checked = free_openings(suggestion, only=mine, now=now, live=live)
    if not page.openings and not (page.asked or page.any_time_asked):
        # A refill is one slot: when it has gone, it has gone. A client's own suggestion
        # still lets them ask for another time.
        page.state = State.GONE if page.is_refill else State.OPEN
    return page


def free_openings(
    suggestion: RebookingSuggestion, *, only: int | None, now: datetime, live: bool = True
) -> tuple[list[Opening], bool]:
    """The best SHOWN options not taken, not past, and (``live``) still free on the platform:
    one availability call per day and provider asked, stopping once SHOWN are found. When the
    platform cannot be asked, the options are shown unchecked (booking checks them anyway)."""
    integration = suggestion.integration
    tz = integration.salon.tz
    options = suggestion.options or []
    indexes = [only] if only is not None else range(len(options))
    found: list[Opening] = []
    checked = True
    days: dict[tuple, list | None] = {}
    for index in indexes:
        option = options[index] if 0 <= index < len(options) else None
        if not isinstance(option, dict) or option.get("taken"):
            continue
        start, end, provider, service = _slot_of(suggestion, option)
        if start is None or start <= now:
            continue
        if live:
            day = start.astimezone(tz).date()
            key = (day, provider, service)
            if key not in days:
                days[key] = _availability(integration, day, provider, service)
            slots = days[key]
            if slots is None:
                checked = False
            elif not is_free(slots, start=start, end=end, provider=provider):
                continue
        opening = option_opening(suggestion, index)
        if opening is not None:
            found.append(opening)
        if len(found) == SHOWN:
            break
    return found, checked


def is_free(slots, *, start: datetime, end: datetime | None, provider: str) -> bool:
    """Whether the platform's openings leave ``provider`` free from ``start`` to ``end``: the
    openings (each a time the service could be booked) together cover it. Not only an opening
    starting at ``start``: a freed slot need not fall on the platform's grid of start times (the
    sandbox's Mindbody offers 10:00 and 12:30 for a 150-minute service, and a cancelled 10:30
    leaves 10:30 free all the same). Without an end, an opening must start at ``start``."""
    mine = [s for s in slots if not provider or s.provider_id in ("", provider)]
    if end is None or end <= start:
        return any(s.start == start for s in mine)
    reach = start
    for opening in sorted(mine, key=lambda s: s.start):
        if opening.start > reach:
            break  # a gap before ``end``: the provider is busy in it
        reach = max(reach, opening.end)
        if reach >= end:
            return True
    return False


def _slot_of(suggestion: RebookingSuggestion, option: dict):
    """(start, end, provider, service) of an option: the freed slot itself, for a refill."""
    if suggestion.kind == SuggestionKind.REFILL:
        return (
            suggestion.slot_start,
            suggestion.slot_end,
            suggestion.provider_ref,
            suggestion.service_ref,
        )
    start, end = _moment(option.get("start"), suggestion), _moment(option.get("end"), suggestion)
    if start is None:
        return None, None, "", ""
    return (
        start,
        end,
        option.get("provider") or "",
        option.get("service") or suggestion.service_ref,
    )


def _moment(value, suggestion: RebookingSuggestion) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return timezone.make_aware(moment, suggestion.salon.tz) if timezone.is_naive(moment) else moment


def _availability(integration, day, provider: str, service: str):
    filters = AvailabilityFilters(
        service_ids=(service,) if service else (), provider_ids=(provider,) if provider else ()
    )
    try:
        return availability_list(
            integration=integration, start_date=day, end_date=day, filters=filters, use_cache=False
        )
    except errors.IntegrationError as exc:
        logger.warning("client page: availability of %s not checked (%s)", integration.pk, exc.code)
        return None


def _first_name(suggestion: RebookingSuggestion, customer_ref: str) -> str:
    from integrations.models import MirroredCustomer

    customer = MirroredCustomer.objects.filter(
        integration=suggestion.integration, platform_id=customer_ref
    ).first()
    if customer is not None and customer.first_name:
        return customer.first_name
    return ""
