"""BookingService: ApiCall records, token persistence, errors turned into integration state."""

from datetime import UTC, datetime, timedelta

import pytest
import responses
from django.core import mail

from integrations.adapters.errors import AuthenticationError, TransientError
from integrations.booking import BookingService, adapter_config_for
from integrations.models import ApiCall, IntegrationStatus
from tests.factories import make_member
from tests.services.phorest_stubs import (
    BASE,
    BUSINESS,
    SECRET,
    make_integration,
    stub_branches,
    stub_unauthorized,
    use_phorest_stub_host,
)


@pytest.fixture(autouse=True)
def _stub_host(settings):
    use_phorest_stub_host(settings)


@pytest.fixture
def integration(salon, owner):
    owner.email = "olivia@alpha.example"
    owner.save()
    return make_integration(salon)


def test_calls_are_recorded_without_secrets(integration):
    with responses.RequestsMock() as rsps:
        stub_branches(rsps)
        result = BookingService(integration).test_connection()
    assert result.ok
    (call,) = ApiCall.objects.filter(integration=integration)
    assert (call.operation, call.method, call.status, call.error_code) == (
        "list_branches",
        "GET",
        200,
        "",
    ) or (call.method, call.status, call.error_code) == ("GET", 200, "")
    assert call.path == f"/{BUSINESS}/branch"
    assert SECRET not in str(call.__dict__)
    assert call.duration_ms >= 0


def test_authentication_failure_needs_reauth_and_alerts_once(integration, salon):
    make_member(salon, "vera", "viewer")
    for _ in range(2):
        with responses.RequestsMock() as rsps:
            stub_unauthorized(rsps)
            with pytest.raises(AuthenticationError):
                BookingService(integration).test_connection()
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.NEEDS_REAUTH
    assert "Phorest" in integration.last_error or "phorest" in integration.last_error
    owner_mails = [m for m in mail.outbox if "olivia@alpha.example" in m.to]
    assert len(owner_mails) == 1
    assert "Reconnect Phorest" in owner_mails[0].subject
    assert SECRET not in owner_mails[0].body
    assert (
        ApiCall.objects.filter(integration=integration, error_code="authentication_failed").count()
        == 2
    )


def test_repeated_transient_failures_mark_error_and_success_recovers(integration):
    for n in range(3):
        with responses.RequestsMock() as rsps:
            for _ in range(4):
                rsps.get(f"{BASE}/{BUSINESS}/branch", status=503, json={})
            service = BookingService(integration)
            service.adapter.http.sleep = lambda seconds: None
            with pytest.raises(TransientError):
                service.test_connection()
        integration.refresh_from_db()
        expected = IntegrationStatus.ERROR if n == 2 else IntegrationStatus.CONNECTED
        assert integration.status == expected
    assert integration.consecutive_failures == 3
    with responses.RequestsMock() as rsps:
        stub_branches(rsps)
        BookingService(integration).test_connection()
    integration.refresh_from_db()
    assert (integration.status, integration.consecutive_failures) == ("connected", 0)


def test_token_refreshed_by_adapter_is_persisted_encrypted(integration):
    service = BookingService(integration)
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    from integrations.adapters.types import Token

    service._save_token(Token("tok-123-secret", expires))
    integration.refresh_from_db()
    assert integration.access_token == "tok-123-secret"
    assert integration.token_expires_at == expires
    config = adapter_config_for(integration)
    assert config.token.access_token == "tok-123-secret"
    assert config.timezone == "America/New_York"


def test_mindbody_gets_the_app_api_key_from_settings(salon, settings):
    from integrations.models import Integration

    settings.MINDBODY_API_KEY = "app-key-1"
    integration = Integration(salon=salon, platform="mindbody", account={"site_id": "-99"})
    integration.credentials = {"username": "u", "password": "p"}
    assert adapter_config_for(integration).options["api_key"] == "app-key-1"
    assert BookingService(integration).adapter.api_key == "app-key-1"


def test_expiry_is_kept_aware(integration):
    integration.token_expires_at = datetime.now(UTC) + timedelta(hours=1)
    integration.save()
    integration.refresh_from_db()
    assert integration.token_expires_at.tzinfo is not None
