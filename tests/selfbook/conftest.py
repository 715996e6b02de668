"""Client links on the real views and services: a fake platform behind rebooking.accept (the
rebooking tests' FakeBookingService) and a fake availability read for the live check."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from integrations.adapters import errors
from integrations.adapters.types import Slot
from selfbook.links import book_token
from tests.rebooking_ui import conftest as ui
from tests.rebooking_ui.conftest import SLOT_0, make_customer, make_integration, make_suggestion

# The rebooking pages' fixtures: a Phorest connection, and the fake platform behind accept.
booking = ui.booking
integration = ui.integration
__all__ = ["SLOT_0", "make_customer", "make_integration", "make_suggestion"]


class FakeAvailability:
    """What the platform says is free: every option's slot unless listed in ``gone``."""

    def __init__(self) -> None:
        self.gone: set[datetime] = set()
        self.fail: errors.IntegrationError | None = None
        self.calls: list[tuple] = []

    def __call__(self, *, integration, start_date, end_date, filters=None, use_cache=True):
        self.calls.append((start_date, end_date, filters, use_cache))
        if self.fail is not None:
            raise self.fail
        provider = filters.provider_ids[0] if filters and filters.provider_ids else "prov-0"
        slots = []
        for days in range(0, 4):
            start = SLOT_0 + timedelta(days=days)
            if start.astimezone(integration.salon.tz).date() != start_date:
                continue
            if start not in self.gone:
                slots.append(Slot(start, start + timedelta(hours=1), provider, "svc-cut"))
        return slots


@pytest.fixture
def availability(monkeypatch):
    fake = FakeAvailability()
    monkeypatch.setattr("selfbook.selectors.availability_list", fake)
    return fake


def path_for(suggestion, customer_ref: str | None = None) -> str:
    token = book_token(
        suggestion_id=suggestion.pk, customer_ref=customer_ref or suggestion.customer_ref
    )
    return f"/r/{token}/"
