"""sync_run against the sandbox: cursor, re-runs, events, reconciliation, faults, pauses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.adapters.types import AppointmentStatus, EventKind
from integrations.locks import IntegrationLock
from integrations.models import (
    ApiCall,
    IntegrationIssue,
    IntegrationStatus,
    MirroredAppointment,
    MirroredCustomer,
    MirroredProvider,
    MirroredService,
    SyncRun,
)
from integrations.sync import CURSOR_OVERLAP, sync_eligible_integrations, sync_run
from sandbox.faults import set_fault
from sandbox.models import Appointment as SandboxAppointment
from sandbox.models import Client as SandboxClient
from sandbox.models import Status
from tests.sync.conftest import make_phorest, make_vagaro, sandbox_appointments

pytestmark = pytest.mark.django_db

PHOREST_ACCOUNT = "biz-sync-01"


def mirrored(integration):
    return MirroredAppointment.objects.filter(integration=integration)


def test_first_sync_mirrors_everything_and_sets_the_cursor(phorest, recorded):
    before = timezone.now()
    run = sync_run(integration=phorest)
    after = timezone.now()

    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert run.kind == SyncRun.Kind.INCREMENTAL
    platform = sandbox_appointments(PHOREST_ACCOUNT)
    assert mirrored(phorest).count() == platform.count() > 10
    assert set(mirrored(phorest).values_list("platform_id", flat=True)) == set(
        platform.values_list("ext_id", flat=True)
    )
    clients = SandboxClient.objects.filter(account__account_id=PHOREST_ACCOUNT).count()
    assert MirroredCustomer.objects.filter(integration=phorest).count() == clients
    assert MirroredService.objects.filter(integration=phorest).exists()
    assert MirroredProvider.objects.filter(integration=phorest).exists()
    assert run.counts["appointments"] == platform.count()
    assert run.counts["customers"] == clients
    # The first sync is a silent baseline: history is not news (no rebooking storm).
    assert run.counts["events"] == 0
    assert run.counts["baseline"] == 1
    assert recorded == []
    assert run.counts["created"] >= platform.count() + clients
    phorest.refresh_from_db()
    assert before - CURSOR_OVERLAP <= phorest.sync_cursor <= after - CURSOR_OVERLAP
    assert before <= phorest.last_sync_at <= after
    assert run.finished_at is not None
    # Every page went through BookingService: its platform calls are on record.
    assert ApiCall.objects.filter(integration=phorest, operation="list_appointments").exists()


def test_a_rerun_changes_nothing(phorest, recorded):
    sync_run(integration=phorest)
    rows = dict(mirrored(phorest).values_list("platform_id", "status"))
    events_after_first = len(recorded)
    phorest.refresh_from_db()
    first_cursor = phorest.sync_cursor

    run = sync_run(integration=phorest)

    assert run.state == SyncRun.State.SUCCEEDED
    assert run.counts["created"] == 0
    assert run.counts["updated"] == 0
    assert run.counts["events"] == 0
    assert len(recorded) == events_after_first
    assert dict(mirrored(phorest).values_list("platform_id", "status")) == rows
    phorest.refresh_from_db()
    assert phorest.sync_cursor > first_cursor


def test_changes_on_the_platform_emit_created_and_cancelled_events(phorest, recorded):
    sync_run(integration=phorest)
    recorded.clear()
    now = timezone.now()
    upcoming = (
        sandbox_appointments(PHOREST_ACCOUNT)
        .filter(start__gt=now, status=Status.BOOKED, deleted=False)
        .order_by("start")
        .first()
    )
    assert upcoming is not None
    SandboxAppointment.objects.filter(pk=upcoming.pk).update(
        status=Status.CANCELLED, updated_at=now
    )
    new = SandboxAppointment.objects.create(
        account=upcoming.account,
        ext_id="brandNewAppt0001",
        client=upcoming.client,
        provider=upcoming.provider,
        service=upcoming.service,
        start=upcoming.start + timedelta(days=3),
        end=upcoming.end + timedelta(days=3),
        status=Status.BOOKED,
        created_at=now,
        updated_at=now,
    )

    run = sync_run(integration=phorest)

    assert run.state == SyncRun.State.SUCCEEDED
    by_object = {event.object_id: event for _, event in recorded}
    cancelled = by_object[upcoming.ext_id]
    assert cancelled.kind == EventKind.APPOINTMENT_CANCELLED
    assert cancelled.data.status == AppointmentStatus.CANCELLED
    assert cancelled.platform == "phorest"
    assert cancelled.event_id.startswith("sync:appointment.cancelled:")
    created = by_object[new.ext_id]
    assert created.kind == EventKind.APPOINTMENT_CREATED
    assert created.data.customer_id == upcoming.client.ext_id
    assert {event.object_id for _, event in recorded} == {upcoming.ext_id, new.ext_id}
    assert run.counts["events"] == 2
    assert mirrored(phorest).get(platform_id=upcoming.ext_id).status == "cancelled"


def test_reconciliation_marks_appointments_deleted_on_the_platform(phorest, recorded):
    sync_run(integration=phorest)
    recorded.clear()
    now = timezone.now()
    in_window = (
        sandbox_appointments(PHOREST_ACCOUNT)
        .filter(start__gt=now + timedelta(days=2), start__lt=now + timedelta(days=60))
        .first()
    )
    old = sandbox_appointments(PHOREST_ACCOUNT).filter(start__lt=now - timedelta(days=40)).first()
    assert in_window is not None and old is not None
    SandboxAppointment.objects.filter(pk__in=[in_window.pk, old.pk]).update(deleted=True)

    run = sync_run(integration=phorest, kind=SyncRun.Kind.RECONCILE)

    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert run.counts["deleted"] == 1
    assert mirrored(phorest).get(platform_id=in_window.ext_id).deleted is True
    # Outside the 30-day window: not judged by this reconciliation.
    assert mirrored(phorest).get(platform_id=old.ext_id).deleted is False
    assert mirrored(phorest).filter(deleted=True).count() == 1
    assert [(e.kind, e.object_id) for _, e in recorded] == [
        (EventKind.APPOINTMENT_DELETED, in_window.ext_id)
    ]
    assert run.window_start <= in_window.start < run.window_end
    assert run.window_end - run.window_start == timedelta(days=120) or (
        abs((run.window_end - run.window_start) - timedelta(days=120)) <= timedelta(hours=1)
    )  # a DST change inside the window moves it by an hour


def test_reconciliation_refuses_to_empty_a_window_on_an_empty_listing(phorest):
    sync_run(integration=phorest)
    sandbox_appointments(PHOREST_ACCOUNT).update(deleted=True)
    live = mirrored(phorest).filter(
        start__gte=timezone.now() - timedelta(days=29),
        start__lt=timezone.now() + timedelta(days=89),
    )
    assert live.count() > 10

    run = sync_run(integration=phorest, kind=SyncRun.Kind.RECONCILE)

    assert run.state == SyncRun.State.FAILED
    assert "listed no appointments" in run.error
    assert not mirrored(phorest).filter(deleted=True).exists()


def test_vagaro_backfill_reads_every_client_and_nightly_rereads_those_near_today(
    salon, sandbox_http, recorded
):
    """Vagaro lists appointments only per customer (docs/platforms/vagaro.md §2.5): the first
    sync walks the customers and reads each one's; the 15-minute sync is left to webhooks; the
    nightly reconciliation re-reads the customers with appointments near today and catches a
    cancellation no webhook brought."""
    vagaro = make_vagaro(salon, clients=40)  # enough for appointments in the coming week
    run = sync_run(integration=vagaro)
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert run.kind == SyncRun.Kind.INCREMENTAL
    platform = sandbox_appointments("sYnCvAgArO==")
    clients = SandboxClient.objects.filter(account__account_id="sYnCvAgArO==").count()
    assert mirrored(vagaro).count() == platform.count() > 10
    assert run.counts["customers_read"] == clients
    # One appointments read per client, never a read by date.
    reads = ApiCall.objects.filter(integration=vagaro, operation="get_customer_appointments")
    assert reads.count() == clients
    vagaro.refresh_from_db()
    assert vagaro.sync_checkpoint["kind"] == "done"
    assert recorded == []  # the baseline announces nothing

    now = timezone.now()
    rows = platform.filter(status=Status.BOOKED, deleted=False)
    soon = rows.filter(start__gt=now + timedelta(hours=2), start__lt=now + timedelta(days=6))
    later = rows.filter(start__gt=now + timedelta(days=45))
    soon, later = soon.order_by("start").first(), later.first()
    assert soon is not None and later is not None
    SandboxAppointment.objects.filter(pk__in=[soon.pk, later.pk]).update(
        status=Status.CANCELLED, updated_at=now
    )

    run = sync_run(integration=vagaro, kind=SyncRun.Kind.RECONCILE)
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert [e.object_id for _, e in recorded] == [soon.ext_id]
    assert recorded[-1][1].kind == EventKind.APPOINTMENT_CANCELLED
    assert mirrored(vagaro).get(platform_id=soon.ext_id).status == "cancelled"
    # Months away and its client not re-read tonight: left to the webhook (the page says so).
    assert mirrored(vagaro).get(platform_id=later.ext_id).status != "cancelled"


def test_a_held_lock_skips_the_second_sync(phorest):
    lock = IntegrationLock(phorest.pk, "sync")
    assert lock.acquire()
    try:
        run = sync_run(integration=phorest)
    finally:
        lock.release()

    assert run.state == SyncRun.State.SKIPPED
    assert run.error == "Another sync of this integration is running."
    assert not mirrored(phorest).exists()
    assert not ApiCall.objects.filter(integration=phorest).exists()
    assert sync_run(integration=phorest).state == SyncRun.State.SUCCEEDED


def test_the_lock_is_held_during_the_sync_and_released_after(phorest):
    held = []

    def progress(run):
        held.append(IntegrationLock(phorest.pk, "sync").is_locked())

    sync_run(integration=phorest, progress=progress)
    assert held and all(held)
    assert IntegrationLock(phorest.pk, "sync").is_locked() is False


def test_429s_and_5xx_midway_lose_nothing(phorest, monkeypatch):
    """Faults after the first page of appointments: the adapter's retries run out, the run fails
    with the cursor where it was; the next run finishes and the mirror equals the platform."""
    monkeypatch.setattr("integrations.sync.PAGE_SIZE", 10)
    injected = []

    def progress(run):
        if run.counts["appointments"] and not injected:
            set_fault("phorest", "rate_limit", 1, remaining=2)
            set_fault("phorest", "server_error", 503, remaining=3)
            injected.append(run.counts["pages"])

    failed = sync_run(integration=phorest, progress=progress)

    assert failed.state == SyncRun.State.FAILED
    assert failed.error == "phorest: Server error (sandbox fault). (HTTP 503)"
    phorest.refresh_from_db()
    assert phorest.sync_cursor is None  # not advanced: the next run starts over
    assert phorest.consecutive_failures == 1
    platform = sandbox_appointments(PHOREST_ACCOUNT)
    assert 0 < mirrored(phorest).count() < platform.count()

    run = sync_run(integration=phorest)

    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert mirrored(phorest).count() == platform.count()
    assert set(mirrored(phorest).values_list("platform_id", flat=True)) == set(
        platform.values_list("ext_id", flat=True)
    )
    clients = SandboxClient.objects.filter(account__account_id=PHOREST_ACCOUNT).count()
    assert MirroredCustomer.objects.filter(integration=phorest).count() == clients
    errors = ApiCall.objects.filter(integration=phorest).exclude(error_code="")
    assert set(errors.values_list("status", flat=True)) == {429, 503}
    phorest.refresh_from_db()
    assert phorest.sync_cursor is not None
    assert phorest.consecutive_failures == 0


def test_disabled_and_pending_integrations_are_skipped(phorest):
    for status in (IntegrationStatus.DISABLED, IntegrationStatus.PENDING):
        phorest.status = status
        phorest.save()
        run = sync_run(integration=phorest)
        assert run.state == SyncRun.State.SKIPPED
        assert run.error
        assert phorest not in sync_eligible_integrations()
    assert not ApiCall.objects.filter(integration=phorest).exists()
    assert not mirrored(phorest).exists()


def _auth_issue(integration, days: float) -> IntegrationIssue:
    issue = IntegrationIssue.objects.create(
        integration=integration, kind="auth_failing", last_seen_at=timezone.now()
    )
    IntegrationIssue.objects.filter(pk=issue.pk).update(
        opened_at=timezone.now() - timedelta(days=days)
    )
    return issue


def test_syncs_pause_after_three_days_of_authentication_failure(phorest, salon):
    phorest.status = IntegrationStatus.NEEDS_REAUTH
    phorest.save()
    _auth_issue(phorest, days=3.5)

    run = sync_run(integration=phorest)

    assert run.state == SyncRun.State.SKIPPED
    assert "more than 3 days" in run.error
    assert phorest not in sync_eligible_integrations()
    assert not ApiCall.objects.filter(integration=phorest).exists()

    # Once the owner reconnects (status connected), syncs resume though the issue is still open.
    phorest.status = IntegrationStatus.CONNECTED
    phorest.save()
    assert phorest in sync_eligible_integrations()
    assert sync_run(integration=phorest).state == SyncRun.State.SUCCEEDED


def test_a_recent_authentication_failure_does_not_pause_syncs(phorest):
    phorest.status = IntegrationStatus.NEEDS_REAUTH
    phorest.save()
    _auth_issue(phorest, days=1)
    assert phorest in sync_eligible_integrations()

    run = sync_run(integration=phorest)

    # The sandbox accepts the credentials again: the sync runs and the integration recovers.
    assert run.state == SyncRun.State.SUCCEEDED
    phorest.refresh_from_db()
    assert phorest.status == IntegrationStatus.CONNECTED


def test_rejected_credentials_fail_the_run_and_need_reauth(phorest, mailoutbox):
    phorest.credentials = {"username": "global/owner@sync.example", "password": "wrong"}
    phorest.save()

    run = sync_run(integration=phorest)

    assert run.state == SyncRun.State.FAILED
    phorest.refresh_from_db()
    assert phorest.status == IntegrationStatus.NEEDS_REAUTH
    assert phorest.sync_cursor is None


def test_an_interrupted_run_is_closed_by_the_next(phorest):
    stale = SyncRun.objects.create(integration=phorest, kind="incremental", counts={"pages": 3})

    sync_run(integration=phorest)

    stale.refresh_from_db()
    assert stale.state == SyncRun.State.FAILED
    assert "Interrupted" in stale.error


def test_two_integrations_stay_apart(phorest, salon):
    other = make_vagaro(salon)
    sync_run(integration=phorest)
    assert not mirrored(other).exists()
    assert sync_run(integration=other).state == SyncRun.State.SUCCEEDED
    assert mirrored(other).count() == sandbox_appointments("sYnCvAgArO==").count()
    assert mirrored(phorest).count() == sandbox_appointments(PHOREST_ACCOUNT).count()
    assert make_phorest  # the builder is shared with the other modules
