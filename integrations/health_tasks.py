"""Celery tasks of the integration health check (installed on beat by migration 0007).

``integrations.health_check_all`` (every 15 minutes) enqueues one ``integrations.health_check``
per integration; each loads its integration and calls the service. Both are idempotent: the
service's issue rows and alert claims are guarded by the database, so a retried, duplicated or
concurrent run neither opens a second issue nor sends a second email. Like every periodic task,
a check holds the integration's lock in Redis (purpose "health", separate from the sync lock) so
two workers do not check the same integration at once.
"""

from __future__ import annotations

from celery import shared_task

__all__ = ["health_check", "health_check_all"]

# Ids are read and enqueued in chunks, so the fan-out holds a bounded amount in memory.
_CHUNK = 500
# A check is a handful of bounded queries and at most a few emails.
_LOCK_TTL_SECONDS = 300


@shared_task(name="integrations.health_check_all", ignore_result=True)
def health_check_all() -> int:
    from .models import Integration

    count = 0
    ids = Integration.objects.order_by("pk").values_list("pk", flat=True)
    for pk in ids.iterator(chunk_size=_CHUNK):
        health_check.delay(str(pk))
        count += 1
    return count


@shared_task(name="integrations.health_check", ignore_result=True)
def health_check(integration_id: str) -> list[str]:
    from salonsync.logging import log_context

    from .health import integration_health_check
    from .locks import IntegrationLock
    from .models import Integration

    integration = Integration.objects.select_related("salon").filter(pk=integration_id).first()
    if integration is None:
        return []  # removed since it was enqueued
    with IntegrationLock(integration.pk, "health", ttl=_LOCK_TTL_SECONDS) as held:
        if not held:
            return []  # another check of this integration is running; it does the work
        with log_context(integration_id=integration_id):
            report = integration_health_check(integration)
    return report.open
