"""A Mindbody client's history follows the client: the business can edit a client's ``Id`` (the
id every API call and appointment uses) but not its ``UniqueId``, and a profile merge moves the
removed client's appointments to the kept one (docs/platforms/mindbody.md §7.2, §6.7). Payloads
are the vendor-shaped fixtures in tests/fixtures/mindbody/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.adapters.types import AppointmentStatus, Customer
from integrations.events import EventService
from integrations.models import MirroredAppointment, MirroredCustomer
from rebooking.models import RebookingSuggestion
from selfbook.models import ClientOptOut
from tests.webhooks.conftest import mindbody_event, signed_mindbody
from webhooks.models import WebhookEvent, WebhookStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.rebooking]

KEPT, REMOVED = "100000120", "RSS-0121"  # Ids; UniqueIds 100000120 and 100000121


def customer(platform_id: str, unique: str, name: str = "John") -> Customer:
    return Customer(platform_id=platform_id, first_name=name, last_name="Smith", stable_id=unique)


def history(integration, ref: str, visits: int = 3) -> list[str]:
    now = timezone.now()
    rows = [
        MirroredAppointment.objects.create(
            integration=integration,
            platform_id=f"{ref}-{n}",
            customer_ref=ref,
            service_ref="17",
            provider_ref="5",
            start=now - timedelta(days=40 * (n + 1)),
            end=now - timedelta(days=40 * (n + 1)) + timedelta(hours=1),
            status=AppointmentStatus.COMPLETED,
            version_at=now - timedelta(days=3),
        )
        for n in range(visits)
    ]
    return [r.platform_id for r in rows]


def refs(integration) -> set[str]:
    return set(
        MirroredAppointment.objects.filter(integration=integration).values_list(
            "customer_ref", flat=True
        )
    )


def test_an_edited_id_keeps_the_history_with_the_client(mindbody_integration):
    integration = mindbody_integration
    EventService.apply_page(
        integration=integration,
        records=[customer("1001", "77")],
        read_at=timezone.now() - timedelta(days=2),
        counts={},
    )
    history(integration, "1001")
    counts: dict[str, int] = {}
    # The front desk changed the client's Id to a barcode; the next sync reads it.
    EventService.apply_page(
        integration=integration,
        records=[customer("BC-55", "77")],
        read_at=timezone.now() - timedelta(days=1),
        counts=counts,
    )
    assert refs(integration) == {"BC-55"} and counts["merged"] == 1
    old = MirroredCustomer.objects.get(integration=integration, platform_id="1001")
    assert (old.merged_into, old.active, old.stable_id) == ("BC-55", False, "")
    assert MirroredCustomer.objects.get(platform_id="BC-55").stable_id == "77"

    # A delivery about the old Id, older than what the mirror knows, is stale: nothing moves back.
    EventService.apply_page(
        integration=integration,
        records=[customer("1001", "77", name="Johnny")],
        read_at=timezone.now() - timedelta(days=1, hours=1),
        counts={},
    )
    assert refs(integration) == {"BC-55"}
    assert MirroredCustomer.objects.get(platform_id="1001").first_name == "John"


def test_profile_merger_webhook_moves_the_removed_clients_history(client, mindbody_integration):
    integration = mindbody_integration
    EventService.apply_page(
        integration=integration,
        records=[customer(KEPT, "100000120"), customer(REMOVED, "100000121", name="Jon")],
        read_at=timezone.now() - timedelta(days=1),
        counts={},
    )
    history(integration, KEPT, visits=2)
    history(integration, REMOVED, visits=2)
    ClientOptOut.objects.create(integration=integration, customer_ref=REMOVED)
    suggestion = RebookingSuggestion.objects.create(
        salon=integration.salon,
        integration=integration,
        kind="rebook",
        dedupe_key="merge-test",
        customer_ref=REMOVED,
        reason="due",
        expires_at=timezone.now() + timedelta(days=3),
    )
    payload = mindbody_event("event_client_profile_merger_created")
    payload["eventInstanceOriginationDateTime"] = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    assert signed_mindbody(client, payload).status_code == 202

    event = WebhookEvent.objects.get(event_type="clientProfileMerger.created")
    assert event.status == WebhookStatus.PROCESSED
    assert refs(integration) == {KEPT}
    assert MirroredCustomer.objects.get(platform_id=REMOVED).merged_into == KEPT
    suggestion.refresh_from_db()
    assert suggestion.customer_ref == KEPT
    # Consent is never lost by a merge: the removed profile's unsubscribe holds for the kept one.
    assert list(ClientOptOut.objects.values_list("customer_ref", flat=True)) == [KEPT]


def test_profile_merger_for_a_client_we_never_saw_is_recorded_as_ignored(
    client, mindbody_integration
):
    payload = mindbody_event("event_client_profile_merger_created")
    assert signed_mindbody(client, payload).status_code == 202
    event = WebhookEvent.objects.get()
    assert event.status == WebhookStatus.IGNORED
