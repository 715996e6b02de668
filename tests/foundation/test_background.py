"""salonsync/background.py: on a broker a task is queued; on the embedded default (eager) with
TASKS_IN_THREADS it runs in a thread of the web process, so the request returns at once; the
thread closes its connections and hands a failure to ``on_failure``."""

import threading

import pytest
from celery import shared_task

from salonsync import background

ran: list[tuple[str, int]] = []
gate = threading.Event()


@shared_task(name="tests.background.wait_then_record")
def wait_then_record(value: int) -> int:
    assert gate.wait(10)
    ran.append((threading.current_thread().name, value))
    return value


@shared_task(name="tests.background.explode")
def explode() -> None:
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _reset():
    ran.clear()
    gate.clear()
    yield
    gate.set()


def test_eager_with_threads_returns_before_the_task_runs(settings):
    settings.TASKS_IN_THREADS = True
    thread = background.task_start(wait_then_record, args=(7,))
    assert thread is not None and thread.daemon
    assert ran == []  # the caller did not wait for the task
    gate.set()
    thread.join(10)
    assert ran == [("task:tests.background.wait_then_record", 7)]


def test_without_threads_the_task_runs_inline(settings):
    settings.TASKS_IN_THREADS = False
    gate.set()
    assert background.task_start(wait_then_record, args=(3,)) is None
    assert [value for _, value in ran] == [3]


def test_on_a_broker_the_task_is_queued(settings, monkeypatch):
    settings.TASKS_IN_THREADS = True
    queued = []
    monkeypatch.setattr(wait_then_record, "delay", lambda *args: queued.append(args))
    conf = wait_then_record.app.conf
    conf.task_always_eager = False  # as with REDIS_URL: the Celery app's own setting
    try:
        assert background.task_start(wait_then_record, args=(5,)) is None
    finally:
        conf.task_always_eager = True
    assert queued == [(5,)] and ran == []


def test_a_failure_in_the_thread_is_reported_and_connections_are_closed(settings, monkeypatch):
    settings.TASKS_IN_THREADS = True
    closed, failed = [], []
    monkeypatch.setattr(background.connections, "close_all", lambda: closed.append(True))
    thread = background.task_start(explode, on_failure=lambda: failed.append(True))
    thread.join(10)
    assert failed == [True] and closed == [True]


def test_a_failing_failure_hook_is_logged_not_raised(settings, caplog):
    settings.TASKS_IN_THREADS = True

    def hook():
        raise ValueError("hook broke")

    background.task_start(explode, on_failure=hook).join(10)
    assert "recording its failure failed too" in caplog.text
