"""A refill offer is retired as soon as the platform shows its slot taken (a front-desk booking
arrived by webhook or sync), so the owner is not asked to fill it and no accept spends a refused
booking call on it (seen in bench/api_budget.py: five refused calls for one retaken slot)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.adapters.types import Appointment, AppointmentStatus, Event, EventKind
from rebooking.handlers import on_slot_booked
from rebooking.models import RebookingSuggestion, SuggestionKind, SuggestionStatus
from tests.rebooking_ui.conftest import make_integration

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) + timedelta(days=2)


def refill(integration, provider="st-1", start=START) -> RebookingSuggestion:
    return RebookingSuggestion.objects.create(
        salon=integration.salon,
        integration=integration,
        kind=SuggestionKind.REFILL,
        dedupe_key=f"refill:{provider}:{start.isoformat()}",
        provider_ref=provider,
        slot_start=start,
        slot_end=start + timedelta(hours=1),
        reason="free again",
        expires_at=start,
    )


def booked(integration, *, provider="st-1", start=START, status=AppointmentStatus.BOOKED):
    appointment = Appointment(
        platform_id="ap-new",
        status=status,
        start=start,
        end=start + timedelta(minutes=45),
        provider_id=provider,
    )
    on_slot_booked(
        integration,
        Event(
            kind=EventKind.APPOINTMENT_CREATED,
            platform=integration.platform,
            event_id="e1",
            object_id="ap-new",
            data=appointment,
        ),
    )


def test_a_booking_in_the_slot_retires_the_offer(salon):
    integration = make_integration(salon)
    offer = refill(integration)
    other_provider = refill(integration, provider="st-2")
    later = refill(integration, start=START + timedelta(hours=3))
    booked(integration, start=START + timedelta(minutes=15))
    statuses = {s.pk: s.status for s in RebookingSuggestion.objects.all()}
    assert statuses[offer.pk] == SuggestionStatus.EXPIRED
    assert statuses[other_provider.pk] == statuses[later.pk] == SuggestionStatus.OPEN
    offer.refresh_from_db()
    assert offer.last_error == "The slot was booked on the platform meanwhile."


def test_a_cancelled_appointment_in_the_slot_retires_nothing(salon):
    integration = make_integration(salon)
    offer = refill(integration)
    booked(integration, status=AppointmentStatus.CANCELLED)
    offer.refresh_from_db()
    assert offer.status == SuggestionStatus.OPEN
