"""A real Celery worker against Redis, writing to the real database."""

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import need


@pytest.fixture
def celery_worker_on_redis(transactional_db):
    need(bool(settings.REDIS_URL), "Redis is not reachable (REDIS_URL unset, nothing on 6379)")
    need(connection.vendor == "postgresql", "PostgreSQL is not reachable for worker tests")
    from celery.contrib.testing.worker import start_worker

    from salonsync.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = settings.REDIS_URL
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True
