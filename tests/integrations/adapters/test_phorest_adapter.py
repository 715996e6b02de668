"""PhorestAdapter against Phorest's documented payloads (tests/fixtures/phorest/)."""

from __future__ import annotations

import base64
import itertools
import json
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from responses import matchers

from integrations.adapters.base import ConfigurationError
from integrations.adapters.errors import (
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    TransientError,
    UnsupportedOperation,
    ValidationError,
)
from integrations.adapters.phorest import PATHS, PhorestAdapter
from integrations.adapters.types import (
    Appointment,
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
    WebhookAuth,
)
from tests.integrations.adapters.harness import load_fixture
from tests.integrations.adapters.harness.phorest import (
    BRANCH,
    BUSINESS,
    Harness,
    appointment,
    listing,
)

NY = ZoneInfo("America/New_York")
CLIENT = "igK6P6lu40g3UeT_zhmJhw"
SERVICE = "SeRv1cE0aBcDeFgHiJkLmN"
STAFF = "StAfF0aBcDeFgHiJkLmNoP"


@pytest.fixture
def h() -> Harness:
    return Harness()


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def fixture(name: str) -> dict:
    return load_fixture("phorest", name)


def adapter(h: Harness, **options) -> PhorestAdapter:
    return h.adapter(options=options)


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlparse(call.request.url).query)


def appointments_url(h: Harness) -> str:
    return f"{h.branch_url}/appointment"


# -- construction, auth, connection -------------------------------------------------------------
def test_class_attributes_and_capabilities():
    assert PhorestAdapter.platform == "phorest"
    assert PhorestAdapter.display_name == "Phorest"
    assert PhorestAdapter.base_url_setting == "PHOREST_API_URL"
    assert PhorestAdapter.default_base_url.startswith("https://api-gateway-eu.phorest.com/")
    assert PhorestAdapter.uses_token is False
    caps = PhorestAdapter.capabilities
    assert caps.webhooks is WebhookAuth.NONE
    assert caps.max_range_days == 31
    assert caps.can_cancel and caps.can_book
    assert {"customer", "changed_since"} <= caps.filters
    fields = {f.name: f for f in PhorestAdapter.credential_fields}
    assert fields["username"].label == "API username (global/…)"
    assert fields["password"].secret and not fields["username"].secret
    assert [f.name for f in PhorestAdapter.account_fields] == ["business_id", "branch_id"]
    assert PATHS["availability"].endswith("/appointments/availability")


def test_missing_branch_is_a_configuration_error(h):
    with pytest.raises(ConfigurationError, match="Branch ID"):
        h.adapter(account={"business_id": BUSINESS})


def test_basic_auth_header_is_utf8_and_no_token(h, rsps):
    h.stub_probe(rsps)
    a = h.adapter()
    assert a.authenticate() is None
    customer = a.get_customer("cust-1")
    assert customer.platform_id == "cust-1"
    sent = rsps.calls[0].request.headers
    expected = base64.b64encode("global/owner@example.com:s3cret-pässword".encode()).decode()
    assert sent["Authorization"] == f"Basic {expected}"
    assert sent["Accept"] == "application/json"


def test_test_connection_reads_branch_name_and_zone(h, rsps):
    h.stub_branches(rsps, time_zone="Europe/Dublin")
    result = h.adapter().test_connection()
    assert result.ok is True
    assert result.account_name == "Demo Salon Midtown"
    assert result.timezone == "Europe/Dublin"
    assert query(rsps.calls[0]) == {"size": ["100"], "page": ["0"]}
    assert result.facts == {"branch_timezone": "Europe/Dublin"}  # saved: no branch list per sync


def test_a_saved_branch_zone_spares_the_branch_list_and_a_fresh_one_wins(h, rsps):
    rsps.get(appointments_url(h), json=listing("appointments", [appointment(1)]))
    a = adapter(h, branch_timezone="Europe/Dublin")
    [appt] = list(a.iter_appointments(date(2026, 3, 14), date(2026, 3, 14)))
    assert appt.start.tzinfo == ZoneInfo("Europe/Dublin") and len(rsps.calls) == 1
    h.stub_branches(rsps, time_zone="America/New_York")  # the branch moved: its word wins
    list(a.iter_locations())
    assert a.branch_zone(BRANCH) == NY


def test_test_connection_unknown_branch_is_not_ok(h, rsps):
    other = fixture("branch") | {"branchId": "another"}
    rsps.get(f"{h.base_url}/{BUSINESS}/branch", json=listing("branches", [other]))
    result = h.adapter().test_connection()
    assert result.ok is False
    assert "branch" in result.message


def test_401_raises_authentication_error_at_once(h, rsps):
    rsps.get(f"{h.base_url}/{BUSINESS}/branch", status=401)
    with pytest.raises(AuthenticationError) as info:
        h.adapter().test_connection()
    assert len(rsps.calls) == 1  # no token to refresh, no retry
    assert "owner@example.com" not in str(info.value)
    assert "s3cret" not in str(info.value)


def test_401_twice_is_still_one_authentication_error_per_call(h, rsps):
    h.stub_probe(rsps, status=401)
    h.stub_probe(rsps, status=401)
    a = h.adapter()
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            a.get_customer("cust-1")
    assert len(rsps.calls) == 2
    assert all(call.request.headers["Authorization"].startswith("Basic ") for call in rsps.calls)


# -- single reads -------------------------------------------------------------------------------
def test_get_customer_normalizes_documented_client(h, rsps):
    rsps.get(f"{h.base_url}/{BUSINESS}/client/{CLIENT}", json=fixture("client"))
    c = h.adapter().get_customer(CLIENT)
    assert (c.platform_id, c.first_name, c.last_name) == (CLIENT, "Amanda", "Doe")
    assert c.email == "amanda@example.com"
    assert c.phone == "353871234567"
    assert c.created_at == datetime(2021, 10, 4, 9, 39, 46, tzinfo=UTC)
    assert c.updated_at.utcoffset() == timedelta(0)
    assert c.active is True
    assert c.email_opt_in is True and c.sms_opt_in is True
    assert c.raw["clientId"] == CLIENT


def test_archived_or_merged_customer_is_inactive(h):
    a = h.adapter()
    assert a.normalize(fixture("client") | {"archived": True}, "customer").active is False
    assert a.normalize(fixture("client") | {"mergedToClientId": "x"}, "customer").active is False


def test_get_service(h, rsps):
    rsps.get(f"{h.branch_url}/service/{SERVICE}", json=fixture("service"))
    s = h.adapter().get_service(SERVICE)
    assert (s.platform_id, s.name, s.category) == (SERVICE, "Cut & Blow Dry", "Hair")
    assert s.duration_minutes == 45
    assert s.price == Decimal("55.0")
    assert s.active is True


def test_get_provider(h, rsps):
    rsps.get(f"{h.branch_url}/staff/{STAFF}", json=fixture("staff"))
    p = h.adapter().get_provider(STAFF)
    assert (p.platform_id, p.name, p.active) == (STAFF, "Jordan Reyes", True)


def test_ids_are_url_encoded_in_paths(h, rsps):
    rsps.get(f"{h.base_url}/{BUSINESS}/client/a%2Fb%3D", json=fixture("client"))
    h.adapter().get_customer("a/b=")
    assert rsps.calls[0].request.path_url.endswith("/client/a%2Fb%3D")


def test_get_appointment_reads_wall_clock_in_branch_zone(h, rsps):
    # The salon is configured in Dublin, the branch says New York: the branch wins.
    h.stub_branches(rsps, time_zone="America/New_York")
    rsps.get(f"{h.branch_url}/appointment/aPpT9xQ2RkGm0vYz1LwE4a", json=fixture("appointment"))
    appt = h.adapter(timezone="Europe/Dublin").get_appointment("aPpT9xQ2RkGm0vYz1LwE4a")
    assert appt.platform_id == "aPpT9xQ2RkGm0vYz1LwE4a"
    assert appt.start == datetime(2026, 3, 14, 14, 30, tzinfo=NY)
    assert appt.start.utcoffset() == timedelta(hours=-4)
    assert appt.end - appt.start == timedelta(minutes=45)
    assert appt.status is AppointmentStatus.CONFIRMED  # ACTIVE + BOOKED + confirmed
    assert (appt.customer_id, appt.service_id, appt.provider_id) == (CLIENT, SERVICE, STAFF)
    assert appt.location_id == BRANCH
    assert appt.service_name == "Cut & Blow Dry"
    assert appt.price == Decimal("55.0")
    assert appt.updated_at == datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC)


def test_branch_zone_lookup_happens_once_and_falls_back_to_salon_zone(h, rsps):
    no_zone = fixture("branch") | {"timeZone": None}
    rsps.get(f"{h.base_url}/{BUSINESS}/branch", json=listing("branches", [no_zone]))
    rsps.get(f"{h.branch_url}/appointment/x", json=fixture("appointment"))
    rsps.get(f"{h.branch_url}/appointment/x", json=fixture("appointment"))
    a = h.adapter(timezone="Europe/Dublin")
    first, second = a.get_appointment("x"), a.get_appointment("x")
    assert (
        first.start
        == second.start
        == datetime(2026, 3, 14, 14, 30, tzinfo=ZoneInfo("Europe/Dublin"))
    )
    assert len(rsps.calls) == 3  # the branch list only once


def test_branch_timezone_option_skips_the_lookup(h, rsps):
    rsps.get(f"{h.branch_url}/appointment/x", json=fixture("appointment"))
    appt = adapter(h, branch_timezone="America/Los_Angeles").get_appointment("x")
    assert appt.start.utcoffset() == timedelta(hours=-7)


def test_appointment_times_utc_option(h, rsps):
    rsps.get(f"{h.branch_url}/appointment/x", json=fixture("appointment"))
    appt = adapter(h, appointment_times="utc").get_appointment("x")
    assert appt.start == datetime(2026, 3, 14, 14, 30, tzinfo=UTC)


def test_get_appointment_404_is_not_found(h, rsps):
    rsps.get(f"{h.branch_url}/appointment/gone", status=404, json={"detail": "Not Found"})
    with pytest.raises(NotFoundError):
        h.adapter().get_appointment("gone")
    assert len(rsps.calls) == 1  # no branch lookup for a missing appointment


# -- time zones ---------------------------------------------------------------------------------
def ny_adapter(h: Harness) -> PhorestAdapter:
    return adapter(h, branch_timezone="America/New_York")


def test_spring_forward_day(h):
    raw = appointment(1, appointmentDate="2026-03-08", startTime="01:30:00", endTime="03:30:00")
    appt = ny_adapter(h).normalize(raw, "appointment")
    assert appt.start.utcoffset() == timedelta(hours=-5)
    assert appt.end.utcoffset() == timedelta(hours=-4)
    assert appt.start.astimezone(UTC) == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert appt.end.astimezone(UTC) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert appt.end.astimezone(UTC) - appt.start.astimezone(UTC) == timedelta(hours=1)


def test_fall_back_day(h):
    raw = appointment(1, appointmentDate="2026-11-01", startTime="01:30:00.000", endTime="02:30:00")
    appt = ny_adapter(h).normalize(raw, "appointment")
    assert appt.start.utcoffset() == timedelta(hours=-4)  # the first 01:30
    assert appt.end.utcoffset() == timedelta(hours=-5)
    assert appt.start.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert appt.end.astimezone(UTC) == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


def test_appointment_crossing_midnight_ends_next_day(h):
    raw = appointment(1, appointmentDate="2026-03-14", startTime="23:30:00", endTime="00:30:00")
    appt = ny_adapter(h).normalize(raw, "appointment")
    assert appt.start == datetime(2026, 3, 14, 23, 30, tzinfo=NY)
    assert appt.end == datetime(2026, 3, 15, 0, 30, tzinfo=NY)


def test_appointment_without_end_uses_duration(h):
    raw = appointment(1, duration=30)
    del raw["endTime"]
    appt = ny_adapter(h).normalize(raw, "appointment")
    assert appt.end - appt.start == timedelta(minutes=30)


# -- statuses -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"state": "BOOKED", "confirmed": False}, AppointmentStatus.BOOKED),
        ({"state": "BOOKED", "confirmed": True}, AppointmentStatus.CONFIRMED),
        ({"state": "CHECKED_IN"}, AppointmentStatus.ARRIVED),
        ({"state": "PAID"}, AppointmentStatus.COMPLETED),
        ({"state": "NO_SHOW"}, AppointmentStatus.NO_SHOW),
        ({"state": "COMPLETED"}, AppointmentStatus.COMPLETED),
        ({"state": "CANCELLED"}, AppointmentStatus.CANCELLED),
        ({"activationState": "RESERVED"}, AppointmentStatus.REQUESTED),
        ({"activationState": "CANCELED"}, AppointmentStatus.CANCELLED),
        ({"activationState": "CANCELLED"}, AppointmentStatus.CANCELLED),
        ({"deleted": True}, AppointmentStatus.CANCELLED),
    ],
)
def test_status_map(h, changes, expected):
    raw = appointment(1, **changes)
    assert ny_adapter(h).normalize(raw, "appointment").status is expected


def test_unknown_status_is_never_booked_and_logged(h, caplog):
    """How Phorest marks a no-show is UNCONFIRMED (docs/platforms/phorest.md §2.4): a state or
    activationState not in the evidence could be one, so it reads as REQUESTED, not BOOKED."""
    a = ny_adapter(h)
    with caplog.at_level(logging.WARNING):
        weird = a.normalize(appointment(1, state="TELEPORTED", confirmed=True), "appointment")
        odd = a.normalize(appointment(2, activationState="LIMBO", state="PAID"), "appointment")
        held = a.normalize(appointment(3, activationState="ARCHIVED"), "appointment")
    assert weird.status is AppointmentStatus.REQUESTED
    assert odd.status is AppointmentStatus.COMPLETED  # a known state that is not "booked"
    assert held.status is AppointmentStatus.REQUESTED  # ARCHIVED + BOOKED + confirmed
    assert "TELEPORTED" in caplog.text and "LIMBO" in caplog.text and "ARCHIVED" in caplog.text


def test_no_show_fixture_reads_as_no_show(h):
    appt = ny_adapter(h).normalize(fixture("appointment_no_show"), "appointment")
    assert appt.status is AppointmentStatus.NO_SHOW
    assert not appt.status.is_active


def test_unreadable_object_is_a_validation_error(h):
    a = ny_adapter(h)
    with pytest.raises(ValidationError):
        a.normalize(appointment(1, startTime="quarter past two"), "appointment")
    with pytest.raises(ValidationError):
        a.normalize({"firstName": "No id"}, "customer")
    with pytest.raises(UnsupportedOperation):
        a.normalize({}, "event")


# -- listings -----------------------------------------------------------------------------------
def test_iter_appointments_pages_through_the_listing(h, rsps):
    start, end, total = h.stub_appointment_pages(rsps)
    a = h.adapter()
    found = list(a.iter_appointments(date.fromisoformat(start), date.fromisoformat(end)))
    assert [x.platform_id for x in found] == [f"appt-{n}" for n in range(1, total + 1)]
    assert found[0].start == datetime(2026, 3, 2, 14, 30, tzinfo=NY)
    pages = [query(c) for c in rsps.calls if c.request.url.startswith(appointments_url(h))]
    assert [p["page"] for p in pages] == [["0"], ["1"], ["2"]]
    assert all(p["fetch_canceled"] == ["true"] and p["size"] == ["100"] for p in pages)


def test_iter_appointments_splits_into_31_day_windows(h, rsps):
    windows = [("2026-03-01", "2026-03-31"), ("2026-04-01", "2026-04-30")]
    for n, (first, last) in enumerate(windows):
        rsps.get(
            appointments_url(h),
            json=listing("appointments", [appointment(n)]),
            match=[
                matchers.query_param_matcher(
                    {"from_date": first, "to_date": last}, strict_match=False
                )
            ],
        )
    found = list(ny_adapter(h).iter_appointments(date(2026, 3, 1), date(2026, 4, 30)))
    assert [x.platform_id for x in found] == ["appt-0", "appt-1"]


def test_bare_array_embedded_and_empty_listing(h, rsps):
    rsps.get(appointments_url(h), json={"_embedded": [appointment(7)]})
    rsps.get(appointments_url(h), json={"page": {"number": 0, "totalPages": 0}})
    a = ny_adapter(h)
    assert [x.platform_id for x in a.iter_appointments(date(2026, 3, 2), date(2026, 3, 2))] == [
        "appt-7"
    ]
    assert list(a.iter_appointments(date(2026, 3, 2), date(2026, 3, 2))) == []


def test_get_customer_appointments_uses_client_id_and_refilters(h, rsps, caplog):
    rows = [
        appointment(2, clientId=CLIENT, appointmentDate="2026-03-20"),
        appointment(9, clientId="someone-else"),
        appointment(1, clientId=CLIENT, appointmentDate="2026-03-10"),
    ]
    rsps.get(
        appointments_url(h),
        json=listing("appointments", rows),
        match=[
            matchers.query_param_matcher(
                {"client_id": CLIENT, "from_date": "2026-03-01", "to_date": "2026-03-31"},
                strict_match=False,
            )
        ],
    )
    filters = AppointmentFilters(start_date=date(2026, 3, 1), end_date=date(2026, 3, 31))
    with caplog.at_level(logging.WARNING):
        found = ny_adapter(h).get_customer_appointments(CLIENT, filters)
    assert [x.platform_id for x in found] == ["appt-1", "appt-2"]  # sorted, stranger dropped
    assert "clientId" not in query(rsps.calls[0])
    assert "ignored the client filter" in caplog.text
    assert "someone-else" not in caplog.text


def test_get_customer_appointments_default_window(h, rsps):
    rsps.get(appointments_url(h), json=listing("appointments", []))
    a = adapter(h, branch_timezone="America/New_York", history_days=10, future_days=10)
    assert a.get_customer_appointments(CLIENT) == []
    today = datetime.now(NY).date()
    q = query(rsps.calls[0])
    assert q["from_date"] == [(today - timedelta(days=10)).isoformat()]
    assert q["to_date"] == [(today + timedelta(days=10)).isoformat()]
    assert len(rsps.calls) == 1  # 21 days: one window


def test_iter_changed_appointments_sends_update_filter_in_date_windows(h, rsps):
    since = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    old = appointment(1, updatedAt="2026-02-27T09:00:00.000Z")  # filter ignored: re-checked
    new = appointment(2, updatedAt="2026-03-01T10:05:00.000Z")
    seen = []

    def answer(request):
        seen.append(parse_qs(urlparse(request.url).query))
        rows = [old, new] if len(seen) == 1 else []
        return 200, {}, json.dumps(listing("appointments", rows))

    rsps.add_callback(responses.GET, appointments_url(h), callback=answer)
    a = adapter(h, branch_timezone="America/New_York", changed_past_days=3, changed_future_days=40)
    found = list(a.iter_changed_appointments(since))
    assert [x.platform_id for x in found] == ["appt-2"]
    assert all(
        q["updated_after"] == q["updated_from"] == ["2026-03-01T10:00:00.000Z"] for q in seen
    )
    assert all(q["fetch_deleted"] == ["true"] and q["fetch_canceled"] == ["true"] for q in seen)
    windows = [
        (date.fromisoformat(q["from_date"][0]), date.fromisoformat(q["to_date"][0])) for q in seen
    ]
    assert windows[0][0] == min(date(2026, 3, 1), datetime.now(NY).date()) - timedelta(days=3)
    assert windows[-1][1] == datetime.now(NY).date() + timedelta(days=40)
    for (_, last), (first, _) in itertools.pairwise(windows):
        assert first == last + timedelta(days=1)
    assert all((last - first).days < 31 for first, last in windows)


def test_the_15_minute_read_covers_yesterday_to_60_days_ahead_in_two_calls(h, rsps):
    rsps.get(appointments_url(h), json=listing("appointments", []))
    a = adapter(h, branch_timezone="America/New_York")
    list(a.iter_changed_appointments(datetime.now(UTC) - timedelta(minutes=15)))
    today = datetime.now(NY).date()
    windows = [(query(c)["from_date"][0], query(c)["to_date"][0]) for c in rsps.calls]
    assert len(windows) == 2  # 62 days in windows of at most 31
    assert windows[0][0] == (today - timedelta(days=1)).isoformat()
    assert windows[-1][1] == (today + timedelta(days=60)).isoformat()


def test_iter_changed_appointments_single_filter_name_option(h, rsps):
    rsps.get(appointments_url(h), json=listing("appointments", []))
    a = adapter(
        h,
        branch_timezone="America/New_York",
        updated_filter="updated_from",
        changed_past_days=0,
        changed_future_days=0,
    )
    list(a.iter_changed_appointments(datetime.now(UTC)))
    q = query(rsps.calls[0])
    assert "updated_from" in q and "updated_after" not in q


def test_iter_customers_with_changed_since_and_paging(h, rsps):
    url = f"{h.base_url}/{BUSINESS}/client"
    for number in range(2):
        rsps.get(
            url,
            json=listing("clients", [fixture("client") | {"clientId": f"c{number}"}], number, 2),
            match=[matchers.query_param_matcher({"page": str(number)}, strict_match=False)],
        )
    since = datetime(2026, 3, 1, 5, 0, tzinfo=NY)
    found = list(h.adapter().iter_customers(changed_since=since))
    assert [c.platform_id for c in found] == ["c0", "c1"]
    assert query(rsps.calls[0])["updatedAfter"] == ["2026-03-01T10:00:00.000Z"]


def test_iter_services(h, rsps):
    rsps.get(f"{h.branch_url}/service", json=listing("services", [fixture("service")]))
    assert [s.name for s in h.adapter().iter_services()] == ["Cut & Blow Dry"]


def test_iter_providers_keeps_hidden_online_staff_for_salon_booking(h, rsps):
    """docs/platforms/phorest.md §7.8: staff hidden from online bookings stay bookable by the
    salon (flagged not online-bookable); archived, off the appointment screen, or of another
    branch they are not."""
    staff = [
        fixture("staff"),
        fixture("staff") | {"staffId": "elsewhere", "branchId": "other-branch"},
        fixture("staff_hidden_online"),
        fixture("staff") | {"staffId": "off-screen", "hideFromAppointmentScreen": True},
        fixture("staff") | {"staffId": "gone", "archived": True},
    ]
    rsps.get(f"{h.branch_url}/staff", json=listing("staffs", staff))
    found = list(h.adapter().iter_providers())
    assert [(p.platform_id, p.active, p.online_bookable) for p in found] == [
        (STAFF, True, True),
        ("HiDdEn0nL1nE0aBcDeFgHi", True, False),
        ("off-screen", False, True),
        ("gone", False, True),
    ]
    assert found[1].raw["hideFromOnlineBookings"] is True


def test_iter_locations(h, rsps):
    h.stub_branches(rsps, time_zone="Europe/Dublin")
    [loc] = list(h.adapter().iter_locations())
    assert (loc.platform_id, loc.name, loc.timezone) == (
        BRANCH,
        "Demo Salon Midtown",
        "Europe/Dublin",
    )


# -- availability -------------------------------------------------------------------------------
def test_get_availability_sends_utc_window_and_reads_slots(h, rsps):
    h.stub_branches(rsps)
    request = fixture("availability_request")
    request["startTime"], request["endTime"] = (
        "2026-03-14T04:00:00.000Z",
        "2026-03-15T04:00:00.000Z",
    )
    rsps.post(
        f"{h.branch_url}/appointments/availability",
        json=fixture("availability_response"),
        match=[matchers.json_params_matcher(request)],
    )
    filters = AvailabilityFilters(service_ids=(SERVICE,), provider_ids=(STAFF,))
    online = adapter(h, availability="online")  # the documented sample asks for online rules
    [slot] = online.get_availability(date(2026, 3, 14), date(2026, 3, 14), filters)
    assert slot.start == datetime(2026, 3, 14, 14, 30, tzinfo=UTC)
    assert slot.end == datetime(2026, 3, 14, 15, 15, tzinfo=UTC)
    assert (slot.provider_id, slot.service_id, slot.location_id) == (STAFF, SERVICE, BRANCH)


def test_get_availability_window_on_dst_day_and_alternative_staff_dropped(h, rsps):
    body = fixture("availability_response")
    alt = json.loads(json.dumps(body["data"][0]))
    alt["clientSchedules"][0]["serviceSchedules"][0].update(
        staffId="someone-else", alternativeStaffMember=True
    )
    body["data"].append(alt)
    rsps.post(f"{h.branch_url}/appointments/availability", json=body)
    a = adapter(h, branch_timezone="America/New_York")
    filters = AvailabilityFilters(service_ids=(SERVICE,), provider_ids=(STAFF,))
    slots = a.get_availability(date(2026, 3, 8), date(2026, 3, 8), filters)
    assert [s.provider_id for s in slots] == [STAFF]
    sent = json.loads(rsps.calls[0].request.body)
    assert sent["startTime"] == "2026-03-08T05:00:00.000Z"  # EST midnight
    assert sent["endTime"] == "2026-03-09T04:00:00.000Z"  # EDT midnight: a 23-hour day


def test_get_availability_one_request_per_service_without_staff(h, rsps):
    rsps.post(f"{h.branch_url}/appointments/availability", json={"data": [], "links": []})
    rsps.post(f"{h.branch_url}/appointments/availability", json={"data": [], "links": []})
    a = adapter(h, branch_timezone="America/New_York")
    filters = AvailabilityFilters(service_ids=("s1", "s2"))
    assert a.get_availability(date(2026, 3, 2), date(2026, 3, 3), filters) == []
    selections = [
        json.loads(c.request.body)["clientServiceSelections"][0]["serviceSelections"]
        for c in rsps.calls
    ]
    assert selections == [[{"serviceId": "s1"}], [{"serviceId": "s2"}]]


def test_get_availability_chunks_long_ranges(h, rsps):
    rsps.post(f"{h.branch_url}/appointments/availability", json={"data": []})
    rsps.post(f"{h.branch_url}/appointments/availability", json={"data": []})
    a = adapter(h, branch_timezone="America/New_York", availability_window_days=7)
    a.get_availability(date(2026, 3, 2), date(2026, 3, 12), AvailabilityFilters(service_ids=("s",)))
    bodies = [json.loads(c.request.body) for c in rsps.calls]
    assert [b["startTime"][:10] for b in bodies] == ["2026-03-02", "2026-03-09"]


@pytest.mark.parametrize("choice", [None, "salon", "bogus", True])
def test_get_availability_searches_the_salon_calendar_unless_the_owner_chose_online(
    h, rsps, choice
):
    """SalonSync books for the salon: isOnlineAvailability is false unless the integration's
    ``availability`` setting is "online" (docs/platforms/phorest.md §2.5, §7.16)."""
    rsps.post(f"{h.branch_url}/appointments/availability", json={"data": []})
    options = {"branch_timezone": "America/New_York"}
    if choice is not None:
        options["availability"] = choice
    filters = AvailabilityFilters(service_ids=(SERVICE,))
    adapter(h, **options).get_availability(date(2026, 3, 2), date(2026, 3, 2), filters)
    assert json.loads(rsps.calls[0].request.body)["isOnlineAvailability"] is False


def test_get_availability_needs_a_service(h):
    with pytest.raises(ValidationError):
        ny_adapter(h).get_availability(date(2026, 3, 2), date(2026, 3, 2))


# -- booking ------------------------------------------------------------------------------------
def booking() -> BookingRequest:
    return BookingRequest(
        customer_id=CLIENT,
        service_id=SERVICE,
        provider_id=STAFF,
        start=datetime(2026, 3, 14, 10, 30, tzinfo=NY),
        notes="Booked online",
    )


def test_book_appointment_sends_documented_body_in_utc(h, rsps):
    expected = fixture("booking_request")
    rsps.post(
        f"{h.branch_url}/booking",
        status=201,
        json=fixture("booking_response"),
        match=[matchers.json_params_matcher(expected)],
    )
    appt = h.adapter().book_appointment(booking())
    assert appt.platform_id == "aPpT9xQ2RkGm0vYz1LwE4a"
    assert appt.status is AppointmentStatus.BOOKED
    assert appt.start == datetime(2026, 3, 14, 14, 30, tzinfo=UTC)
    assert appt.end == datetime(2026, 3, 14, 15, 15, tzinfo=UTC)
    assert (appt.customer_id, appt.provider_id, appt.location_id) == (CLIENT, STAFF, BRANCH)
    assert appt.raw["bookingId"] == "BoOk1nG0aBcDeFgHiJkLmN"
    assert "force_selected_time" not in rsps.calls[0].request.url


def test_book_appointment_reserved_status_option(h, rsps):
    answer = fixture("booking_response") | {"bookingStatus": "RESERVED"}
    rsps.post(f"{h.branch_url}/booking", status=201, json=answer)
    appt = adapter(h, booking_status="RESERVED").book_appointment(booking())
    assert json.loads(rsps.calls[0].request.body)["bookingStatus"] == "RESERVED"
    assert appt.status is AppointmentStatus.REQUESTED


def test_booking_refused_is_validation_error_with_code(h, rsps):
    request = h.stub_booking_refused(rsps)
    with pytest.raises(ValidationError) as info:
        h.adapter().book_appointment(request)
    assert info.value.platform_code == "SLOT_UNAVAILABLE"
    assert info.value.status_code == 400
    assert "STAFF_NOT_WORKING" in info.value.message
    assert "3f0c9a2e" not in str(info.value)
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    "code", ["STAFF_UNQUALIFIED", "CLIENT_ALREADY_BOOKED_THIS_TIME", "STAFF_REQUESTED"]
)
def test_documented_refusal_codes(h, rsps, code):
    rsps.post(
        f"{h.branch_url}/booking", status=400, json={"statusCode": 400, "id": "e1", "detail": code}
    )
    with pytest.raises(ValidationError) as info:
        h.adapter().book_appointment(booking())
    assert info.value.platform_code == code


def test_booking_is_never_blindly_retried(h, rsps):
    rsps.post(f"{h.branch_url}/booking", body=requests.ReadTimeout("slow"))
    with pytest.raises(TransientError):
        h.adapter().book_appointment(booking())
    assert len(rsps.calls) == 1
    assert h.sleeps == []


def test_booking_5xx_is_not_retried(h, rsps):
    rsps.post(f"{h.branch_url}/booking", status=503)
    with pytest.raises(TransientError):
        h.adapter().book_appointment(booking())
    assert len(rsps.calls) == 1


def test_booking_429_is_retried_after_waiting(h, rsps):
    rsps.post(f"{h.branch_url}/booking", status=429, headers={"Retry-After": "2"})
    rsps.post(f"{h.branch_url}/booking", status=201, json=fixture("booking_response"))
    assert h.adapter().book_appointment(booking()).platform_id == "aPpT9xQ2RkGm0vYz1LwE4a"
    assert len(rsps.calls) == 2
    assert h.sleeps and h.sleeps[0] >= 2


def test_booking_answer_without_appointment_id_keeps_booking_id(h, rsps, caplog):
    rsps.post(f"{h.branch_url}/booking", status=201, json={"bookingId": "bk-1"})
    with caplog.at_level(logging.WARNING):
        appt = h.adapter().book_appointment(booking())
    assert appt.platform_id == "bk-1"
    assert appt.start == datetime(2026, 3, 14, 10, 30, tzinfo=NY)


# -- cancel -------------------------------------------------------------------------------------
def test_cancel_appointment_posts_then_reads_back(h, rsps):
    rsps.post(
        f"{h.branch_url}/appointment/cancel",
        status=200,
        body="",
        match=[matchers.query_param_matcher({"appointment_id": "appt-1"})],
    )
    cancelled = appointment(1, activationState="CANCELED")
    rsps.get(f"{h.branch_url}/appointment/appt-1", json=cancelled)
    a = adapter(h, branch_timezone="America/New_York")
    appt = a.cancel_appointment("appt-1")
    assert appt.status is AppointmentStatus.CANCELLED
    assert rsps.calls[0].request.body is None


def test_cancel_uses_returned_appointments_and_labels_late(h, rsps):
    rsps.post(
        f"{h.branch_url}/appointment/cancel",
        json={"_embedded": {"appointments": [appointment(1, activationState="CANCELED")]}},
    )
    appt = adapter(h, branch_timezone="America/New_York").cancel_appointment("appt-1", late=True)
    assert appt.status is AppointmentStatus.LATE_CANCELLED
    assert len(rsps.calls) == 1


def known(appointment_id: str = "appt-1", **changes) -> Appointment:
    """What the mirror holds for an appointment (BookingService.cancel tells the adapter)."""
    values = {
        "platform_id": appointment_id,
        "status": AppointmentStatus.BOOKED,
        "start": datetime(2026, 3, 14, 14, 30, tzinfo=NY),
        "end": datetime(2026, 3, 14, 15, 15, tzinfo=NY),
        "customer_id": CLIENT,
    }
    return Appointment(**(values | changes))


def test_get_appointment_404_searches_the_list_around_the_known_date(h, rsps):
    """docs/platforms/phorest.md §7.7: GET by id 404s on some tenants; the list finds it."""
    rsps.get(f"{h.branch_url}/appointment/appt-2", status=404)
    rows = [appointment(1), appointment(2, activationState="CANCELED")]
    rsps.get(appointments_url(h), json=listing("appointments", rows))
    a = ny_adapter(h)
    a.remember_appointment(known("appt-2"))
    found = a.get_appointment("appt-2")
    assert (found.platform_id, found.status) == ("appt-2", AppointmentStatus.CANCELLED)
    sent = query(rsps.calls[1])
    assert (sent["from_date"], sent["to_date"]) == (["2026-03-13"], ["2026-03-15"])
    assert sent["client_id"] == [CLIENT]
    assert sent["fetch_canceled"] == ["true"] and sent["fetch_deleted"] == ["true"]


def test_cancel_is_a_success_when_the_read_back_404s(h, rsps):
    rsps.post(f"{h.branch_url}/appointment/cancel", status=200, body="")
    rsps.get(f"{h.branch_url}/appointment/appt-1", status=404)
    cancelled = appointment(1, activationState="CANCELED", updatedAt="2026-03-12T09:00:00.000Z")
    rsps.get(appointments_url(h), json=listing("appointments", [cancelled]))
    a = ny_adapter(h)
    a.remember_appointment(known())
    appt = a.cancel_appointment("appt-1", late=True)
    assert appt.status is AppointmentStatus.LATE_CANCELLED
    assert appt.updated_at == datetime(2026, 3, 12, 9, 0, tzinfo=UTC)  # read from the list


def test_cancel_found_by_no_read_returns_what_was_known(h, rsps, caplog):
    rsps.post(f"{h.branch_url}/appointment/cancel", status=200, body="")
    rsps.get(f"{h.branch_url}/appointment/appt-1", status=404)
    rsps.get(appointments_url(h), json=listing("appointments", [appointment(9)]))
    a = ny_adapter(h)
    a.remember_appointment(known())
    with caplog.at_level(logging.WARNING):
        appt = a.cancel_appointment("appt-1")
    assert appt == replace(known(), status=AppointmentStatus.CANCELLED)
    assert "no read returns it" in caplog.text


def test_cancel_with_nothing_known_is_still_a_success(h, rsps):
    rsps.post(f"{h.branch_url}/appointment/cancel", status=200, body="")
    rsps.get(f"{h.branch_url}/appointment/appt-1", status=404)
    appt = ny_adapter(h).cancel_appointment("appt-1")  # no date: no list search
    assert (appt.platform_id, appt.status) == ("appt-1", AppointmentStatus.CANCELLED)
    assert len(rsps.calls) == 2


def test_cancel_refused(h, rsps):
    rsps.post(f"{h.branch_url}/appointment/cancel", status=404, json={"detail": "NOT_FOUND"})
    with pytest.raises(NotFoundError):
        adapter(h, branch_timezone="America/New_York").cancel_appointment("nope")
    assert len(rsps.calls) == 1


# -- transport and error handling ---------------------------------------------------------------
def test_429_with_retry_after_waits_and_succeeds(h, rsps):
    h.stub_probe(rsps, status=429, headers={"Retry-After": "3"})
    h.stub_probe(rsps)
    assert h.adapter().get_customer("cust-1").platform_id == "cust-1"
    assert h.sleeps[0] >= 3
    assert [c.status for c in h.calls] == [429, 200]


def test_429_with_long_retry_after_is_raised(h, rsps):
    h.stub_probe(rsps, status=429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimitError) as info:
        h.adapter().get_customer("cust-1")
    assert info.value.retry_after == 120


def test_5xx_then_success(h, rsps):
    h.stub_probe(rsps, status=502, body="<html>Bad gateway</html>")
    h.stub_probe(rsps)
    assert h.adapter().get_customer("cust-1").first_name == "Amanda"
    assert len(rsps.calls) == 2


def test_timeout_then_success(h, rsps):
    h.stub_probe(rsps, body=requests.ReadTimeout("read timed out"))
    h.stub_probe(rsps)
    assert h.adapter().get_customer("cust-1").platform_id == "cust-1"
    assert h.calls[0].error_code == "transient"


def test_timeouts_every_time_raise_transient(h, rsps):
    for _ in range(4):
        h.stub_probe(rsps, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(TransientError):
        h.adapter().get_customer("cust-1")
    assert len(rsps.calls) == 4


def test_html_answer_is_a_normalized_error(h, rsps):
    for _ in range(4):
        h.stub_probe(rsps, body="<html><body>Maintenance</body></html>")
    with pytest.raises(TransientError, match="not JSON"):
        h.adapter().get_customer("cust-1")


def test_malformed_json_is_a_normalized_error(h, rsps):
    for _ in range(4):
        rsps.get(
            f"{h.base_url}/{BUSINESS}/client/cust-1",
            body='{"clientId": ',
            content_type="application/json",
        )
    with pytest.raises(TransientError):
        h.adapter().get_customer("cust-1")


def test_wrong_shape_is_a_validation_error(h, rsps):
    h.stub_probe(rsps, body={"firstName": "Amanda", "email": "amanda@example.com"})
    with pytest.raises(ValidationError) as info:
        h.adapter().get_customer("cust-1")
    assert "amanda" not in str(info.value).lower()
    rsps.get(appointments_url(h), json="nonsense")
    with pytest.raises(ValidationError):
        list(ny_adapter(h).iter_appointments(date(2026, 3, 2), date(2026, 3, 2)))


def test_date_range_error_body(h, rsps):
    body = {"statusCode": 400, "id": "e-2", "detail": "Max date range allowed is 31 days"}
    rsps.get(appointments_url(h), status=400, json=body)
    with pytest.raises(ValidationError, match="Max date range allowed is 31 days") as info:
        list(ny_adapter(h).iter_appointments(date(2026, 3, 2), date(2026, 3, 2)))
    assert info.value.platform_code == ""


def test_error_messages_are_short_and_hold_no_pii(h, rsps):
    detail = "Client amanda@example.com " + "x" * 500
    h.stub_probe(
        rsps, status=409, body={"statusCode": 409, "detail": detail, "errorCode": "CONFLICT"}
    )
    with pytest.raises(ValidationError) as info:
        h.adapter().get_customer("cust-1")
    assert len(info.value.message) < 150
    assert info.value.platform_code == "CONFLICT"


def test_handle_error_codes():
    from integrations.adapters.http import HttpFailure

    a = PhorestAdapter(Harness().config())
    error = a.handle_error(HttpFailure(status=500, body=fixture("error_slot_unavailable")))
    assert isinstance(error, ValidationError)  # the code says more than the status
    assert isinstance(a.handle_error(HttpFailure(status=403, body=None)), AuthenticationError)
    assert isinstance(a.handle_error(HttpFailure(status=500, body=[])), TransientError)


def test_calls_are_reported_without_query_strings(h, rsps):
    h.stub_appointment_pages(rsps)
    list(h.adapter().iter_appointments(date(2026, 3, 2), date(2026, 3, 6)))
    assert [c.operation for c in h.calls] == ["list_locations"] + ["list_appointments"] * 3
    assert all("?" not in c.path for c in h.calls)
    assert h.calls[1].path == f"/{BUSINESS}/branch/{BRANCH}/appointment"


def test_paging_stops_when_the_server_ignores_the_page_parameter(h, rsps):
    stuck = listing("services", [fixture("service")], number=0, total_pages=3)
    rsps.get(f"{h.branch_url}/service", json=stuck)  # always page 0
    assert len(list(h.adapter().iter_services())) == 3
    assert [query(c)["page"] for c in rsps.calls] == [["0"], ["1"], ["2"]]
