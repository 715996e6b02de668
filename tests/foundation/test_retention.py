"""Retention: each app's rows past their RETENTION_*_DAYS are pruned; rows still in use stay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import ApiCall, SyncRun
from integrations.retention import REGISTRY, prune_old_rows
from rebooking.models import Notification
from tests.factories import make_integration
from webhooks.models import WebhookEvent, WebhookStatus

pytestmark = pytest.mark.django_db


def test_each_app_registered_its_tables():
    assert set(REGISTRY) == {
        "integrations.ApiCall",
        "integrations.SyncRun",
        "webhooks.WebhookEvent",
        "webhooks.WebhookEvent (rejected)",
        "rebooking.Notification",
    }


def _age(model, pk, field, days):
    model.objects.filter(pk=pk).update(**{field: timezone.now() - timedelta(days=days)})


def test_old_rows_go_and_rows_in_use_stay(salon, settings):
    settings.RETENTION_API_CALLS_DAYS = 30
    settings.RETENTION_WEBHOOK_EVENTS_DAYS = 90
    settings.RETENTION_SYNC_RUNS_DAYS = 90
    settings.RETENTION_NOTIFICATIONS_DAYS = 0  # kept forever
    integration = make_integration(salon, "acme")
    calls = [
        ApiCall.objects.create(
            integration=integration, operation="x", method="GET", path="/", duration_ms=1
        )
        for _ in range(3)
    ]
    _age(ApiCall, calls[0].pk, "created_at", 31)
    _age(ApiCall, calls[1].pk, "created_at", 31)
    events = [
        WebhookEvent.objects.create(
            platform="phorest", integration=integration, body=b"{}", status=status
        )
        for status in (WebhookStatus.PROCESSED, WebhookStatus.FAILED, WebhookStatus.PROCESSED)
    ]
    for event in events[:2]:
        _age(WebhookEvent, event.pk, "received_at", 91)
    finished = SyncRun.objects.create(integration=integration, finished_at=timezone.now())
    running = SyncRun.objects.create(integration=integration)
    for run in (finished, running):
        _age(SyncRun, run.pk, "started_at", 100)
    note = Notification.objects.create(salon=salon, kind="digest", subject="s")
    _age(Notification, note.pk, "created_at", 1000)

    assert prune_old_rows(batch=1) == {
        "integrations.ApiCall": 2,
        "integrations.SyncRun": 1,
        "webhooks.WebhookEvent": 1,
        "webhooks.WebhookEvent (rejected)": 0,
    }
    assert list(ApiCall.objects.values_list("pk", flat=True)) == [calls[2].pk]
    # The failed delivery is still to be retried; the recent one is within 90 days.
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {events[1].pk, events[2].pk}
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [running.pk]
    assert Notification.objects.filter(pk=note.pk).exists()
