"""The sync of a platform that lists appointments only per customer (integrations/
sync_by_customer.py), on a small in-memory adapter: a backfill that resumes from its checkpoint,
a nightly reconciliation that re-reads only the customers near today within the call allowance
and marks what vanished, and the 15-minute fan-out that leaves such platforms to their webhooks."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from integrations import sync as sync_module
from integrations import tasks
from integrations.adapters import registry
from integrations.booking import BookingService
from integrations.models import Integration, IntegrationStatus, MirroredAppointment, SyncRun
from integrations.sync import sync_run
from integrations.sync_by_customer import customers_to_reread, reconcile_customer_limit
from tests import fake_per_customer as fake

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(monkeypatch):
    now = timezone.now().astimezone(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(fake, "STORE", fake.Store(customers=8, now=now))
    registry.register(fake.PerCustomerAdapter)
    monkeypatch.setattr(sync_module, "sync_service_for", lambda i: BookingService(i))
    yield fake.STORE
    registry.unregister(fake.PerCustomerAdapter.platform)


@pytest.fixture
def integration(salon, store):
    salon.timezone = "UTC"
    salon.save()
    return Integration.objects.create(
        salon=salon, platform="percustomer", account={"id": "x"}, status=IntegrationStatus.CONNECTED
    )


def test_the_backfill_walks_every_customer_and_reads_each_ones_appointments(integration, store):
    run = sync_run(integration=integration, kind=SyncRun.Kind.FULL)
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert MirroredAppointment.objects.filter(integration=integration).count() == 8
    # 4 customer pages (3+3+2, then an empty one) and one appointment read per customer.
    assert store.calls.count("customers:4") == 1
    assert sum(c.startswith("appointments:") for c in store.calls) == 8
    integration.refresh_from_db()
    assert integration.sync_checkpoint["kind"] == "done"
    assert integration.sync_checkpoint["customers_read"] == 8


def test_an_interrupted_backfill_resumes_at_the_page_after_the_last_one_finished(
    integration, store
):
    store.fail_on_page = 2
    failed = sync_run(integration=integration, kind=SyncRun.Kind.FULL)
    assert failed.state == SyncRun.State.FAILED
    integration.refresh_from_db()
    assert integration.sync_checkpoint == {
        "kind": "backfill",
        "page": 1,
        "customers_read": 3,
        "appointments_read": 3,
    }
    store.fail_on_page, store.calls = None, []
    resumed = sync_run(integration=integration, kind=SyncRun.Kind.FULL)
    assert resumed.state == SyncRun.State.SUCCEEDED, resumed.error
    assert "customers:1" not in store.calls  # page 1 was not read again
    assert "appointments:c00" not in store.calls
    assert resumed.counts["resumed_at_page"] == 2
    assert resumed.counts["customers_read"] == 8  # carried over from the checkpoint
    assert MirroredAppointment.objects.filter(integration=integration).count() == 8


def test_the_nightly_reconciliation_rereads_only_the_soonest_customers_the_allowance_affords(
    integration, store
):
    sync_run(integration=integration, kind=SyncRun.Kind.FULL)
    store.calls = []
    # 300 a month = 10 a day, half of it for the reconciliation.
    assert reconcile_customer_limit(integration) == 5
    run = sync_run(integration=integration, kind=SyncRun.Kind.RECONCILE)
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    read = [c.split(":")[1] for c in store.calls if c.startswith("appointments:")]
    assert read == ["c00", "c01", "c02", "c03", "c04"]  # today first, then the next days
    assert run.counts["customers_skipped"] == 3  # c05..c07 are inside the 7-day window too
    assert not any(c.startswith("customers:") for c in store.calls)  # no customer walk


def test_an_appointment_a_reread_customer_no_longer_has_is_marked_deleted(integration, store):
    sync_run(integration=integration, kind=SyncRun.Kind.FULL)
    store.appointments["c01"] = []  # deleted on the platform while no webhook came
    store.appointments["c07"] = []  # beyond what tonight's allowance re-reads
    run = sync_run(integration=integration, kind=SyncRun.Kind.RECONCILE)
    assert run.counts["deleted"] == 1
    gone = MirroredAppointment.objects.get(integration=integration, platform_id="a-c01")
    assert gone.deleted
    kept = MirroredAppointment.objects.get(integration=integration, platform_id="a-c07")
    assert not kept.deleted  # not re-read, so not judged: the page says so


def test_customers_to_reread_orders_by_distance_from_now(integration, store):
    sync_run(integration=integration, kind=SyncRun.Kind.FULL)
    noon = store.appointments["c00"][0].start  # c00 today at noon, c01 tomorrow, …
    found = customers_to_reread(
        integration, noon - timedelta(days=1), noon + timedelta(days=3, hours=1)
    )
    assert found == ["c00", "c01", "c02", "c03"]


def test_the_fifteen_minute_fan_out_leaves_per_customer_platforms_to_their_webhooks(
    integration, store, monkeypatch
):
    queued: list = []
    monkeypatch.setattr(
        tasks.sync_integration, "apply_async", lambda args, countdown: queued.append(args)
    )
    assert tasks.sync_all("incremental") == 1  # its backfill has not run yet
    integration.sync_cursor = timezone.now()
    integration.save()
    assert tasks.sync_all("incremental") == 0
    assert tasks.sync_all("reconcile") == 1
    assert queued == [[str(integration.pk), "incremental"], [str(integration.pk), "reconcile"]]
