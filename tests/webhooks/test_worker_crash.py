"""A Celery worker killed mid-task: the message is not lost (acks_late), it is delivered again to
the next worker, and the event is processed exactly once.

A real worker runs as a subprocess (`celery -A salonsync worker -P solo -c 1`) on the test
database and Redis. To stop it mid-task without any test hook in the code, the test holds a row
lock (SELECT ... FOR UPDATE, from its own connection) on the mirror row the event will update: the
worker's task blocks inside webhook_process, with the event row locked and nothing committed.
The worker is SIGKILLed there (with the solo pool the whole worker dies, so nothing can reject or
ack the message: it stays in kombu's "unacked" set), its orphaned database session is terminated,
the lock released, and a second worker started. Redis hands an unacked message out again once its
visibility timeout has passed; the worker restores such messages when it starts.

The visibility timeout is 3600 s in the settings; the workers get CELERY_VISIBILITY_TIMEOUT=2 in
their environment. Until the settings read that variable, the test restores the one message
itself, with the same kombu call the worker makes (QoS.restore_by_tag), and says so in a warning.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from integrations.models import MirroredCustomer
from tests.conftest import close_other_sessions, need
from tests.webhooks.conftest import mindbody_event, signed_mindbody
from webhooks.models import WebhookEvent, WebhookStatus
from webhooks.platforms import WEBHOOK_PLATFORMS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"
VISIBILITY_TIMEOUT = 2


def _wait(predicate, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def _db_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _pg_dsn() -> str:
    return _db_url().replace("postgres://", "postgresql://", 1)


class Worker:
    """`celery -A salonsync worker -P solo -c 1` on the test database, consuming one queue."""

    def __init__(self, name: str, queue: str, log_dir: Path) -> None:
        self.log = log_dir / f"{name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "salonsync.settings",
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": _db_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            "FERNET_KEYS": ",".join(settings.FERNET_KEYS),
            "LOG_LEVEL": "INFO",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    str(CELERY),
                    "-A",
                    "salonsync",
                    "worker",
                    "-P",
                    "solo",
                    "-c",
                    "1",
                    "-Q",
                    queue,
                    "-n",
                    f"{name}-{queue}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 30) -> None:
        def ready():
            assert self.process.poll() is None, f"worker exited:\n{self.output()}"
            return " ready." in self.output()

        _wait(ready, timeout, "the worker to be ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _unacked(redis, queue: str) -> list[bytes]:
    """Delivery tags of this queue's messages that were handed out and not acknowledged."""
    tags = []
    for tag, value in redis.hgetall("unacked").items():
        _message, _exchange, routing_key = json.loads(value)
        if routing_key == queue:
            tags.append(tag)
    return tags


def _sessions_waiting_on_a_lock(watch_conn) -> list[int]:
    rows = watch_conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    ).fetchall()
    return [pid for (pid,) in rows]


@pytest.mark.timeout(120)
def test_worker_killed_mid_task_is_redelivered_and_processed_once(
    transactional_db, mindbody_integration, tmp_path
):
    need(bool(settings.REDIS_URL), "Redis is not reachable (REDIS_URL unset, nothing on 6379)")
    need(connection.vendor == "postgresql", "PostgreSQL is not reachable for worker tests")
    need(CELERY.exists(), f"{CELERY} is missing")
    import redis as redis_lib
    from kombu import Connection

    from salonsync.celery import app

    redis = redis_lib.Redis.from_url(settings.REDIS_URL)
    queue = f"crash-test-{uuid.uuid4().hex[:8]}"  # its own queue: no other test's tasks
    payload = mindbody_event("event_client_created", messageId=f"crash-{uuid.uuid4().hex}")
    (parsed,) = WEBHOOK_PLATFORMS["mindbody"].parse(payload, mindbody_integration)
    customer_id = parsed.data.platform_id
    # The row the task will update, older than the event, so the event applies to it.
    row = MirroredCustomer.objects.create(
        integration=mindbody_integration,
        platform_id=customer_id,
        first_name="Before",
        version_at=datetime(2020, 1, 1, tzinfo=UTC),
    )

    workers: list[Worker] = []
    lock_conn = psycopg.connect(_pg_dsn())  # holds the row lock, in a transaction
    # pg_stat_activity is a snapshot per transaction: watch from an autocommit session.
    watch_conn = psycopg.connect(_pg_dsn(), autocommit=True)
    try:
        # 1. Hold the mirror row, so the task will block on it mid-way.
        lock_conn.execute(
            f"SELECT id FROM {MirroredCustomer._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
            [row.pk],
        )

        # 2. The delivery: stored, answered 202, enqueued to Redis (our queue).
        app.conf.task_always_eager = False
        app.conf.broker_url = settings.REDIS_URL
        app.conf.task_default_queue = queue
        try:
            response = signed_mindbody(Client(), payload)
        finally:
            app.conf.task_always_eager = True
            app.conf.task_default_queue = "celery"
        assert response.status_code == 202, response.content
        event = WebhookEvent.objects.get(pk=response.json()["id"])
        assert event.status == WebhookStatus.QUEUED

        # 3. The first worker takes the task and blocks on the locked row.
        first = Worker("first", queue, tmp_path)
        workers.append(first)
        blocked = _wait(
            lambda: _sessions_waiting_on_a_lock(watch_conn), 30, "the task to block on the row"
        )
        assert _unacked(redis, queue), "the running task's message should be unacknowledged"
        event.refresh_from_db()
        assert event.status == WebhookStatus.QUEUED and event.attempts == 0

        # 4. Kill it mid-task. Its database session, still waiting on the lock, goes too (as
        # PostgreSQL would find out by itself once the lock is free); nothing was committed.
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        for pid in blocked:
            watch_conn.execute("SELECT pg_terminate_backend(%s)", [pid])
        lock_conn.rollback()  # releases the row
        killed_at = time.monotonic()
        event.refresh_from_db()
        assert event.status == WebhookStatus.QUEUED and event.attempts == 0
        (tag,) = _unacked(redis, queue)  # acks_late: the message was not lost with the worker
        assert redis.llen(queue) == 0

        # 5. A new worker. Redis redelivers the message once its visibility timeout is over.
        time.sleep(max(0.0, VISIBILITY_TIMEOUT + 0.5 - (time.monotonic() - killed_at)))
        second = Worker("second", queue, tmp_path)
        workers.append(second)
        second.wait_ready()
        try:
            _wait(lambda: not _unacked(redis, queue), 3, "the worker to restore the message")
        except AssertionError:
            warnings.warn(
                "the worker did not restore the unacknowledged message: the settings ignore "
                "CELERY_VISIBILITY_TIMEOUT (visibility_timeout is "
                f"{settings.CELERY_BROKER_TRANSPORT_OPTIONS.get('visibility_timeout')} s); "
                "the test restored it with kombu's QoS.restore_by_tag",
                stacklevel=1,
            )
            with Connection(settings.REDIS_URL) as conn:
                conn.default_channel.qos.restore_by_tag(tag)

        def final():
            event.refresh_from_db()
            return event.status not in (WebhookStatus.RECEIVED, WebhookStatus.QUEUED)

        _wait(final, 30, "the redelivered task to finish", step=0.2)

        # 6. Processed exactly once, the domain effect applied once, the message acknowledged.
        assert event.status == WebhookStatus.PROCESSED, event.last_error
        assert event.attempts == 1
        assert event.processed_at is not None
        customers = MirroredCustomer.objects.filter(
            integration=mindbody_integration, platform_id=customer_id
        )
        assert customers.count() == 1
        assert customers.get().first_name == payload["eventData"]["firstName"]
        _wait(lambda: not _unacked(redis, queue), 5, "the message to be acknowledged")
        assert redis.llen(queue) == 0
        assert second.output().count("succeeded in") == 1, second.output()
        assert "succeeded in" not in first.output()
    finally:
        for worker in workers:
            worker.stop()
            print(f"--- {worker.log.name} ---\n{worker.output()}")  # shown when the test fails
        lock_conn.close()
        watch_conn.close()
        redis.delete(queue)
        close_other_sessions()
