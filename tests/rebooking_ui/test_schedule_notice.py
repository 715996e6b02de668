"""Issue 16: where the periodic tasks never ran (no beat) or stopped, the Rebooking page says why
it may be empty and how to start them; once beat and a worker run, it says nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from integrations.models import WorkerHeartbeat
from integrations.selectors_schedule import periodic_tasks_state

pytestmark = pytest.mark.django_db


def page(client, salon) -> str:
    return client.get(
        reverse("rebooking_suggestions", kwargs={"slug": salon.slug})
    ).content.decode()


def test_never_run_says_why_the_page_may_be_empty_and_how_to_start_them(client, salon, owner):
    PeriodicTask.objects.update(last_run_at=None)
    assert periodic_tasks_state() == "never"
    client.force_login(owner)
    body = page(client, salon)
    assert 'data-testid="schedule-notice"' in body
    assert "have never run here" in body
    assert "make worker" in body and "make beat" in body and "REDIS_URL" in body


def test_a_stale_heartbeat_says_they_are_not_running(client, salon, viewer):
    PeriodicTask.objects.filter(name="Worker heartbeat").update(last_run_at=timezone.now())
    WorkerHeartbeat.objects.create(source="beat", seen_at=timezone.now() - timedelta(hours=1))
    assert periodic_tasks_state() == "stalled"
    client.force_login(viewer)
    assert "not running at the moment" in page(client, salon)


def test_running_schedules_show_no_notice(client, salon, owner):
    PeriodicTask.objects.filter(name="Worker heartbeat").update(last_run_at=timezone.now())
    WorkerHeartbeat.objects.create(source="beat", seen_at=timezone.now())
    assert periodic_tasks_state() == "running"
    client.force_login(owner)
    assert 'data-testid="schedule-notice"' not in page(client, salon)


def test_the_demos_in_process_beat_counts_as_running_from_its_start(monkeypatch):
    from salonsync import demo_beat

    PeriodicTask.objects.update(last_run_at=None)
    monkeypatch.setattr(demo_beat, "demo_beat_running", lambda: True)
    assert periodic_tasks_state() == "running"
