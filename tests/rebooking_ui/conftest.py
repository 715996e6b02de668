"""Builders for the rebooking pages, API and notifications: an integration, suggestions made
directly with the ORM, and a fake BookingService behind the real RebookingService."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from integrations.adapters import errors
from integrations.adapters.types import Appointment, AppointmentStatus
from integrations.models import Integration, IntegrationStatus, MirroredCustomer
from rebooking.models import RebookingSuggestion, SuggestionKind, SuggestionStatus

_keys = itertools.count(1)

# Tuesday June 4, 2030 at 14:30 UTC is 10:30 AM in New York (EDT).
SLOT_0 = datetime(2030, 6, 4, 14, 30, tzinfo=UTC)


def make_integration(salon, platform: str = "phorest") -> Integration:
    integration = Integration(
        salon=salon,
        platform=platform,
        account={"business_id": f"biz-{salon.slug}", "branch_id": "br-1"},
        status=IntegrationStatus.CONNECTED,
        account_name=f"{salon.name} on {platform}",
    )
    integration.credentials = {"username": "global/owner@example.com", "password": "x-secret-x"}
    integration.save()
    return integration


def slot_options(count: int = 3, first: datetime = SLOT_0) -> list[dict]:
    return [
        {
            "start": (first + timedelta(days=i)).isoformat(),
            "end": (first + timedelta(days=i, hours=1)).isoformat(),
            "provider": f"prov-{i}",
            "provider_name": ["Sam", "Kim", "Lee"][i % 3],
            "service": "svc-cut",
            "score": round(1 - i / 10, 2),
        }
        for i in range(count)
    ]


def make_suggestion(integration, **fields) -> RebookingSuggestion:
    kind = fields.pop("kind", SuggestionKind.CANCELLATION)
    if kind == SuggestionKind.REFILL:
        defaults = {
            "customer_ref": "",
            "customer_name": "",
            "slot_start": SLOT_0,
            "slot_end": SLOT_0 + timedelta(hours=1),
            "options": [
                {"customer": "cust-7", "name": "Rita Refill", "due": "2030-05-20", "score": 0.9},
                {"customer": "cust-8", "name": "Omar Overdue", "due": "2030-05-28", "score": 0.7},
            ],
            "reason": "Sam's 10:30 slot is free after a cancellation; these clients are due.",
        }
    else:
        defaults = {
            "customer_ref": "cust-1",
            "customer_name": "Ann Client",
            "options": slot_options(),
            "reason": "Ann cancelled her cut; she usually comes every 6 weeks.",
        }
    defaults.update(
        salon=integration.salon,
        integration=integration,
        kind=kind,
        status=SuggestionStatus.OPEN,
        dedupe_key=f"test:{next(_keys)}",
        service_ref="svc-cut",
        service_name="Cut & Finish",
        provider_ref="prov-0",
        provider_name="Sam",
        expires_at=timezone.now() + timedelta(days=3),
    )
    defaults.update(fields)
    return RebookingSuggestion.objects.create(**defaults)


def make_customer(integration, **fields) -> MirroredCustomer:
    values = {
        "platform_id": "cust-1",
        "first_name": "Ann",
        "last_name": "Client",
        "email": "ann@example.com",
        "email_opt_in": True,
    }
    values.update(fields)
    return MirroredCustomer.objects.create(integration=integration, **values)


class FakeBookingService:
    """Stands in for integrations.booking.BookingService inside rebooking.accept."""

    taken: set[datetime] = set()
    fail: errors.IntegrationError | None = None
    booked: list = []
    # A failure that comes after the platform booked it (a read timeout on the answer).
    fail_after_booking: errors.IntegrationError | None = None
    lookup_fail: errors.IntegrationError | None = None
    lookups: list = []

    def __init__(self, integration, **_):
        self.integration = integration

    def book(self, request):
        if self.fail is not None:
            raise self.fail
        if request.start in self.taken:
            raise errors.ValidationError("Slot is not available", platform="phorest")
        self.booked.append(request)
        if self.fail_after_booking is not None:
            raise self.fail_after_booking
        return self._appointment(len(self.booked), request)

    def customer_appointments(self, customer_id, filters=None):
        self.lookups.append((customer_id, filters))
        if self.lookup_fail is not None:
            raise self.lookup_fail
        return [
            self._appointment(number, request)
            for number, request in enumerate(self.booked, start=1)
            if request.customer_id == customer_id
        ]

    @staticmethod
    def _appointment(number, request):
        return Appointment(
            platform_id=f"appt-{number}",
            status=AppointmentStatus.BOOKED,
            start=request.start,
            end=request.start + timedelta(hours=1),
            customer_id=request.customer_id,
            service_id=request.service_id,
            provider_id=request.provider_id,
        )


@pytest.fixture
def booking(monkeypatch):
    """The real RebookingService with a fake platform: set ``taken`` / ``fail`` on it."""
    import rebooking.accept

    fake = type(
        "Booking",
        (FakeBookingService,),
        {
            "taken": set(),
            "fail": None,
            "booked": [],
            "lookups": [],
            "fail_after_booking": None,
            "lookup_fail": None,
        },
    )
    monkeypatch.setattr(rebooking.accept, "BookingService", fake)
    return fake


@pytest.fixture
def integration(salon):
    return make_integration(salon)


@pytest.fixture
def foreign_integration(other_salon):
    return make_integration(other_salon)


@pytest.fixture
def as_role(client, owner, manager, viewer):
    users = {"owner": owner, "manager": manager, "viewer": viewer}

    def login(role: str):
        client.force_login(users[role])
        return client

    return login
