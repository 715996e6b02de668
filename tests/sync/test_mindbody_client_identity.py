"""On the Mindbody emulator: a client whose Id the front desk edits, and a duplicate profile
merged into another, keep their whole history in the mirror (the emulator keeps UniqueId
permanent and reads clients by it, docs/platforms/mindbody.md §7.2)."""

from __future__ import annotations

import json

import pytest

from integrations.booking import BookingService
from integrations.events import EventService
from integrations.models import MirroredAppointment, MirroredCustomer
from integrations.sync import sync_run
from sandbox import calendar
from sandbox.models import Client as SandboxClient
from sandbox.platforms.mindbody import build_webhooks
from tests.sync.conftest import make_mindbody
from webhooks.platforms.mindbody import MindbodyWebhooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def mindbody(salon, sandbox_http):
    return make_mindbody(salon)


def mirrored_refs(integration, ext_ids) -> set[str]:
    return set(
        MirroredAppointment.objects.filter(integration=integration, platform_id__in=ext_ids)
        .values_list("customer_ref", flat=True)
        .distinct()
    )


def busiest_clients(site_id: str, n: int) -> list[SandboxClient]:
    clients = SandboxClient.objects.filter(account__account_id=site_id)
    return sorted(clients, key=lambda c: -c.appointments.count())[:n]


def test_an_edited_client_id_is_followed_by_the_nightly_read(mindbody):
    assert sync_run(integration=mindbody).state == "succeeded"
    client = busiest_clients("-77", 1)[0]
    old_id, number = client.ext_id, client.permanent_number()
    visits = list(client.appointments.values_list("ext_id", flat=True))
    assert visits and mirrored_refs(mindbody, visits) == {old_id}

    calendar.update_client(client, ext_id="BARCODE-4471")
    run = sync_run(integration=mindbody, kind="reconcile")

    assert run.state == "succeeded" and run.counts.get("merged") == 1
    assert mirrored_refs(mindbody, visits) == {"BARCODE-4471"}
    row = MirroredCustomer.objects.get(integration=mindbody, platform_id="BARCODE-4471")
    assert row.stable_id == str(number)
    assert MirroredCustomer.objects.get(integration=mindbody, platform_id=old_id).merged_into == (
        "BARCODE-4471"
    )


def test_a_merged_duplicate_profiles_visits_belong_to_the_kept_client(mindbody):
    assert sync_run(integration=mindbody).state == "succeeded"
    kept, removed = busiest_clients("-77", 2)
    moved = list(removed.appointments.values_list("ext_id", flat=True))
    removed_number = removed.permanent_number()

    calendar.merge_clients(kept, removed)
    assert not SandboxClient.objects.filter(pk=removed.pk).exists()
    # The emulator announces it with Mindbody's documented event; this test's account has no
    # webhook URL, so the delivery is built and read here as the receiver reads it.
    [delivery] = build_webhooks(kept.account, "client.merged", (kept, removed_number))
    assert delivery["event_type"] == "clientProfileMerger.created"
    adapter = BookingService(mindbody).adapter
    event = MindbodyWebhooks().event_from(json.loads(delivery["body"]), adapter)
    assert event.data.removed_stable_id == str(removed_number)

    applied = EventService.apply(integration=mindbody, event=event)

    assert not applied.ignored
    assert mirrored_refs(mindbody, moved) == {kept.ext_id}
    # The next nightly read agrees: the platform lists the visits under the kept client too.
    assert sync_run(integration=mindbody, kind="reconcile").state == "succeeded"
    assert mirrored_refs(mindbody, moved) == {kept.ext_id}
