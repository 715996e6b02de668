"""The demo's beat: under plain `make run` (no Redis, so no worker and no beat) a thread of the
web process runs the due tasks of django-celery-beat's schedule in-process, as beat + a worker do
in production, so syncs, sweeps and scans happen on their own (Phorest cancellations, which only
a poll finds, then reach SalonSync without a manual "Sync now").

The schedule is the same PeriodicTask rows beat reads (ModelEntry decides what is due, and
``last_run_at`` / ``total_run_count`` are stamped as beat stamps them). One addition for the demo:
polled platforms (no webhooks: Phorest) get an incremental sync every ``DEMO_POLL_SECONDS``
instead of every 15 minutes, so a cancellation made at the sandbox's front desk shows quickly.

Only in the demo's serving process: DEBUG, SANDBOX_ENABLED, no REDIS_URL, DEMO_BEAT on (off in
tests and refused in production), and `manage.py runserver` (the autoreloader's child); never in
management commands or tests. Chosen over a separate `make beat`-like process because plain
`make run` must stay one command with nothing else to start.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

TICK_SECONDS = 15
DEMO_POLL_SECONDS = 60
_started = threading.Event()


def demo_beat_running() -> bool:
    """True in the process whose demo beat thread runs the periodic tasks."""
    return _started.is_set()


def demo_beat_wanted(argv: list[str] | None = None, environ=None) -> bool:
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    serving = argv[1:2] == ["runserver"] and (
        environ.get("RUN_MAIN") == "true" or "--noreload" in argv
    )
    return bool(
        serving
        and settings.DEBUG
        and settings.SANDBOX_ENABLED
        and not settings.REDIS_URL
        and getattr(settings, "DEMO_BEAT", False)
    )


def demo_beat_start() -> threading.Thread | None:
    """Start the thread once per process, when wanted (see the module doc)."""
    if _started.is_set() or not demo_beat_wanted():
        return None
    _started.set()
    thread = threading.Thread(target=_loop, name="demo-beat", daemon=True)
    thread.start()
    logger.info(
        "demo beat: running the periodic tasks in-process (Phorest polled every %ss)",
        DEMO_POLL_SECONDS,
    )
    return thread


def _loop() -> None:
    last_poll = 0.0
    while True:
        try:
            demo_beat_tick()
            if time.monotonic() - last_poll >= DEMO_POLL_SECONDS:
                last_poll = time.monotonic()
                demo_poll_polled_platforms()
        except Exception:
            logger.exception("demo beat: tick failed")
        finally:
            connections.close_all()
        time.sleep(TICK_SECONDS)


def demo_beat_tick(*, now: datetime | None = None) -> list[str]:
    """Run every enabled periodic task that is due, eagerly; returns their names."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import ModelEntry

    from salonsync.celery import app

    app.loader.import_default_modules()  # the apps' tasks modules, as a worker imports them
    ran = []
    for model in PeriodicTask.objects.filter(enabled=True).order_by("pk"):
        try:
            entry = ModelEntry(model, app=app)
            if not entry.is_due().is_due:
                continue
            task = app.tasks.get(entry.task)
            stamp = now or timezone.now()
            PeriodicTask.objects.filter(pk=model.pk).update(
                last_run_at=stamp, total_run_count=F("total_run_count") + 1
            )
            if task is None:
                logger.warning("demo beat: %s names an unknown task %s", model.name, entry.task)
                continue
            task.apply(args=entry.args, kwargs=entry.kwargs)
            ran.append(model.name)
        except Exception:
            logger.exception("demo beat: %s failed", model.name)
    return ran


def demo_poll_polled_platforms() -> int:
    """An incremental sync of each integration whose platform sends no webhooks (Phorest)."""
    from integrations.adapters.registry import get_adapter_class
    from integrations.adapters.types import WebhookAuth
    from integrations.sync import sync_eligible_integrations
    from integrations.tasks import sync_integration

    count = 0
    for integration in sync_eligible_integrations():
        try:
            if get_adapter_class(integration.platform).capabilities.webhooks != WebhookAuth.NONE:
                continue
            sync_integration.apply(args=[str(integration.pk), "incremental"])
            count += 1
        except Exception:
            logger.exception("demo beat: polling %s failed", integration.pk)
    return count


def poll_delay_text() -> str:
    """How soon a change on a polled platform (Phorest) appears in SalonSync, in this process."""
    if demo_beat_running():
        return (
            f"within about {DEMO_POLL_SECONDS // 60} minute (the demo polls Phorest every "
            f"{DEMO_POLL_SECONDS // 60} minute; production every 15 minutes)"
        )
    return (
        "at the next incremental sync (every 15 minutes while beat and a worker run), or at once "
        "with “Sync now” on the Phorest integration"
    )
