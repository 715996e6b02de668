"""Webhook test helpers: signed vendor-shaped deliveries, integrations, the in-process sandbox."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.models import Integration, IntegrationStatus
from tests.integrations.adapters.harness import load_fixture
from webhooks.platforms.mindbody import mindbody_signature

MB_KEY = "mB-signature-key/+=current"
MB_OLD_KEY = "mB-signature-key-previous"
VG_TOKEN = "vagaro-verification-token-1"


def signed_mindbody(client, payload: Any, *, key: str = MB_KEY, body: bytes | None = None, **extra):
    body = body if body is not None else json.dumps(payload).encode()
    headers = {"HTTP_X_MINDBODY_SIGNATURE": mindbody_signature(body, key)} if key else {}
    headers.update(extra)
    return client.post("/webhooks/mindbody/", data=body, content_type="application/json", **headers)


def vagaro_post(
    client, integration, payload: Any, *, token: str | None = VG_TOKEN, body=None, **extra
):
    body = body if body is not None else json.dumps(payload).encode()
    headers = {"HTTP_X_VAGARO_SIGNATURE": token} if token is not None else {}
    headers.update(extra)
    return client.post(
        f"/webhooks/vagaro/{integration.pk}/", data=body, content_type="application/json", **headers
    )


def mindbody_event(name: str, **changes) -> dict:
    payload = load_fixture("mindbody", name)
    payload.update(changes)
    return payload


def vagaro_event(name: str, **changes) -> dict:
    payload = load_fixture("vagaro", name)
    payload.update(changes)
    return payload


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.MINDBODY_WEBHOOK_SIGNATURE_KEY = f"{MB_KEY},{MB_OLD_KEY}"
    settings.MINDBODY_API_KEY = "test-app-key"
    settings.VAGARO_WEBHOOK_ALLOWED_IPS = []


@pytest.fixture
def mindbody_integration(salon) -> Integration:
    integration = Integration(
        salon=salon,
        platform="mindbody",
        account={"site_id": "-99"},
        status=IntegrationStatus.CONNECTED,
    )
    integration.credentials = {
        "username": "mindbodysandboxsite@gmail.com",
        "password": "Apitest1234",
    }
    integration.save()
    return integration


@pytest.fixture
def vagaro_integration(salon) -> Integration:
    integration = Integration(
        salon=salon,
        platform="vagaro",
        account={"region": "us02", "business_id": "b7Yx3Zq9Wr=="},
        status=IntegrationStatus.CONNECTED,
    )
    integration.credentials = {
        "client_id": "cid",
        "client_secret": "csecret",
        "webhook_token": f"{VG_TOKEN} old-token-0",
    }
    integration.save()
    return integration
