"""VagaroAdapter against stubbed Vagaro answers shaped as documented (tests/fixtures/vagaro)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from integrations.adapters.base import AdapterConfig
from integrations.adapters.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    TransientError,
    UnsupportedOperation,
    ValidationError,
)
from integrations.adapters.types import (
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
    Token,
    WebhookAuth,
)
from integrations.adapters.vagaro import (
    PATHS,
    STATUS_MAP,
    VagaroAdapter,
    is_staff_time_off,
)
from tests.integrations.adapters.harness.vagaro import (
    BUSINESS_ID,
    Harness,
    appointment,
    envelope,
    fixture,
)

H = Harness()
SECRET = "vg-secret-key"
TOKEN = fixture("token")["data"]["access_token"]
NY = "America/New_York"


@pytest.fixture
def harness():
    return Harness()


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock


def fresh_token(value="cached-token", minutes=60):
    return Token(access_token=value, expires_at=datetime.now(UTC) + timedelta(minutes=minutes))


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def assert_no_secrets(exc: Exception) -> None:
    text = str(exc) + repr(exc.args)
    for secret in (SECRET, TOKEN, "cached-token", "dana.reyes@example.com"):
        assert secret not in text


# -- class, config, registry -------------------------------------------------------------------
def test_class_declaration():
    assert VagaroAdapter.platform == "vagaro"
    assert VagaroAdapter.display_name == "Vagaro"
    assert VagaroAdapter.base_url_setting == "VAGARO_API_URL"
    assert VagaroAdapter.default_base_url == "https://api.vagaro.com/us02"
    assert VagaroAdapter.capabilities.webhooks is WebhookAuth.URL_TOKEN
    assert VagaroAdapter.capabilities.can_cancel is True
    fields = {f.name: f for f in VagaroAdapter.credential_fields}
    assert fields["client_id"].label == "Client ID" and not fields["client_id"].secret
    assert fields["client_secret"].label == "Client secret key" and fields["client_secret"].secret
    assert fields["webhook_token"].secret and not fields["webhook_token"].required
    assert fields["webhook_token"].label == "Webhook verification token"
    accounts = {f.name: f for f in VagaroAdapter.account_fields}
    assert accounts["business_id"].label == "Business ID" and accounts["business_id"].required
    assert not accounts["business_group_id"].required


def test_registry_builds_vagaro():
    from integrations.adapters.registry import get_adapter_class

    assert get_adapter_class("vagaro") is VagaroAdapter


def test_missing_credentials_and_account_are_configuration_errors():
    with pytest.raises(ConfigurationError, match="Client secret key"):
        VagaroAdapter(
            AdapterConfig(
                base_url=H.base_url, credentials={"client_id": "x"}, account={"business_id": "b"}
            )
        )
    with pytest.raises(ConfigurationError, match="Business ID"):
        VagaroAdapter(H.config(account={}))


def test_status_map_covers_all_thirteen_documented_statuses():
    expected = {
        "Accepted": "confirmed",
        "Awaiting Confirmation": "requested",
        "Cancel": "cancelled",
        "Confirmed": "confirmed",
        "Deleted": "cancelled",
        "Denied": "cancelled",
        "Need Acceptance": "requested",
        "No Show": "no_show",
        "PersonalOff": "cancelled",
        "Ready to Start": "arrived",
        "Service Complete": "completed",
        "Service In Progress": "arrived",
        "Show": "completed",
    }
    assert {k: str(v) for k, v in STATUS_MAP.items()} == expected


@pytest.mark.parametrize("raw_status", sorted(STATUS_MAP))
def test_each_status_normalizes(raw_status):
    result = H.adapter().normalize(appointment(1, bookingStatus=raw_status), "appointment")
    assert result.status is STATUS_MAP[raw_status]
    assert result.raw["bookingStatus"] == raw_status
    assert is_staff_time_off(result) is (raw_status == "PersonalOff")


def test_unknown_status_is_booked_and_logged(caplog):
    with caplog.at_level(logging.WARNING):
        result = H.adapter().normalize(appointment(1, bookingStatus="Teleported"), "appointment")
    assert result.status is AppointmentStatus.BOOKED
    assert "Teleported" in caplog.text


# -- authentication ----------------------------------------------------------------------------
def test_token_is_fetched_once_and_sent_in_both_headers(rsps):
    saved = []
    adapter = H.adapter(on_token=saved.append)
    token_call = rsps.add(responses.POST, H.url("token"), json=fixture("token"))
    rsps.add(
        responses.GET, H.url("customer", customer_id="cust-1"), json=envelope(fixture("customer"))
    )
    adapter.get_customer("cust-1")
    adapter.get_customer("cust-1")
    assert token_call.call_count == 1
    sent = json.loads(rsps.calls[0].request.body)
    assert sent == {"clientId": "vg-client", "clientSecretKey": SECRET, "scope": "read write"}
    headers = rsps.calls[1].request.headers
    assert headers["accessToken"] == TOKEN
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert saved[0].access_token == TOKEN
    lifetime = saved[0].expires_at - datetime.now(UTC)
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("style", "present", "absent"),
    [("bearer", "Authorization", "accessToken"), ("access_token", "accessToken", "Authorization")],
)
def test_auth_header_style_is_configurable(rsps, style, present, absent):
    adapter = H.adapter(token=fresh_token(), options={"auth_header": style})
    rsps.add(
        responses.GET, H.url("customer", customer_id="cust-1"), json=envelope(fixture("customer"))
    )
    adapter.get_customer("cust-1")
    assert present in rsps.calls[0].request.headers
    assert absent not in rsps.calls[0].request.headers


def test_token_alternative_spellings_and_scope_option(rsps):
    saved = []
    adapter = H.adapter(on_token=saved.append, options={"scope": "appointments.read"})
    rsps.add(responses.POST, H.url("token"), json={"accessToken": "camel-token", "expiresIn": 600})
    adapter.authenticate()
    assert json.loads(rsps.calls[0].request.body)["scope"] == "appointments.read"
    assert saved[0].access_token == "camel-token"
    assert saved[0].expires_at - datetime.now(UTC) <= timedelta(seconds=600)


def test_token_without_lifetime_uses_configured_default(rsps):
    adapter = H.adapter(options={"token_lifetime": 7200})
    rsps.add(responses.POST, H.url("token"), json=envelope({"access_token": "no-expiry"}))
    token = adapter.authenticate()
    assert timedelta(minutes=119) < token.expires_at - datetime.now(UTC) <= timedelta(hours=2)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, "error_unauthorized"),
        (400, "error_slot_taken"),  # any 400 from the token endpoint: credentials refused
        (200, "error_unauthorized"),  # failure reported inside a 200 envelope
        (200, None),  # a 200 without any token
    ],
)
def test_token_refusals_are_authentication_errors(rsps, status, body):
    adapter = H.adapter()
    payload = fixture(body) if body else envelope({"message": "ok"})
    rsps.add(responses.POST, H.url("token"), json=payload, status=status)
    with pytest.raises(AuthenticationError) as info:
        adapter.get_customer("cust-1")
    assert_no_secrets(info.value)
    assert len(rsps.calls) == 1  # the customer GET was never sent


def test_token_near_expiry_is_refreshed_before_the_call(rsps):
    adapter = H.adapter(token=fresh_token("old-token", minutes=2))
    rsps.add(responses.POST, H.url("token"), json=fixture("token"))
    H.stub_probe(rsps)
    adapter.get_customer("cust-1")
    assert rsps.calls[0].request.url == H.url("token")
    assert rsps.calls[1].request.headers["accessToken"] == TOKEN


def test_valid_cached_token_is_reused(rsps):
    adapter = H.adapter(token=fresh_token("cached-token"))
    H.stub_probe(rsps)
    adapter.get_customer("cust-1")
    assert len(rsps.calls) == 1
    assert rsps.calls[0].request.headers["accessToken"] == "cached-token"


def test_expired_token_401_refreshes_once_and_succeeds(rsps):
    adapter = H.adapter(token=fresh_token("revoked"))
    H.stub_probe(rsps, status=401, body=fixture("error_unauthorized"))
    H.stub_auth(rsps)
    H.stub_probe(rsps)
    customer = adapter.get_customer("cust-1")
    assert customer.platform_id == "cust-1"
    assert [c.request.method for c in rsps.calls] == ["GET", "POST", "GET"]
    assert rsps.calls[0].request.headers["accessToken"] == "revoked"
    assert rsps.calls[2].request.headers["accessToken"] == TOKEN


def test_401_twice_raises_authentication_error(rsps):
    adapter = H.adapter(token=fresh_token())
    H.stub_probe(rsps, status=401, body=fixture("error_unauthorized"))
    H.stub_auth(rsps)
    H.stub_probe(rsps, status=401, body=fixture("error_unauthorized"))
    with pytest.raises(AuthenticationError) as info:
        adapter.get_customer("cust-1")
    assert info.value.status_code == 401
    assert info.value.platform_code == "1401"
    assert len(rsps.calls) == 3
    assert_no_secrets(info.value)


def test_401_inside_a_200_envelope_refreshes_then_succeeds(rsps):
    adapter = H.adapter(token=fresh_token())
    H.stub_probe(rsps, body=fixture("error_unauthorized"))
    H.stub_auth(rsps)
    H.stub_probe(rsps)
    assert adapter.get_customer("cust-1").first_name == "Dana"
    assert len(rsps.calls) == 3


# -- transport failures ------------------------------------------------------------------------
def test_429_with_retry_after_waits_then_succeeds(rsps, harness):
    adapter = harness.adapter(token=fresh_token())
    harness.stub_probe(
        rsps, status=429, body=fixture("error_rate_limited"), headers={"Retry-After": "3"}
    )
    harness.stub_probe(rsps)
    assert adapter.get_customer("cust-1").platform_id == "cust-1"
    assert harness.sleeps and harness.sleeps[0] >= 3


def test_429_with_long_retry_after_is_raised_for_the_caller(rsps, harness):
    adapter = harness.adapter(token=fresh_token())
    harness.stub_probe(
        rsps, status=429, body=fixture("error_rate_limited"), headers={"Retry-After": "120"}
    )
    with pytest.raises(RateLimitError) as info:
        adapter.get_customer("cust-1")
    assert info.value.retry_after == 120
    assert info.value.message == "Too many requests."
    assert harness.sleeps == []


def test_5xx_then_success(rsps, harness):
    adapter = harness.adapter(token=fresh_token())
    harness.stub_probe(rsps, status=503, body={"status": 503, "message": "Down"})
    harness.stub_probe(rsps, status=500, body="<html>oops</html>")
    harness.stub_probe(rsps)
    assert adapter.get_customer("cust-1").platform_id == "cust-1"
    assert len(rsps.calls) == 3
    assert [c.error_code for c in harness.calls] == ["transient", "transient", ""]
    assert {c.operation for c in harness.calls} == {"get_customer"}
    assert harness.calls[0].path == "/api/v2/customers/cust-1"


def test_timeout_then_success_and_persistent_timeout(rsps, harness):
    adapter = harness.adapter(token=fresh_token())
    harness.stub_probe(rsps, body=requests.ReadTimeout())
    harness.stub_probe(rsps)
    assert adapter.get_customer("cust-1").platform_id == "cust-1"
    rsps.reset()
    for _ in range(4):
        harness.stub_probe(rsps, body=requests.ReadTimeout())
    with pytest.raises(TransientError, match="did not answer in time"):
        adapter.get_customer("cust-1")


@pytest.mark.parametrize("body", ["<html><body>Maintenance</body></html>", "{not json"])
def test_html_or_malformed_json_is_a_normalized_error(rsps, harness, body):
    adapter = harness.adapter(token=fresh_token())
    harness.stub_probe(rsps, body=body)  # answers every attempt
    with pytest.raises(TransientError, match="not JSON") as info:
        adapter.get_customer("cust-1")
    assert "Maintenance" not in str(info.value)
    assert len(rsps.calls) == 4  # retried as a transient failure, then raised


def test_unreadable_shape_is_a_validation_error(rsps):
    adapter = H.adapter(token=fresh_token())
    H.stub_probe(rsps, body=envelope({"firstName": "no id"}))
    with pytest.raises(ValidationError, match="customer"):
        adapter.get_customer("cust-1")
    rsps.add(responses.GET, H.url("services"), json=envelope({"unexpected": True}))
    with pytest.raises(ValidationError, match="list"):
        list(adapter.iter_services())


# -- documented error bodies -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "name", "error", "code"),
    [
        (404, "error_not_found", NotFoundError, "1404"),
        (400, "error_slot_taken", ValidationError, "1400"),
        (401, "error_unauthorized", AuthenticationError, "1401"),
    ],
)
def test_error_bodies_map_to_normalized_errors(rsps, status, name, error, code):
    adapter = H.adapter(token=fresh_token(), on_token=lambda t: None)
    if status == 401:
        H.stub_auth(rsps)
    for _ in range(2 if status == 401 else 1):
        H.stub_probe(rsps, status=status, body=fixture(name))
    with pytest.raises(error) as info:
        adapter.get_customer("cust-1")
    assert info.value.platform_code == code
    assert info.value.message == fixture(name)["message"]
    assert info.value.status_code == status


def test_error_message_is_short_and_carries_no_body(rsps):
    adapter = H.adapter(token=fresh_token())
    body = {
        "status": 400,
        "responseCode": 7,
        "message": "x" * 500,
        "data": {"email": "dana.reyes@example.com"},
    }
    H.stub_probe(rsps, status=400, body=body)
    with pytest.raises(ValidationError) as info:
        adapter.get_customer("cust-1")
    assert len(info.value.message) == 160
    assert_no_secrets(info.value)


# -- reads -------------------------------------------------------------------------------------
def test_get_customer_encodes_the_id_and_normalizes(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(
        responses.GET,
        H.url("customer", customer_id="c9Hk2mN0pQ=="),
        json=envelope(fixture("customer")),
    )
    customer = adapter.get_customer("c9Hk2mN0pQ==")
    assert "/api/v2/customers/c9Hk2mN0pQ%3D%3D?" in rsps.calls[0].request.url
    assert query(rsps.calls[0]) == {"businessId": [BUSINESS_ID]}
    assert (customer.platform_id, customer.first_name, customer.last_name) == (
        "c9Hk2mN0pQ==",
        "Dana",
        "Reyes",
    )
    assert customer.email == "dana.reyes@example.com"
    assert customer.phone == "+1 212 555 0142"
    assert customer.active is True
    assert customer.raw["postalCode"] == "10013"


def test_get_customer_with_empty_data_is_not_found(rsps):
    adapter = H.adapter(token=fresh_token())
    H.stub_probe(rsps, body=envelope(None))
    with pytest.raises(NotFoundError):
        adapter.get_customer("cust-1")


def test_get_service_provider_and_appointment(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(
        responses.GET,
        H.url("service", service_id="kq3VdW2x0Qe1sA=="),
        json=envelope(fixture("service")),
    )
    rsps.add(
        responses.GET,
        H.url("employee", provider_id="p4Lm8sT1uV=="),
        json=envelope([fixture("provider")]),
    )
    rsps.add(
        responses.GET,
        H.url("appointment", appointment_id="2dwfErtmMAFxe6hoCnQStw=="),
        json=envelope(fixture("appointment")),
    )
    service = adapter.get_service("kq3VdW2x0Qe1sA==")
    assert (service.name, service.category, service.duration_minutes, service.price) == (
        "Balayage",
        "Color",
        60,
        Decimal("180.0"),
    )
    provider = adapter.get_provider("p4Lm8sT1uV==")
    assert (provider.platform_id, provider.name) == ("p4Lm8sT1uV==", "Maya Lindqvist")
    appt = adapter.get_appointment("2dwfErtmMAFxe6hoCnQStw==")
    assert appt.platform_id == "2dwfErtmMAFxe6hoCnQStw=="
    assert appt.status is AppointmentStatus.CONFIRMED
    assert appt.start == datetime(2026, 11, 24, 15, tzinfo=UTC)
    assert appt.start.utcoffset() == timedelta(0)
    assert (appt.customer_id, appt.service_id, appt.provider_id, appt.location_id) == (
        "c9Hk2mN0pQ==",
        "kq3VdW2x0Qe1sA==",
        "p4Lm8sT1uV==",
        "b7Yx3Zq9Wr==",
    )
    assert (appt.service_name, appt.price) == ("Balayage", Decimal("180.0"))
    assert "2dwfErtmMAFxe6hoCnQStw%3D%3D" in rsps.calls[2].request.url


def test_iter_appointments_pages_through_three_pages(rsps, harness):
    adapter = harness.adapter(token=fresh_token())
    start, end, total = harness.stub_appointment_pages(rsps)
    result = list(adapter.iter_appointments(date.fromisoformat(start), date.fromisoformat(end)))
    assert len(result) == total == 5
    assert [a.platform_id for a in result] == [f"ap{n}/Xw+Q==" for n in range(5)]
    assert [query(c)["pageNumber"] for c in rsps.calls] == [["1"], ["2"], ["3"]]
    assert all(a.start.tzinfo is not None for a in result)


def test_iter_appointments_splits_long_ranges(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.GET, H.url("appointments"), json=envelope([]))
    rsps.add(responses.GET, H.url("appointments"), json=envelope([appointment(1)]))
    result = list(adapter.iter_appointments(date(2026, 1, 1), date(2026, 2, 15)))
    assert len(result) == 1
    windows = [(query(c)["startDate"][0], query(c)["endDate"][0]) for c in rsps.calls]
    assert windows == [("2026-01-01", "2026-01-31"), ("2026-02-01", "2026-02-15")]


def test_paging_honours_total_pages_and_stops_on_repeated_pages(rsps):
    adapter = H.adapter(token=fresh_token())
    page = [fixture("service"), {**fixture("service"), "serviceId": "s2"}]
    rsps.add(responses.GET, H.url("services"), json=envelope(page, totalPages=1))
    assert len(list(adapter.iter_services())) == 2
    assert len(rsps.calls) == 1
    rsps.reset()
    rsps.add(responses.GET, H.url("services"), json={"data": {"items": page}})  # ignores paging
    assert len(list(adapter.iter_services())) == 2
    assert len(rsps.calls) == 2


def test_get_customer_appointments_sends_filters_and_pages(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.GET, H.url("appointments"), json=envelope([appointment(1), appointment(2)]))
    rsps.add(responses.GET, H.url("appointments"), json=envelope([appointment(3)]))
    filters = AppointmentFilters(start_date=date(2026, 1, 1), end_date=date(2026, 6, 30))
    result = adapter.get_customer_appointments("c9Hk2mN0pQ==", filters)
    assert [a.platform_id for a in result] == ["ap1/Xw+Q==", "ap2/Xw+Q==", "ap3/Xw+Q=="]
    assert query(rsps.calls[0]) == {
        "businessId": [BUSINESS_ID],
        "customerId": ["c9Hk2mN0pQ=="],
        "startDate": ["2026-01-01"],
        "endDate": ["2026-06-30"],
        "pageNumber": ["1"],
        "pageSize": ["2"],
    }
    assert query(rsps.calls[1])["pageNumber"] == ["2"]


def test_iter_customers_filters_by_change_time_and_business(rsps):
    adapter = H.adapter(token=fresh_token())
    old = {**fixture("customer"), "customerId": "old", "modifiedDate": "2026-01-01T10:00:00Z"}
    new = {
        **fixture("customer"),
        "customerId": "new",
        "modifiedDate": "2026-03-01T10:00:00Z",
        "businessIds": ["elsewhere=="],
    }
    undated = {**fixture("customer"), "customerId": "undated"}
    rsps.add(responses.GET, H.url("customers"), json=envelope([old, new]))
    rsps.add(responses.GET, H.url("customers"), json=envelope([undated]))
    since = datetime(2026, 2, 1, tzinfo=UTC)
    result = {c.platform_id: c for c in adapter.iter_customers(changed_since=since)}
    assert set(result) == {"new", "undated"}
    assert result["new"].active is False  # removed from our business
    assert result["new"].updated_at == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_iter_services_providers_and_locations(rsps):
    adapter = H.adapter(
        token=fresh_token(),
        account={"business_id": BUSINESS_ID, "business_group_id": "g2Pq7Rs4Tu=="},
    )
    rsps.add(responses.GET, H.url("services"), json=envelope([fixture("service")]))
    rsps.add(responses.GET, H.url("employees"), json=envelope([fixture("provider")]))
    other = {**fixture("location"), "businessId": "b2==", "timeZone": "Eastern Standard Time"}
    rsps.add(responses.GET, H.url("locations"), json=envelope([fixture("location"), other]))
    assert [s.platform_id for s in adapter.iter_services()] == ["kq3VdW2x0Qe1sA=="]
    assert [p.name for p in adapter.iter_providers()] == ["Maya Lindqvist"]
    locations = list(adapter.iter_locations())
    assert [(loc.platform_id, loc.name, loc.timezone) for loc in locations] == [
        ("b7Yx3Zq9Wr==", "Studio Nine SoHo", NY),
        ("b2==", "Studio Nine SoHo", ""),
    ]
    assert query(rsps.calls[2])["businessGroupId"] == ["g2Pq7Rs4Tu=="]
    assert query(rsps.calls[0])["businessId"] == [BUSINESS_ID]


def test_get_availability_sends_filters_and_returns_aware_slots(rsps):
    adapter = H.adapter(token=fresh_token())
    local = {
        **fixture("slot"),
        "startTime": "2026-03-09T10:00:00",
        "endTime": "2026-03-09T11:00:00",
    }
    rsps.add(responses.GET, H.url("availability"), json=envelope([fixture("slot"), local]))
    filters = AvailabilityFilters(service_ids=("s1", "s2"), provider_ids=("p1",))
    slots = adapter.get_availability(date(2026, 3, 9), date(2026, 3, 10), filters)
    assert query(rsps.calls[0]) == {
        "businessId": [BUSINESS_ID],
        "startDate": ["2026-03-09"],
        "endDate": ["2026-03-10"],
        "serviceId": ["s1", "s2"],
        "serviceProviderId": ["p1"],
    }
    assert slots[0].start == datetime(2026, 3, 9, 14, tzinfo=UTC)
    assert slots[0].provider_id == "p4Lm8sT1uV=="
    assert slots[1].start.utcoffset() == timedelta(hours=-4)  # EDT, the day after spring forward
    assert slots[1].start.astimezone(UTC) == datetime(2026, 3, 9, 14, tzinfo=UTC)


# -- time zones --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "offset_hours", "utc"),
    [
        ("2026-03-08T01:30:00", -5, datetime(2026, 3, 8, 6, 30, tzinfo=UTC)),  # before the jump
        ("2026-03-08T03:30:00", -4, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # after it
        ("2026-03-08T07:30:00Z", 0, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # Vagaro's UTC
        ("2026-11-01T00:30:00", -4, datetime(2026, 11, 1, 4, 30, tzinfo=UTC)),
        ("2026-11-01T01:30:00", -4, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # first 01:30
        ("2026-11-01T01:30:00-05:00", -5, datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
        ("2026-11-01T02:30:00", -5, datetime(2026, 11, 1, 7, 30, tzinfo=UTC)),
    ],
)
def test_local_times_on_dst_change_days(start, offset_hours, utc):
    adapter = H.adapter(timezone=NY)
    appt = adapter.normalize(appointment(1, startTime=start, endTime=start), "appointment")
    assert appt.start.utcoffset() == timedelta(hours=offset_hours)
    assert appt.start.astimezone(UTC) == utc


def test_dst_day_duration_is_real_elapsed_time():
    adapter = H.adapter(timezone=NY)
    appt = adapter.normalize(
        appointment(1, startTime="2026-03-08T01:30:00", endTime="2026-03-08T03:30:00"),
        "appointment",
    )
    assert appt.end.astimezone(UTC) - appt.start.astimezone(UTC) == timedelta(hours=1)


# -- writes ------------------------------------------------------------------------------------
def test_book_appointment_posts_utc_start_once(rsps):
    adapter = H.adapter(token=fresh_token())
    created = appointment(
        9,
        bookingStatus="Accepted",
        startTime="2026-03-09T14:00:00Z",
        endTime="2026-03-09T15:00:00Z",
    )
    rsps.add(responses.POST, H.url("appointments"), json=envelope(created))
    request = BookingRequest(
        customer_id="c1",
        service_id="s1",
        provider_id="p1",
        start=datetime(2026, 3, 9, 10, 0),
        notes="Toner too",
    )
    appt = adapter.book_appointment(request)
    assert json.loads(rsps.calls[0].request.body) == {
        "businessId": BUSINESS_ID,
        "customerId": "c1",
        "serviceId": "s1",
        "serviceProviderId": "p1",
        "startTime": "2026-03-09T14:00:00Z",
        "notes": "Toner too",
    }
    assert appt.platform_id == "ap9/Xw+Q==" and appt.status is AppointmentStatus.CONFIRMED


def test_book_appointment_reads_back_when_only_an_id_is_returned(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, H.url("appointments"), json=envelope({"appointmentId": "new/id=="}))
    rsps.add(
        responses.GET,
        H.url("appointment", appointment_id="new/id=="),
        json=envelope(appointment(7, appointmentId="new/id==")),
    )
    appt = adapter.book_appointment(
        BookingRequest("c1", "s1", "p1", datetime(2026, 3, 9, 14, tzinfo=UTC))
    )
    assert appt.platform_id == "new/id=="
    assert "/appointments/new%2Fid%3D%3D" in rsps.calls[1].request.url


def test_booking_refused_is_validation_error_and_not_retried(rsps, harness):
    adapter = harness.adapter(token=fresh_token())
    request = harness.stub_booking_refused(rsps)
    with pytest.raises(ValidationError) as info:
        adapter.book_appointment(request)
    assert info.value.message == "The selected time is no longer available."
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("failure", [{"status": 502}, {"body": requests.ReadTimeout()}])
def test_booking_is_never_blindly_retried(rsps, harness, failure):
    adapter = harness.adapter(token=fresh_token())
    rsps.add(responses.POST, harness.url("appointments"), **failure)
    request = BookingRequest("c1", "s1", "p1", datetime(2026, 3, 9, 14, tzinfo=UTC))
    with pytest.raises(TransientError):
        adapter.book_appointment(request)
    assert len(rsps.calls) == 1


def test_cancel_appointment(rsps):
    adapter = H.adapter(token=fresh_token())
    cancelled = appointment(1, appointmentId="2dwfErtmMAFxe6hoCnQStw==", bookingStatus="Cancel")
    rsps.add(
        responses.POST,
        H.url("cancel", appointment_id="2dwfErtmMAFxe6hoCnQStw=="),
        json=envelope(cancelled),
        match=[
            matchers.json_params_matcher(
                {"businessId": BUSINESS_ID, "appointmentId": "2dwfErtmMAFxe6hoCnQStw=="}
            )
        ],
    )
    appt = adapter.cancel_appointment("2dwfErtmMAFxe6hoCnQStw==")
    assert appt.status is AppointmentStatus.CANCELLED
    assert "/appointments/2dwfErtmMAFxe6hoCnQStw%3D%3D/cancel" in rsps.calls[0].request.url


def test_cancel_without_appointment_in_answer_reads_it_back(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, H.url("cancel", appointment_id="a=="), json=envelope(None))
    rsps.add(
        responses.GET,
        H.url("appointment", appointment_id="a=="),
        json=envelope(appointment(1, appointmentId="a==", bookingStatus="Cancel")),
    )
    assert adapter.cancel_appointment("a==").status is AppointmentStatus.CANCELLED


# -- connection --------------------------------------------------------------------------------
def test_test_connection_ok(rsps):
    adapter = H.adapter()
    H.stub_auth(rsps)
    rsps.add(
        responses.GET,
        H.url("business", business_id=BUSINESS_ID),
        json=envelope(fixture("location")),
    )
    result = adapter.test_connection()
    assert (result.ok, result.account_name, result.timezone) == (True, "Studio Nine SoHo", NY)


def test_test_connection_unknown_business_and_bad_credentials(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(
        responses.GET,
        H.url("business", business_id=BUSINESS_ID),
        json=fixture("error_not_found"),
        status=404,
    )
    assert adapter.test_connection().ok is False
    rsps.reset()
    rsps.add(responses.POST, H.url("token"), json=fixture("error_unauthorized"), status=401)
    with pytest.raises(AuthenticationError):
        H.adapter().test_connection()


# -- normalize ---------------------------------------------------------------------------------
def test_normalize_rejects_malformed_and_unknown_kinds():
    adapter = H.adapter()
    with pytest.raises(ValidationError, match="appointment"):
        adapter.normalize(
            {"appointmentId": "x", "startTime": "not a time", "endTime": "x"}, "appointment"
        )
    with pytest.raises(ValidationError):
        adapter.normalize({"serviceTitle": "no id"}, "service")
    with pytest.raises(UnsupportedOperation):
        adapter.normalize({}, "invoice")


def test_iter_changed_appointments_is_unsupported():
    with pytest.raises(UnsupportedOperation):
        list(H.adapter().iter_changed_appointments(datetime(2026, 1, 1, tzinfo=UTC)))


def test_paths_are_relative_and_in_one_place():
    assert all(not path.startswith("/") for path in PATHS.values())
    assert PATHS["token"] == "api/v2/merchants/generate-access-token"
