"""Start a Celery task without holding up the request that asked for it.

On a real broker this is ``task.delay``. On the embedded default (no REDIS_URL, tasks eager) a
``delay`` would run the task inside the request, so a long task (the owner's backtest, about a
minute) kept the browser waiting with nothing on screen: with ``TASKS_IN_THREADS`` the task runs
eagerly in a daemon thread of the web process instead, and the page polls its progress. The thread
closes its database connections when it ends; a failure is logged and handed to ``on_failure``
(which records it where the page shows it). Tests run tasks inline (``TASKS_IN_THREADS`` off).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def task_start(task, *, args: tuple = (), on_failure: Callable[[], None] | None = None):
    """Queue ``task`` on the broker, or run it in a thread when tasks run eagerly; returns the
    thread (None when queued or run inline)."""
    if not (task.app.conf.task_always_eager and settings.TASKS_IN_THREADS):
        task.delay(*args)
        return None
    thread = threading.Thread(
        target=_run, args=(task, args, on_failure), name=f"task:{task.name}", daemon=True
    )
    thread.start()
    return thread


def _run(task, args: tuple, on_failure: Callable[[], None] | None) -> None:
    try:
        task.apply(args=args, throw=True)
    except Exception:
        logger.exception("task %s failed in its background thread", task.name)
        if on_failure is not None:
            try:
                on_failure()
            except Exception:
                logger.exception("task %s: recording its failure failed too", task.name)
    finally:
        connections.close_all()  # this thread's own connections; nothing else will close them
