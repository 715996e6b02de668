"""Benchmark: sync 10,000+ appointments from the sandbox into the mirror, and bulk-insert the same
rows directly, in one run; print both rates, their ratio and the sync's peak memory as rows grow.

    .venv/bin/python bench/sync.py [--clients 960] [--page-size N]

DATABASE_URL selects the database (default postgres://postgres@127.0.0.1:5432/salonsync_bench,
created and migrated when missing). The sync is the real one (integrations.sync.sync_run, a full
resync) through the real Phorest adapter, over the in-process transport of the tests (the
sandbox emulator answers through Django's test client: no server, no network). Target: the sync
at least half as fast as the direct bulk insert, and memory flat as the row count grows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/salonsync_bench"
ACCOUNT, BRANCH = "bEnChPhOrEsT00001", "bEnChBrAnCh000001"
USERNAME, PASSWORD = "global/bench@salonsync.example", "bench-password"
# Memory marks as rows grow; the last one, past 10,000, shows the peak stays flat beyond it.
THRESHOLDS = (2_500, 5_000, 10_000, 12_000)
# 960 clients give about 12,600 appointments (18 months back, 1 ahead): comfortably past 10,000
# and the last threshold. 750 gave 9,881, short of 10,000.
DEFAULT_CLIENTS = 960


def setup_django() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salonsync.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")  # the local profile: sandbox on, dev keys
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
    hosts = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
    os.environ["DJANGO_ALLOWED_HOSTS"] = hosts + ",testserver"
    url = os.environ["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")):
        _create_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no query log: it would grow with every row
    call_command("migrate", verbosity=0)
    return url


def _create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients",
        type=int,
        default=DEFAULT_CLIENTS,
        help=f"sandbox clients (default {DEFAULT_CLIENTS})",
    )
    parser.add_argument("--page-size", type=int, default=0, help="the adapter's page size")
    args = parser.parse_args()
    url = setup_django()

    from django.db import connection

    from integrations.booking import BookingService
    from integrations.models import Integration, IntegrationStatus, MirroredAppointment, Salon
    from integrations.sync import sync_run
    from sandbox.data import seed_account
    from sandbox.models import Account as SandboxAccount
    from sandbox.models import Appointment as SandboxAppointment
    from tests.sandbox_transport import ORIGIN, mount

    print(f"database: {connection.vendor} ({urlsplit(url).path.lstrip('/') or url})")
    started = time.monotonic()
    # seed_account keeps an existing account's data: one seeded with another client count is
    # dropped first, so --clients (and its default) always means what it says.
    stale = SandboxAccount.objects.filter(platform="phorest", account_id=ACCOUNT)
    if stale.exists() and stale.first().clients.count() != args.clients:
        stale.delete()
    seed_account(
        platform="phorest",
        account_id=ACCOUNT,
        branch_id=BRANCH,
        name="Bench Salon",
        username=USERNAME,
        password=PASSWORD,
        seed=2024,
        clients=args.clients,
        months_back=18,
        months_ahead=1,
    )
    platform_rows = SandboxAppointment.objects.filter(account__account_id=ACCOUNT).count()
    print(f"sandbox: {platform_rows} appointments ({time.monotonic() - started:.1f} s to seed)")
    salon, _ = Salon.objects.get_or_create(
        slug="bench-salon", defaults={"name": "Bench Salon", "timezone": "America/New_York"}
    )
    integration = _integration(Integration, IntegrationStatus, salon, "phorest-sync", ACCOUNT)
    direct = _integration(Integration, IntegrationStatus, salon, "phorest-direct", "direct")
    options = {"page_size": args.page_size} if args.page_size else {}
    base_url = f"{ORIGIN}/sandbox/phorest/third-party-api-server/api/business"

    server = {"seconds": 0.0}

    def service_for(target):
        service = BookingService(target, base_url=base_url, options=options)
        transport = mount(service.adapter.http.session)
        send = transport.send

        def timed_send(request, **kwargs):  # the emulator's own time: the platform's servers
            started = time.monotonic()
            try:
                return send(request, **kwargs)
            finally:
                server["seconds"] += time.monotonic() - started

        transport.send = timed_send
        return service

    # 1. The sync, timed (no tracing: tracemalloc slows Python down).
    _reset(integration, direct)
    server["seconds"] = 0.0
    started = time.monotonic()
    run = sync_run(integration=integration, kind="full", service=service_for(integration))
    sync_seconds = time.monotonic() - started
    if run.state != "succeeded":
        raise SystemExit(f"the sync did not succeed: {run.state} {run.error}")
    synced = MirroredAppointment.objects.filter(integration=integration).count()
    assert synced == platform_rows, (synced, platform_rows)
    sync_rate = synced / sync_seconds
    server_seconds = server["seconds"]
    own_seconds = sync_seconds - server_seconds

    # 2. The same rows bulk-inserted directly (built in memory first, untimed).
    columns = [
        f.attname
        for f in MirroredAppointment._meta.concrete_fields
        if f.attname not in ("id", "integration_id")
    ]
    rows = [
        MirroredAppointment(integration_id=direct.pk, **values)
        for values in MirroredAppointment.objects.filter(integration=integration).values(*columns)
    ]
    started = time.monotonic()
    MirroredAppointment.objects.bulk_create(rows, batch_size=500)
    direct_seconds = time.monotonic() - started
    direct_rate = len(rows) / direct_seconds
    # 2b. For reference: the same rows with COPY, PostgreSQL's fastest load (values prepared by
    # each field inside the timing, as bulk_create prepares them). The sync writes its pages
    # with COPY too, so this is the floor of any insert; the target is stated against 2.
    copy_seconds = (
        _copy_insert(connection, direct, rows) if connection.vendor == "postgresql" else 0
    )
    del rows

    # 3. Memory as rows grow: the same sync again, traced, on an empty mirror.
    _reset(integration, direct)
    marks: dict[int, tuple[int, int]] = {}

    def progress(current_run):
        seen = current_run.counts.get("appointments", 0)
        for threshold in THRESHOLDS:
            if seen >= threshold and threshold not in marks:
                marks[threshold] = (seen, tracemalloc.get_traced_memory()[1])

    tracemalloc.start()
    traced = sync_run(
        integration=integration, kind="full", service=service_for(integration), progress=progress
    )
    tracemalloc.stop()
    assert traced.state == "succeeded", traced.error

    counts = run.counts
    print(
        f"sync (full, Phorest adapter over the in-process sandbox): {synced} appointments, "
        f"{counts.get('customers', 0)} customers, {counts.get('pages', 0)} pages, "
        f"{counts.get('events', 0)} events, {run.integration.api_calls.count()} platform calls"
    )
    print(f"  sync:        {sync_seconds:8.2f} s  {sync_rate:10,.0f} appointments/s")
    print(f"  direct bulk: {direct_seconds:8.2f} s  {direct_rate:10,.0f} appointments/s")
    verdict = "meets" if sync_rate / direct_rate >= 0.5 else "BELOW"
    print(f"  ratio sync/direct: {sync_rate / direct_rate:.2f} ({verdict} the 0.5 target)")
    if copy_seconds:
        print(
            f"  direct COPY: {copy_seconds:8.2f} s  {synced / copy_seconds:10,.0f} appointments/s"
            f"  (reference; ratio sync/COPY {copy_seconds / sync_seconds:.2f})"
        )
    own_rate = synced / own_seconds
    print(
        f"  of the sync's {sync_seconds:.2f} s, the emulator answering took "
        f"{server_seconds:.2f} s (the platform's servers' work in production)"
    )
    print(
        f"  SalonSync's own time: {own_seconds:.2f} s  {own_rate:10,.0f} appointments/s  "
        f"ratio {own_rate / direct_rate:.2f}"
    )
    print("  peak traced memory of the sync (Python allocations since it started):")
    for threshold in THRESHOLDS:
        if threshold in marks:
            seen, peak = marks[threshold]
            print(f"    after {seen:6,} rows: {peak / 1_048_576:7.1f} MiB")
        else:
            print(f"    {threshold:6,} rows: not reached ({synced} in all)")
    _reset(integration, direct)
    connection.close()


def _copy_insert(connection, direct, rows) -> float:
    """Time a COPY of ``rows`` (model instances) into the mirror, after emptying ``direct``'s."""
    from integrations.models import MirroredAppointment
    from salonsync.bulk import copy_insert

    MirroredAppointment.objects.filter(integration=direct).delete()
    started = time.monotonic()
    copy_insert(MirroredAppointment, rows)
    seconds = time.monotonic() - started
    assert MirroredAppointment.objects.filter(integration=direct).count() == len(rows)
    return seconds


def _integration(model, status, salon, name, branch):
    integration = model.objects.filter(salon=salon, account_name=name).first()
    if integration is None:
        integration = model(
            salon=salon,
            platform="phorest",
            account={"business_id": ACCOUNT, "branch_id": BRANCH if branch == ACCOUNT else branch},
            status=status.CONNECTED,
            account_name=name,
        )
    integration.credentials = {"username": USERNAME, "password": PASSWORD}
    integration.sync_cursor = None
    integration.save()
    return integration


def _reset(*integrations) -> None:
    from integrations.models import (
        ApiCall,
        Integration,
        MirroredAppointment,
        MirroredCustomer,
        MirroredLocation,
        MirroredProvider,
        MirroredService,
        SyncRun,
    )

    Integration.objects.filter(pk__in=[i.pk for i in integrations]).update(sync_cursor=None)
    for integration in integrations:
        integration.sync_cursor = None  # the next sync is a baseline again
    for model in (
        MirroredAppointment,
        MirroredCustomer,
        MirroredService,
        MirroredProvider,
        MirroredLocation,
        SyncRun,
        ApiCall,
    ):
        model.objects.filter(integration__in=integrations).delete()
    from django.db import connection

    if connection.vendor == "postgresql":  # dead rows from earlier rounds would slow every insert
        with connection.cursor() as cursor:
            for model in (MirroredAppointment, MirroredCustomer, ApiCall):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


if __name__ == "__main__":
    main()
