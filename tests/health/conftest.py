"""Builders for the health tests: integrations, platform calls and webhook deliveries at chosen
times (rows are back-dated with UPDATE, since their timestamps are auto_now_add)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.models import ApiCall, Integration, IntegrationStatus, SyncRun

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_integration(salon, platform: str = "phorest", **extra) -> Integration:
    account = {
        "phorest": {"business_id": f"biz-{salon.slug}", "branch_id": "br-1"},
        "vagaro": {"business_id": f"vg-{salon.slug}"},
        "mindbody": {"site_id": f"-{len(salon.slug)}9"},
    }[platform]
    integration = Integration(
        salon=salon,
        platform=platform,
        account=account,
        status=extra.pop("status", IntegrationStatus.CONNECTED),
        **extra,
    )
    integration.credentials = {"username": "owner", "password": "pw-not-logged-123"}
    integration.save()
    return integration


def add_calls(integration, *, at: datetime, ok: int = 0, errors: dict | None = None) -> None:
    rows = [
        ApiCall(
            integration=integration,
            operation="list_appointments",
            method="GET",
            path="/x",
            status=200,
            duration_ms=120.0,
            created_at=at,
        )
        for _ in range(ok)
    ]
    for code, n in (errors or {}).items():
        rows += [
            ApiCall(
                integration=integration,
                operation="list_appointments",
                method="GET",
                path="/x",
                status=None,
                duration_ms=900.0,
                error_code=code,
                created_at=at,
            )
            for _ in range(n)
        ]
    ApiCall.objects.bulk_create(rows)


def add_webhook(integration, *, status: str, at: datetime, n: int = 1) -> None:
    from webhooks.models import WebhookEvent

    for i in range(n):
        event = WebhookEvent.objects.create(
            platform=integration.platform,
            integration=integration,
            external_id=f"{status}-{at.timestamp()}-{i}",
            body=b"{}",
            status=status,
            verified=status != "rejected",
        )
        WebhookEvent.objects.filter(pk=event.pk).update(received_at=at)


def add_sync(integration, *, at: datetime, events: int) -> SyncRun:
    run = SyncRun.objects.create(
        integration=integration,
        kind=SyncRun.Kind.INCREMENTAL,
        state=SyncRun.State.SUCCEEDED,
        counts={"appointments": events, "events": events},
    )
    SyncRun.objects.filter(pk=run.pk).update(started_at=at, finished_at=at)
    return run


@pytest.fixture
def owner_with_email(salon, owner):
    owner.email = "olivia@alpha.example"
    owner.save()
    return owner


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("Ops", "ops@salonsync.example")]
    return settings.ADMINS


@pytest.fixture
def phorest(salon, owner_with_email, admins):
    return make_integration(salon, "phorest")


@pytest.fixture
def vagaro(salon, owner_with_email, admins):
    return make_integration(salon, "vagaro")


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
