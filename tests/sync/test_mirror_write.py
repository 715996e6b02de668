"""mirror_upsert writes big pages through COPY on PostgreSQL (integrations/mirror.py, _copy_upsert)
and small ones through bulk_create: both paths must leave the same rows and report the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from integrations import mirror
from integrations.adapters import types as t
from integrations.models import (
    MirroredAppointment,
    MirroredCustomer,
)
from integrations.sync import sync_run
from sandbox.models import Account as SandboxAccount
from sandbox.models import Appointment as SandboxAppointment
from sandbox.models import Status
from tests.factories import make_integration
from tests.sync.conftest import make_phorest

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
# JSON a text COPY stream must escape (backslashes, tabs, newlines) and an array literal must
# quote (double quotes, braces, commas), plus non-ASCII.
TRICKY_RAW = {
    "note": 'She said "hi"\\n, {braced}\ttab\nnewline \\ backslash',
    "name": "Zoë Ørsted — 日本",
    "nested": {"list": [1, 2.5, None, True, "a,b"], "empty": {}},
}
APPOINTMENT_COLUMNS = [
    f.attname
    for f in MirroredAppointment._meta.concrete_fields
    if f.attname not in ("id", "integration_id", "mirrored_at")
]


@pytest.fixture(params=["copy", "bulk_create"])
def write_path(request, monkeypatch):
    if request.param == "copy" and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    monkeypatch.setattr(mirror, "COPY_MIN_ROWS", 1 if request.param == "copy" else 10**9)
    return request.param


def appointment(number: int, status=t.AppointmentStatus.BOOKED, **changes) -> t.Appointment:
    start = T0 + timedelta(days=number)
    values = {
        "platform_id": f"appt-{number}",
        "status": status,
        "start": start,
        "end": start + timedelta(minutes=45),
        "customer_id": f"client-{number % 7}",
        "service_id": "svc-1",
        "provider_id": "" if number % 3 else "staff-1",
        "location_id": "br",
        "service_name": "Cut \"and\" 'colour'",
        "price": None if number % 5 == 0 else Decimal("45.50"),
        "created_at": T0 - timedelta(days=1),
        "updated_at": None if number % 4 == 0 else T0,
        "raw": {**TRICKY_RAW, "appointmentId": f"appt-{number}", "n": number},
    }
    return t.Appointment(**(values | changes))


def rows(integration) -> dict[str, dict]:
    return {
        row["platform_id"]: row
        for row in MirroredAppointment.objects.filter(integration=integration).values(
            *APPOINTMENT_COLUMNS
        )
    }


def test_a_page_is_created_with_every_value_kept(salon, write_path):
    integration = make_integration(salon, "page")
    page = [appointment(n) for n in range(60)]
    before = datetime.now(UTC)
    result = mirror.mirror_upsert(integration=integration, objects=page, version_at=T0)

    assert (result.created, result.updated, result.skipped_stale) == (60, 0, 0)
    assert result.previous_status == {a.platform_id: None for a in page}
    stored = rows(integration)
    assert len(stored) == 60
    for a in page:
        row = stored[a.platform_id]
        assert row["raw"] == a.raw
        assert row["version_at"] == T0
        assert {k: row[k] for k in mirror._appointment(a)} == mirror._appointment(a)
    assert (
        MirroredAppointment.objects.filter(integration=integration, mirrored_at__lt=before).count()
        == 0
    )


def test_an_update_overwrites_older_rows_and_leaves_newer_ones_alone(salon, write_path):
    integration = make_integration(salon, "update")
    mirror.mirror_upsert(
        integration=integration, objects=[appointment(n) for n in range(60)], version_at=T0
    )
    # Ten rows hold newer information (a webhook applied after the sync read).
    newer = [f"appt-{n}" for n in range(10)]
    MirroredAppointment.objects.filter(integration=integration, platform_id__in=newer).update(
        version_at=T0 + timedelta(hours=2), status="confirmed"
    )
    page = [appointment(n, t.AppointmentStatus.CANCELLED, raw={"changed": n}) for n in range(0, 70)]
    page.append(appointment(65, t.AppointmentStatus.ARRIVED))  # a repeated id: the last one wins
    read_at = T0 + timedelta(hours=1)

    result = mirror.mirror_upsert(integration=integration, objects=page, version_at=read_at)

    assert (result.created, result.updated, result.skipped_stale) == (10, 50, 10)
    assert result.previous_status == {
        **{f"appt-{n}": "booked" for n in range(10, 60)},
        **{f"appt-{n}": None for n in range(60, 70)},
    }
    stored = rows(integration)
    assert len(stored) == 70
    for pid in newer:
        assert (stored[pid]["status"], stored[pid]["version_at"]) == (
            "confirmed",
            T0 + timedelta(hours=2),
        )
        assert stored[pid]["raw"]["n"] == int(pid.split("-")[1])
    for n in range(10, 70):
        row = stored[f"appt-{n}"]
        expected = "arrived" if n == 65 else "cancelled"
        assert (row["status"], row["version_at"]) == (expected, read_at)
        assert row["raw"] == ({**TRICKY_RAW, "appointmentId": "appt-65", "n": 65} if n == 65
                              else {"changed": n})  # fmt: skip


def test_two_pages_in_one_transaction(salon, write_path):
    integration = make_integration(salon, "twice")
    with transaction.atomic():
        for first in (0, 60):
            page = [appointment(n) for n in range(first, first + 60)]
            mirror.mirror_upsert(integration=integration, objects=page, version_at=T0)
    assert len(rows(integration)) == 120


def test_customers_too(salon, write_path):
    integration = make_integration(salon, "customers")
    customers = [
        t.Customer(
            platform_id=f"c-{n}",
            first_name=f'Ann "{n}"',
            last_name="O'Brien\\",
            email=f"ann{n}@example.com",
            phone="",
            active=n % 2 == 0,
            email_opt_in=None if n % 3 == 0 else True,
            sms_opt_in=False,
            created_at=T0,
            updated_at=None,
            raw={**TRICKY_RAW, "clientId": f"c-{n}"},
        )
        for n in range(55)
    ]
    result = mirror.mirror_upsert(integration=integration, objects=customers, version_at=T0)
    assert (result.created, result.updated) == (55, 0)
    stored = {c.platform_id: c for c in MirroredCustomer.objects.filter(integration=integration)}
    for customer in customers:
        row = stored[customer.platform_id]
        assert row.raw == customer.raw
        assert (row.first_name, row.last_name, row.active, row.email_opt_in) == (
            customer.first_name,
            customer.last_name,
            customer.active,
            customer.email_opt_in,
        )


def clone_sandbox(account_id: str, new_id: str) -> None:
    """A second sandbox business with the same staff, services, clients and appointments (the
    same ids), for a second integration (one integration per platform account)."""
    account = SandboxAccount.objects.get(platform="phorest", account_id=account_id)
    appointments = list(account.appointments.all())
    related = {}
    copy = SandboxAccount.objects.get(pk=account.pk)
    copy.pk, copy.account_id = None, new_id
    copy.save()
    for name in ("providers", "services", "clients"):
        for row in getattr(account, name).all():
            old = row.pk
            row.pk, row.account = None, copy
            row.save()
            related[(name, old)] = row
    for appt in appointments:
        appt.pk, appt.account = None, copy
        appt.provider = related[("providers", appt.provider_id)]
        appt.service = related[("services", appt.service_id)]
        appt.client = related[("clients", appt.client_id)]
    SandboxAppointment.objects.bulk_create(appointments)


def test_both_paths_mirror_a_sandbox_sync_identically(salon, sandbox_http, recorded, monkeypatch):
    """The same sandbox business synced twice (a baseline, then changes), once through each
    path: the same rows, counts and events."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    first = make_phorest(salon, clients=40, account_id="biz-copy-01")
    clone_sandbox("biz-copy-01", "biz-copy-02")
    second = make_phorest(salon, clients=40, account_id="biz-copy-02")
    paths = ((first, 1), (second, 10**9))

    def sync_both() -> list:
        outcomes = []
        for integration, threshold in paths:
            monkeypatch.setattr(mirror, "COPY_MIN_ROWS", threshold)
            run = sync_run(integration=integration, kind="full")
            assert run.state == "succeeded", run.error
            stored = rows(integration)
            for row in stored.values():
                assert row.pop("version_at") is not None  # each run's own read time
            events = sorted((e.kind, e.object_id) for pk, e in recorded if pk == integration.pk)
            outcomes.append((run.counts, stored, events))
        return outcomes

    baseline = sync_both()
    assert baseline[0][0]["appointments"] > 50
    assert baseline[0] == baseline[1]

    for account_id in ("biz-copy-01", "biz-copy-02"):
        changed = SandboxAppointment.objects.filter(account__account_id=account_id).order_by(
            "start", "ext_id"
        )[:30]
        for appt in changed:
            appt.status = Status.CANCELLED
            appt.updated_at = appt.updated_at + timedelta(minutes=1)
            appt.save()
    recorded.clear()
    changes = sync_both()
    assert changes[0][2] and changes[0][0]["updated"] >= 30
    assert sum(row["status"] == "cancelled" for row in changes[0][1].values()) >= 30
    assert changes[0] == changes[1]
