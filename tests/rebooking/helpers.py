"""Crafted mirror histories for rebooking tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from integrations.models import (
    Integration,
    MirroredAppointment,
    MirroredCustomer,
    MirroredProvider,
    MirroredService,
)

NY = ZoneInfo("America/New_York")
_ids = itertools.count(1)


def integration_for(salon, platform="phorest", key="biz/br") -> Integration:
    business, branch = key.split("/")
    integration = Integration(
        salon=salon,
        platform=platform,
        status="connected",
        account={"business_id": business, "branch_id": branch},
    )
    integration.credentials = {"username": "global/x@example.com", "password": "pw"}
    integration.save()
    MirroredService.objects.create(
        integration=integration,
        platform_id="svc-cut",
        name="Cut & Style",
        category="Cut",
        duration_minutes=60,
        price=Decimal("65"),
    )
    MirroredService.objects.create(
        integration=integration,
        platform_id="svc-colour",
        name="Balayage",
        category="Colour",
        duration_minutes=120,
        price=Decimal("180"),
    )
    for ref, name in (("sam", "Sam Lee"), ("ana", "Ana Cruz")):
        MirroredProvider.objects.create(integration=integration, platform_id=ref, name=name)
    return integration


def customer(integration, ref, first="Mia", last="Jones", **extra) -> MirroredCustomer:
    return MirroredCustomer.objects.create(
        integration=integration,
        platform_id=ref,
        first_name=first,
        last_name=last,
        email=f"{ref}@example.com",
        **extra,
    )


def visit(
    integration,
    customer_ref,
    start: datetime,
    *,
    status="completed",
    service="svc-cut",
    provider="sam",
    minutes=60,
    ref=None,
) -> MirroredAppointment:
    return MirroredAppointment.objects.create(
        integration=integration,
        platform_id=ref or f"appt-{next(_ids)}",
        status=status,
        start=start,
        end=start + timedelta(minutes=minutes),
        customer_ref=customer_ref,
        service_ref=service,
        provider_ref=provider,
        service_name="",
        price=Decimal("65"),
        version_at=start,
    )


def local(y, m, d, hh=17, mm=30) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=NY)


def every(integration, customer_ref, first: datetime, days: int, count: int, **kw):
    return [
        visit(integration, customer_ref, first + timedelta(days=days * i), **kw)
        for i in range(count)
    ]
