"""Where apps built on rebooking plug in, without rebooking importing them.

An app registers its functions from its AppConfig.ready (as rebooking subscribes to the
EventService): the client booking page (selfbook/) adds the links a client email carries, the
reason a client must not be emailed (they unsubscribed), and notes on the owner's suggestion
cards (a client booked from their link, a client asked for a time). The sms app adds its
channel (rebooking/channels.py), the block of a client who texted STOP, and its panel on the
settings page. With nothing registered, rebooking behaves as before: email only, no links, no
notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CardNote:
    """A line on the owner's suggestion card, with an optional POST button (e.g. "Done")."""

    text: str
    testid: str = "card-note"
    action_url: str = ""
    action_label: str = ""


@dataclass(frozen=True)
class ClientLinks:
    """What a client email links to: booking from the email, and unsubscribing (absolute)."""

    book_url: str = ""
    unsubscribe_url: str = ""


@dataclass(frozen=True)
class SettingsPanel:
    """A block on the rebooking settings page: a template included with its context."""

    template: str
    context: dict


CardNotes = Callable[[list], dict[int, list[CardNote]]]
LinksFor = Callable[..., ClientLinks]
BlockReason = Callable[..., str]
PanelFor = Callable[..., SettingsPanel | None]

_card_notes: list[CardNotes] = []
_client_links: list[LinksFor] = []
_client_blocks: list[BlockReason] = []
_settings_panels: list[PanelFor] = []


def _add(registry: list, fn) -> None:
    if fn not in registry:  # ready() may run twice in tests
        registry.append(fn)


def register_card_notes(fn: CardNotes) -> None:
    _add(_card_notes, fn)


def register_client_links(fn: LinksFor) -> None:
    _add(_client_links, fn)


def register_client_block(fn: BlockReason) -> None:
    _add(_client_blocks, fn)


def register_settings_panel(fn: PanelFor) -> None:
    _add(_settings_panels, fn)


def card_notes(suggestions: Iterable) -> dict[int, list[CardNote]]:
    """Every registered app's notes for these suggestions, by suggestion id."""
    suggestions = list(suggestions)
    notes: dict[int, list[CardNote]] = {}
    for fn in _card_notes:
        for pk, items in fn(suggestions).items():
            notes.setdefault(pk, []).extend(items)
    return notes


def client_links(*, suggestion, customer) -> ClientLinks:
    """The links for the client's email (the first registered app that gives any)."""
    for fn in _client_links:
        links = fn(suggestion=suggestion, customer=customer)
        if links.book_url or links.unsubscribe_url:
            return links
    return ClientLinks()


def client_block_reason(
    *, integration, customer_ref: str, channel: str = "email", address: str = ""
) -> str:
    """Why a registered app says this client must not be messaged on ``channel`` at
    ``address`` ("" when none does)."""
    for fn in _client_blocks:
        reason = fn(
            integration=integration, customer_ref=customer_ref, channel=channel, address=address
        )
        if reason:
            return reason
    return ""


def settings_panels(*, salon, membership) -> list[SettingsPanel]:
    """The registered apps' blocks for the salon's rebooking settings page."""
    panels = (fn(salon=salon, membership=membership) for fn in _settings_panels)
    return [panel for panel in panels if panel is not None]
