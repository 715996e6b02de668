"""Dependencies made unreachable the way production meets them: Redis on a port nothing listens
on, the database raising Django's own OperationalError when a connection is needed."""

from __future__ import annotations

import contextlib
import socket
from unittest import mock

from django.db import OperationalError, connections


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_down_url() -> str:
    return f"redis://127.0.0.1:{closed_port()}/0"


def cache_on_closed_port(settings) -> None:
    """Point Django's cache (throttles, locks, availability) at a Redis that is not there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_down_url(),
        }
    }


@contextlib.contextmanager
def database_down():
    """Every query fails as it does when PostgreSQL refuses connections. A context manager (not a
    monkeypatch fixture) so the patch is gone before pytest-django rolls the test back."""
    refused = OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    )
    wrapper = type(connections["default"])
    with mock.patch.object(wrapper, "ensure_connection", side_effect=refused):
        yield
