"""VagaroAdapter against stubbed answers shaped as docs/platforms/vagaro.md §2 describes the live
v2 API (tests/fixtures/vagaro, whose README names each file's source)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from responses import matchers

from integrations.adapters.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    TransientError,
    UnsupportedOperation,
    ValidationError,
    WriteAccessDenied,
)
from integrations.adapters.types import (
    ENDED_STATUSES,
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
    Token,
    WebhookAuth,
)
from integrations.adapters.vagaro import (
    AVAILABILITY_MAX_DATES,
    KNOWN_REGIONS,
    READ_SCOPE,
    STATUS_MAP,
    WRITE_SCOPE,
    VagaroAdapter,
    is_staff_time_off,
)
from tests.integrations.adapters.harness.vagaro import (
    BUSINESS_ID,
    CUSTOMER_ID,
    REGION,
    ROOT,
    Harness,
    appointment,
    envelope,
    fixture,
    records,
    url,
)
from webhooks.platforms.vagaro import VagaroWebhooks

H = Harness()
SECRET = "vg-secret-key"
NY = ZoneInfo("America/New_York")
APPOINTMENT_ID = records("appointments")[0]["appointmentId"]


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock


def fresh_token(value="cached-token", minutes=60):
    return Token(access_token=value, expires_at=datetime.now(UTC) + timedelta(minutes=minutes))


def body_of(call) -> object:
    return json.loads(call.request.body)


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def token_answer(value: str, expires_in: int = 3600) -> dict:
    return envelope({"access_token": value, "expires_in": expires_in})


def stub_token(
    rsps, scope: str, value: str, region: str = REGION, **kwargs
) -> responses.BaseResponse:
    """The token endpoint for one scope (docs/platforms/vagaro.md §2.2)."""
    sent = {"clientId": "vg-client", "clientSecretKey": SECRET, "scope": scope}
    if "body" not in kwargs:
        kwargs.setdefault("json", token_answer(value))
    return rsps.add(
        responses.POST,
        url("token", region=region),
        match=[matchers.json_params_matcher(sent)],
        **kwargs,
    )


def assert_no_secrets(exc: Exception) -> None:
    text = str(exc) + repr(exc.args)
    for secret in (SECRET, "read-tok", "write-tok", "cached-token", "dana.reyes@example.com"):
        assert secret not in text


# -- class, config, region ---------------------------------------------------------------------
def test_class_declaration():
    assert VagaroAdapter.platform == "vagaro"
    assert VagaroAdapter.base_url_setting == "VAGARO_API_URL"
    assert VagaroAdapter.default_base_url == "https://api.vagaro.com"  # the root, no region
    capabilities = VagaroAdapter.capabilities
    assert capabilities.webhooks is WebhookAuth.URL_TOKEN
    assert capabilities.appointments_by_date is False
    assert capabilities.max_range_days == AVAILABILITY_MAX_DATES
    fields = {f.name: f for f in VagaroAdapter.credential_fields}
    assert fields["client_secret"].secret and not fields["client_id"].secret
    assert fields["webhook_token"].secret and not fields["webhook_token"].required
    names = [f.name for f in VagaroAdapter.account_fields]
    assert names == ["region", "business_id", "business_group_id"]


def test_region_field_and_connect_guide():
    region = VagaroAdapter.account_fields[0]
    assert region.label == "Region" and region.required
    for good in ("us02", "US05", "eu01"):
        assert re.match(region.pattern, good)
    for bad in ("us2", "us-02", "us02/../x", "", "https://us02.vagaro.com"):
        assert not re.match(region.pattern, bad)
    assert "us02" in region.pattern_message
    assert "us02.vagaro.com" in VagaroAdapter.connect_guide.fields["region"]
    assert any("address" in step for step in VagaroAdapter.connect_guide.steps)


@pytest.mark.parametrize("region", ["us02", "US03", " us04 "])
def test_calls_go_to_root_region_api_v2(rsps, region):
    adapter = H.adapter(account={"region": region, "business_id": BUSINESS_ID})
    expected = region.strip().lower()
    assert adapter.http.base_url == f"{ROOT}/{expected}/api/v2"
    stub_token(rsps, READ_SCOPE, "read-tok", region=expected)
    adapter.authenticate()
    assert rsps.calls[0].request.url == f"{ROOT}/{expected}/api/v2/merchants/generate-access-token"


@pytest.mark.parametrize("region", ["us2", "../us02", "us02/x"])
def test_malformed_region_is_a_configuration_error(region):
    with pytest.raises(ConfigurationError, match="us02"):
        H.adapter(account={"region": region, "business_id": BUSINESS_ID})


def test_missing_fields_are_configuration_errors():
    with pytest.raises(ConfigurationError, match="Region"):
        H.adapter(account={"business_id": BUSINESS_ID})
    with pytest.raises(ConfigurationError, match="Business ID"):
        H.adapter(account={"region": REGION})
    with pytest.raises(ConfigurationError, match="Client secret key"):
        H.adapter(credentials={"client_id": "x"})
    with pytest.raises(ConfigurationError, match="read_times"):
        H.adapter(options={"read_times": "eastern"})


@pytest.mark.parametrize(
    ("options", "allowed"),
    [
        ({"write_access": True}, True),
        ({"write_access": False}, False),
        ({}, False),
        ({"write_access": None}, False),
        ({"write_access": "true"}, False),
    ],
)
def test_connection_capabilities_follow_write_access(options, allowed):
    capabilities = H.adapter(options=options).connection_capabilities()
    assert capabilities.can_book is allowed and capabilities.can_cancel is allowed
    assert capabilities.appointments_by_date is False
    assert VagaroAdapter.capabilities.can_book is True  # the class is untouched


# -- statuses ----------------------------------------------------------------------------------
def test_status_map_holds_both_vocabularies():
    webhook = {
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
    read = {
        "Pending": "requested",
        "Checked In": "arrived",
        "In Progress": "arrived",
        "Completed": "completed",
        "Cancelled": "cancelled",
    }
    assert {k: str(v) for k, v in STATUS_MAP.items()} == webhook | read


@pytest.mark.parametrize("raw_status", sorted(STATUS_MAP))
def test_each_status_normalizes(raw_status):
    result = H.adapter().normalize(appointment(1, bookingStatus=raw_status), "appointment")
    assert result.status is STATUS_MAP[raw_status]
    assert result.raw["bookingStatus"] == raw_status
    assert is_staff_time_off(result) is (raw_status == "PersonalOff")


def test_unknown_status_holds_the_time_but_is_neither_booked_nor_ended(caplog):
    with caplog.at_level(logging.WARNING):
        result = H.adapter().normalize(appointment(1, bookingStatus="Teleported"), "appointment")
    assert result.status is AppointmentStatus.REQUESTED
    assert result.status.is_active and result.status not in ENDED_STATUSES
    assert "Teleported" in caplog.text


def test_read_status_under_another_key_is_understood():
    record = appointment(1, appointmentStatus="Cancelled")
    del record["bookingStatus"]
    assert H.adapter().normalize(record, "appointment").status is AppointmentStatus.CANCELLED


# -- tokens ------------------------------------------------------------------------------------
def test_read_token_is_issued_once_with_read_scope_and_sent_as_access_token(rsps):
    saved = []
    adapter = H.adapter(on_token=saved.append)
    token_call = stub_token(rsps, READ_SCOPE, "read-tok")
    rsps.add(responses.POST, url("customers"), json=fixture("customers"))
    adapter.get_customer(CUSTOMER_ID)
    adapter.get_customer(CUSTOMER_ID)
    assert token_call.call_count == 1
    headers = rsps.calls[1].request.headers
    assert headers["accessToken"] == "read-tok"
    assert "Authorization" not in headers
    assert [t.access_token for t in saved] == ["read-tok"]
    lifetime = saved[0].expires_at - datetime.now(UTC)
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)


def test_token_near_expiry_is_issued_again_before_the_call(rsps):
    adapter = H.adapter(token=fresh_token(minutes=2))
    stub_token(rsps, READ_SCOPE, "read-tok")
    rsps.add(responses.POST, url("customers"), json=fixture("customers"))
    adapter.get_customer(CUSTOMER_ID)
    assert rsps.calls[1].request.headers["accessToken"] == "read-tok"


def test_valid_cached_token_is_reused(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("customers"), json=fixture("customers"))
    adapter.get_customer(CUSTOMER_ID)
    assert len(rsps.calls) == 1
    assert rsps.calls[0].request.headers["accessToken"] == "cached-token"


@pytest.mark.parametrize("expires_in", [None, 0, -5, "soon"])
def test_token_without_usable_lifetime_lives_the_documented_hour(rsps, expires_in):
    stub_token(
        rsps, READ_SCOPE, "x", json=envelope({"access_token": "t", "expires_in": expires_in})
    )
    token = H.adapter().authenticate()
    assert timedelta(minutes=59) < token.expires_at - datetime.now(UTC) <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, fixture("error_token_refused")),
        (400, fixture("error_validation")),
        (200, {**fixture("error_token_refused"), "status": 200}),  # refused inside a 200
        (200, envelope({"expires_in": 3600})),  # "success" without a token
        (200, {"status": 200, "responseCode": 1000, "message": "ok", "data": None}),
    ],
)
def test_token_refusals_are_authentication_errors(rsps, status, body):
    rsps.add(responses.POST, url("token"), status=status, json=body)
    with pytest.raises(AuthenticationError) as caught:
        H.adapter().authenticate()
    assert "client ID and secret key" in caught.value.message
    assert_no_secrets(caught.value)


def test_expired_token_401_issues_a_new_one_once(rsps):
    adapter = H.adapter(token=fresh_token())
    customers = url("customers")
    rsps.add(responses.POST, customers, status=401, json=fixture("error_unauthorized"))
    stub_token(rsps, READ_SCOPE, "read-tok")
    rsps.add(responses.POST, customers, json=fixture("customers"))
    assert adapter.get_customer(CUSTOMER_ID).platform_id == CUSTOMER_ID
    assert rsps.calls[2].request.headers["accessToken"] == "read-tok"


def test_auth_failure_inside_a_200_issues_a_new_token_once(rsps):
    adapter = H.adapter(token=fresh_token())
    customers = url("customers")
    rsps.add(responses.POST, customers, json=fixture("error_unauthorized"))  # HTTP 200
    stub_token(rsps, READ_SCOPE, "read-tok")
    rsps.add(responses.POST, customers, json=fixture("customers"))
    assert adapter.get_customer(CUSTOMER_ID).name == "Dana Reyes"
    assert len(rsps.calls) == 3


# -- envelope ----------------------------------------------------------------------------------
def test_validation_code_inside_a_2xx_is_a_validation_error(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("customers"), json={**fixture("error_validation"), "status": 200})
    with pytest.raises(ValidationError) as caught:
        adapter.get_customer(CUSTOMER_ID)
    assert caught.value.platform_code == "1051"
    assert caught.value.message.startswith("Validation error")


def test_unknown_failure_code_is_a_validation_error_with_a_short_message(rsps):
    adapter = H.adapter(token=fresh_token())
    answer = {
        "status": 200,
        "responseCode": 1777,
        "message": "Something odd happened. " * 20,
        "data": records("customers"),  # PII in the body must never reach the error
    }
    rsps.add(responses.POST, url("customers"), json=answer)
    with pytest.raises(ValidationError) as caught:
        adapter.get_customer(CUSTOMER_ID)
    assert len(caught.value.message) <= 160 and caught.value.platform_code == "1777"
    assert_no_secrets(caught.value)


@pytest.mark.parametrize(
    ("http_status", "name", "error"),
    [
        (404, "error_not_found", NotFoundError),
        (200, "error_not_found", NotFoundError),  # the envelope's status inside a 200
        (429, "error_rate_limited", RateLimitError),
        (400, "error_validation", ValidationError),
    ],
)
def test_error_answers_map_to_normalized_errors(rsps, http_status, name, error):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("customers"), status=http_status, json=fixture(name))
    with pytest.raises(error) as caught:
        adapter.get_customer(CUSTOMER_ID)
    assert caught.value.platform == "vagaro"
    assert caught.value.platform_code == str(fixture(name)["responseCode"])


def test_server_failure_inside_a_200_is_transient(rsps):
    adapter = H.adapter(token=fresh_token())
    answer = {"status": 503, "responseCode": 1503, "message": "Down", "data": None}
    rsps.add(responses.POST, url("customers"), json=answer)
    with pytest.raises(TransientError):
        adapter.get_customer(CUSTOMER_ID)


def test_answer_without_envelope_is_read(rsps):
    # One live client reads services at the top level ({services: [...]}).
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("services"), json={"services": records("services")[:1]})
    assert [s.name for s in adapter.iter_services()] == ["Balayage"]


# -- reads -------------------------------------------------------------------------------------
def test_get_customer_posts_its_id_in_the_body(rsps):
    adapter = H.adapter(token=fresh_token())
    other = {**records("customers")[0], "customerId": "someone-else=="}
    rsps.add(
        responses.POST,
        url("customers"),
        json=envelope([other, records("customers")[0]]),
        match=[
            matchers.json_params_matcher({"businessId": BUSINESS_ID, "customerId": CUSTOMER_ID})
        ],
    )
    customer = adapter.get_customer(CUSTOMER_ID)
    assert (customer.platform_id, customer.email) == (CUSTOMER_ID, "dana.reyes@example.com")
    assert customer.phone == "+1 212 555 0142" and customer.active is True
    assert rsps.calls[0].request.method == "POST"


@pytest.mark.parametrize("data", [[], None, [{"customerId": "someone-else=="}]])
def test_get_customer_absent_from_the_answer_is_not_found(rsps, data):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("customers"), json=envelope(data))
    with pytest.raises(NotFoundError):
        adapter.get_customer(CUSTOMER_ID)


def test_get_service_and_provider_list_and_pick(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("services"), json=fixture("services"))
    rsps.add(responses.POST, url("employees"), json=fixture("employees"))
    service = adapter.get_service("hT5uW7xY9zA==")
    assert (service.name, service.duration_minutes, service.price) == (
        "Women's Haircut",
        45,
        Decimal("85.0"),
    )
    assert adapter.get_provider("q8Rs2Tu4Vw==").name == "Noor Haddad"
    for call in rsps.calls:
        assert body_of(call) == {"businessId": BUSINESS_ID}
    with pytest.raises(NotFoundError):
        adapter.get_provider("nobody==")


def test_get_appointment_posts_business_and_appointment_id(rsps):
    adapter = H.adapter(token=fresh_token())
    wanted = "ap1/Xw+Q=="
    rsps.add(
        responses.POST,
        url("appointments"),
        json=envelope([appointment(1)]),
        match=[matchers.json_params_matcher({"businessId": BUSINESS_ID, "appointmentId": wanted})],
    )
    result = adapter.get_appointment(wanted)
    assert result.platform_id == wanted
    assert result.status is AppointmentStatus.ARRIVED  # "Checked In" in the read answer
    assert result.price == Decimal("180.0") and result.service_name == "Balayage"
    assert wanted not in rsps.calls[0].request.url  # ids travel in the body, not the path


def test_get_customer_appointments_pages_from_one_and_filters_dates_client_side(rsps):
    adapter = H.adapter(token=fresh_token())
    december = {"startTime": "2026-12-01T15:00:00Z", "endTime": "2026-12-01T16:00:00Z"}
    page_one = [appointment(1), appointment(2, **december)]
    rsps.add(responses.POST, url("appointments"), json=envelope(page_one))
    rsps.add(responses.POST, url("appointments"), json=envelope([appointment(3)]))
    found = adapter.get_customer_appointments(
        CUSTOMER_ID, AppointmentFilters(start_date=date(2026, 11, 1), end_date=date(2026, 11, 30))
    )
    assert [a.platform_id for a in found] == ["ap1/Xw+Q==", "ap3/Xw+Q=="]
    assert [query(c)["pageNumber"] for c in rsps.calls] == [["1"], ["2"]]
    assert query(rsps.calls[0])["pageSize"] == ["2"]
    assert body_of(rsps.calls[0]) == {"businessId": BUSINESS_ID, "customerId": CUSTOMER_ID}


def test_iter_appointments_is_unsupported_without_calling(rsps):
    with pytest.raises(UnsupportedOperation, match="only by customer or by id"):
        H.adapter(token=fresh_token()).iter_appointments(date(2026, 3, 1), date(2026, 3, 2))
    assert not rsps.calls


def test_customer_pages_yield_numbers_and_resume_at_a_page(rsps):
    adapter = H.adapter(token=fresh_token())
    customer = records("customers")[0]
    rows = [{**customer, "customerId": f"c{n}=="} for n in range(3)]
    rsps.add(responses.POST, url("customers"), json=envelope(rows[:2]))
    rsps.add(responses.POST, url("customers"), json=envelope(rows[2:]))
    pages = list(adapter.customer_pages(start_page=3))
    assert [(n, [c.platform_id for c in page]) for n, page in pages] == [
        (3, ["c0==", "c1=="]),
        (4, ["c2=="]),
    ]
    assert [query(c)["pageNumber"] for c in rsps.calls] == [["3"], ["4"]]
    assert body_of(rsps.calls[0]) == {"businessId": BUSINESS_ID}


def test_iter_customers_filters_by_change_time_and_marks_removed_customers(rsps):
    adapter = H.adapter(token=fresh_token())
    base = records("customers")[0]
    rows = [
        {**base, "customerId": "old==", "modifiedDate": "2026-01-01T00:00:00Z"},
        {**base, "customerId": "new==", "modifiedDate": "2026-06-01T00:00:00Z"},
    ]
    gone = {**base, "customerId": "gone==", "businessIds": ["a1Bc2De3Fg=="]}
    rsps.add(responses.POST, url("customers"), json=envelope(rows))
    rsps.add(responses.POST, url("customers"), json=envelope([gone]))
    found = list(adapter.iter_customers(changed_since=datetime(2026, 3, 1, tzinfo=UTC)))
    assert [(c.platform_id, c.active) for c in found] == [("new==", True), ("gone==", False)]


def test_iter_locations_posts_an_empty_body(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("locations"), json=fixture("locations"))
    locations = list(adapter.iter_locations())
    assert [(loc.platform_id, loc.timezone) for loc in locations] == [
        (BUSINESS_ID, "America/New_York"),
        ("a1Bc2De3Fg==", "America/New_York"),
    ]
    assert body_of(rsps.calls[0]) == {}


def test_paging_honours_total_pages_and_stops_on_repeated_pages(rsps):
    adapter = H.adapter(token=fresh_token())
    services = records("services")
    rsps.add(responses.POST, url("services"), json=envelope(services, totalPages=1))
    assert len(list(adapter.iter_services())) == 2
    rsps.add(responses.POST, url("employees"), json=fixture("employees"))  # pageNumber ignored
    assert len(list(adapter.iter_providers())) == 2
    assert len([c for c in rsps.calls if c.request.url.startswith(url("employees"))]) == 2


def test_page_size_is_capped_at_one_hundred(rsps):
    adapter = H.adapter(token=fresh_token(), options={"page_size": 500})
    rsps.add(responses.POST, url("services"), json=fixture("services"))
    list(adapter.iter_services())
    assert query(rsps.calls[0])["pageSize"] == ["100"]


def test_not_found_ends_a_listing(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("services"), json=fixture("services"))
    rsps.add(responses.POST, url("services"), status=404, json=fixture("error_not_found"))
    assert [s.platform_id for s in adapter.iter_services()] == [
        "kq3VdW2x0Qe1sA==",
        "hT5uW7xY9zA==",
    ]


# -- times -------------------------------------------------------------------------------------
def test_read_times_default_to_utc():
    result = H.adapter().normalize(appointment(1), "appointment")
    assert result.start == datetime(2026, 11, 24, 15, tzinfo=UTC)
    assert result.raw["startTime"] == "2026-11-24T15:00:00Z"


def test_read_times_local_reads_the_digits_as_the_salons_wall_clock():
    adapter = H.adapter(options={"read_times": "local"})
    result = adapter.normalize(appointment(1, createdDate="2026-11-20T09:30:00Z"), "appointment")
    assert result.start == datetime(2026, 11, 24, 15, tzinfo=NY)
    assert result.start.utcoffset() == timedelta(hours=-5)
    assert result.end - result.start == timedelta(hours=1)
    assert result.created_at == datetime(2026, 11, 20, 9, 30, tzinfo=NY)
    assert result.raw["startTime"] == "2026-11-24T15:00:00Z"  # the raw value is kept


@pytest.mark.parametrize("read_times", ["utc", "local"])
def test_webhook_times_are_always_utc(read_times):
    adapter = H.adapter(options={"read_times": read_times})
    payload = fixture("event_appointment_created")["payload"]
    result = adapter.normalize(payload, "webhook_appointment")
    assert result.start == datetime(2026, 11, 24, 15, tzinfo=UTC)
    event = VagaroWebhooks().event_from(fixture("event_appointment_created"), adapter)
    assert event.data.start == datetime(2026, 11, 24, 15, tzinfo=UTC)


# -- availability ------------------------------------------------------------------------------
def availability(day: str, times: list[str], provider="p4Lm8sT1uV==", duration=60) -> dict:
    entry = fixture("availability")["data"][0]
    item = {**entry["items"][0], "serviceProviderId": provider, "duration": duration}
    return envelope([{"appointmentDate": day, "items": [item], "timeSlot": times}])


def test_availability_asks_one_date_per_call_and_reads_local_slots(rsps):
    adapter = H.adapter(token=fresh_token())
    for day in ("2026-03-09", "2026-03-10", "2026-03-11"):
        rsps.add(responses.POST, url("availability"), json=availability(day, ["09:00", "14:30"]))
    filters = AvailabilityFilters(service_ids=("kq3VdW2x0Qe1sA==",), provider_ids=("p4Lm8sT1uV==",))
    slots = adapter.get_availability(date(2026, 3, 9), date(2026, 3, 11), filters)
    assert [body_of(c) for c in rsps.calls] == [
        {
            "businessId": BUSINESS_ID,
            "appointmentDate": day,
            "bookingItems": [
                {"serviceId": "kq3VdW2x0Qe1sA==", "serviceProviderId": "p4Lm8sT1uV=="}
            ],
        }
        for day in ("2026-03-09", "2026-03-10", "2026-03-11")
    ]
    assert len(slots) == 6
    first = slots[0]
    assert first.start == datetime(2026, 3, 9, 9, tzinfo=NY)
    assert first.end == datetime(2026, 3, 9, 10, tzinfo=NY)
    assert (first.provider_id, first.service_id, first.location_id) == (
        "p4Lm8sT1uV==",
        "kq3VdW2x0Qe1sA==",
        BUSINESS_ID,
    )


def test_availability_without_a_provider_asks_each_active_provider(rsps):
    """Each booking item names a service and a provider (docs/platforms/vagaro.md §2.6): with no
    provider filter, the employees are listed once and each is asked for the date."""
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("employees"), json=fixture("employees"))
    rsps.add(responses.POST, url("availability"), json=fixture("availability"))
    rsps.add(
        responses.POST, url("availability"), json=availability("2026-03-09", [], "q8Rs2Tu4Vw==")
    )
    filters = AvailabilityFilters(service_ids=("kq3VdW2x0Qe1sA==",))
    slots = adapter.get_availability(date(2026, 3, 9), date(2026, 3, 9), filters)
    asked = [
        body_of(c)["bookingItems"] for c in rsps.calls if c.request.url.endswith("availability")
    ]
    assert asked == [
        [{"serviceId": "kq3VdW2x0Qe1sA==", "serviceProviderId": "p4Lm8sT1uV=="}],
        [{"serviceId": "kq3VdW2x0Qe1sA==", "serviceProviderId": "q8Rs2Tu4Vw=="}],
    ]
    assert [s.start.strftime("%H:%M") for s in slots] == ["09:00", "10:30", "14:00"]


def test_availability_drops_items_for_another_provider(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("availability"), json=availability("2026-03-09", ["09:00"], "x=="))
    filters = AvailabilityFilters(service_ids=("kq3VdW2x0Qe1sA==",), provider_ids=("p4Lm8sT1uV==",))
    assert adapter.get_availability(date(2026, 3, 9), date(2026, 3, 9), filters) == []


def test_availability_is_capped_in_dates_and_needs_a_service(rsps):
    adapter = H.adapter(token=fresh_token())
    filters = AvailabilityFilters(service_ids=("kq3VdW2x0Qe1sA==",))
    last = date(2026, 3, 1) + timedelta(days=AVAILABILITY_MAX_DATES)
    with pytest.raises(ValidationError, match=f"at most {AVAILABILITY_MAX_DATES} days"):
        adapter.get_availability(date(2026, 3, 1), last, filters)
    with pytest.raises(ValidationError, match="needs a service"):
        adapter.get_availability(date(2026, 3, 1), date(2026, 3, 1))
    assert not rsps.calls


def test_slot_across_the_spring_forward_gap_lasts_its_real_duration():
    record = {**fixture("slot"), "appointmentDate": "2026-03-08", "timeSlot": "01:30"}
    slot = H.adapter().normalize(record, "slot")
    assert slot.start == datetime(2026, 3, 8, 1, 30, tzinfo=NY)
    assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == timedelta(minutes=60)
    assert slot.end.astimezone(NY).hour == 3  # 01:30 EST + 1 h = 03:30 EDT


@pytest.mark.parametrize("broken", [{"timeSlot": "9am"}, {"duration": None}, {"duration": 0}])
def test_unreadable_slot_is_a_validation_error(broken):
    with pytest.raises(ValidationError):
        H.adapter().normalize({**fixture("slot"), **broken}, "slot")


# -- booking -----------------------------------------------------------------------------------
def booking(**changes) -> BookingRequest:
    values = {
        "customer_id": CUSTOMER_ID,
        "service_id": "kq3VdW2x0Qe1sA==",
        "provider_id": "p4Lm8sT1uV==",
        "start": datetime(2026, 3, 9, 14, 0, tzinfo=UTC),  # 10:00 in New York (EDT)
        "notes": "Allergic to ammonia",
    }
    return BookingRequest(**(values | changes))


def stub_read_back(rsps, appointment_id: str, **changes) -> None:
    rsps.add(
        responses.POST,
        url("appointments"),
        json=envelope([appointment(0, appointmentId=appointment_id, **changes)]),
        match=[
            matchers.json_params_matcher(
                {"businessId": BUSINESS_ID, "appointmentId": appointment_id}
            )
        ],
    )


def test_book_posts_an_array_with_local_start_and_the_write_token(rsps):
    saved = []
    adapter = H.adapter(token=fresh_token("read-tok"), on_token=saved.append)
    write = stub_token(rsps, WRITE_SCOPE, "write-tok")
    rsps.add(responses.POST, url("create"), json=fixture("appointment_created"))
    stub_read_back(rsps, "nEwAp9Qr3St/Uv==", bookingStatus="Confirmed")
    result = adapter.book_appointment(booking())
    create = next(c for c in rsps.calls if c.request.url == url("create"))
    assert body_of(create) == [
        {
            "businessId": BUSINESS_ID,
            "customerId": CUSTOMER_ID,
            "serviceId": "kq3VdW2x0Qe1sA==",
            "serviceProviderId": "p4Lm8sT1uV==",
            "startTime": "2026-03-09T10:00:00",
            "appointmentType": "appointment",
        }
    ]
    assert create.request.headers["accessToken"] == "write-tok"
    read_back = rsps.calls[-1].request
    assert read_back.headers["accessToken"] == "read-tok"
    assert (result.platform_id, result.status) == ("nEwAp9Qr3St/Uv==", AppointmentStatus.CONFIRMED)
    assert saved == []  # the write token is never persisted
    # A second booking reuses the write token cached on this instance.
    rsps.add(responses.POST, url("create"), json=fixture("appointment_created"))
    stub_read_back(rsps, "nEwAp9Qr3St/Uv==")
    adapter.book_appointment(booking())
    assert write.call_count == 1


@pytest.mark.parametrize(
    "data",
    [
        [{"appointmentId": "nEwAp9Qr3St/Uv=="}],
        {"appointmentId": "nEwAp9Qr3St/Uv=="},
        ["nEwAp9Qr3St/Uv=="],
        "nEwAp9Qr3St/Uv==",
    ],
)
def test_book_reads_the_created_id_from_a_list_or_an_object(rsps, data):
    adapter = H.adapter(token=fresh_token())
    stub_token(rsps, WRITE_SCOPE, "write-tok")
    rsps.add(responses.POST, url("create"), json=envelope(data))
    stub_read_back(rsps, "nEwAp9Qr3St/Uv==")
    assert adapter.book_appointment(booking()).platform_id == "nEwAp9Qr3St/Uv=="


def test_book_without_an_id_in_the_answer_is_a_validation_error(rsps):
    adapter = H.adapter(token=fresh_token())
    stub_token(rsps, WRITE_SCOPE, "write-tok")
    rsps.add(responses.POST, url("create"), json=envelope([]))
    with pytest.raises(ValidationError, match="check the calendar"):
        adapter.book_appointment(booking())


def test_booked_appointment_not_yet_readable_is_answered_as_booked(rsps):
    adapter = H.adapter(token=fresh_token())
    stub_token(rsps, WRITE_SCOPE, "write-tok")
    rsps.add(responses.POST, url("create"), json=fixture("appointment_created"))
    rsps.add(responses.POST, url("appointments"), json=envelope([]))
    result = adapter.book_appointment(booking())
    assert (result.platform_id, result.status) == ("nEwAp9Qr3St/Uv==", AppointmentStatus.BOOKED)
    assert result.start == booking().start and result.customer_id == CUSTOMER_ID


def test_refused_write_token_is_write_access_denied_without_booking(rsps):
    adapter = H.adapter(token=fresh_token())
    stub_token(rsps, WRITE_SCOPE, "", status=401, json=fixture("error_token_refused"))
    with pytest.raises(WriteAccessDenied) as caught:
        adapter.book_appointment(booking())
    assert isinstance(caught.value, UnsupportedOperation)
    assert caught.value.code == "write_access_denied"
    assert all(c.request.url != url("create") for c in rsps.calls)
    assert_no_secrets(caught.value)


def test_write_call_refused_twice_is_write_access_denied(rsps):
    adapter = H.adapter(token=fresh_token())
    write = stub_token(rsps, WRITE_SCOPE, "write-tok")
    create = rsps.add(responses.POST, url("create"), status=403, json=fixture("error_unauthorized"))
    with pytest.raises(WriteAccessDenied):
        adapter.book_appointment(booking())
    # A 401/403 means Vagaro did nothing: one retry with a freshly issued write token.
    assert (write.call_count, create.call_count) == (2, 2)


@pytest.mark.parametrize("failure", [{"status": 502, "json": {}}, {"body": requests.ReadTimeout()}])
def test_booking_is_never_blindly_retried(rsps, failure):
    adapter = H.adapter(token=fresh_token())
    stub_token(rsps, WRITE_SCOPE, "write-tok")
    create = rsps.add(responses.POST, url("create"), **failure)
    with pytest.raises(TransientError):
        adapter.book_appointment(booking())
    assert create.call_count == 1


# -- cancelling --------------------------------------------------------------------------------
def test_cancel_reads_then_deletes_with_the_quoted_id_and_answers_cancelled(rsps):
    adapter = H.adapter(token=fresh_token("read-tok"))
    target = "ap1/Xw+Q=="
    stub_read_back(rsps, target)
    stub_token(rsps, WRITE_SCOPE, "write-tok")
    delete = rsps.add(
        responses.POST, url("delete", appointment_id=target), json=fixture("appointment_deleted")
    )
    rsps.add(responses.POST, url("appointments"), json=fixture("error_not_found"))  # deleted
    result = adapter.cancel_appointment(target, late=True)
    assert delete.call_count == 1
    assert rsps.calls[2].request.url.endswith("/appointments/delete/ap1%2FXw%2BQ%3D%3D")
    assert rsps.calls[2].request.headers["accessToken"] == "write-tok"
    assert (result.platform_id, result.status) == (target, AppointmentStatus.CANCELLED)
    assert result.start == datetime(2026, 11, 24, 15, tzinfo=UTC)


def test_cancel_read_back_still_listed_is_answered_cancelled(rsps):
    adapter = H.adapter(token=fresh_token())
    stub_read_back(rsps, APPOINTMENT_ID)
    stub_token(rsps, WRITE_SCOPE, "write-tok")
    rsps.add(responses.POST, url("delete", appointment_id=APPOINTMENT_ID), json=envelope(None))
    rsps.add(
        responses.POST,
        url("appointments"),
        json=envelope([appointment(0, appointmentId=APPOINTMENT_ID, bookingStatus="Cancelled")]),
    )
    result = adapter.cancel_appointment(APPOINTMENT_ID)
    assert result.status is AppointmentStatus.CANCELLED
    assert result.raw["bookingStatus"] == "Cancelled"


def test_cancel_without_write_access_is_write_access_denied(rsps):
    adapter = H.adapter(token=fresh_token())
    stub_read_back(rsps, APPOINTMENT_ID)
    stub_token(rsps, WRITE_SCOPE, "", json=fixture("error_token_refused"))  # inside a 200
    with pytest.raises(WriteAccessDenied):
        adapter.cancel_appointment(APPOINTMENT_ID)


def test_cancel_of_an_unknown_appointment_is_not_found_before_any_write(rsps):
    adapter = H.adapter(token=fresh_token())
    rsps.add(responses.POST, url("appointments"), json=envelope([]))
    with pytest.raises(NotFoundError):
        adapter.cancel_appointment("nope==")
    assert len(rsps.calls) == 1


# -- test_connection ---------------------------------------------------------------------------
def stub_connection(rsps, *, locations=None, levels=None, write: dict | None = None) -> None:
    stub_token(rsps, READ_SCOPE, "read-tok")
    rsps.add(responses.POST, url("locations"), json=locations or fixture("locations"))
    rsps.add(responses.POST, url("access_levels"), json=levels or fixture("access_levels"))
    stub_token(rsps, WRITE_SCOPE, "write-tok", **(write or {}))


def test_connection_ok_with_write_access(rsps):
    adapter = H.adapter()
    stub_connection(rsps)
    result = adapter.test_connection()
    assert result.ok is True
    assert (result.account_name, result.timezone) == ("Studio Nine SoHo", "America/New_York")
    assert result.facts == {"write_access": True, "access_levels": ["read access", "write access"]}
    assert "allows booking" in result.message
    assert body_of(rsps.calls[1]) == {}  # POST locations {}


def test_connection_without_write_access_is_ok_but_says_so(rsps):
    adapter = H.adapter()
    stub_connection(rsps, write={"status": 401, "json": fixture("error_token_refused")})
    result = adapter.test_connection()
    assert result.ok is True and result.facts["write_access"] is False
    assert "not granted this account write access" in result.message


def test_connection_write_access_unknown_on_network_error(rsps):
    adapter = H.adapter()
    stub_connection(rsps, write={"body": requests.ConnectionError("reset")})
    result = adapter.test_connection()
    assert result.ok is True and result.facts["write_access"] is None
    assert "could not check" in result.message


@pytest.mark.parametrize(
    ("answer", "levels"),
    [
        (fixture("error_validation"), []),
        (
            envelope({"readAccess": True, "writeAccess": False, "levels": ["Owner"]}),
            ["readAccess", "Owner"],
        ),
        (envelope(None), []),
        (envelope(["read access", 7, {"name": "Booking"}]), ["read access", "Booking"]),
    ],
)
def test_connection_tolerates_any_access_levels_shape(rsps, answer, levels):
    adapter = H.adapter()
    stub_connection(rsps, levels=answer)
    result = adapter.test_connection()
    assert result.ok is True and result.facts["access_levels"] == levels


def test_connection_to_a_business_the_account_lacks_lists_what_it_has(rsps):
    adapter = H.adapter(account={"region": REGION, "business_id": "not-mine=="})
    stub_token(rsps, READ_SCOPE, "read-tok")
    rsps.add(responses.POST, url("locations"), json=fixture("locations"))
    result = adapter.test_connection()
    assert result.ok is False
    assert result.message == (
        "This Vagaro account has no business not-mine==; it has: Studio Nine SoHo (b7Yx3Zq9Wr==), "
        "Studio Nine Brooklyn (a1Bc2De3Fg==)."
    )


def test_connection_in_the_wrong_region_names_the_right_one(rsps):
    harness = Harness()
    adapter = harness.adapter()
    refused = {"status": 401, "json": fixture("error_token_refused")}
    stub_token(rsps, READ_SCOPE, "", **refused)
    stub_token(rsps, READ_SCOPE, "", region="us01", **refused)
    stub_token(rsps, READ_SCOPE, "read-tok", region="us03")
    result = adapter.test_connection()
    assert result.ok is False
    assert result.message.startswith("These credentials belong to Vagaro region us03, not us02.")
    # Probes are platform calls like any other: reported, and they stop at the first success.
    assert [c.operation for c in harness.calls] == ["issue_token"] * 3
    assert adapter._token is None  # another region's token is never kept


def test_connection_refused_in_every_region_is_an_authentication_error(rsps):
    harness = Harness()
    adapter = harness.adapter()
    refused = {"status": 401, "json": fixture("error_token_refused")}
    for region in KNOWN_REGIONS:
        stub_token(rsps, READ_SCOPE, "", region=region, **refused)
    with pytest.raises(AuthenticationError, match="did not accept this client ID and secret key"):
        adapter.test_connection()
    assert len(harness.calls) == len(KNOWN_REGIONS)  # ours, then each other known region


def test_errors_carry_no_secrets_or_bodies(rsps):
    adapter = H.adapter()
    rsps.add(
        responses.POST,
        url("token"),
        status=400,
        json={**fixture("error_validation"), "data": SECRET},
    )
    with pytest.raises(AuthenticationError) as caught:
        adapter.authenticate()
    assert_no_secrets(caught.value)
