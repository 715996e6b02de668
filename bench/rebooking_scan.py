"""Benchmark: the overdue scan over 50,000 clients and 500,000 appointments on PostgreSQL, and
one cancellation's suggestions; print seconds, peak memory and PASS/FAIL per target.

    .venv/bin/python bench/rebooking_scan.py [--clients 50000] [--appointments-per-client 10]
                                             [--explain] [--reload]

DATABASE_URL selects the database (default postgres://postgres@127.0.0.1:5432/
salonsync_bench_scan, created and migrated when missing). Three salons, each with one Phorest
integration, hold a quarter, a half and all of ``--clients`` (``--appointments-per-client`` on
average each), generated with a client rhythm (every 3-8 weeks, a preferred provider and time),
lapsed clients, future bookings, cancellations and no-shows, and written with COPY. Data already
loaded with the same size is reused, so re-runs are fast.

Targets (PostgreSQL, 2 cores): the overdue scan under 5 s; its peak memory flat as clients grow;
one cancellation's suggestions in under 100 ms of our own time. The platform is excluded by
construction: ``availability_list`` is replaced by a fixed list of open slots (no platform call,
so nothing of the platform's latency to subtract).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/salonsync_bench_scan"
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # a Monday; fixed so reused data stays valid
NY = ZoneInfo("America/New_York")
DATA_VERSION = 1  # bump when the generator changes: loaded data is then rebuilt
SCAN_TARGET_S = 5.0
CANCELLATION_TARGET_MS = 100.0
MEMORY_GROWTH_LIMIT = 1.5  # peak at the largest size / peak at the smallest
REPEAT = 3
CANCELLATION_RUNS = 20

CATEGORIES = {"Cut": 45, "Colour": 25, "Nails": 15, "Brows": 10, "Treatment": 5}
SERVICES = [  # ref, name, category, minutes, price
    ("svc-cut-w", "Women's Cut & Style", "Cut", 60, 75),
    ("svc-cut-m", "Men's Cut", "Cut", 30, 40),
    ("svc-blowdry", "Blow-dry", "Cut", 45, 45),
    ("svc-colour-full", "Full Colour", "Colour", 120, 150),
    ("svc-balayage", "Balayage", "Colour", 180, 220),
    ("svc-roots", "Root Touch-up", "Colour", 90, 95),
    ("svc-keratin", "Keratin Treatment", "Treatment", 120, 250),
    ("svc-olaplex", "Olaplex Treatment", "Treatment", 45, 60),
    ("svc-scalp", "Scalp Treatment", "Treatment", 30, 40),
    ("svc-gel-mani", "Gel Manicure", "Nails", 45, 45),
    ("svc-pedicure", "Pedicure", "Nails", 60, 55),
    ("svc-nail-art", "Nail Art", "Nails", 30, 25),
    ("svc-brow-shape", "Brow Shape", "Brows", 20, 25),
    ("svc-brow-tint", "Brow Tint", "Brows", 20, 20),
    ("svc-brow-lam", "Brow Lamination", "Brows", 45, 55),
]
BY_CATEGORY = {c: [s for s in SERVICES if s[2] == c] for c in CATEGORIES}
PROVIDERS = [
    ("prov-sam", "Sam Lee"),
    ("prov-ana", "Ana Cruz"),
    ("prov-jo", "Jo Park"),
    ("prov-max", "Max Kühn"),
    ("prov-lea", "Léa Martin"),
    ("prov-raj", "Raj Patel"),
]
FIRST = ["Mia", "Noah", "Emma", "Liam", "Ava", "Zoe", "Omar", "Ines", "Kai", "Lena", "Yuki", "Ben"]
LAST = ["Jones", "Garcia", "Smith", "Nguyen", "Brown", "Khan", "Rossi", "Silva", "Kim", "Ward"]


# -- setup -----------------------------------------------------------------------------------
def setup_django() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salonsync.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
    url = os.environ["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")):
        _create_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no query log: it would grow with every query and skew memory
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


# -- data ------------------------------------------------------------------------------------
def _text(value) -> str:
    """One COPY text-format field."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY rows in (streamed in ~1 MB chunks: memory stays flat whatever the size)."""
    from django.db import connection

    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_text(v) for v in row))
                buffer.write("\n")
                count += 1
                if buffer.tell() > 1_000_000:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    return count


def _counts(rng: random.Random, clients: int, per_client: int) -> list[int]:
    """Appointments per client: 1 to 2×average-1, in pairs summing to twice the average, so
    the total is exactly clients × average."""
    counts = []
    for _ in range(clients // 2):
        k = rng.randint(-(per_client - 1), per_client - 1)
        counts += [per_client + k, per_client - k]
    if clients % 2:
        counts.append(per_client)
    rng.shuffle(counts)
    return counts


def _client_appointments(rng: random.Random, iid: str, cref: str, count: int):
    """One client's history (and maybe a future booking or a cancelled next visit)."""
    interval = rng.randint(21, 56)  # every 3 to 8 weeks
    primary = rng.choices(list(CATEGORIES), weights=list(CATEGORIES.values()))[0]
    secondary = rng.choice([c for c in CATEGORIES if c != primary]) if rng.random() < 0.3 else None
    preferred = rng.choices(PROVIDERS, weights=[30, 25, 15, 12, 10, 8])[0][0]
    weekday = rng.randrange(1, 7)  # Tuesday..Sunday (Monday: salon closed)
    minutes = rng.randrange(9 * 4, 18 * 4) * 15
    kind = rng.random()
    future = []
    if kind < 0.15 and count > 1:  # has already rebooked
        future.append(("booked" if rng.random() < 0.6 else "confirmed", rng.uniform(1, 35)))
    elif kind < 0.19 and count > 1:  # their next visit was just cancelled
        future.append(("cancelled" if rng.random() < 0.8 else "late_cancelled", rng.uniform(1, 13)))
    lapsed = 0.19 <= kind < 0.34
    no_show_last = 0.34 <= kind < 0.37
    days_ago = interval * (rng.uniform(2, 6) if lapsed else rng.uniform(0.1, 1.8))
    past = count - len(future)
    offsets = []
    at = days_ago
    for _ in range(past):
        offsets.append(at)
        at += interval * rng.uniform(0.75, 1.3)
    rows = []
    for j, back in enumerate(sorted(offsets, reverse=True)):  # oldest first
        status = rng.choices(
            ["completed", "cancelled", "late_cancelled", "no_show"], weights=[88, 6, 2, 4]
        )[0]
        if j == past - 1:
            status = "no_show" if no_show_last else "completed"
        rows.append((status, -back, j))
    rows += [(status, ahead, past + i) for i, (status, ahead) in enumerate(future)]
    for status, days, j in rows:
        category = secondary if secondary and rng.random() < 0.25 else primary
        ref, name, _, duration, price = rng.choice(BY_CATEGORY[category])
        provider = preferred if rng.random() < 0.8 else rng.choice(PROVIDERS)[0]
        day = (NOW + timedelta(days=days)).astimezone(NY).date()
        day += timedelta(days=(weekday - day.weekday()) % 7 - (3 if days < 0 else 0))
        local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=NY)
        local += timedelta(minutes=rng.choice([0, 0, 0, -30, 30, 60]))
        start = local.astimezone(UTC)
        if days > 0 and start <= NOW:
            start = NOW + timedelta(days=1, minutes=minutes)
        if days < 0 and start >= NOW:
            start = NOW - timedelta(days=1)
        created = start - timedelta(days=rng.uniform(1, 30))
        yield (
            iid,
            f"{cref}-{j:03d}",
            "{}",
            created,
            NOW,
            status,
            start,
            start + timedelta(minutes=duration),
            "" if rng.random() < 0.003 else cref,  # a few walk-ins with no client
            ref,
            provider,
            "loc-1",
            name,
            price,
            created,
            created,
            rng.random() < 0.003,  # a few gone from the platform
        )


APPOINTMENT_COLUMNS = [
    "integration_id",
    "platform_id",
    "raw",
    "version_at",
    "mirrored_at",
    "status",
    "start",
    '"end"',
    "customer_ref",
    "service_ref",
    "provider_ref",
    "location_ref",
    "service_name",
    "price",
    "platform_created_at",
    "platform_updated_at",
    "deleted",
]
CUSTOMER_COLUMNS = [
    "integration_id",
    "platform_id",
    "raw",
    "version_at",
    "mirrored_at",
    "first_name",
    "last_name",
    "email",
    "phone",
    "active",
    "email_opt_in",
    "sms_opt_in",
    "platform_created_at",
    "platform_updated_at",
]


def load(clients: int, per_client: int, reload: bool):
    """The salon and integration for this size, its data loaded (or reused when present)."""
    from django.db import connection, transaction
    from django.db.models import F

    from integrations.models import (
        Integration,
        IntegrationStatus,
        MirroredAppointment,
        MirroredCustomer,
        MirroredProvider,
        MirroredService,
        Salon,
    )
    from rebooking.models import RebookingSettings, RebookingSuggestion

    slug = f"bench-scan-{clients}"
    salon, _ = Salon.objects.get_or_create(
        slug=slug, defaults={"name": f"Bench {clients:,} clients", "timezone": "America/New_York"}
    )
    RebookingSettings.objects.get_or_create(salon=salon)
    integration = Integration.objects.filter(salon=salon).first()
    wanted = {"clients": clients, "per_client": per_client, "version": DATA_VERSION}
    if integration is not None and integration.options.get("bench") == wanted and not reload:
        return salon, integration, False
    started = time.monotonic()
    if integration is None:
        integration = Integration(
            salon=salon,
            platform="phorest",
            status=IntegrationStatus.CONNECTED,
            account={"business_id": f"benchscan{clients}", "branch_id": "branch1"},
            account_name=f"bench scan {clients}",
        )
        integration.credentials = {"username": "global/bench@example.com", "password": "x"}
        integration.save()
    iid = str(integration.pk)
    rng = random.Random(clients * 7919 + per_client)
    with transaction.atomic():
        for model in (
            RebookingSuggestion,
            MirroredAppointment,
            MirroredCustomer,
            MirroredService,
            MirroredProvider,
        ):
            model.objects.filter(integration=integration).delete()
        MirroredService.objects.bulk_create(
            MirroredService(
                integration=integration,
                platform_id=ref,
                name=name,
                category=category,
                duration_minutes=minutes,
                price=price,
            )
            for ref, name, category, minutes, price in SERVICES
        )
        MirroredProvider.objects.bulk_create(
            MirroredProvider(integration=integration, platform_id=ref, name=name)
            for ref, name in PROVIDERS
        )
        refs = [f"cl{i:06d}" for i in range(clients)]
        _copy(
            "integrations_mirroredcustomer",
            CUSTOMER_COLUMNS,
            (
                (
                    iid,
                    ref,
                    "{}",
                    NOW,
                    NOW,
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    f"{ref}@example.com",
                    f"+1555{i:07d}",
                    rng.random() >= 0.02,  # a few inactive
                    rng.random() < 0.7,
                    rng.random() < 0.5,
                    NOW - timedelta(days=rng.uniform(30, 1500)),
                    NOW,
                )
                for i, ref in enumerate(refs)
            ),
        )
        counts = _counts(rng, clients, per_client)
        appointments = _copy(
            "integrations_mirroredappointment",
            APPOINTMENT_COLUMNS,
            (
                row
                for ref, count in zip(refs, counts, strict=True)
                for row in _client_appointments(rng, iid, ref, count)
            ),
        )
        # Some clients were suggested recently (inside the 14-day contact cooldown).
        recent = rng.sample(refs, clients // 50)
        RebookingSuggestion.objects.bulk_create(
            (
                RebookingSuggestion(
                    salon=salon,
                    integration=integration,
                    kind="overdue",
                    status=rng.choice(["open", "dismissed", "expired"]),
                    dedupe_key=f"bench-cooldown:{iid}:{ref}",
                    customer_ref=ref,
                    reason="bench",
                    expires_at=NOW - timedelta(days=rng.uniform(0.5, 13)) + timedelta(days=14),
                )
                for ref in recent
            ),
            batch_size=1000,
        )
        RebookingSuggestion.objects.filter(dedupe_key__startswith="bench-cooldown:").update(
            created_at=F("expires_at") - timedelta(days=14)
        )
        integration.options = {**integration.options, "bench": wanted}
        integration.save(update_fields=["options"])
    with connection.cursor() as cursor:
        for table in (
            "integrations_mirroredappointment",
            "integrations_mirroredcustomer",
            "integrations_mirroredservice",
            "rebooking_rebookingsuggestion",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"  loaded {clients:,} clients, {appointments:,} appointments "
        f"in {time.monotonic() - started:.1f} s"
    )
    return salon, integration, True


# -- measurements ----------------------------------------------------------------------------
def _scan_kwargs(integration, settings, limit):
    return {
        "integration_ids": [str(integration.pk)],
        "now": NOW,
        "due_by": NOW,
        "min_visits": settings.min_visits,
        "grace": float(settings.grace_factor),
        "fallback": settings.fallback_intervals or {},
        "default_fallback": settings.default_fallback_days,
        "cooldown_days": settings.cooldown_days,
        "include_no_show": settings.suggest_after_no_show,
        "limit": limit,
    }


def timed(fn, repeat=REPEAT, before=None):
    """(median seconds of ``repeat`` runs after one warm-up, peak traced bytes, last result)."""
    seconds = []
    result = None
    for i in range(repeat + 1):
        if before:
            before()
        started = time.perf_counter()
        result = fn()
        if i:
            seconds.append(time.perf_counter() - started)
    if before:
        before()
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(seconds), peak, result


def fixed_slots(salon, settings):
    """A realistic fixed answer of availability_list: the lookahead window, closed Mondays,
    6 providers × 5 open slots a day between 9:00 and 18:00 local, sorted by start."""
    from integrations.adapters.types import Slot

    rng = random.Random(5)
    first = NOW.astimezone(salon.tz).date()
    slots = []
    for d in range(settings.lookahead_days + 1):
        day = first + timedelta(days=d)
        if day.weekday() == 0:
            continue
        for provider, _ in PROVIDERS:
            for quarter in sorted(rng.sample(range(9 * 4, 18 * 4), 5)):
                start = datetime(
                    day.year, day.month, day.day, quarter // 4, quarter % 4 * 15, tzinfo=salon.tz
                )
                slots.append(
                    Slot(
                        start=start,
                        end=start + timedelta(minutes=60),
                        provider_id=provider,
                        service_id="svc-cut-w",
                        location_id="loc-1",
                    )
                )
    slots.sort(key=lambda s: (s.start, s.provider_id, s.service_id))
    return slots


def cancellation_candidates(integration, settings, n):
    """Cancelled upcoming visits of distinct clients that will give a rebook suggestion."""
    from django.db.models import Exists, OuterRef

    from integrations.adapters.types import ACTIVE_STATUSES
    from integrations.models import MirroredAppointment, MirroredCustomer
    from rebooking.models import RebookingSuggestion
    from rebooking.selectors import CANCELLED_STATUSES

    other_future = MirroredAppointment.objects.filter(
        integration=integration,
        customer_ref=OuterRef("customer_ref"),
        start__gt=NOW,
        deleted=False,
        status__in=ACTIVE_STATUSES,
    )
    inactive = MirroredCustomer.objects.filter(
        integration=integration, platform_id=OuterRef("customer_ref"), active=False
    )
    cooldown = RebookingSuggestion.objects.filter(
        integration=integration,
        customer_ref=OuterRef("customer_ref"),
        created_at__gt=NOW - timedelta(days=settings.cooldown_days),
    )
    rows = (
        MirroredAppointment.objects.filter(
            integration=integration,
            status__in=CANCELLED_STATUSES,
            start__gt=NOW,
            deleted=False,
        )
        .exclude(customer_ref="")
        .exclude(Exists(other_future))
        .exclude(Exists(inactive))
        .exclude(Exists(cooldown))
        .order_by("platform_id")
        .values_list("platform_id", flat=True)[: n * 3]
    )
    picked = list(rows)
    return random.Random(11).sample(picked, min(n, len(picked)))


def measure_cancellation(integration, settings):
    import rebooking.services as services
    from rebooking.models import RebookingSuggestion

    slots = fixed_slots(integration.salon, settings)
    calls = {"availability": 0, "due": 0.0}

    def fake_availability(*, integration, start_date, end_date, filters=None, use_cache=True):
        calls["availability"] += 1
        return list(slots)

    real_due, real_availability = services.due_clients, services.availability_list

    def timed_due(**kwargs):
        started = time.perf_counter()
        try:
            return real_due(**kwargs)
        finally:
            calls["due"] += time.perf_counter() - started

    services.availability_list = fake_availability
    services.due_clients = timed_due
    try:
        refs = cancellation_candidates(integration, settings, CANCELLATION_RUNS)
        # one warm-up (first queries pay for connection setup and cold caches)
        made = services.suggestions_for_cancellation(
            integration=integration, appointment_ref=refs[0], now=NOW
        )
        RebookingSuggestion.objects.filter(pk__in=[s.pk for s in made]).delete()
        totals, dues, kinds = [], [], []
        for ref in refs:
            calls["due"] = 0.0
            started = time.perf_counter()
            made = services.suggestions_for_cancellation(
                integration=integration, appointment_ref=ref, now=NOW
            )
            totals.append(time.perf_counter() - started)
            dues.append(calls["due"])
            kinds.append(tuple(sorted(s.kind for s in made)))
            RebookingSuggestion.objects.filter(pk__in=[s.pk for s in made]).delete()
        tracemalloc.start()
        made = services.suggestions_for_cancellation(
            integration=integration, appointment_ref=refs[0], now=NOW
        )
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        RebookingSuggestion.objects.filter(pk__in=[s.pk for s in made]).delete()
    finally:
        services.availability_list = real_availability
        services.due_clients = real_due
    return {
        "runs": len(totals),
        "median_ms": statistics.median(totals) * 1000,
        "min_ms": min(totals) * 1000,
        "max_ms": max(totals) * 1000,
        "due_ms": statistics.median(dues) * 1000,
        "peak": peak,
        "slots": len(slots),
        "kinds": kinds,
    }


def measure_overdue_scan(salon, integration, settings):
    """overdue_scan itself (due_clients with the daily cap, then one suggestion per client)."""
    import rebooking.services as services
    from integrations.availability import availability_list
    from rebooking.models import RebookingSuggestion

    slots = fixed_slots(salon, settings)

    def fake(**_):
        return list(slots)

    def clean():
        RebookingSuggestion.objects.filter(
            integration=integration, dedupe_key__startswith="overdue:"
        ).delete()

    services.availability_list = fake
    try:
        seconds, peak, made = timed(
            lambda: services.overdue_scan(salon=salon, now=NOW), before=clean
        )
    finally:
        services.availability_list = availability_list
        clean()  # the scan's suggestions would put their clients in cooldown for what follows
    return seconds, peak, len(made)


def explain(integration, settings, limit):
    """EXPLAIN (ANALYZE, BUFFERS) of the scan's exact query."""
    from django.db import connection

    from rebooking.scan import due_clients

    captured = []

    def grab(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        due_clients(**_scan_kwargs(integration, settings, limit))
    sql, params = captured[-1]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SETTINGS) " + sql, params)
        return "\n".join(r[0] for r in cursor.fetchall())


def mib(n: int) -> str:
    return f"{n / 1_048_576:7.2f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--appointments-per-client", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the full scan")
    parser.add_argument("--reload", action="store_true", help="rebuild the data even if loaded")
    args = parser.parse_args()
    url = setup_django()

    from django.db import connection

    from rebooking.rhythm_store import rhythms_refresh
    from rebooking.scan import due_clients
    from rebooking.services import rebooking_settings_get

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    print(f"database: {connection.vendor} ({urlsplit(url).path.lstrip('/')}), {version}")
    print(f"work_mem {work_mem}, {os.cpu_count()} CPUs, scan time (now) {NOW.isoformat()}")
    sizes = sorted({max(2, args.clients // 4), max(2, args.clients // 2), args.clients})
    per = args.appointments_per_client
    tiers = []
    for clients in sizes:
        salon, integration, loaded = load(clients, per, args.reload)
        if not loaded:
            print(f"  reusing {clients:,} clients × {per} appointments (already loaded)")
        tiers.append((clients, salon, integration))

    from integrations.models import MirroredAppointment

    rows = []
    for clients, salon, integration in tiers:
        settings = rebooking_settings_get(salon=salon)
        appointments = MirroredAppointment.objects.filter(integration=integration).count()
        full_s, full_peak, full = timed(
            lambda i=integration, s=settings: due_clients(**_scan_kwargs(i, s, None))
        )
        cap_s, cap_peak, capped = timed(
            lambda i=integration, s=settings: due_clients(**_scan_kwargs(i, s, s.daily_cap))
        )
        scan_s, scan_peak, made = measure_overdue_scan(salon, integration, settings)
        # The stored rhythms a refill reads: the whole integration rebuilt (after a full sync or
        # the nightly reconciliation), and one client refreshed (after each webhook).
        rebuild_s, rebuild_peak, stored = timed(
            lambda i=integration: rhythms_refresh(integration_id=str(i.pk), now=NOW)
        )
        one_s, _, _ = timed(
            lambda i=integration: rhythms_refresh(
                integration_id=str(i.pk), customer_refs=["cl000042"], now=NOW
            )
        )
        rows.append(
            {
                "clients": clients,
                "appointments": appointments,
                "due": len(full),
                "full_s": full_s,
                "full_peak": full_peak,
                "cap": settings.daily_cap,
                "cap_rows": len(capped),
                "cap_s": cap_s,
                "cap_peak": cap_peak,
                "scan_s": scan_s,
                "scan_peak": scan_peak,
                "made": made,
                "rebuild_s": rebuild_s,
                "rebuild_peak": rebuild_peak,
                "stored": stored,
                "one_ms": one_s * 1000,
            }
        )

    print()
    print(f"due_clients for the whole salon (median of {REPEAT} after a warm-up; peak = traced")
    print("Python allocations during one call), and overdue_scan (due_clients with the daily cap,")
    print("then one suggestion per client: rhythm query + ranking of a fixed slot list)")
    header = (
        f"{'clients':>8} {'appts':>9} {'due':>7} | {'limit None':>10} {'peak':>11} | "
        f"{'limit cap':>10} {'peak':>11} | {'overdue_scan':>12} {'peak':>11} {'made':>4}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['clients']:>8,} {r['appointments']:>9,} {r['due']:>7,} | "
            f"{r['full_s']:>8.2f} s {mib(r['full_peak'])} | "
            f"{r['cap_s']:>8.2f} s {mib(r['cap_peak'])} | "
            f"{r['scan_s']:>10.2f} s {mib(r['scan_peak'])} {r['made']:>4}"
        )

    print()
    print("stored rhythms (rebooking.rhythm_store): the whole integration rebuilt, and one client")
    header = f"{'clients':>8} {'rows':>9} | {'rebuild':>10} {'peak':>11} | {'one client':>10}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['clients']:>8,} {r['stored']:>9,} | {r['rebuild_s']:>8.2f} s "
            f"{mib(r['rebuild_peak'])} | {r['one_ms']:>7.1f} ms"
        )

    clients, salon, integration = tiers[-1]
    settings = rebooking_settings_get(salon=salon)
    cancel = measure_cancellation(integration, settings)
    kinds = {}
    for k in cancel["kinds"]:
        kinds[k] = kinds.get(k, 0) + 1
    print()
    print(
        f"one cancellation at {clients:,} clients: suggestions_for_cancellation, "
        f"{cancel['runs']} runs on different clients"
    )
    print(
        f"  availability_list replaced by a fixed list of {cancel['slots']} open slots: no "
        "platform call is made, so the time is all ours (platform latency excluded by construction)"
    )
    print(
        f"  median {cancel['median_ms']:.1f} ms (min {cancel['min_ms']:.1f}, max "
        f"{cancel['max_ms']:.1f}); of which the refill's due_clients query(ies): median "
        f"{cancel['due_ms']:.1f} ms; peak {mib(cancel['peak']).strip()}"
    )
    print(f"  suggestions made per run: {dict(sorted(kinds.items()))}")

    if args.explain:
        print()
        print(f"EXPLAIN ANALYZE of due_clients (limit None) at {clients:,} clients:")
        print(explain(integration, settings, None))

    print()
    big, small = rows[-1], rows[0]
    growth = big["scan_peak"] / max(small["scan_peak"], 1)
    cap_growth = big["cap_peak"] / max(small["cap_peak"], 1)
    checks = [
        (
            f"due_clients, whole salon, limit None, {big['clients']:,} clients < {SCAN_TARGET_S} s",
            big["full_s"] < SCAN_TARGET_S,
            f"{big['full_s']:.2f} s",
        ),
        (
            f"due_clients, limit {big['cap']} (the scan's query) < {SCAN_TARGET_S} s",
            big["cap_s"] < SCAN_TARGET_S,
            f"{big['cap_s']:.2f} s",
        ),
        (
            f"overdue_scan (query + {big['made']} suggestions) < {SCAN_TARGET_S} s",
            big["scan_s"] < SCAN_TARGET_S,
            f"{big['scan_s']:.2f} s",
        ),
        (
            f"overdue_scan peak memory flat ({small['clients']:,} -> {big['clients']:,} clients, "
            f"ratio < {MEMORY_GROWTH_LIMIT})",
            growth < MEMORY_GROWTH_LIMIT,
            f"{mib(small['scan_peak']).strip()} -> {mib(big['scan_peak']).strip()} (×{growth:.2f})",
        ),
        (
            f"due_clients limit {big['cap']} peak memory flat (ratio < {MEMORY_GROWTH_LIMIT})",
            cap_growth < MEMORY_GROWTH_LIMIT,
            f"{mib(small['cap_peak']).strip()} -> {mib(big['cap_peak']).strip()} "
            f"(×{cap_growth:.2f})",
        ),
        (
            f"one cancellation's suggestions < {CANCELLATION_TARGET_MS:.0f} ms (median)",
            cancel["median_ms"] < CANCELLATION_TARGET_MS,
            f"{cancel['median_ms']:.1f} ms",
        ),
    ]
    print("targets:")
    for label, ok, value in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {value}")
    print(
        "  (limit None returns every due client, so its memory grows with the salon by "
        f"design: {mib(small['full_peak']).strip()} -> {mib(big['full_peak']).strip()}; "
        "informational)"
    )
    connection.close()


if __name__ == "__main__":
    main()
