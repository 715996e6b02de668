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


def make_phorest(salon, *, clients=10, seed=7, account_id="biz-sync-01") -> Integration:
    seed_account(
        platform="phorest",
        account_id=account_id,
        branch_id="br-sync-01",
        name="Sync Salon (Phorest)",
        timezone=salon.timezone,
        username="global/owner@sync.example",
        password="phorest-sync-pw",
        seed=seed,
        clients=clients,
        months_back=2,
        months_ahead=1,
    )
    integration = Integration(
        salon=salon,
        platform="phorest",
        account={"business_id": account_id, "branch_id": "br-sync-01"},
        status=IntegrationStatus.CONNECTED,
        account_name="Sync Salon (Phorest)",
    )
    integration.credentials = {
        "username": "global/owner@sync.example",
        "password": "phorest-sync-pw",
    }
    integration.save()
    return integration


def make_vagaro(salon, *, clients=8, seed=11, business_id="sYnCvAgArO==") -> Integration:
    seed_account(
        platform="vagaro",
        account_id=business_id,
        name="Sync Salon (Vagaro)",
        timezone=salon.timezone,
        username="sync-vagaro-client",
        password="sync-vagaro-secret",
        seed=seed,
        clients=clients,
        months_back=2,
        months_ahead=4,
    )
    integration = Integration(
        salon=salon,
        platform="vagaro",
        account={"region": "us02", "business_id": business_id},
        options={"write_access": True},
        status=IntegrationStatus.CONNECTED,
        account_name="Sync Salon (Vagaro)",
    )
    integration.credentials = {
        "client_id": "sync-vagaro-client",
        "client_secret": "sync-vagaro-secret",
        "webhook_token": "sync-token",
    }
    integration.save()
    return integration


def make_mindbody(salon, *, clients=8, seed=13, site_id="-77") -> Integration:
    seed_account(
        platform="mindbody",
        account_id=site_id,
        name="Sync Salon (Mindbody)",
        timezone=salon.timezone,
        username="sync-mindbody-staff",
        password="sync-mindbody-pw",
        seed=seed,
        clients=clients,
        months_back=2,
        months_ahead=1,
    )
    integration = Integration(
        salon=salon,
        platform="mindbody",
        account={"site_id": site_id},
        status=IntegrationStatus.CONNECTED,
        account_name="Sync Salon (Mindbody)",
    )
    integration.credentials = {
        "username": "sync-mindbody-staff",
        "password": "sync-mindbody-pw",
    }
    integration.save()
    return integration


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
