"""Shared fixtures. The header of every run says which database and broker were used.

A test that needs a service the machine lacks is skipped with the reason, unless
SALONSYNC_REQUIRE_SERVICES=1 (set by .ci/run), which turns that skip into a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.factories import make_member, make_salon
from tests.sandbox_transport import ORIGIN, DjangoClientAdapter

REQUIRE_SERVICES = os.environ.get("SALONSYNC_REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    where = db["ENGINE"].rsplit(".", 1)[-1]
    if where != "sqlite3":
        where += f" at {db.get('HOST') or 'socket'}:{db.get('PORT') or ''}/{db.get('NAME')}"
    broker = settings.REDIS_URL or "none (Celery tasks run in-process)"
    return [f"salonsync database: {where}", f"salonsync broker: {broker}"]


def need(condition: bool, reason: str) -> None:
    """Skip (or, in CI, fail) a test whose service is missing."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing in CI: {reason}")
    pytest.skip(reason)


def close_other_sessions() -> None:
    """Threads (live server, in-process worker) keep PostgreSQL sessions open after they finish;
    drop them so the test database can be dropped at the end of the run."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's own set-up, plus dropping stray sessions before the database goes."""
    yield
    with django_db_blocker.unblock():
        close_other_sessions()


@pytest.fixture(autouse=True)
def _rebooking_handler_only_where_asked(request, monkeypatch):
    """A cancellation dispatches rebooking, which reads availability from the platform. Tests of
    other parts keep it out of their way; tests marked ``rebooking`` get the real dispatch."""
    if request.node.get_closest_marker("rebooking"):
        return
    from integrations.adapters.types import EventKind
    from integrations.events import DOMAIN_HANDLERS

    monkeypatch.setitem(DOMAIN_HANDLERS, EventKind.APPOINTMENT_CANCELLED, [])


@pytest.fixture(autouse=True)
def _no_rhythm_refresh_carried_over():
    """A test's transaction is rolled back, so the rhythm refresh it queued for on_commit never
    runs: its clients must not ride along with the next test's commit."""
    from rebooking.rhythm_store import _pending

    _pending.__dict__.pop("refs", None)
    yield
    _pending.__dict__.pop("refs", None)


@pytest.fixture(autouse=True)
def _isolated_cache():
    _clear_our_cache()
    yield
    _clear_our_cache()


def _clear_our_cache() -> None:
    """Clear this run's cache keys only: on a shared Redis, FLUSHDB would wipe other runs'
    locks mid-test."""
    from django.core.cache import cache

    if not settings.REDIS_URL:
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def salon(db):
    return make_salon("Alpha Hair", "alpha")


@pytest.fixture
def other_salon(db):
    return make_salon("Beta Beauty", "beta")


@pytest.fixture
def owner(salon):
    return make_member(salon, "olivia", "owner")


@pytest.fixture
def manager(salon):
    return make_member(salon, "max", "manager")


@pytest.fixture
def viewer(salon):
    return make_member(salon, "vera", "viewer")


@pytest.fixture
def chromium_path():
    need(shutil.which(CHROMIUM) is not None, f"Debian's chromium is not installed at {CHROMIUM}")
    return CHROMIUM


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


@pytest.fixture
def sandbox_http(monkeypatch, settings):
    """Every requests.Session the adapters and the sandbox's webhook sender use reaches the
    in-process app: platforms at /sandbox/..., SalonSync's receivers at /webhooks/..."""
    transport = DjangoClientAdapter()

    class RoutedSession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.mount(ORIGIN, transport)

    monkeypatch.setattr("integrations.adapters.http.requests.Session", RoutedSession)
    import sandbox.webhooks

    sandbox.webhooks.SESSION.mount(ORIGIN, transport)
    settings.MINDBODY_API_URL = f"{ORIGIN}/sandbox/mindbody"
    settings.VAGARO_API_URL = f"{ORIGIN}/sandbox/vagaro"  # the root: + /{region}/api/v2
    settings.PHOREST_API_URL = f"{ORIGIN}/sandbox/phorest/third-party-api-server/api/business"
    settings.PHOREST_US_API_URL = f"{ORIGIN}/sandbox/phorest-us/third-party-api-server/api/business"
    settings.SALONSYNC_PUBLIC_URL = ORIGIN
    return transport
