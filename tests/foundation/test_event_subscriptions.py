"""The EventService's table, as the consumers' AppConfig.ready() fill it: a change to who hears
what is a change to this test."""

import pytest

from integrations.adapters.types import EventKind
from integrations.events import DOMAIN_HANDLERS, SYNC_HANDLERS


def names(handlers) -> list[str]:
    return [f"{h.__module__}.{h.__qualname__}" for h in handlers]


@pytest.mark.rebooking  # keeps the real table (tests/conftest.py empties it for other tests)
def test_the_table_of_domain_handlers():
    rhythm = "rebooking.rhythm_store.note_appointment_change"
    assert {kind: names(handlers) for kind, handlers in DOMAIN_HANDLERS.items()} == {
        EventKind.APPOINTMENT_CREATED: [rhythm, "rebooking.handlers.on_slot_booked"],
        EventKind.APPOINTMENT_UPDATED: [rhythm, "rebooking.handlers.on_slot_booked"],
        EventKind.APPOINTMENT_CANCELLED: [
            rhythm,
            "rebooking.handlers.on_appointment_cancelled",
        ],
        EventKind.APPOINTMENT_DELETED: [rhythm],
        EventKind.CUSTOMER_CREATED: [],
        EventKind.CUSTOMER_UPDATED: [],
        EventKind.CUSTOMER_DELETED: [],
        EventKind.CUSTOMER_MERGED: [
            "rebooking.handlers.on_customer_merged",
            "selfbook.merge.on_customer_merged",
        ],
    }


def test_after_a_full_sync_the_rhythms_are_rebuilt():
    assert names(SYNC_HANDLERS) == ["rebooking.rhythm_store.rebuild_after_sync"]


def test_subscribing_twice_adds_once(monkeypatch):
    from integrations.events import EventService

    monkeypatch.setitem(DOMAIN_HANDLERS, EventKind.CUSTOMER_CREATED, [])

    def handler(integration, event):
        pass

    EventService.subscribe(EventKind.CUSTOMER_CREATED, handler)
    EventService.subscribe(EventKind.CUSTOMER_CREATED, handler)
    assert DOMAIN_HANDLERS[EventKind.CUSTOMER_CREATED] == [handler]
