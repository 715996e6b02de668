"""/metrics: the four metric families, fed by platform calls, webhooks, tasks and the database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from integrations.models import ApiCall, IntegrationStatus
from salonsync.metrics import observe_api_calls, observe_webhook
from tests.health.conftest import make_integration

ROOT = Path(__file__).resolve().parents[2]


@shared_task(name="tests.health.succeeds")
def succeeds(x: int) -> int:
    return x * 2


@shared_task(name="tests.health.fails")
def fails() -> None:
    raise RuntimeError("on purpose")


@shared_task(name="tests.health.retries_once", bind=True, max_retries=1)
def retries_once(self) -> str:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return "second try"


SCRAPE_TOKEN = "test-scrape-token"


@pytest.fixture(autouse=True)
def _scrape_token(settings):
    settings.METRICS_TOKEN = SCRAPE_TOKEN


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {SCRAPE_TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_expose_calls_webhooks_tasks_and_sync_lag(client, salon):
    integration = make_integration(salon, "vagaro")
    integration.last_sync_at = timezone.now() - timedelta(minutes=10)
    integration.save()
    never = make_integration(salon, "mindbody")
    disabled = make_integration(salon, "phorest", status=IntegrationStatus.DISABLED)
    call = {"platform": "vagaro", "operation": "list_appointments"}
    before = scrape(client)

    observe_api_calls(
        [
            ApiCall(
                integration=integration,
                operation="list_appointments",
                method="GET",
                path="/a",
                status=200,
                duration_ms=80.0,
            ),
            ApiCall(
                integration=integration,
                operation="list_appointments",
                method="GET",
                path="/a",
                status=200,
                duration_ms=3000.0,
            ),
            ApiCall(
                integration=integration,
                operation="list_appointments",
                method="GET",
                path="/a",
                status=503,
                duration_ms=700.0,
                error_code="transient",
            ),
        ]
    )
    observe_webhook("vagaro", "accepted")
    observe_webhook("vagaro", "accepted")
    observe_webhook("mindbody", "rejected")
    assert succeeds.delay(2).get() == 4  # eager in tests: Celery's signals still fire
    # throw=False: as a worker does, record the failure instead of raising it here.
    assert isinstance(fails.apply(throw=False).result, RuntimeError)
    retries_once.apply(throw=False)

    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    hist = "salonsync_platform_call_duration_seconds"
    assert delta(f"{hist}_count", **call, outcome="ok") == 2
    assert delta(f"{hist}_sum", **call, outcome="ok") == pytest.approx(3.08)
    assert delta(f"{hist}_bucket", **call, outcome="ok", le="0.1") == 1
    assert delta(f"{hist}_bucket", **call, outcome="ok", le="5.0") == 2
    assert delta(f"{hist}_count", **call, outcome="transient") == 1
    assert delta("salonsync_webhooks_total", platform="vagaro", outcome="accepted") == 2
    assert delta("salonsync_webhooks_total", platform="mindbody", outcome="rejected") == 1
    assert delta("salonsync_tasks_total", task="tests.health.succeeds", outcome="success") == 1
    assert delta("salonsync_tasks_total", task="tests.health.fails", outcome="failure") == 1
    retried = {"task": "tests.health.retries_once"}
    assert delta("salonsync_tasks_total", **retried, outcome="retry") == 1
    assert delta("salonsync_tasks_total", **retried, outcome="success") == 1

    lag = "salonsync_integration_sync_lag_seconds"
    labels = {"platform": "vagaro", "salon": "alpha", "integration": str(integration.pk)}
    assert 600 <= value(after, lag, **labels) < 660
    never_labels = {"platform": "mindbody", "salon": "alpha", "integration": str(never.pk)}
    assert 0 <= value(after, lag, **never_labels) < 60  # since it was connected
    assert not [k for k in after if k[0] == lag and ("integration", str(disabled.pk)) in k[1]]


def test_metrics_never_break_the_caller():
    class Broken:
        @property
        def integration(self):
            raise RuntimeError("no integration")

    observe_api_calls([Broken()])  # logged, not raised
    observe_webhook("", "")


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, samples from separate processes appear in one scrape."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "salonsync.conf.test",
        "SALONSYNC_TEST_AUTODETECT": "0",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    record = (
        "import django; django.setup(); from salonsync.metrics import observe_webhook;"
        "observe_webhook('vagaro', 'accepted')"
    )
    for _ in range(2):  # two "workers"
        subprocess.run([sys.executable, "-c", record], env=env, cwd=ROOT, check=True)
    read = (
        "import django; django.setup(); from salonsync import metrics;"
        "assert metrics.MULTIPROCESS; print(metrics.metrics_text().decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", read],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(out)
        for s in family.samples
    }
    key = ("salonsync_webhooks_total", (("outcome", "accepted"), ("platform", "vagaro")))
    assert samples[key] == 2
    assert list(tmp_path.iterdir())  # the processes wrote their files there
