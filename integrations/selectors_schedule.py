"""Whether the periodic tasks (django-celery-beat's schedule) run here: beat stamps a task's
``last_run_at`` when it sends it, and the every-minute heartbeat task stamps WorkerHeartbeat
"beat" when a worker runs it. Pages use this to say why nothing scheduled has happened yet."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from .models import WorkerHeartbeat

# The heartbeat runs every minute; this much silence means beat or the worker stopped.
HEARTBEAT_STALE = timedelta(minutes=10)


def periodic_tasks_state(*, now: datetime | None = None) -> str:
    """``never``: no periodic task was ever sent (beat never ran); ``stalled``: the heartbeat is
    missing or older than HEARTBEAT_STALE (beat or the worker is not running now); ``running``
    (also in the demo's web process while its in-process beat runs, from its first second)."""
    from salonsync.demo_beat import demo_beat_running

    if demo_beat_running():
        return "running"
    if not PeriodicTask.objects.filter(last_run_at__isnull=False).exists():
        return "never"
    beat = WorkerHeartbeat.objects.filter(source="beat").first()
    if beat is None or beat.seen_at < (now or timezone.now()) - HEARTBEAT_STALE:
        return "stalled"
    return "running"
