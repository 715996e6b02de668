"""The Celery tasks (run in-process here) and the beat schedules the migration installs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from integrations.models import ApiCall, IntegrationStatus, MirroredAppointment, SyncRun
from integrations.tasks import refresh_tokens, sync_all, sync_integration
from sandbox.faults import set_fault
from sandbox.models import Fault
from tests.sync.conftest import make_phorest, make_vagaro, sandbox_appointments

pytestmark = pytest.mark.django_db


def test_the_migration_installs_the_schedules():
    tasks = {t.name: t for t in PeriodicTask.objects.select_related("interval", "crontab")}
    incremental = tasks["Incremental sync (every integration)"]
    assert incremental.task == "integrations.sync_all"
    assert incremental.kwargs == '{"kind": "incremental"}'
    assert (incremental.interval.every, incremental.interval.period) == (15, "minutes")
    nightly = tasks["Nightly reconciliation (every integration)"]
    assert nightly.task == "integrations.sync_all"
    assert nightly.kwargs == '{"kind": "reconcile"}'
    assert (nightly.crontab.minute, nightly.crontab.hour) == ("0", "7")
    tokens = tasks["Token refresh ahead of expiry"]
    assert tokens.task == "integrations.refresh_tokens"
    assert (tokens.interval.every, tokens.interval.period) == (10, "minutes")
    assert tasks["Worker heartbeat"].task == "integrations.heartbeat"  # kept


def test_sync_all_fans_out_to_the_eligible_integrations(salon, other_salon, sandbox_http):
    phorest = make_phorest(salon)
    vagaro = make_vagaro(other_salon)
    disabled = make_phorest(salon, account_id="biz-sync-02", seed=8)
    disabled.status = IntegrationStatus.DISABLED
    disabled.save()

    assert sync_all.delay("incremental").get() == 2

    runs = SyncRun.objects.all()
    assert {r.integration_id for r in runs} == {phorest.pk, vagaro.pk}
    assert {r.state for r in runs} == {SyncRun.State.SUCCEEDED}
    assert not SyncRun.objects.filter(integration=disabled).exists()
    assert MirroredAppointment.objects.filter(integration=vagaro).count() == (
        sandbox_appointments("sYnCvAgArO==").count()
    )

    # Vagaro's backfill is done: its webhooks keep it current, the 15-minute fan-out skips it.
    assert sync_all.delay("incremental").get() == 1
    assert SyncRun.objects.filter(integration=vagaro).count() == 1

    assert sync_all.delay("reconcile").get() == 2
    assert SyncRun.objects.filter(kind="reconcile", state="succeeded").count() == 2


def test_the_task_retries_rate_limits_and_5xx_until_nothing_is_lost(phorest, monkeypatch):
    monkeypatch.setitem(sync_integration.app.conf, "task_eager_propagates", False)
    set_fault("phorest", "rate_limit", 1, remaining=5)
    set_fault("phorest", "server_error", 502, remaining=5)

    # In-process, Celery runs each retry at once (a worker waits the backoff first).
    sync_integration.apply(args=[str(phorest.pk), "incremental"], throw=False)

    # 4 attempts per call in the adapter: 429 x4 fails run 1; 429 + 502 x3 fails run 2 (the
    # task's first retry); the second retry meets the last two 502s, then succeeds.
    states = list(SyncRun.objects.order_by("started_at", "pk").values_list("state", flat=True))
    assert states == ["failed", "failed", "succeeded"]
    assert not Fault.objects.exists()  # every injected fault was met
    assert MirroredAppointment.objects.filter(integration=phorest).count() == (
        sandbox_appointments("biz-sync-01").count()
    )
    phorest.refresh_from_db()
    assert phorest.sync_cursor is not None


def test_a_requested_run_is_the_one_the_task_fills(phorest):
    run = SyncRun.objects.create(integration=phorest, kind="full", counts={"queued": True})

    assert sync_integration.apply(args=[str(phorest.pk), "full", run.pk]).get() == "succeeded"

    run.refresh_from_db()
    assert run.state == SyncRun.State.SUCCEEDED
    assert "queued" not in run.counts
    assert run.counts["appointments"] == sandbox_appointments("biz-sync-01").count()
    assert SyncRun.objects.count() == 1


def test_a_task_for_a_removed_integration_does_nothing(phorest):
    pk = str(phorest.pk)
    phorest.delete()
    assert sync_integration.apply(args=[pk, "incremental"]).get() == "gone"


def called(integration, *, minutes_ago: int) -> None:
    ApiCall.objects.create(
        integration=integration,
        operation="list_locations",
        method="POST",
        path="/locations",
        status=200,
        duration_ms=1,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_tokens_expiring_soon_are_refreshed(vagaro, salon, sandbox_http):
    from integrations.booking import BookingService
    from tests.sandbox_transport import mount

    service = BookingService(vagaro)
    mount(service.adapter.http.session)
    service.adapter.authenticate()
    vagaro.refresh_from_db()
    first_token = vagaro.access_token
    soon = timezone.now() + timedelta(minutes=10)
    type(vagaro).objects.filter(pk=vagaro.pk).update(token_expires_at=soon)
    later_one = make_vagaro(salon, business_id="lAtErVaGaRo==", seed=12)
    far = timezone.now() + timedelta(hours=2)
    type(later_one).objects.filter(pk=later_one.pk).update(
        token_expires_at=far, _access_token="kept-token"
    )
    # Idle for an hour (its last call long ago): its token is issued when a call needs one.
    idle = make_vagaro(salon, business_id="iDlEvAgArO==", seed=13)
    type(idle).objects.filter(pk=idle.pk).update(token_expires_at=soon, _access_token="idle")
    called(idle, minutes_ago=60)
    called(vagaro, minutes_ago=5)  # in use

    assert refresh_tokens.delay().get() == 1

    vagaro.refresh_from_db()
    assert vagaro.access_token and vagaro.access_token != first_token
    assert vagaro.token_expires_at > soon + timedelta(minutes=30)
    later_one.refresh_from_db()
    assert later_one.access_token == "kept-token"
    assert later_one.token_expires_at == far
    idle.refresh_from_db()
    assert idle.access_token == "idle" and idle.token_expires_at == soon
