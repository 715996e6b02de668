"""Changes in the sandbox, announced to the webhook sender once the change is committed."""

from __future__ import annotations

from django.db import transaction

APPOINTMENT_CREATED = "appointment.created"
APPOINTMENT_UPDATED = "appointment.updated"
APPOINTMENT_CANCELLED = "appointment.cancelled"
CLIENT_CREATED = "client.created"
CLIENT_UPDATED = "client.updated"
# obj is (kept client, removed client's permanent number)
CLIENT_MERGED = "client.merged"


def emit(account, kind: str, obj) -> None:
    """Queue the platform's webhook for this change (nothing for a platform without webhooks)."""
    from .webhooks import queue_for_change

    transaction.on_commit(lambda: queue_for_change(account, kind, obj))
