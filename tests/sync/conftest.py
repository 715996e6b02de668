"""Sync tests run the real adapters against the sandbox emulators in-process: every
BookingService the syncs build gets the test-client transport and a clock that never sleeps."""

from __future__ import annotations

import pytest

from integrations import sync as sync_module
from integrations.booking import BookingService
from integrations.models import Integration, IntegrationStatus
from sandbox.data import seed_account
from sandbox.models import Appointment as SandboxAppointment
from tests.sandbox_transport import ORIGIN, mount

SANDBOX = f"{ORIGIN}/sandbox"


@pytest.fixture
def sandbox_http(settings, monkeypatch):
    settings.PHOREST_API_URL = f"{SANDBOX}/phorest/third-party-api-server/api/business"
    settings.VAGARO_API_URL = f"{SANDBOX}/vagaro"
    settings.MINDBODY_API_URL = f"{SANDBOX}/mindbody"
    settings.MINDBODY_API_KEY = "sandbox-developer-key"
    services: list[BookingService] = []

    def service_for(integration):
        service = BookingService(integration, sleep=lambda _seconds: None)
        mount(service.adapter.http.session)
        services.append(service)
        return service

    monkeypatch.setattr(sync_module, "sync_service_for", service_for)
    return services


def _connected(salon, platform: str, *, seeded: dict, account: dict, credentials: dict, **extra):
    """A sandbox business seeded with ``seeded`` and the salon's integration connected to it."""
    name = f"Sync Salon ({platform.title()})"
    seed_account(platform=platform, name=name, timezone=salon.timezone, **seeded)
    integration = Integration(
        salon=salon,
        platform=platform,
        account=account,
        status=IntegrationStatus.CONNECTED,
        account_name=name,
        **extra,
    )
    integration.credentials = credentials
    integration.save()
    return integration


def make_phorest(salon, *, clients=10, seed=7, account_id="biz-sync-01") -> Integration:
    login = {"username": "global/owner@sync.example", "password": "phorest-sync-pw"}
    return _connected(
        salon,
        "phorest",
        seeded=dict(
            account_id=account_id,
            branch_id="br-sync-01",
            seed=seed,
            clients=clients,
            months_back=2,
            months_ahead=1,
            **login,
        ),
        account={"business_id": account_id, "branch_id": "br-sync-01"},
        credentials=login,
    )


def make_vagaro(salon, *, clients=8, seed=11, business_id="sYnCvAgArO==") -> Integration:
    return _connected(
        salon,
        "vagaro",
        seeded=dict(
            account_id=business_id,
            username="sync-vagaro-client",
            password="sync-vagaro-secret",
            seed=seed,
            clients=clients,
            months_back=2,
            months_ahead=4,
        ),
        account={"region": "us02", "business_id": business_id},
        credentials={
            "client_id": "sync-vagaro-client",
            "client_secret": "sync-vagaro-secret",
            "webhook_token": "sync-token",
        },
        options={"write_access": True},
    )


def make_mindbody(salon, *, clients=8, seed=13, site_id="-77") -> Integration:
    login = {"username": "sync-mindbody-staff", "password": "sync-mindbody-pw"}
    return _connected(
        salon,
        "mindbody",
        seeded=dict(
            account_id=site_id,
            seed=seed,
            clients=clients,
            months_back=2,
            months_ahead=1,
            **login,
        ),
        account={"site_id": site_id},
        credentials=login,
    )


def sandbox_appointments(account_id: str):
    return SandboxAppointment.objects.filter(account__account_id=account_id)


@pytest.fixture
def phorest(salon, sandbox_http):
    return make_phorest(salon)


@pytest.fixture
def vagaro(salon, sandbox_http):
    return make_vagaro(salon)


@pytest.fixture
def recorded(monkeypatch):
    """Every domain event dispatched, in order: [(integration_id, event)]."""
    from integrations.events import DOMAIN_HANDLERS

    seen: list = []

    def handler(integration, event):
        seen.append((integration.pk, event))

    for kind in list(DOMAIN_HANDLERS):
        monkeypatch.setitem(DOMAIN_HANDLERS, kind, [*DOMAIN_HANDLERS[kind], handler])
    return seen
