import time

import pytest

from integrations.models import WorkerHeartbeat
from integrations.tasks import heartbeat as heartbeat_task


@pytest.mark.integration
def test_task_enqueued_through_redis_runs_in_worker_and_writes_postgres(celery_worker_on_redis):
    result = heartbeat_task.delay("integration-test")
    assert result.id  # went through the broker, not eager
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if WorkerHeartbeat.objects.filter(source="integration-test").exists():
            break
        time.sleep(0.2)
    row = WorkerHeartbeat.objects.get(source="integration-test")
    assert row.seen_at is not None
