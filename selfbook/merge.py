"""Self-booking's part of a client merge (integrations/customer_merge.py): an opt-out given under
either record still holds for the client it became (consent is never lost by a merge), and the
actions taken from links follow the kept client."""

from __future__ import annotations

from .models import ClientAction, ClientOptOut


def on_customer_merged(integration, event) -> None:
    merge = event.data
    if ClientOptOut.objects.filter(integration=integration, customer_ref=merge.removed_id).exists():
        ClientOptOut.objects.get_or_create(integration=integration, customer_ref=merge.kept_id)
        ClientOptOut.objects.filter(integration=integration, customer_ref=merge.removed_id).delete()
    ClientAction.objects.filter(
        suggestion__integration=integration, customer_ref=merge.removed_id
    ).update(customer_ref=merge.kept_id)
