"""Settling a claim whose outcome is unknown, against the platform emulators: the booking the
platform made is found among the client's appointments (accepted, never booked again), and a
slot nobody booked reopens the suggestion. Mindbody and Phorest, as the demo connects them."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrations.adapters.types import AvailabilityFilters, BookingRequest
from integrations.booking import BookingService
from integrations.models import Integration
from rebooking.accept import suggestion_settle
from rebooking.models import RebookingSuggestion, SuggestionKind, SuggestionStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _claim(integration, slot, customer_id: str) -> RebookingSuggestion:
    """A suggestion claimed for ``slot`` whose outcome was never written (the process died)."""
    return RebookingSuggestion.objects.create(
        salon=integration.salon,
        integration=integration,
        kind=SuggestionKind.OVERDUE,
        status=SuggestionStatus.BOOKING,
        dedupe_key=f"settle:{integration.pk}:{slot.start.isoformat()}",
        customer_ref=customer_id,
        service_ref=slot.service_id,
        provider_ref=slot.provider_id,
        options=[
            {
                "start": slot.start.isoformat(),
                "end": slot.end.isoformat(),
                "provider": slot.provider_id,
                "service": slot.service_id,
            }
        ],
        booking_option=0,
        booking_started_at=timezone.now() - timedelta(minutes=10),
        reason="test",
        expires_at=timezone.now() + timedelta(days=7),
    )


@pytest.mark.parametrize("platform", ["mindbody", "phorest"])
def test_settle_finds_the_booking_the_platform_made_or_reopens(sandbox_http, settings, platform):
    settings.MINDBODY_API_KEY = "sandbox-developer-key"  # the sandbox's, as in the demo
    call_command("seed_demo", clients=8, no_sync=True)
    integration = Integration.objects.get(platform=platform)
    service = BookingService(integration)
    customer = next(service.adapter.iter_customers())
    today = timezone.now().date()
    offered = next(s for s in service.adapter.iter_services() if s.active)
    slots = service.availability(
        today + timedelta(days=2),
        today + timedelta(days=6),
        AvailabilityFilters(service_ids=(offered.platform_id,)),
    )
    booked_slot, free_slot = slots[0], slots[-1]
    assert booked_slot.start != free_slot.start

    made = service.book(
        BookingRequest(
            customer_id=customer.platform_id,
            service_id=booked_slot.service_id,
            provider_id=booked_slot.provider_id,
            start=booked_slot.start,
        )
    )
    claimed = _claim(integration, booked_slot, customer.platform_id)
    outcome = suggestion_settle(suggestion=claimed)
    claimed.refresh_from_db()
    assert outcome.ok and claimed.status == SuggestionStatus.ACCEPTED
    assert claimed.booked_appointment_ref == made.platform_id

    not_made = _claim(integration, free_slot, customer.platform_id)
    outcome = suggestion_settle(suggestion=not_made)
    not_made.refresh_from_db()
    assert not outcome.ok and not_made.status == SuggestionStatus.OPEN
    assert "nothing was booked" in not_made.last_error
