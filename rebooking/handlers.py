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
