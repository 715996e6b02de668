"""The contract every registered platform adapter keeps, run over the registry.

Each platform's harness (harness/<platform>.py) stubs its documented HTTP API; the behaviour
asserted here is the same for all of them.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest
import requests
import responses
from django.conf import settings

from integrations.adapters import errors
from integrations.adapters.base import PlatformAdapter
from integrations.adapters.http import HttpFailure
from integrations.adapters.registry import PLATFORMS, get_adapter_class
from integrations.adapters.types import (
    Appointment,
    AppointmentStatus,
    Capabilities,
    Customer,
    WebhookAuth,
)

from .harness import BaseHarness, harness_for

pytestmark = pytest.mark.parametrize("platform", sorted(PLATFORMS))


def mock():
    return responses.RequestsMock(assert_all_requests_are_fired=False)


def test_declares_what_the_product_needs(platform):
    cls = get_adapter_class(platform)
    assert issubclass(cls, PlatformAdapter)
    assert cls.platform == platform
    assert cls.display_name
    assert isinstance(cls.capabilities, Capabilities)
    assert isinstance(cls.capabilities.webhooks, WebhookAuth)
    assert hasattr(settings, cls.base_url_setting), "host must be a setting"
    assert cls.default_base_url.startswith("https://")
    assert any(f.secret for f in cls.credential_fields), "some credential must be secret"
    assert not getattr(cls, "__abstractmethods__", None)


def test_status_map_is_explicit_and_normalized(platform):
    cls = get_adapter_class(platform)
    assert len(cls.status_map) >= 4
    assert all(isinstance(v, AppointmentStatus) for v in cls.status_map.values())


def test_unknown_status_maps_to_safe_default_and_logs(platform, caplog):
    adapter = harness_for(platform).adapter()
    with caplog.at_level(logging.WARNING):
        status = adapter.map_status("Definitely Not A Status")
    assert status == adapter.default_status
    assert "Definitely Not A Status" in caplog.text


def test_missing_credentials_is_a_configuration_error(platform):
    harness = harness_for(platform)
    with pytest.raises(errors.ConfigurationError):
        get_adapter_class(platform)(harness.config(credentials={}))


@pytest.mark.parametrize("kind", ["appointment", "customer", "service", "provider", "location"])
@pytest.mark.parametrize("data", [{}, {"Id": [1, 2]}, {"id": {"deep": None}}, {"x": 1.5}])
def test_normalize_garbage_gives_normalized_error_or_object(platform, kind, data):
    adapter = harness_for(platform).adapter()
    try:
        result = adapter.normalize(data, kind)
    except errors.IntegrationError:
        return
    assert type(result).__name__.lower() == kind


@pytest.mark.parametrize(
    "status, expected",
    [
        (400, errors.ValidationError),
        (401, errors.AuthenticationError),
        (404, errors.NotFoundError),
        (429, errors.RateLimitError),
        (500, errors.TransientError),
        (502, errors.TransientError),
        (503, errors.TransientError),
    ],
)
def test_status_codes_map_to_normalized_errors(platform, status, expected):
    adapter = harness_for(platform).adapter()
    error = adapter.handle_error(HttpFailure(status=status, headers={"Retry-After": "3"}))
    assert isinstance(error, expected)
    assert error.platform == platform
    if expected is errors.RateLimitError:
        assert error.retry_after == 3


def test_probe_reads_a_customer(platform):
    harness = harness_for(platform)
    adapter = harness.adapter()
    with mock() as rsps:
        harness.stub_auth(rsps)
        harness.stub_probe(rsps)
        customer = harness.probe(adapter)
    assert isinstance(customer, Customer)
    assert customer.platform_id
    assert harness.calls and all(
        c.path.startswith("/") and "?" not in c.path for c in harness.calls
    )


def test_5xx_then_success_is_retried(platform):
    harness = harness_for(platform)
    adapter = harness.adapter()
    with mock() as rsps:
        harness.stub_auth(rsps)
        harness.stub_probe(rsps, status=503, body={})
        harness.stub_probe(rsps)
        assert isinstance(harness.probe(adapter), Customer)
    assert len(harness.sleeps) == 1
    assert [c.status for c in harness.calls if c.operation != "issue_token"][-2:] == [503, 200]


def test_429_retry_after_is_honoured(platform):
    harness = harness_for(platform)
    adapter = harness.adapter()
    with mock() as rsps:
        harness.stub_auth(rsps)
        harness.stub_probe(rsps, status=429, body={}, headers={"Retry-After": "7"})
        harness.stub_probe(rsps)
        assert isinstance(harness.probe(adapter), Customer)
    assert len(harness.sleeps) == 1 and harness.sleeps[0] >= 7


def test_persistent_5xx_is_bounded_and_transient(platform):
    harness = harness_for(platform)
    adapter = harness.adapter()
    with mock() as rsps:
        harness.stub_auth(rsps)
        for _ in range(10):
            harness.stub_probe(rsps, status=500, body={})
        with pytest.raises(errors.TransientError):
            harness.probe(adapter)
    probe_calls = [c for c in harness.calls if c.status == 500]
    assert len(probe_calls) == 4  # RetryPolicy(max_attempts=4) from the harness


def test_401_twice_is_authentication_error(platform):
    harness = harness_for(platform)
    adapter = harness.adapter()
    with mock() as rsps:
        for _ in range(3):
            harness.stub_auth(rsps)
        harness.stub_probe(rsps, status=401, body=harness.unauthorized_body())
        harness.stub_probe(rsps, status=401, body=harness.unauthorized_body())
        harness.stub_probe(rsps)  # must never be reached
        with pytest.raises(errors.AuthenticationError) as caught:
            harness.probe(adapter)
    secrets = [v for v in harness.config().credentials.values() if v]
    assert not any(s in str(caught.value) for s in secrets)


@pytest.mark.parametrize("body", ["<html><body>Bad gateway</body></html>", "{not json"])
def test_unreadable_answer_is_transient(platform, body):
    harness = harness_for(platform)
    adapter = harness.adapter()
    with mock() as rsps:
        harness.stub_auth(rsps)
        for _ in range(4):
            harness.stub_probe(rsps, status=200, body=body)
        with pytest.raises(errors.TransientError):
            harness.probe(adapter)


@pytest.mark.parametrize(
    "exc", [requests.ReadTimeout("slow"), requests.ConnectionError("refused")], ids=type
)
def test_timeouts_and_connection_errors_are_transient(platform, exc):
    harness = harness_for(platform)
    adapter = harness.adapter()
    with mock() as rsps:
        harness.stub_auth(rsps)
        for _ in range(4):
            harness.stub_probe(rsps, body=exc)
        with pytest.raises(errors.TransientError):
            harness.probe(adapter)
    assert len(harness.sleeps) == 3


def test_paging_reads_every_page(platform):
    harness = harness_for(platform)
    adapter = harness.adapter()
    with mock() as rsps:
        harness.stub_auth(rsps)
        start, end, total = harness.stub_appointment_pages(rsps)
        appointments = list(
            harness.list_appointments(adapter, date.fromisoformat(start), date.fromisoformat(end))
        )
    assert len(appointments) == total >= 3
    assert len({a.platform_id for a in appointments}) == total
    assert all(isinstance(a, Appointment) and a.start.tzinfo is not None for a in appointments)
    assert all(a.end >= a.start for a in appointments)


def test_listing_by_date_follows_capabilities(platform):
    """A platform without a list by date says so in its capabilities and refuses the call with
    UnsupportedOperation before any request; the others list a range."""
    harness = harness_for(platform)
    adapter = harness.adapter()
    if adapter.capabilities.appointments_by_date:
        assert harness.list_appointments.__func__ is BaseHarness.list_appointments
        return
    with mock() as rsps:
        with pytest.raises(errors.UnsupportedOperation):
            list(adapter.iter_appointments(date(2026, 3, 2), date(2026, 3, 6)))
        assert not rsps.calls


def test_connection_capabilities_only_narrow_the_class(platform):
    """Per-connection capabilities are the class's unless the adapter learnt less of the account
    (e.g. Vagaro without write access): never more than the platform can do."""
    adapter = harness_for(platform).adapter()
    capabilities = adapter.connection_capabilities()
    assert isinstance(capabilities, Capabilities)
    if type(adapter).capabilities_for.__func__ is PlatformAdapter.capabilities_for.__func__:
        assert capabilities == adapter.capabilities
    assert capabilities.webhooks == adapter.capabilities.webhooks
    assert capabilities.can_book <= adapter.capabilities.can_book
    assert capabilities.can_cancel <= adapter.capabilities.can_cancel


def test_refused_booking_is_validation_error_and_never_blindly_retried(platform):
    harness = harness_for(platform)
    adapter = harness.adapter()
    with mock() as rsps:
        harness.stub_auth(rsps)
        request = harness.stub_booking_refused(rsps)
        with pytest.raises(errors.ValidationError):
            adapter.book_appointment(request)
        booking_call = rsps.calls[-1].request
    # The same booking answered by a 503 (the platform may have booked it): one attempt only.
    with mock() as rsps:
        harness.stub_auth(rsps)
        for _ in range(3):
            rsps.add(booking_call.method, booking_call.url.split("?")[0], status=503, json={})
        with pytest.raises(errors.TransientError):
            adapter.book_appointment(request)
        booking_calls = [
            c
            for c in rsps.calls
            if c.request.method == booking_call.method
            and c.request.url.split("?")[0] == booking_call.url.split("?")[0]
        ]
    assert len(booking_calls) == 1
