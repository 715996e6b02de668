"""A Celery task class whose publish is tried once, for callers with a safety net of their own.

A webhook's task is published inside the platform's request, and every stored event the broker
never got is re-queued by the sweeper within minutes. With the broker down, Celery's default
publish (retries with back-off, and kombu's reconnect loop inside each) held every webhook answer
for 0.6 to 6 seconds, only to fail anyway. ``PublishOnceTask`` publishes with ``retry=False`` on
connections that try to connect once (``max_retries: 0``, and the broker transport's
``socket_connect_timeout``), so an unreachable broker raises at once and the caller's ``except``
takes over. Those connections have a pool of their own, per process and broker URL, so the
settings of Celery's shared pool stay as they are for every other task.
"""

from __future__ import annotations

import os
import threading

from celery import Task
from kombu.pools import ProducerPool

_ONE_TRY = {"max_retries": 0}
_pools: dict[tuple[int, str], ProducerPool] = {}
_pools_lock = threading.Lock()


def _producers(app) -> ProducerPool:
    url = app.conf.broker_write_url
    key = (os.getpid(), url)  # a forked child never reuses its parent's sockets
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            limit = app.conf.broker_pool_limit
            connections = app.connection_for_write(url, transport_options=_ONE_TRY).Pool(limit)
            pool = _pools[key] = ProducerPool(connections, limit=limit)
    return pool


class PublishOnceTask(Task):
    def apply_async(self, args=None, kwargs=None, **options):
        app = self._get_app()
        if app.conf.task_always_eager or "producer" in options:
            return super().apply_async(args, kwargs, **options)
        options.setdefault("retry", False)
        with _producers(app).acquire(block=True) as producer:
            return super().apply_async(args, kwargs, producer=producer, **options)
