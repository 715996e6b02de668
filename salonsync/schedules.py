"""Every periodic task beat runs, declared once.

Installed on beat's DatabaseScheduler after each ``migrate`` (salonsync/apps.py, post_migrate):
a missing entry is created, an existing one is left as the operator edited it in the admin. The
project package declares them because it is the one place that knows every app (like urls.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    every_minutes: int | None = None  # an interval, or
    crontab: dict[str, str] | None = None  # minute/hour, UTC
    kwargs: dict = field(default_factory=dict)
    args: tuple = ()
    description: str = ""


SCHEDULES: tuple[Periodic, ...] = (
    Periodic("Worker heartbeat", "integrations.heartbeat", every_minutes=1, args=("beat",)),
    Periodic(
        "Incremental sync (every integration)",
        "integrations.sync_all",
        every_minutes=15,
        kwargs={"kind": "incremental"},
        description="Changes since each integration's cursor, into the mirror.",
    ),
    # 07:00 UTC: 2-3 AM in New York, before salons open in Dublin and London.
    Periodic(
        "Nightly reconciliation (every integration)",
        "integrations.sync_all",
        crontab={"minute": "0", "hour": "7"},
        kwargs={"kind": "reconcile"},
        description="Last 30 and next 90 days re-read; deleted appointments detected.",
    ),
    Periodic(
        "Token refresh ahead of expiry",
        "integrations.refresh_tokens",
        every_minutes=10,
        description="Renews access tokens that expire within 30 minutes.",
    ),
    Periodic("Integration health check", "integrations.health_check_all", every_minutes=15),
    Periodic(
        "Retention: prune old rows",
        "integrations.prune_old_rows",
        crontab={"minute": "30", "hour": "4"},
        description="Deletes webhook, API-call, sync-run and notification rows past their "
        "retention (RETENTION_* settings).",
    ),
    Periodic("Webhooks: sweep unprocessed and due events", "webhooks.sweep", every_minutes=1),
    # 11:00 UTC: the morning in the Americas, midday in Europe, before salons' busy hours end.
    Periodic(
        "Rebooking: daily overdue scan",
        "rebooking.overdue_scan_all",
        crontab={"minute": "0", "hour": "11"},
    ),
    Periodic(
        "Rebooking: expire stale suggestions", "rebooking.expire_suggestions", every_minutes=60
    ),
    Periodic(
        "Rebooking: settle interrupted bookings",
        "rebooking.settle_stale_bookings",
        every_minutes=5,
    ),
    Periodic(
        "Rebooking: send client messages held by quiet hours",
        "rebooking.send_deferred_messages",
        every_minutes=15,
    ),
    Periodic("Sandbox: send due webhook retries", "sandbox.retry_due_webhooks", every_minutes=1),
)


def install_schedules(**kwargs) -> int:
    """Create the periodic tasks that do not exist yet; returns how many were created."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = 0
    for entry in SCHEDULES:
        if PeriodicTask.objects.filter(name=entry.name).exists():
            continue  # the operator's version wins
        when: dict = {}
        if entry.crontab is not None:
            when["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=entry.crontab["minute"],
                hour=entry.crontab["hour"],
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="UTC",
            )
        else:
            every, period = entry.every_minutes, IntervalSchedule.MINUTES
            if every % 60 == 0:
                every, period = every // 60, IntervalSchedule.HOURS
            when["interval"], _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.create(
            name=entry.name,
            task=entry.task,
            kwargs=json.dumps(entry.kwargs),
            args=json.dumps(list(entry.args)),
            description=entry.description,
            **when,
        )
        created += 1
    return created
