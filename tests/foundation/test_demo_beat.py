"""salonsync/demo_beat.py: the demo's in-process beat runs only in the demo's serving process
(DEBUG, sandbox, no Redis, runserver's child), runs the due PeriodicTasks eagerly and stamps them
as beat does, and polls Phorest every minute so a cancellation arrives without "Sync now"."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from integrations.models import Integration, IntegrationStatus, SyncRun, WorkerHeartbeat
from salonsync import demo_beat

SERVE = ["manage.py", "runserver", "127.0.0.1:8000"]
CHILD = {"RUN_MAIN": "true"}


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    settings.SANDBOX_ENABLED = True
    settings.REDIS_URL = ""
    settings.DEMO_BEAT = True
    return settings


def test_wanted_only_in_the_demos_serving_process(demo):
    assert demo_beat.demo_beat_wanted(SERVE, CHILD)
    assert demo_beat.demo_beat_wanted([*SERVE, "--noreload"], {})
    assert not demo_beat.demo_beat_wanted(SERVE, {})  # the autoreloader's parent
    for argv in (["manage.py", "migrate"], ["manage.py", "seed_demo"], ["pytest"], ["gunicorn"]):
        assert not demo_beat.demo_beat_wanted(argv, CHILD), argv


@pytest.mark.parametrize(
    "name, value",
    [
        ("DEBUG", False),
        ("SANDBOX_ENABLED", False),
        ("REDIS_URL", "redis://x/0"),
        ("DEMO_BEAT", False),
    ],
)
def test_never_without_the_demo_settings(demo, name, value):
    setattr(demo, name, value)
    assert not demo_beat.demo_beat_wanted(SERVE, CHILD)


def test_off_in_tests_and_production_on_in_the_demo(settings):
    from tests.foundation.test_settings import LONG_SECRET, manage

    assert settings.DEMO_BEAT is False
    code = "from django.conf import settings as s; print(s.DEMO_BEAT)"
    production = manage(
        "shell", "--no-imports", "-c", code, DJANGO_SECRET_KEY=LONG_SECRET, FERNET_KEYS="k1"
    )
    assert production.stdout.split() == ["False"], production.stderr
    local = manage("shell", "--no-imports", "-c", code, DJANGO_DEBUG="true", REDIS_URL="")
    assert local.stdout.split() == ["True"], local.stderr


def test_start_is_a_no_op_outside_the_serving_process(demo):
    assert demo_beat.demo_beat_start() is None  # pytest's argv is not runserver


@pytest.mark.django_db
def test_a_tick_runs_the_due_tasks_eagerly_and_stamps_them_as_beat_does():
    PeriodicTask.objects.update(last_run_at=timezone.now())  # nothing due
    heartbeat = PeriodicTask.objects.get(name="Worker heartbeat")
    heartbeat.last_run_at = timezone.now() - timedelta(minutes=2)
    heartbeat.save()
    before = heartbeat.total_run_count
    assert demo_beat.demo_beat_tick() == ["Worker heartbeat"]
    assert WorkerHeartbeat.objects.get(source="beat")  # the task ran, with its args
    heartbeat.refresh_from_db()
    assert heartbeat.total_run_count == before + 1
    assert heartbeat.last_run_at > timezone.now() - timedelta(seconds=30)
    assert demo_beat.demo_beat_tick() == []  # not due again for a minute


@pytest.mark.django_db
def test_a_failing_task_is_logged_and_the_others_still_run(monkeypatch):
    from integrations import tasks

    logged = []
    monkeypatch.setattr(demo_beat.logger, "exception", lambda msg, *a: logged.append(msg % a))

    PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(days=2))

    def broken(*args, **kwargs):
        raise RuntimeError("sweeper broke")

    monkeypatch.setattr(tasks.heartbeat, "run", broken)
    ran = demo_beat.demo_beat_tick()
    assert "Worker heartbeat" not in ran and ran  # the rest went on
    assert "demo beat: Worker heartbeat failed" in logged


@pytest.mark.django_db
def test_the_poll_syncs_only_the_platforms_without_webhooks(sandbox_http, monkeypatch):
    from sandbox import data
    from tests.factories import make_salon

    salon = make_salon("Poll Hair", "poll")
    data.seed_account(
        platform="phorest",
        account_id="pb",
        branch_id="pbr",
        name="P",
        username="global/u",
        password="pw",
        clients=5,
    )
    phorest = Integration(
        salon=salon,
        platform="phorest",
        account={"business_id": "pb", "branch_id": "pbr"},
        status=IntegrationStatus.CONNECTED,
    )
    phorest.credentials = {"username": "global/u", "password": "pw"}
    phorest.save()
    vagaro = Integration(
        salon=salon,
        platform="vagaro",
        account={"business_id": "vb"},
        status=IntegrationStatus.CONNECTED,
    )
    vagaro.credentials = {"client_id": "c", "client_secret": "s"}
    vagaro.save()
    assert demo_beat.demo_poll_polled_platforms() == 1
    runs = SyncRun.objects.filter(integration=phorest)
    assert runs.count() == 1 and runs.get().kind == "incremental"
    assert not SyncRun.objects.filter(integration=vagaro).exists()
