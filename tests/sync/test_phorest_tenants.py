"""Phorest tenants of docs/platforms/phorest.md through SalonSync's own services and the sandbox:
a cancel where reads by id 404 (§7.7), and catalogs read only by the daily and full syncs."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from integrations.adapters.types import AppointmentStatus
from integrations.booking import BookingService
from integrations.models import ApiCall, MirroredAppointment, MirroredProvider, SyncRun
from integrations.sync import sync_run
from sandbox.models import Account, Status
from tests.sandbox_transport import mount
from tests.sync.conftest import sandbox_appointments

CATALOG = ("list_locations", "list_services", "list_providers")


def service_for(integration) -> BookingService:
    service = BookingService(integration, sleep=lambda _seconds: None)
    mount(service.adapter.http.session)
    return service


@pytest.mark.parametrize("empty_answer", [False, True])
def test_a_2xx_cancel_is_a_success_where_reads_by_id_404(phorest, empty_answer):
    sync_run(integration=phorest)  # the mirror knows the appointment and its date
    Account.objects.filter(account_id="biz-sync-01").update(
        appointment_reads_404=True, cancel_answers_empty=empty_answer
    )
    target = (
        sandbox_appointments("biz-sync-01")
        .filter(status=Status.BOOKED, deleted=False, start__gte=timezone.now())
        .order_by("start")
        .first()
    )
    mirrored = MirroredAppointment.objects.get(integration=phorest, platform_id=target.ext_id)
    ApiCall.objects.all().delete()

    cancelled = service_for(phorest).cancel(target.ext_id)

    assert cancelled.status is AppointmentStatus.CANCELLED
    assert (cancelled.start, cancelled.customer_id) == (mirrored.start, mirrored.customer_ref)
    target.refresh_from_db()
    assert target.status in (Status.CANCELLED, Status.LATE_CANCELLED)
    calls = [(c.operation, c.status) for c in ApiCall.objects.order_by("pk")]
    if empty_answer:  # read back: by id (404), then the list around the mirror's date
        assert calls[0] == ("cancel_appointment", 200)
        assert ("get_appointment", 404) in calls and calls[-1] == ("list_appointments", 200)
    else:
        # the cancel's answer carried it, and the first sync saved the branch's zone: nothing
        # read back, no branch list
        assert calls == [("cancel_appointment", 200)]
    phorest.refresh_from_db()
    assert phorest.consecutive_failures == 0 and not phorest.last_error


def test_catalogs_are_read_by_the_daily_and_full_syncs_only(phorest):
    """Issue 19: services, staff and branches are read on the nightly reconciliation and full
    syncs, never on the 15-minute incremental runs (integrations/sync.py). The branch's zone is
    saved at connect (ConnectionResult.facts), as integration_connect does, so the incremental
    runs need no branch list to read wall-clock times."""
    phorest.options = {**phorest.options, "branch_timezone": phorest.salon.timezone}
    phorest.save(update_fields=["options"])

    def catalog_calls(kind) -> Counter:
        ApiCall.objects.all().delete()
        assert sync_run(integration=phorest, kind=kind).state == SyncRun.State.SUCCEEDED
        return Counter(
            ApiCall.objects.filter(operation__in=CATALOG).values_list("operation", flat=True)
        )

    assert set(catalog_calls(SyncRun.Kind.INCREMENTAL)) == set(CATALOG)  # the first is full
    for _ in range(3):
        assert catalog_calls(SyncRun.Kind.INCREMENTAL) == Counter()
    assert set(catalog_calls(SyncRun.Kind.RECONCILE)) == set(CATALOG)
    assert set(catalog_calls(SyncRun.Kind.FULL)) == set(CATALOG)


def test_an_integration_without_a_saved_zone_gets_it_from_the_nightly_catalog_read(phorest):
    """Connected before the zone was kept (or the branch moved): the reconciliation's branch
    list saves it, and the incremental runs after it list no branches."""
    phorest.options = {"write_access": True}
    phorest.save(update_fields=["options"])
    # The first run is a full one (catalogs included), as a reconciliation would be.
    assert sync_run(integration=phorest, kind=SyncRun.Kind.INCREMENTAL).state == "succeeded"
    phorest.refresh_from_db()
    assert phorest.options == {"write_access": True, "branch_timezone": phorest.salon.timezone}
    ApiCall.objects.all().delete()
    assert sync_run(integration=phorest, kind=SyncRun.Kind.INCREMENTAL).state == "succeeded"
    assert not ApiCall.objects.filter(operation="list_locations").exists()


def test_staff_hidden_online_are_mirrored_active_and_flagged(phorest):
    Account.objects.filter(account_id="biz-sync-01").update(online_booking=False)
    sync_run(integration=phorest)
    rows = MirroredProvider.objects.filter(integration=phorest)
    assert rows.exists()
    assert set(rows.values_list("active", "online_bookable")) == {(True, False)}
    assert all(r.raw["hideFromOnlineBookings"] is True for r in rows)
