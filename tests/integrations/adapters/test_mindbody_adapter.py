"""MindbodyAdapter against the Public API v6 as documented (responses-stubbed)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

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
    UnknownAccount,
    UnsupportedOperation,
    ValidationError,
)
from integrations.adapters.mindbody import PATHS, MindbodyAdapter
from integrations.adapters.types import (
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
    Token,
    WebhookAuth,
)
from tests.integrations.adapters.harness.mindbody import (
    API_KEY,
    BASE_URL,
    Harness,
    fixture,
    issue_response,
    url,
)

NY = ZoneInfo("America/New_York")
EST, EDT = timedelta(hours=-5), timedelta(hours=-4)


class Mock(responses.RequestsMock):
    """A RequestsMock whose recorded calls stay readable after the with-block."""

    _kept: list | None = None

    def __exit__(self, *args):
        kept = list(self.calls)
        result = super().__exit__(*args)
        self._kept = kept
        return result

    @property
    def calls(self):
        return self._kept if self._kept is not None else super().calls


@pytest.fixture
def harness() -> Harness:
    return Harness()


@pytest.fixture
def adapter(harness: Harness) -> MindbodyAdapter:
    return MindbodyAdapter(harness.config())


def authed(rsps: responses.RequestsMock, token: str = "a1b2c3d4e5f6") -> None:
    rsps.add(responses.POST, url("issue_token"), json=issue_response(token=token))


def params_of(call) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(call.request.url).query)


def body_of(call) -> dict:
    return json.loads(call.request.body)


def get(rsps, name: str, body, **kwargs) -> None:
    rsps.add(responses.GET, url(name), json=body, **kwargs)


# -- configuration --------------------------------------------------------------------------------
def test_class_attributes():
    assert MindbodyAdapter.platform == "mindbody"
    assert MindbodyAdapter.display_name == "Mindbody"
    assert MindbodyAdapter.base_url_setting == "MINDBODY_API_URL"
    assert MindbodyAdapter.default_base_url == "https://api.mindbodyonline.com"
    assert MindbodyAdapter.capabilities.webhooks is WebhookAuth.SIGNED
    assert [(f.name, f.secret) for f in MindbodyAdapter.credential_fields] == [
        ("username", False),
        ("password", True),
    ]
    assert MindbodyAdapter.credential_fields[0].label == "Staff username"
    assert [(f.name, f.label) for f in MindbodyAdapter.account_fields] == [("site_id", "Site ID")]
    assert all(p.startswith("/public/v6/") for p in PATHS.values())


def test_api_key_is_required(harness):
    with pytest.raises(ConfigurationError, match="API key"):
        MindbodyAdapter(harness.config(options={}))


def test_site_id_and_credentials_are_required(harness):
    with pytest.raises(ConfigurationError, match="Site ID"):
        MindbodyAdapter(harness.config(account={}))
    with pytest.raises(ConfigurationError, match="Staff username"):
        MindbodyAdapter(harness.config(credentials={"password": "x"}))


def test_api_key_from_credentials_wins_over_options(harness):
    creds = {"username": "u", "password": "p", "api_key": "cred-key"}
    adapter = MindbodyAdapter(harness.config(credentials=creds))
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "locations", fixture("locations"))
        list(adapter.iter_locations())
    assert all(c.request.headers["Api-Key"] == "cred-key" for c in rsps.calls)


# -- authentication -------------------------------------------------------------------------------
def test_issue_token_then_headers_on_every_call(harness):
    saved: list[Token] = []
    adapter = MindbodyAdapter(harness.config(on_token=saved.append))
    with Mock(assert_all_requests_are_fired=True) as rsps:
        authed(rsps)
        get(rsps, "staff", fixture("staff"))
        provider = adapter.get_provider("5")
    issue, read = rsps.calls
    assert body_of(issue) == {"Username": "Siteowner", "Password": "apitest1234"}
    assert issue.request.headers["Api-Key"] == API_KEY
    assert issue.request.headers["SiteId"] == "-99"
    assert "Authorization" not in issue.request.headers
    assert read.request.headers["Authorization"] == "Bearer a1b2c3d4e5f6"
    assert read.request.headers["Api-Key"] == API_KEY
    assert read.request.headers["SiteId"] == "-99"
    assert params_of(read)["request.staffIds"] == ["5"]
    assert provider.platform_id == "5" and provider.name == "Jane D." and provider.active
    assert saved and saved[0].access_token == "a1b2c3d4e5f6"
    assert saved[0].expires_at.tzinfo is not None and saved[0].expires_at > datetime.now(UTC)


def test_token_expires_in_fixture_is_read_as_utc(adapter):
    token = adapter._token_from({"AccessToken": "t", "Expires": "2026-03-10T18:00:00"}, None)
    assert token.expires_at == datetime(2026, 3, 10, 18, tzinfo=UTC)
    token = adapter._token_from(fixture("issue_response"), None)
    assert token.expires_at == datetime(2026, 3, 10, 18, tzinfo=UTC)


def test_bare_token_scheme_is_configurable(harness):
    adapter = MindbodyAdapter(harness.config(options={"api_key": API_KEY, "auth_scheme": ""}))
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff", fixture("staff"))
        adapter.get_provider("5")
    assert rsps.calls[1].request.headers["Authorization"] == "a1b2c3d4e5f6"


def test_cached_token_is_reused(harness):
    token = Token("cached", expires_at=datetime.now(UTC) + timedelta(hours=5))
    adapter = MindbodyAdapter(harness.config(token=token))
    with Mock(assert_all_requests_are_fired=True) as rsps:
        get(rsps, "staff", fixture("staff"))
        adapter.get_provider("5")
    assert len(rsps.calls) == 1
    assert rsps.calls[0].request.headers["Authorization"] == "Bearer cached"


def test_token_near_expiry_is_renewed(harness):
    token = Token("old-token", expires_at=datetime.now(UTC) + timedelta(minutes=2))
    saved: list[Token] = []
    adapter = MindbodyAdapter(harness.config(token=token, on_token=saved.append))
    renewed = fixture("renew_response")
    renewed["Expires"] = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    with Mock(assert_all_requests_are_fired=True) as rsps:
        rsps.add(responses.POST, url("renew_token"), json=renewed)
        get(rsps, "staff", fixture("staff"))
        adapter.get_provider("5")
    renew, read = rsps.calls
    assert renew.request.headers["Authorization"] == "Bearer old-token"
    assert renew.request.headers["SiteId"] == "-99"
    assert read.request.headers["Authorization"] == "Bearer a1b2c3d4e5f6-renewed"
    assert saved[0].access_token == "a1b2c3d4e5f6-renewed"


def test_renew_without_new_token_keeps_the_current_one(harness):
    token = Token("old-token", expires_at=datetime.now(UTC) + timedelta(minutes=2))
    adapter = MindbodyAdapter(harness.config(token=token))
    later = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with Mock() as rsps:
        rsps.add(responses.POST, url("renew_token"), json={"Expires": later})
        get(rsps, "staff", fixture("staff"))
        adapter.get_provider("5")
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer old-token"
    assert adapter._token.expires_at > datetime.now(UTC) + timedelta(hours=23)


def test_renew_refused_falls_back_to_issue(harness):
    token = Token("old-token", expires_at=datetime.now(UTC) + timedelta(minutes=2))
    adapter = MindbodyAdapter(harness.config(token=token))
    with Mock(assert_all_requests_are_fired=True) as rsps:
        rsps.add(
            responses.POST, url("renew_token"), status=401, json=fixture("error_denied_access")
        )
        authed(rsps, token="fresh")
        get(rsps, "staff", fixture("staff"))
        adapter.get_provider("5")
    assert [c.request.url.split("?")[0] for c in rsps.calls] == [
        url("renew_token"),
        url("issue_token"),
        url("staff"),
    ]
    assert rsps.calls[2].request.headers["Authorization"] == "Bearer fresh"


def test_expired_token_is_reissued_not_renewed(harness):
    token = Token("old-token", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    adapter = MindbodyAdapter(harness.config(token=token))
    with Mock(assert_all_requests_are_fired=True) as rsps:
        authed(rsps, token="fresh")
        get(rsps, "staff", fixture("staff"))
        adapter.get_provider("5")
    assert rsps.calls[0].request.url == url("issue_token")


def test_401_reissues_token_once_then_succeeds(harness):
    token = Token("revoked", expires_at=datetime.now(UTC) + timedelta(days=1))
    adapter = MindbodyAdapter(harness.config(token=token))
    with Mock(assert_all_requests_are_fired=True) as rsps:
        get(rsps, "staff", fixture("error_denied_access"), status=401)
        authed(rsps, token="fresh")
        get(rsps, "staff", fixture("staff"))
        assert adapter.get_provider("5").platform_id == "5"
    assert rsps.calls[0].request.headers["Authorization"] == "Bearer revoked"
    assert rsps.calls[2].request.headers["Authorization"] == "Bearer fresh"


def test_401_twice_is_authentication_error_without_secrets(adapter):
    with Mock() as rsps:
        authed(rsps, token="secret-token-value")
        get(rsps, "staff", fixture("error_denied_access"), status=401)
        with pytest.raises(AuthenticationError) as info:
            adapter.get_provider("5")
    assert len([c for c in rsps.calls if c.request.url.startswith(url("staff"))]) == 2
    assert info.value.platform_code == "DeniedAccess"
    for secret in ("secret-token-value", "apitest1234", API_KEY):
        assert secret not in str(info.value)


@pytest.mark.parametrize(
    ("status", "name"),
    [(401, "error_invalid_staff_credentials"), (400, "error_invalid_booking_time")],
)
def test_issue_refused_is_authentication_error(adapter, status, name):
    with Mock() as rsps:
        rsps.add(responses.POST, url("issue_token"), status=status, json=fixture(name))
        with pytest.raises(AuthenticationError) as info:
            adapter.authenticate()
    assert "apitest1234" not in str(info.value)


def test_issue_please_try_again_is_retried(harness):
    adapter = MindbodyAdapter(harness.config())
    busy = {
        "Error": {"Message": "Something went wrong. Please try again.", "Code": "ValidationFailed"}
    }
    with Mock() as rsps:
        rsps.add(responses.POST, url("issue_token"), status=400, json=busy)
        authed(rsps)
        assert adapter.authenticate().access_token == "a1b2c3d4e5f6"
    assert len(rsps.calls) == 2 and len(harness.sleeps) == 1


# -- HTTP failures --------------------------------------------------------------------------------
def test_429_with_retry_after_waits_and_succeeds(harness, adapter):
    with Mock() as rsps:
        authed(rsps)
        get(
            rsps,
            "staff",
            fixture("error_too_many_requests"),
            status=429,
            headers={"Retry-After": "7"},
        )
        get(rsps, "staff", fixture("staff"))
        assert adapter.get_provider("5").platform_id == "5"
    assert harness.sleeps and harness.sleeps[0] >= 7


def test_too_many_requests_code_is_rate_limit_error(harness):
    adapter = MindbodyAdapter(harness.config(retry=_one_attempt()))
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff", fixture("error_too_many_requests"), status=400)
        with pytest.raises(RateLimitError) as info:
            adapter.get_provider("5")
    assert info.value.platform_code == "TooManyRequests"


def test_5xx_then_success(harness, adapter):
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff", {"Error": {"Message": "Oops", "Code": "Unknown"}}, status=500)
        get(rsps, "staff", fixture("staff"))
        assert adapter.get_provider("5").platform_id == "5"
    assert len(harness.sleeps) == 1


def test_timeouts_are_retried_then_transient(harness, adapter):
    with Mock() as rsps:
        authed(rsps)
        rsps.add(responses.GET, url("staff"), body=requests.ReadTimeout())
        with pytest.raises(TransientError, match="did not answer in time"):
            adapter.get_provider("5")
    assert len([c for c in rsps.calls if url("staff") in c.request.url]) == 4


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, "<html><body>Maintenance</body></html>"), (200, "{not json"), (502, "<html>")],
)
def test_malformed_or_html_answers_are_transient(harness, status, body):
    adapter = MindbodyAdapter(harness.config(retry=_one_attempt()))
    with Mock() as rsps:
        authed(rsps)
        rsps.add(responses.GET, url("staff"), status=status, body=body)
        with pytest.raises(TransientError) as info:
            adapter.get_provider("5")
    assert "html" not in str(info.value).lower()


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "InvalidStaffCredentials", AuthenticationError),
        (403, "InvalidUserAccessLevel", AuthenticationError),
        (400, "InvalidSiteId", UnknownAccount),  # an AuthenticationError, told apart
        (404, "ClientNotFound", NotFoundError),
        (400, "StaffMemberNotFound", NotFoundError),
        (400, "SessionTypeNotFound", NotFoundError),
        (400, "ClientIsAlreadyBooked", ValidationError),
        (400, "SchedulingRestrictionsViolated", ValidationError),
        (400, "SchedulingWindowViolated", ValidationError),
        (400, "InvalidParameter", ValidationError),
        (400, "PaymentRequired", ValidationError),
        (400, "TooManyRequests", RateLimitError),
        (503, "SQLDBMaintenance", TransientError),
        (400, "SQLDBMaintenance", TransientError),
        (500, "Unknown", TransientError),
        (400, "SomethingNew", ValidationError),
        (500, "SomethingNew", TransientError),
    ],
)
def test_documented_error_bodies(harness, status, code, expected):
    adapter = MindbodyAdapter(harness.config(retry=_one_attempt()))
    message = "Client John Smith <john.smith@example.com> refused."
    with Mock() as rsps:
        authed(rsps)
        body = {"Error": {"Message": message, "Code": code}}
        get(rsps, "staff", body, status=status)  # answers the post-401 retry too
        with pytest.raises(expected) as info:
            adapter.get_provider("5")
    assert type(info.value) is expected
    assert info.value.platform_code == code
    assert info.value.status_code == status
    assert info.value.platform == "mindbody"


def test_error_fixtures_map(adapter):
    from integrations.adapters.http import HttpFailure

    cases = {
        "error_invalid_staff_credentials": AuthenticationError,
        "error_denied_access": AuthenticationError,
        "error_client_not_found": NotFoundError,
        "error_invalid_booking_time": ValidationError,
        "error_too_many_requests": RateLimitError,
        "error_sql_db_maintenance": TransientError,
    }
    for name, cls in cases.items():
        assert type(adapter.handle_error(HttpFailure(status=400, body=fixture(name)))) is cls
    assert adapter.error_details("<html>") == ("", "")
    assert adapter.error_details({"Error": "x"}) == ("", "")


def test_calls_are_reported_without_query_strings(harness, adapter):
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff", fixture("staff"))
        adapter.get_provider("5")
    assert [(c.operation, c.method, c.path, c.status) for c in harness.calls] == [
        ("issue_token", "POST", PATHS["issue_token"], 200),
        ("get_provider", "GET", PATHS["staff"], 200),
    ]


# -- connection -----------------------------------------------------------------------------------
def test_test_connection_reads_the_site(adapter):
    with Mock(assert_all_requests_are_fired=True) as rsps:
        authed(rsps)
        get(rsps, "sites", fixture("sites"))
        result = adapter.test_connection()
    assert result.ok and result.account_name == "Demo Salon"
    assert result.timezone == ""  # "Eastern Standard Time" is not an IANA name
    assert params_of(rsps.calls[1])["request.siteIds"] == ["-99"]


def test_test_connection_passes_an_iana_zone_and_raises_on_bad_credentials(adapter):
    sites = fixture("sites")
    sites["Sites"][0]["TimeZone"] = "America/New_York"
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "sites", sites)
        assert adapter.test_connection().timezone == "America/New_York"
    adapter._token = None
    with Mock() as rsps:
        rsps.add(
            responses.POST,
            url("issue_token"),
            status=401,
            json=fixture("error_invalid_staff_credentials"),
        )
        with pytest.raises(AuthenticationError):
            adapter.test_connection()


# -- availability ---------------------------------------------------------------------------------
def test_availability_slices_bookable_windows(adapter):
    filters = AvailabilityFilters(service_ids=("17",), provider_ids=("5",), location_id="1")
    with Mock(assert_all_requests_are_fired=True) as rsps:
        authed(rsps)
        get(rsps, "bookable_items", fixture("bookable_items"))
        slots = adapter.get_availability(date(2026, 3, 3), date(2026, 3, 3), filters)
    params = params_of(rsps.calls[1])
    assert params["request.sessionTypeIds"] == ["17"]
    assert params["request.staffIds"] == ["5"]
    assert params["request.locationIds"] == ["1"]
    assert params["request.startDate"] == ["2026-03-03"]
    assert params["request.endDate"] == ["2026-03-03"]
    assert params["request.limit"] == ["200"] and params["request.offset"] == ["0"]
    # 09:00-12:00 window, 45-minute cut, last bookable start 11:15.
    assert [s.start.strftime("%H:%M") for s in slots] == ["09:00", "09:45", "10:30", "11:15"]
    assert slots[-1].end == datetime(2026, 3, 3, 12, 0, tzinfo=NY)
    assert all(s.start.utcoffset() == EST for s in slots)
    assert {(s.provider_id, s.service_id, s.location_id) for s in slots} == {("5", "17", "1")}


def test_availability_defaults_to_appointment_session_types_and_chunks_weeks(adapter):
    empty = {"PaginationResponse": {"PageSize": 0, "TotalResults": 0}, "Availabilities": []}
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "session_types", fixture("session_types"))
        get(rsps, "bookable_items", empty)
        assert adapter.get_availability(date(2026, 3, 1), date(2026, 3, 14)) == []
    calls = [params_of(c) for c in rsps.calls if url("bookable_items") in c.request.url]
    assert [(p["request.startDate"][0], p["request.endDate"][0]) for p in calls] == [
        ("2026-03-01", "2026-03-07"),
        ("2026-03-08", "2026-03-14"),
    ]
    assert all(p["request.sessionTypeIds"] == ["17"] for p in calls)  # class type 40 left out
    assert all("request.staffIds" not in p for p in calls)


def _window(start: str, end: str, minutes: int, bookable_end: str | None = None) -> dict:
    body = fixture("bookable_items")
    item = body["Availabilities"][0]
    item.update(StartDateTime=start, EndDateTime=end, BookableEndDateTime=bookable_end)
    item["SessionType"]["DefaultTimeLength"] = minutes
    return body


def test_availability_on_spring_forward_day(adapter):
    body = _window("2026-03-08T01:00:00", "2026-03-08T04:00:00", 60)
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "bookable_items", body)
        slots = adapter.get_availability(
            date(2026, 3, 8), date(2026, 3, 8), AvailabilityFilters(service_ids=("17",))
        )
    # 01:00 EST to 04:00 EDT holds two real hours.
    assert [(s.start.isoformat(), s.end.isoformat()) for s in slots] == [
        ("2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"),
        ("2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"),
    ]


def test_availability_on_fall_back_day(adapter):
    body = _window("2026-11-01T00:30:00", "2026-11-01T03:00:00", 60)
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "bookable_items", body)
        slots = adapter.get_availability(
            date(2026, 11, 1), date(2026, 11, 1), AvailabilityFilters(service_ids=("17",))
        )
    # 3.5 real hours: the last start, 07:00 UTC (02:00 EST), is offered too.
    assert [s.start.astimezone(UTC).strftime("%H:%M") for s in slots] == [
        "04:30", "05:30", "06:30", "07:00"]  # fmt: skip
    assert [s.start.utcoffset() for s in slots] == [EDT, EDT, EST, EST]  # 01:30 happens twice


def test_availability_offers_the_window_last_start(adapter):
    # Today's window opens at 11:30 (after now) and runs to 18:00: 60-minute slots from 11:30
    # end with 16:30, and the last start, 17:00 (BookableEndDateTime), is offered as well, so a
    # freed 17:00-18:00 is bookable.
    body = _window("2026-03-03T11:30:00", "2026-03-03T18:00:00", 60, "2026-03-03T17:00:00")
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "bookable_items", body)
        slots = adapter.get_availability(
            date(2026, 3, 3), date(2026, 3, 3), AvailabilityFilters(service_ids=("17",))
        )
    assert [s.start.strftime("%H:%M") for s in slots][-3:] == ["15:30", "16:30", "17:00"]
    assert slots[-1].end == datetime(2026, 3, 3, 18, 0, tzinfo=NY)


def test_availability_prefers_the_staff_session_length(adapter):
    body = _window("2026-03-03T09:00:00", "2026-03-03T10:00:00", 45)
    body["Availabilities"][0]["SessionType"]["StaffTimeLength"] = 20
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "bookable_items", body)
        slots = adapter.get_availability(
            date(2026, 3, 3), date(2026, 3, 3), AvailabilityFilters(service_ids=("17",))
        )
    assert [s.start.strftime("%H:%M") for s in slots] == ["09:00", "09:20", "09:40"]
    assert slots[-1].end == datetime(2026, 3, 3, 10, 0, tzinfo=NY)


def test_availability_without_session_length_reads_the_service(adapter):
    body = _window("2026-03-03T09:00:00", "2026-03-03T10:00:00", 0)
    del body["Availabilities"][0]["SessionType"]["DefaultTimeLength"]
    types = fixture("session_types")
    types["SessionTypes"][0]["DefaultTimeLength"] = 30
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "bookable_items", body)
        get(rsps, "session_types", types)
        slots = adapter.get_availability(
            date(2026, 3, 3), date(2026, 3, 3), AvailabilityFilters(service_ids=("17",))
        )
    assert [s.start.strftime("%H:%M") for s in slots] == ["09:00", "09:30"]


# -- appointments ---------------------------------------------------------------------------------
def test_iter_appointments_pages_until_total(harness, adapter):
    with Mock(assert_all_requests_are_fired=True) as rsps:
        authed(rsps)
        start, end, total = harness.stub_appointment_pages(rsps)
        items = list(adapter.iter_appointments(date.fromisoformat(start), date.fromisoformat(end)))
    assert [a.platform_id for a in items] == ["1001", "1002", "1003", "1004", "1005"]
    assert len(items) == total
    offsets = [params_of(c)["request.offset"][0] for c in rsps.calls[1:]]
    assert offsets == ["0", "2", "4"]
    assert all(a.start.tzinfo is not None for a in items)


def test_paging_stops_on_an_empty_page(adapter):
    first = fixture("staff_appointments")
    first["PaginationResponse"].update(PageSize=1, TotalResults=9)
    empty = {"PaginationResponse": {"PageSize": 0, "TotalResults": 9}, "Appointments": []}
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff_appointments", first)
        get(rsps, "staff_appointments", empty)
        assert len(list(adapter.iter_appointments(date(2026, 3, 2), date(2026, 3, 2)))) == 1
    assert len(rsps.calls) == 3


def test_get_appointment(adapter):
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff_appointments", fixture("staff_appointments"))
        appointment = adapter.get_appointment("121")
    sent = params_of(rsps.calls[1])
    assert sent["request.appointmentIds"] == ["121"]
    # The date window applies to ids too and defaults to today: two years back, one ahead.
    today = datetime.now(NY).date()
    assert sent["request.startDate"] == [(today - timedelta(days=730)).isoformat()]
    assert sent["request.endDate"] == [(today + timedelta(days=365)).isoformat()]
    assert appointment.platform_id == "121"
    assert appointment.status is AppointmentStatus.BOOKED
    assert appointment.start == datetime(2026, 3, 3, 10, 30, tzinfo=NY)
    assert appointment.start.utcoffset() == EST
    assert appointment.end == datetime(2026, 3, 3, 11, 15, tzinfo=NY)
    assert (appointment.customer_id, appointment.service_id) == ("100000120", "17")
    assert (appointment.provider_id, appointment.location_id) == ("5", "1")
    assert appointment.notes == "Trim only"
    assert appointment.raw["Resources"][0]["Name"] == "Room A"


def test_get_appointment_missing_is_not_found(adapter):
    empty = {"PaginationResponse": {"PageSize": 0, "TotalResults": 0}, "Appointments": []}
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff_appointments", empty)
        with pytest.raises(NotFoundError):
            adapter.get_appointment("999")


@pytest.mark.parametrize(
    ("start", "iso"),
    [
        ("2026-03-08T03:30:00", "2026-03-08T03:30:00-04:00"),  # after spring forward
        ("2026-03-08T01:30:00", "2026-03-08T01:30:00-05:00"),  # before it
        ("2026-11-01T01:30:00", "2026-11-01T01:30:00-04:00"),  # repeated hour: first one
        ("2026-11-01T02:30:00", "2026-11-01T02:30:00-05:00"),
        ("2026-03-08T15:00:00Z", "2026-03-08T15:00:00+00:00"),  # explicit UTC honoured
        ("2026-03-08T10:00:00-07:00", "2026-03-08T10:00:00-07:00"),
    ],
)
def test_appointment_times_on_dst_change_days(adapter, start, iso):
    raw = dict(fixture("staff_appointments")["Appointments"][0], StartDateTime=start)
    appointment = adapter.normalize(raw, "appointment")
    assert appointment.start.isoformat() == iso


def test_end_from_duration_when_missing(adapter):
    raw = dict(fixture("staff_appointments")["Appointments"][0], EndDateTime=None)
    appointment = adapter.normalize(raw, "appointment")
    assert appointment.end - appointment.start == timedelta(minutes=45)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("None", AppointmentStatus.BOOKED),
        ("Requested", AppointmentStatus.REQUESTED),
        ("Booked", AppointmentStatus.BOOKED),
        ("Confirmed", AppointmentStatus.CONFIRMED),
        ("Arrived", AppointmentStatus.ARRIVED),
        ("Completed", AppointmentStatus.COMPLETED),
        ("NoShow", AppointmentStatus.NO_SHOW),
        ("Cancelled", AppointmentStatus.CANCELLED),
        ("LateCancelled", AppointmentStatus.LATE_CANCELLED),
    ],
)
def test_status_enum(adapter, status, expected):
    raw = dict(fixture("staff_appointments")["Appointments"][0], Status=status)
    assert adapter.normalize(raw, "appointment").status is expected


def test_unknown_status_is_booked_and_logged(adapter, caplog):
    raw = dict(fixture("staff_appointments")["Appointments"][0], Status="Teleported")
    with caplog.at_level(logging.WARNING):
        assert adapter.normalize(raw, "appointment").status is AppointmentStatus.BOOKED
    assert "Teleported" in caplog.text


def test_unreadable_appointment_is_validation_error(adapter):
    with pytest.raises(ValidationError):
        adapter.normalize(
            {"Status": "Booked", "StartDateTime": "2026-03-03T10:00:00"}, "appointment"
        )
    with pytest.raises(ValidationError):
        adapter.normalize({"Id": 1, "StartDateTime": "yesterday"}, "appointment")


def test_customer_appointments_default_window(adapter):
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff_appointments", fixture("staff_appointments"))
        items = adapter.get_customer_appointments("100000120")
    params = params_of(rsps.calls[1])
    today = datetime.now(NY).date()
    assert params["request.clientId"] == ["100000120"]
    assert params["request.startDate"] == [(today - timedelta(days=365)).isoformat()]
    assert params["request.endDate"] == [(today + timedelta(days=365)).isoformat()]
    assert "request.locationIds" not in params
    assert [a.platform_id for a in items] == ["121"]


def test_customer_appointments_with_filters(adapter):
    filters = AppointmentFilters(
        start_date=date(2026, 1, 1), end_date=date(2026, 3, 31), location_id="1"
    )
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff_appointments", fixture("staff_appointments"))
        adapter.get_customer_appointments("100000120", filters)
    params = params_of(rsps.calls[1])
    assert params["request.startDate"] == ["2026-01-01"]
    assert params["request.endDate"] == ["2026-03-31"]
    assert params["request.locationIds"] == ["1"]


def test_changed_appointments_are_unsupported(adapter):
    with pytest.raises(UnsupportedOperation):
        list(adapter.iter_changed_appointments(datetime(2026, 3, 1, tzinfo=UTC)))


# -- customers, services, providers, locations ---------------------------------------------------
def test_get_customer(adapter):
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "clients", fixture("clients"))
        customer = adapter.get_customer("100000120")
    params = params_of(rsps.calls[1])
    assert params["request.clientIDs"] == ["100000120"]
    assert params["request.includeInactive"] == ["true"]
    assert customer.platform_id == "100000120"
    assert customer.name == "John Smith"
    assert customer.email == "john.smith@example.com" and customer.phone == "8055551234"
    assert customer.updated_at == datetime(2026, 2, 27, 15, 4, 5, tzinfo=UTC)
    assert customer.created_at == datetime(2024, 5, 14, 9, 12, tzinfo=NY)
    assert customer.active and customer.email_opt_in is True and customer.sms_opt_in is False
    assert customer.raw["UniqueId"] == 100000120


def test_get_customer_not_found(adapter):
    empty = {"PaginationResponse": {"PageSize": 0, "TotalResults": 0}, "Clients": []}
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "clients", empty)
        with pytest.raises(NotFoundError):
            adapter.get_customer("nope")


def test_iter_customers_changed_since(adapter):
    since = datetime(2026, 3, 1, 9, 0, tzinfo=NY)
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "clients", fixture("clients"))
        customers = list(adapter.iter_customers(changed_since=since))
    params = params_of(rsps.calls[1])
    assert params["request.lastModifiedDate"] == ["2026-03-01T14:00:00Z"]
    assert [c.platform_id for c in customers] == ["100000120"]


def test_iter_customers_all(adapter):
    inactive = fixture("clients")
    inactive["Clients"][0]["Active"] = False
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "clients", inactive)
        customers = list(adapter.iter_customers())
    assert "request.lastModifiedDate" not in params_of(rsps.calls[1])
    assert customers[0].active is False


def test_services(adapter):
    page1 = fixture("session_types")
    page1["SessionTypes"] = page1["SessionTypes"][1:]
    page1["PaginationResponse"].update(PageSize=1, TotalResults=2)
    page2 = fixture("session_types")
    page2["SessionTypes"] = page2["SessionTypes"][:1]
    page2["PaginationResponse"].update(PageSize=1, TotalResults=2, RequestedOffset=1)
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "session_types", page1)
        get(rsps, "session_types", page2)
        service = adapter.get_service("17")
        get(rsps, "session_types", fixture("session_types"))
        services = list(adapter.iter_services())
        get(rsps, "session_types", fixture("session_types"))
        with pytest.raises(NotFoundError):
            adapter.get_service("999")
    assert (service.platform_id, service.name, service.category) == ("17", "Women's Cut", "Hair")
    assert service.duration_minutes == 45 and service.price is None
    assert [s.platform_id for s in services] == ["17"]


def test_providers(adapter):
    ended = fixture("staff")
    ended["StaffMembers"][0]["EmploymentEnd"] = "2020-01-01T00:00:00"
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff", ended)
        providers = list(adapter.iter_providers())
    assert params_of(rsps.calls[1])["request.filters"] == ["AppointmentInstructor"]
    assert [(p.platform_id, p.active) for p in providers] == [("5", False)]


def test_get_provider_not_found(adapter):
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "staff", {"PaginationResponse": {"PageSize": 0, "TotalResults": 0}})
        with pytest.raises(NotFoundError):
            adapter.get_provider("77")


def test_locations(adapter):
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "locations", fixture("locations"))
        locations = list(adapter.iter_locations())
    assert [(loc.platform_id, loc.name) for loc in locations] == [("1", "Demo Salon Brooklyn")]


# -- booking and cancelling -----------------------------------------------------------------------
def _booking(**kwargs) -> BookingRequest:
    values = {
        "customer_id": "100000120",
        "service_id": "17",
        "provider_id": "5",
        "location_id": "1",
        "start": datetime(2026, 3, 5, 19, 0, tzinfo=UTC),
        "notes": "First visit",
        "idempotency_key": "book-123",
    }
    return BookingRequest(**{**values, **kwargs})


def test_book_appointment(adapter):
    with Mock(assert_all_requests_are_fired=True) as rsps:
        authed(rsps)
        rsps.add(responses.POST, url("add_appointment"), json=fixture("add_appointment_response"))
        appointment = adapter.book_appointment(_booking())
    call = rsps.calls[1]
    assert body_of(call) == {
        "ClientId": "100000120",
        "LocationId": 1,
        "SessionTypeId": 17,
        "StaffId": 5,
        "StartDateTime": "2026-03-05T14:00:00",  # 19:00 UTC as New York wall clock
        "SendEmail": True,  # the salon's own confirmation email (Mindbody's default: none)
        "ApplyPayment": False,  # never the client's pass unless the salon says so
        "Notes": "First visit",
        "PartnerExternalId": "book-123",
    }
    assert call.request.headers["Authorization"] == "Bearer a1b2c3d4e5f6"
    assert call.request.headers["Content-Type"] == "application/json"
    assert appointment.platform_id == "122"
    assert appointment.start == datetime(2026, 3, 5, 14, 0, tzinfo=NY)


def test_booking_on_dst_day_sends_local_wall_clock(adapter):
    with Mock() as rsps:
        authed(rsps)
        rsps.add(responses.POST, url("add_appointment"), json=fixture("add_appointment_response"))
        adapter.book_appointment(_booking(start=datetime(2026, 3, 8, 14, 0, tzinfo=UTC)))
        adapter.book_appointment(_booking(start=datetime(2026, 11, 1, 6, 30, tzinfo=UTC)))
    assert body_of(rsps.calls[1])["StartDateTime"] == "2026-03-08T10:00:00"
    assert body_of(rsps.calls[2])["StartDateTime"] == "2026-11-01T01:30:00"


def test_booking_refused(harness, adapter):
    with Mock() as rsps:
        authed(rsps)
        request = harness.stub_booking_refused(rsps)
        with pytest.raises(ValidationError) as info:
            adapter.book_appointment(request)
    assert info.value.platform_code == "InvalidBookingTime"
    assert len(rsps.calls) == 2


@pytest.mark.parametrize(
    "failure", [requests.ReadTimeout(), None], ids=["read-timeout", "server-error"]
)
def test_booking_is_never_blindly_retried(adapter, failure):
    with Mock() as rsps:
        authed(rsps)
        if failure is None:
            rsps.add(responses.POST, url("add_appointment"), status=503, json={})
        else:
            rsps.add(responses.POST, url("add_appointment"), body=failure)
        with pytest.raises(TransientError):
            adapter.book_appointment(_booking())
    assert len([c for c in rsps.calls if url("add_appointment") in c.request.url]) == 1


def test_booking_uses_the_only_location_and_options(harness):
    options = {"api_key": API_KEY, "apply_payment": "yes", "send_email": "no"}
    adapter = MindbodyAdapter(harness.config(options=options))
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "locations", fixture("locations"))
        rsps.add(responses.POST, url("add_appointment"), json=fixture("add_appointment_response"))
        adapter.book_appointment(_booking(location_id="", notes="", idempotency_key=""))
    body = body_of(rsps.calls[-1])
    assert body["LocationId"] == 1 and body["ApplyPayment"] is True and body["SendEmail"] is False
    assert "Notes" not in body and "PartnerExternalId" not in body


def test_booking_needs_a_location_when_several(adapter):
    locations = fixture("locations")
    locations["Locations"].append(dict(locations["Locations"][0], Id=2, Name="Second"))
    with Mock() as rsps:
        authed(rsps)
        get(rsps, "locations", locations)
        with pytest.raises(ValidationError, match="location"):
            adapter.book_appointment(_booking(location_id=""))


def test_booking_with_non_numeric_ids_is_refused_locally(adapter):
    with pytest.raises(ValidationError):
        adapter.book_appointment(_booking(service_id="abc"))


@pytest.mark.parametrize(("late", "execute"), [(False, "cancel"), (True, "latecancel")])
def test_cancel_appointment(adapter, late, execute):
    answer = fixture("update_appointment_response")
    answer["Appointment"]["Status"] = "LateCancelled" if late else "Cancelled"
    with Mock(assert_all_requests_are_fired=True) as rsps:
        authed(rsps)
        rsps.add(
            responses.POST,
            url("update_appointment"),
            json=answer,
            match=[matchers.json_params_matcher({"AppointmentId": 121, "Execute": execute})],
        )
        appointment = adapter.cancel_appointment("121", late=late)
    expected = AppointmentStatus.LATE_CANCELLED if late else AppointmentStatus.CANCELLED
    assert appointment.platform_id == "121" and appointment.status is expected


def test_cancelled_fixture_is_the_documented_bytes():
    from tests.integrations.adapters.harness import FIXTURES

    raw = (FIXTURES / "mindbody" / "event_appointment_booking_cancelled.json").read_bytes()
    # docs/platforms/mindbody.md §6.9: the signature example is computed over these bytes.
    assert len(raw) == 207


def test_base_url_is_configurable():
    config = AdapterConfig(
        base_url="https://sandbox.example/mb/",
        credentials={"username": "u", "password": "p"},
        account={"site_id": "-99"},
        options={"api_key": "k"},
    )
    adapter = MindbodyAdapter(config)
    with Mock() as rsps:
        rsps.add(
            responses.POST,
            "https://sandbox.example/mb" + PATHS["issue_token"],
            json=issue_response(),
        )
        adapter.authenticate()
    assert BASE_URL not in rsps.calls[0].request.url


def _one_attempt():
    from integrations.adapters.http import RetryPolicy

    return RetryPolicy(max_attempts=1)
