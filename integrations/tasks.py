"""Celery tasks of the integrations app. Each loads ids and calls a service (integrations/sync.py).

Beat (DatabaseScheduler; installed by migrations 0002 and 0006, editable in the admin) runs the
fan-outs: ``integrations.sync_all`` (incremental every 15 minutes, reconcile nightly) and
``integrations.refresh_tokens`` (every 10 minutes). They only enqueue one task per integration,
spread over a few minutes so a thousand salons do not hit the platforms in the same second.

Idempotent and bounded: a sync holds its integration's lock (a duplicate is recorded as skipped),
writes only changes and advances the cursor only on success, so a retry or a redelivery after a
worker crash (acks_late) repeats nothing; each task has a time limit under the broker's
visibility timeout.
"""

from __future__ import annotations

import zlib

from celery import shared_task
from django.utils import timezone

from .adapters.errors import RETRYABLE_ERRORS
from .models import WorkerHeartbeat

# Fan-outs spread their tasks over this many seconds (by a stable hash of the integration id).
SPREAD_SECONDS = {"incremental": 300, "reconcile": 3600, "full": 600}
_CHUNK = 500


@shared_task(name="integrations.heartbeat")
def heartbeat(source: str = "beat") -> str:
    """Proves the broker → worker → database path works; beat runs it so operators can see
    (admin, /readyz later) that workers and beat are alive."""
    WorkerHeartbeat.objects.update_or_create(source=source, defaults={"seen_at": timezone.now()})
    return source


def _spread(integration_id: str, seconds: int) -> int:
    return zlib.crc32(str(integration_id).encode()) % max(seconds, 1)


@shared_task(name="integrations.sync_all", ignore_result=True)
def sync_all(kind: str = "incremental") -> int:
    """Enqueue one sync of ``kind`` per integration due for it; returns how many."""
    from .sync import sync_fan_out

    count = 0
    eligible = sync_fan_out(kind)
    ids = eligible.values_list("pk", flat=True)
    for pk in ids.iterator(chunk_size=_CHUNK):
        sync_integration.apply_async(
            args=[str(pk), kind], countdown=_spread(pk, SPREAD_SECONDS.get(kind, 300))
        )
        count += 1
    return count


@shared_task(
    name="integrations.sync_integration",
    bind=True,
    ignore_result=True,
    autoretry_for=RETRYABLE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=4,
    soft_time_limit=1800,
    time_limit=1900,
)
def sync_integration(
    self, integration_id: str, kind: str = "incremental", run_id: int | None = None
) -> str:
    """Sync one integration. A requested sync passes the SyncRun it created (``run_id``); a
    retry after a failure records a new run. Returns the run's final state."""
    from .models import Integration, SyncRun
    from .sync import sync_run

    integration = Integration.objects.select_related("salon").filter(pk=integration_id).first()
    if integration is None:
        return "gone"  # removed since it was enqueued
    run = SyncRun.objects.filter(pk=run_id, integration=integration).first() if run_id else None
    return sync_run(integration=integration, kind=kind, run=run, raise_retryable=True).state


@shared_task(name="integrations.refresh_tokens", ignore_result=True)
def refresh_tokens() -> int:
    """Enqueue a token refresh for every integration whose token expires within 30 minutes."""
    from .sync import token_refresh_due

    count = 0
    for pk in token_refresh_due().values_list("pk", flat=True).iterator(chunk_size=_CHUNK):
        refresh_token.apply_async(args=[str(pk)], countdown=_spread(pk, 60))
        count += 1
    return count


@shared_task(
    name="integrations.refresh_token",
    ignore_result=True,
    autoretry_for=RETRYABLE_ERRORS,
    retry_backoff=15,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=120,
    time_limit=150,
)
def refresh_token(integration_id: str) -> bool:
    from .models import Integration
    from .sync import integration_token_refresh

    integration = Integration.objects.select_related("salon").filter(pk=integration_id).first()
    if integration is None:
        return False
    return integration_token_refresh(integration=integration)


# The health check's tasks live in their own module; imported here so Celery registers them.
from .health_tasks import *  # noqa: E402,F403


@shared_task(name="integrations.prune_old_rows")
def prune_old_rows_task() -> dict[str, int]:
    """Daily: rows past their retention (integrations/retention.py)."""
    from .retention import prune_old_rows

    return prune_old_rows()
