"""Prometheus metrics, served at /metrics (prometheus_client).

Families:
- ``salonsync_platform_call_duration_seconds`` (histogram; platform, operation, outcome): every
  platform call, fed from the ApiCall rows BookingService writes (``observe_api_calls``);
  outcome is ``ok`` or the normalized error code (``transient``, ``rate_limited`` ...).
- ``salonsync_webhooks_total`` (counter; platform, outcome): every webhook delivery
  (``observe_webhook``), outcome as the receiver answered (``accepted``, ``duplicate``,
  ``rejected`` ...).
- ``salonsync_tasks_total`` (counter; task, outcome): Celery task outcomes (success, failure,
  retry) from Celery's signals.
- ``salonsync_integration_sync_lag_seconds`` (gauge; integration, platform, salon): seconds since
  each integration's last sync (since it was connected when it never synced), computed from
  the database at scrape time; disabled integrations are left out and the query is bounded.

Processes. gunicorn runs several workers and Celery several children, each with its own memory.
With ``PROMETHEUS_MULTIPROC_DIR`` set (prometheus_client's multiprocess mode) every process
writes its samples to files in that directory and /metrics adds them all up; without it (one
process: ``runserver``, tests) the default registry is used. In production:

- set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory, the same one for gunicorn and the Celery
  worker (same host or a shared volume), created and emptied before they start (e.g.
  ``rm -rf "$PROMETHEUS_MULTIPROC_DIR"/* && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"``); task and sync
  metrics recorded in the worker then appear at the web's /metrics. A worker on another host
  shows its own task metrics only where its directory is scraped.
- the variable must be in the environment before the process starts (prometheus_client reads it
  on import); the sync-lag gauge is computed at scrape time and needs no files.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterable

from celery.signals import task_failure, task_retry, task_success
from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .client_ip import address_in, client_ip

logger = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# The sync-lag gauge reports at most this many integrations (ordered by id) per scrape.
MAX_SYNC_LAG_SERIES = 5000

PLATFORM_CALL_SECONDS = Histogram(
    "salonsync_platform_call_duration_seconds",
    "Duration of calls to booking platforms, by platform, operation and outcome.",
    ["platform", "operation", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
WEBHOOKS = Counter(
    "salonsync_webhooks",
    "Webhook deliveries received, by platform and outcome.",
    ["platform", "outcome"],
)
TASKS = Counter(
    "salonsync_tasks",
    "Celery task outcomes, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)


# -- feeding --------------------------------------------------------------------------------------
def observe_api_calls(calls: Iterable) -> None:
    """Record ApiCall rows (saved or about to be) in the latency histogram. Never raises."""
    try:
        for call in calls:
            platform = getattr(call.integration, "platform", "") or "unknown"
            PLATFORM_CALL_SECONDS.labels(
                platform=platform,
                operation=call.operation or "unknown",
                outcome=call.error_code or "ok",
            ).observe(max(call.duration_ms or 0.0, 0.0) / 1000.0)
    except Exception:
        logger.warning("metrics: could not record platform calls", exc_info=True)


def observe_webhook(platform: str, outcome: str) -> None:
    """Count one webhook delivery. Never raises."""
    try:
        WEBHOOKS.labels(platform=platform or "unknown", outcome=outcome or "unknown").inc()
    except Exception:
        logger.warning("metrics: could not record a webhook", exc_info=True)


def _task_name(sender) -> str:
    return getattr(sender, "name", None) or str(sender or "unknown")


@task_success.connect(weak=False, dispatch_uid="salonsync.metrics.task_success")
def _on_task_success(sender=None, **kwargs) -> None:
    TASKS.labels(task=_task_name(sender), outcome="success").inc()


@task_failure.connect(weak=False, dispatch_uid="salonsync.metrics.task_failure")
def _on_task_failure(sender=None, **kwargs) -> None:
    TASKS.labels(task=_task_name(sender), outcome="failure").inc()


@task_retry.connect(weak=False, dispatch_uid="salonsync.metrics.task_retry")
def _on_task_retry(sender=None, **kwargs) -> None:
    TASKS.labels(task=_task_name(sender), outcome="retry").inc()


# -- scrape-time gauge ----------------------------------------------------------------------------
class SyncLagCollector:
    """Seconds since each integration's last sync, read from the database when scraped."""

    name = "salonsync_integration_sync_lag_seconds"
    documentation = "Seconds since the integration's last sync (since connected if never)."
    labels = ["integration", "platform", "salon"]

    def describe(self):
        # Registration calls describe(); no database access at import time.
        return [GaugeMetricFamily(self.name, self.documentation, labels=self.labels)]

    def collect(self):
        from django.utils import timezone

        from integrations.models import Integration, IntegrationStatus

        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        try:
            now = timezone.now()
            rows = (
                Integration.objects.exclude(status=IntegrationStatus.DISABLED)
                .order_by("pk")
                .values_list("pk", "platform", "salon__slug", "last_sync_at", "created_at")
            )[:MAX_SYNC_LAG_SERIES]
            for pk, platform, salon, last_sync_at, created_at in rows:
                since = last_sync_at or created_at
                family.add_metric(
                    [str(pk), platform, salon], max((now - since).total_seconds(), 0.0)
                )
        except Exception:
            logger.warning("metrics: could not read sync lag", exc_info=True)
        yield family


_SYNC_LAG = SyncLagCollector()
if not MULTIPROCESS:
    REGISTRY.register(_SYNC_LAG)


def scrape_registry() -> CollectorRegistry:
    """The registry /metrics renders: every process's files in multiprocess mode, else this
    process's default registry."""
    if not MULTIPROCESS:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_SYNC_LAG)
    return registry


def metrics_text() -> bytes:
    return generate_latest(scrape_registry())


# -- who may scrape -------------------------------------------------------------------------------
def metrics_refusal(request) -> int | None:
    """None when the request may read /metrics, else the status to refuse it with: the labels
    name every salon and integration. A valid ``Authorization: Bearer <METRICS_TOKEN>`` or a
    client address in METRICS_ALLOWED_IPS lets it in; with neither configured, only DEBUG."""
    token = settings.METRICS_TOKEN
    allowed = settings.METRICS_ALLOWED_IPS
    if token and _bearer_matches(request, token):
        return None
    if allowed and address_in(client_ip(request), allowed):
        return None
    if not token and not allowed:
        return None if settings.DEBUG else 403
    return 401 if token else 403


def _bearer_matches(request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


@never_cache
@require_GET
def metrics_view(request):
    refused = metrics_refusal(request)
    if refused == 401:
        response = HttpResponse("Unauthorized: send the metrics bearer token.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if refused:
        return HttpResponseForbidden("Forbidden: /metrics is not public.\n")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
