"""copy_insert (salonsync/bulk.py) leaves the same rows bulk_create would: prepared values, JSON
with characters COPY must escape, auto_now stamps; on SQLite it is bulk_create itself."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.models import MirroredAppointment, Salon
from salonsync.bulk import copy_insert
from tests.factories import make_integration

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
RAW = {"note": 'a "quoted"\\n\ttab\nline \\ back', "name": "Zoë — 日本", "n": [1, 2.5, None]}
COLUMNS = [f.attname for f in MirroredAppointment._meta.concrete_fields if f.attname not in ("id",)]


def _rows(integration, n):
    for i in range(n):
        start = T0 + timedelta(days=i)
        yield MirroredAppointment(
            integration=integration,
            platform_id=f"a-{i}",
            status="booked" if i % 2 else "cancelled",
            start=start,
            end=start + timedelta(minutes=45),
            customer_ref=f"c-{i % 3}",
            service_name="Cut \"and\" 'colour'",
            price=None if i % 4 == 0 else Decimal("45.50"),
            raw={**RAW, "i": i},
            platform_created_at=start - timedelta(days=2),
            version_at=start,
        )


def _values(integration):
    rows = MirroredAppointment.objects.filter(integration=integration).order_by("platform_id")
    return [
        {k: v for k, v in r.items() if k not in ("integration_id", "mirrored_at")}
        for r in rows.values(*COLUMNS)
    ]


def test_copy_insert_equals_bulk_create():
    salon = Salon.objects.create(name="Bulk", slug="bulk", timezone="UTC")
    copied, created = make_integration(salon, "copied"), make_integration(salon, "created")
    before = datetime.now(UTC)
    assert copy_insert(MirroredAppointment, _rows(copied, 7), batch_size=3) == 7
    MirroredAppointment.objects.bulk_create(list(_rows(created, 7)))
    assert _values(copied) == _values(created)
    assert _values(copied)[1]["raw"] == {**RAW, "i": 1}
    stamps = MirroredAppointment.objects.filter(integration=copied).values_list(
        "mirrored_at", flat=True
    )
    assert all(s >= before - timedelta(seconds=1) for s in stamps)  # auto_now was applied
