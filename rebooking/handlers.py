"""Rebooking's handler for cancellations, subscribed to the EventService in rebooking/apps.py."""

from __future__ import annotations

from django.db import transaction


def on_appointment_cancelled(integration, event) -> None:
    """Suggestions are computed after the mirror change commits, in their own task (they read
    availability from the platform, which must not hold up webhook processing)."""
    from .tasks import rebook_on_cancellation_task

    integration_id, appointment_ref = str(integration.pk), event.object_id
    transaction.on_commit(
        lambda: rebook_on_cancellation_task.delay(integration_id, appointment_ref)
    )


def on_customer_merged(integration, event) -> None:
    """Two client records became one (integrations/customer_merge.py): the removed one's
    suggestions now name the kept client, and both clients' rhythms are recomputed from the
    mirror, where the removed one's visits already belong to the kept one."""
    from .models import RebookingSuggestion
    from .rhythm_store import note_customers

    merge = event.data
    RebookingSuggestion.objects.filter(
        integration=integration, customer_ref=merge.removed_id
    ).update(customer_ref=merge.kept_id)
    note_customers(integration, [merge.removed_id, merge.kept_id])


def on_slot_booked(integration, event) -> None:
    """An appointment now holds a freed slot (booked at the front desk, or online): the open
    refill offers for that provider and time are retired at once, so nobody is asked to fill a
    slot that is gone and no accept spends a refused platform call on it."""
    from .models import RebookingSuggestion, SuggestionKind, SuggestionStatus

    appointment = event.data
    if appointment is None or not appointment.status.is_active or not appointment.provider_id:
        return
    RebookingSuggestion.objects.filter(
        integration=integration,
        kind=SuggestionKind.REFILL,
        status=SuggestionStatus.OPEN,
        provider_ref=appointment.provider_id,
        slot_start__lt=appointment.end,
        slot_end__gt=appointment.start,
    ).exclude(booked_appointment_ref=appointment.platform_id).update(
        status=SuggestionStatus.EXPIRED,
        last_error="The slot was booked on the platform meanwhile.",
    )
