"""The real VagaroAdapter against the sandbox's Vagaro emulator, in-process."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from integrations.adapters.base import AdapterConfig
from integrations.adapters.errors import AuthenticationError, NotFoundError, ValidationError
from integrations.adapters.types import (
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
    EventKind,
)
from integrations.adapters.types import Token as AdapterToken
from integrations.adapters.vagaro import STATUS_MAP, VagaroAdapter
from sandbox import calendar, events
from sandbox.models import Account, Appointment, Client, Fault, Provider, Service, Status, Token
from sandbox.platforms import vagaro
from tests.sandbox_transport import mount
from webhooks.platforms.vagaro import VagaroWebhooks

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
BUSINESS_ID = "b7Yx/3Zq+9Wr=="  # '/' and '+' must survive URL-encoding and routing
BASE = "http://sandbox.test/sandbox/vagaro/us02"
PREFIX = "/sandbox/vagaro/us02/api/v2"
HOURS = {str(day): ["09:00", "17:00"] for day in range(6)}  # Monday to Saturday


def _day_ahead(days: int) -> date:
    """A working day (not Sunday) at least ``days`` days from today, in the salon's zone."""
    day = timezone.now().astimezone(NY).date() + timedelta(days=days)
    return day + timedelta(days=1) if day.weekday() == 6 else day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


@pytest.fixture
def salon():
    now = timezone.now()
    account = Account.objects.create(
        platform="vagaro",
        account_id=BUSINESS_ID,
        name="Studio Nine SoHo",
        timezone="America/New_York",
        username="vg-client",
        password="vg-secret",
        webhook_secret="vg-verification-token",
    )
    maya = Provider.objects.create(
        account=account, ext_id="p4Lm/8sT1uV==", first_name="Maya", last_name="Lindqvist",
        working_hours=HOURS,
    )  # fmt: skip
    theo = Provider.objects.create(
        account=account, ext_id="p9Qr+2wX==", first_name="Theo", last_name="Brandt",
        working_hours=HOURS,
    )  # fmt: skip
    cut = Service.objects.create(
        account=account, ext_id="s1/Cut==", name="Cut", category="Hair", duration_minutes=45,
        price=Decimal("65.00"),
    )  # fmt: skip
    balayage = Service.objects.create(
        account=account, ext_id="s2/Bal==", name="Balayage", category="Color",
        duration_minutes=60, price=Decimal("180.00"),
    )  # fmt: skip
    Service.objects.create(
        account=account, ext_id="s3/Old==", name="Perm", category="Hair", duration_minutes=90,
        price=Decimal("120.00"), active=False,
    )  # fmt: skip
    clients = [
        Client.objects.create(
            account=account,
            ext_id=f"c{n}/Hk2+mN==",
            first_name=first,
            last_name="Reyes",
            email=f"{first.lower()}@example.com",
            phone=f"+1 212 555 01{n:02d}",
            active=n != 4,
            created_at=now - timedelta(days=400),
            updated_at=now - timedelta(days=10 * n),
        )
        for n, first in enumerate(["Dana", "Eli", "Fay", "Gus", "Hal"])
    ]
    dana = clients[0]
    future = _day_ahead(3)

    def appt(ext_id, start, status=Status.BOOKED, service=cut, provider=maya, **extra):
        return Appointment.objects.create(
            account=account, ext_id=ext_id, client=dana, provider=provider, service=service,
            start=start, end=start + timedelta(minutes=service.duration_minutes), status=status,
            created_at=now - timedelta(days=60), updated_at=now - timedelta(days=1), **extra,
        )  # fmt: skip

    past = _at(future - timedelta(days=35), 10)
    appointments = {
        "first": appt("ap1/Xw+Q==", past, Status.COMPLETED, balayage),
        "booked": appt("ap2/Xw+Q==", _at(future, 10), Status.BOOKED),
        "cancelled": appt("ap3/Xw+Q==", _at(future, 14), Status.CANCELLED, provider=theo),
        "deleted": appt("ap4/Xw+Q==", _at(future, 15), Status.BOOKED, provider=theo, deleted=True),
        "no_show": appt("ap5/Xw+Q==", past + timedelta(days=7), Status.NO_SHOW),
    }
    return {
        "account": account,
        "maya": maya,
        "theo": theo,
        "cut": cut,
        "balayage": balayage,
        "clients": clients,
        "dana": dana,
        "future": future,
        "appointments": appointments,
    }


def make_adapter(secret="vg-secret", token=None, on_token=None, business_id=BUSINESS_ID):
    adapter = VagaroAdapter(
        AdapterConfig(
            base_url=BASE,
            credentials={"client_id": "vg-client", "client_secret": secret},
            account={"business_id": business_id},
            timezone="America/New_York",
            token=token,
            on_token=on_token,
            sleep=lambda seconds: None,
            options={"page_size": 2},
        )
    )
    transport = mount(adapter.http.session)
    return adapter, transport


def paths(transport) -> list[str]:
    return [unquote(urlsplit(r.url).path).removeprefix(PREFIX) for r in transport.requests]


def queries(transport) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.url).query) for r in transport.requests]


def bearer(account) -> str:
    token = Token.objects.create(
        account=account, token="raw-token", expires_at=timezone.now() + timedelta(hours=1)
    )
    return token.token


# -- connection and auth -----------------------------------------------------------------------
def test_connection_reads_the_business_through_an_encoded_id(salon):
    saved = []
    adapter, transport = make_adapter(on_token=saved.append)
    result = adapter.test_connection()
    assert (result.ok, result.account_name, result.timezone) == (
        True,
        "Studio Nine SoHo",
        "America/New_York",
    )
    assert result.currency == ""  # UNCONFIRMED on Vagaro: never guessed
    assert paths(transport) == ["/merchants/generate-access-token", f"/businesses/{BUSINESS_ID}"]
    assert "b7Yx%2F3Zq%2B9Wr%3D%3D" in transport.requests[1].url
    issued = Token.objects.get(account=salon["account"])
    assert saved[0].access_token == issued.token
    lifetime = issued.expires_at - timezone.now()
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)
    assert timedelta(minutes=59) < saved[0].expires_at - datetime.now(UTC) <= timedelta(hours=1)


def test_connection_to_another_business_is_not_ok(salon):
    adapter, _ = make_adapter(business_id="someone/else==")
    assert adapter.test_connection().ok is False


@pytest.mark.parametrize(("client_id", "secret"), [("vg-client", "wrong"), ("nobody", "vg-secret")])
def test_wrong_credentials_are_authentication_errors(salon, client_id, secret):
    adapter = VagaroAdapter(
        AdapterConfig(
            base_url=BASE,
            credentials={"client_id": client_id, "client_secret": secret},
            account={"business_id": BUSINESS_ID},
        )
    )
    transport = mount(adapter.http.session)
    with pytest.raises(AuthenticationError) as info:
        adapter.test_connection()
    assert info.value.status_code == 401
    assert info.value.platform_code == "1401"
    assert len(transport.requests) == 1  # the business was never asked
    assert not Token.objects.exists()


def test_expired_token_is_refused_and_the_adapter_refreshes(salon):
    stale = Token.objects.create(
        account=salon["account"], token="stale", expires_at=timezone.now() - timedelta(seconds=1)
    )
    # The adapter believes its cached token is good: only the emulator knows it expired.
    cached = AdapterToken(stale.token, datetime.now(UTC) + timedelta(hours=1))
    adapter, transport = make_adapter(token=cached)
    customer = adapter.get_customer("c0/Hk2+mN==")
    assert customer.first_name == "Dana"
    assert [r.method for r in transport.requests] == ["GET", "POST", "GET"]
    assert transport.requests[0].headers["accessToken"] == "stale"
    fresh = Token.objects.exclude(pk=stale.pk).get()
    assert transport.requests[2].headers["accessToken"] == fresh.token


def test_expire_tokens_fault_kills_earlier_tokens(salon):
    adapter, transport = make_adapter()
    adapter.get_service("s1/Cut==")
    Fault.objects.create(platform="vagaro", kind=Fault.Kind.EXPIRE_TOKENS, value=0)
    adapter.get_service("s1/Cut==")
    assert [r.method for r in transport.requests] == ["POST", "GET", "GET", "POST", "GET"]
    assert Token.objects.count() == 2


def test_unknown_or_missing_token_gets_the_401_envelope(salon):
    http = HttpClient()
    url = f"{PREFIX}/services?businessId={quote(BUSINESS_ID, safe='')}"
    for headers in ({}, {"HTTP_ACCESSTOKEN": "made-up"}, {"HTTP_AUTHORIZATION": "Bearer no"}):
        answer = http.get(url, **headers)
        assert answer.status_code == 401
        assert answer.json()["status"] == 401
        assert answer.json()["responseCode"] == 1401
        assert answer.json()["data"] is None
    ok = http.get(url, HTTP_AUTHORIZATION=f"Bearer {bearer(salon['account'])}")
    assert ok.status_code == 200 and len(ok.json()["data"]) == 3


# -- reads -------------------------------------------------------------------------------------
def test_iterators_page_with_page_number_and_size(salon):
    adapter, transport = make_adapter()
    providers = list(adapter.iter_providers())
    assert [(p.platform_id, p.name) for p in providers] == [
        ("p4Lm/8sT1uV==", "Maya Lindqvist"),
        ("p9Qr+2wX==", "Theo Brandt"),
    ]
    services = list(adapter.iter_services())
    assert [(s.name, s.duration_minutes, s.price, s.active) for s in services] == [
        ("Cut", 45, Decimal("65.0"), True),
        ("Balayage", 60, Decimal("180.0"), True),
        ("Perm", 90, Decimal("120.0"), False),
    ]
    assert services[1].category == "Color"
    locations = list(adapter.iter_locations())
    assert [(loc.platform_id, loc.name, loc.timezone) for loc in locations] == [
        (BUSINESS_ID, "Studio Nine SoHo", "America/New_York")
    ]
    customers = list(adapter.iter_customers())
    assert [c.first_name for c in customers] == ["Dana", "Eli", "Fay", "Gus", "Hal"]
    assert [c.active for c in customers] == [True, True, True, True, False]
    assert customers[1].phone == "+1 212 555 0101"
    customer_pages = [
        q for p, q in zip(paths(transport), queries(transport), strict=True) if p == "/customers"
    ]
    assert [q["pageNumber"] for q in customer_pages] == [["1"], ["2"], ["3"]]
    assert all(q["pageSize"] == ["2"] and q["businessId"] == [BUSINESS_ID] for q in customer_pages)
    # Services: three items in pages of two, the second page is short and the last.
    assert paths(transport).count("/services") == 2


def test_iter_customers_changed_since(salon):
    adapter, _ = make_adapter()
    since = timezone.now() - timedelta(days=15)
    changed = list(adapter.iter_customers(changed_since=since))
    assert [c.first_name for c in changed] == ["Dana", "Eli"]  # updated 0 and 10 days ago
    assert changed[1].updated_at.tzinfo is not None


def test_get_by_ids_holding_slashes_and_pluses(salon):
    adapter, transport = make_adapter()
    assert adapter.get_provider("p9Qr+2wX==").name == "Theo Brandt"
    assert adapter.get_service("s2/Bal==").price == Decimal("180.0")
    customer = adapter.get_customer("c0/Hk2+mN==")
    assert (customer.email, customer.phone, customer.active) == (
        "dana@example.com",
        "+1 212 555 0100",
        True,
    )
    assert "/customers/c0%2FHk2%2BmN%3D%3D" in transport.requests[-1].url
    with pytest.raises(NotFoundError):
        adapter.get_customer("missing/id==")
    with pytest.raises(NotFoundError):
        adapter.get_appointment("missing/id==")


def test_get_appointment_renders_utc_times_and_vocabulary(salon):
    adapter, _ = make_adapter()
    booked = salon["appointments"]["booked"]
    appt = adapter.get_appointment("ap2/Xw+Q==")
    assert appt.platform_id == "ap2/Xw+Q=="
    assert appt.status is AppointmentStatus.CONFIRMED  # "Accepted"
    assert appt.start == booked.start and appt.start.utcoffset() == timedelta(0)
    assert appt.end - appt.start == timedelta(minutes=45)
    assert (appt.customer_id, appt.service_id, appt.provider_id, appt.location_id) == (
        "c0/Hk2+mN==",
        "s1/Cut==",
        "p4Lm/8sT1uV==",
        BUSINESS_ID,
    )
    assert (appt.service_name, appt.price) == ("Cut", Decimal("65.0"))
    assert appt.raw["bookingStatus"] == "Accepted"
    assert appt.raw["startTime"].endswith("Z")
    assert appt.raw["appointmentTypeCode"] == "RR"  # Dana has an earlier visit
    first = adapter.get_appointment("ap1/Xw+Q==")
    assert (first.status, first.raw["appointmentTypeCode"]) == (AppointmentStatus.COMPLETED, "NR")
    deleted = adapter.get_appointment("ap4/Xw+Q==")
    assert (deleted.raw["bookingStatus"], deleted.status) == ("Deleted", "cancelled")


def test_iter_appointments_by_local_days_with_paging(salon):
    adapter, transport = make_adapter()
    future = salon["future"]
    result = list(adapter.iter_appointments(future, future))
    assert [(a.platform_id, a.raw["bookingStatus"]) for a in result] == [
        ("ap2/Xw+Q==", "Accepted"),
        ("ap3/Xw+Q==", "Cancel"),
        ("ap4/Xw+Q==", "Deleted"),
    ]
    assert [q["pageNumber"] for q in queries(transport)[1:]] == [["1"], ["2"]]
    assert queries(transport)[1]["startDate"] == [future.isoformat()]
    past = future - timedelta(days=36)
    assert [a.platform_id for a in adapter.iter_appointments(past, past + timedelta(days=10))] == [
        "ap1/Xw+Q==",
        "ap5/Xw+Q==",
    ]


def test_get_customer_appointments_pages_and_filters(salon):
    adapter, transport = make_adapter()
    everything = adapter.get_customer_appointments("c0/Hk2+mN==")
    assert [a.platform_id for a in everything] == [f"ap{n}/Xw+Q==" for n in (1, 5, 2, 3, 4)]
    assert [a.status for a in everything][:2] == [
        AppointmentStatus.COMPLETED,
        AppointmentStatus.NO_SHOW,
    ]
    assert queries(transport)[1]["customerId"] == ["c0/Hk2+mN=="]
    future = salon["future"]
    window = AppointmentFilters(
        start_date=future - timedelta(days=90), end_date=future - timedelta(days=1)
    )
    assert [a.platform_id for a in adapter.get_customer_appointments("c0/Hk2+mN==", window)] == [
        "ap1/Xw+Q==",
        "ap5/Xw+Q==",
    ]
    assert adapter.get_customer_appointments("c1/Hk2+mN==") == []


def test_availability_matches_the_calendar(salon):
    adapter, _ = make_adapter()
    future = salon["future"]
    filters = AvailabilityFilters(service_ids=("s1/Cut==",), provider_ids=("p4Lm/8sT1uV==",))
    slots = adapter.get_availability(future, future, filters)
    expected = calendar.open_slots(
        salon["account"], future, future, services=[salon["cut"]], providers=[salon["maya"]]
    )
    assert [(s.start, s.end) for s in slots] == [(e.start, e.end) for e in expected]
    assert len(slots) > 10
    assert {(s.provider_id, s.service_id, s.location_id) for s in slots} == {
        ("p4Lm/8sT1uV==", "s1/Cut==", BUSINESS_ID)
    }
    starts = {s.start for s in slots}
    assert _at(future, 9) in starts and _at(future, 10) not in starts  # Maya's 10:00 Cut holds
    assert _at(future, 10, 45) in starts
    everyone = adapter.get_availability(future, future)
    assert len(everyone) == len(calendar.open_slots(salon["account"], future, future))
    assert {s.service_id for s in everyone} == {"s1/Cut==", "s2/Bal=="}  # not the inactive one
    assert adapter.get_availability(future, future, AvailabilityFilters(service_ids=("x",))) == []


# -- writes ------------------------------------------------------------------------------------
def test_book_then_the_same_slot_is_refused(salon):
    adapter, _ = make_adapter()
    future = salon["future"]
    request = BookingRequest(
        customer_id="c1/Hk2+mN==",
        service_id="s2/Bal==",
        provider_id="p9Qr+2wX==",
        start=_at(future, 11).replace(tzinfo=None),  # salon wall-clock time
        notes="Toner too",
    )
    appt = adapter.book_appointment(request)
    stored = Appointment.objects.get(ext_id=appt.platform_id)
    assert (stored.client.first_name, stored.provider.first_name, stored.status) == (
        "Eli",
        "Theo",
        Status.BOOKED,
    )
    assert stored.start == _at(future, 11) and stored.notes == "Toner too"
    assert appt.status is AppointmentStatus.CONFIRMED and appt.start == _at(future, 11)
    assert len(appt.platform_id) == 24 and appt.platform_id.endswith("==")
    assert adapter.get_appointment(appt.platform_id).platform_id == appt.platform_id
    with pytest.raises(ValidationError) as info:
        adapter.book_appointment(request)
    assert info.value.status_code == 400
    assert info.value.message == "The selected time is no longer available."
    assert Appointment.objects.filter(start=_at(future, 11)).count() == 1
    overlapping = BookingRequest("c2/Hk2+mN==", "s1/Cut==", "p9Qr+2wX==", _at(future, 11, 30))
    with pytest.raises(ValidationError, match="no longer available"):
        adapter.book_appointment(overlapping)


def test_booking_outside_hours_or_unknown_ids(salon):
    adapter, _ = make_adapter()
    future = salon["future"]
    late = BookingRequest("c1/Hk2+mN==", "s1/Cut==", "p9Qr+2wX==", _at(future, 16, 30))
    with pytest.raises(ValidationError, match="not available"):
        adapter.book_appointment(late)
    unknown = BookingRequest("nobody==", "s1/Cut==", "p9Qr+2wX==", _at(future, 12))
    with pytest.raises(NotFoundError):
        adapter.book_appointment(unknown)
    assert Appointment.objects.count() == 5


def test_cancel_is_retry_safe_and_frees_the_slot(salon):
    adapter, _ = make_adapter()
    future = salon["future"]
    cancelled = adapter.cancel_appointment("ap2/Xw+Q==")
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.raw["bookingStatus"] == "Cancel"
    assert Appointment.objects.get(ext_id="ap2/Xw+Q==").status == Status.CANCELLED
    again = adapter.cancel_appointment("ap2/Xw+Q==")
    assert again.status is AppointmentStatus.CANCELLED
    filters = AvailabilityFilters(service_ids=("s1/Cut==",), provider_ids=("p4Lm/8sT1uV==",))
    assert _at(future, 10) in {s.start for s in adapter.get_availability(future, future, filters)}
    with pytest.raises(ValidationError, match="cannot be cancelled"):
        adapter.cancel_appointment("ap1/Xw+Q==")  # completed
    with pytest.raises(NotFoundError):
        adapter.cancel_appointment("ap4/Xw+Q==")  # deleted


def test_book_and_cancel_announce_changes(salon, django_capture_on_commit_callbacks, monkeypatch):
    seen = []
    monkeypatch.setattr("sandbox.webhooks.queue_for_change", lambda a, k, o: seen.append((k, o)))
    adapter, _ = make_adapter()
    with django_capture_on_commit_callbacks(execute=True):
        adapter.cancel_appointment("ap2/Xw+Q==")
    assert [(k, o.ext_id) for k, o in seen] == [(events.APPOINTMENT_CANCELLED, "ap2/Xw+Q==")]


# -- raw protocol ------------------------------------------------------------------------------
def test_raw_protocol_details(salon):
    http = HttpClient()
    auth = {"HTTP_ACCESSTOKEN": bearer(salon["account"])}
    business = quote(BUSINESS_ID, safe="")
    other_region = http.get(f"/sandbox/vagaro/us01/api/v2/businesses/{business}", **auth)
    assert other_region.json()["data"]["businessId"] == BUSINESS_ID
    too_long = http.get(
        f"{PREFIX}/appointments/availability?businessId={business}"
        "&startDate=2026-01-01&endDate=2026-02-01",
        **auth,
    )
    assert too_long.status_code == 400 and too_long.json()["responseCode"] == 1400
    page = http.get(f"{PREFIX}/customers?businessId={business}&pageNumber=2&pageSize=2", **auth)
    assert {
        k: page.json()[k] for k in ("pageNumber", "pageSize", "totalRecords", "totalPages")
    } == {
        "pageNumber": 2,
        "pageSize": 2,
        "totalRecords": 5,
        "totalPages": 3,
    }
    assert http.delete(f"{PREFIX}/services", **auth).status_code == 405
    # A server-to-server API: no CSRF token, as a real client sends none.
    strict = HttpClient(enforce_csrf_checks=True)
    issued = strict.post(
        f"{PREFIX}/merchants/generate-access-token",
        {"clientId": "vg-client", "clientSecretKey": "vg-secret", "scope": "read write"},
        content_type="application/json",
    )
    assert issued.status_code == 200 and issued.json()["data"]["expires_in"] == 3600
    elsewhere = http.get(f"{PREFIX}/services?businessId=other", **auth)
    assert elsewhere.status_code == 404


def test_error_response_is_the_envelope_the_adapter_reads(salon):
    answer = vagaro.error_response(429, "Too many requests.", {"Retry-After": "7"})
    body = json.loads(answer.content)
    assert (answer.status_code, answer["Retry-After"]) == (429, "7")
    assert body == {
        "status": 429,
        "responseCode": 1429,
        "message": "Too many requests.",
        "data": None,
    }
    adapter, _ = make_adapter()
    from integrations.adapters.http import HttpFailure

    error = adapter.handle_error(HttpFailure(status=429, body=body, headers={"Retry-After": "7"}))
    assert (error.retry_after, error.message, error.platform_code) == (
        7,
        "Too many requests.",
        "1429",
    )


@pytest.mark.parametrize("status", list(Status))
def test_every_internal_status_maps_to_a_documented_string(status):
    text = vagaro.BOOKING_STATUS[status]
    normalized = STATUS_MAP[text]
    expected = {
        Status.BOOKED: AppointmentStatus.CONFIRMED,  # "Accepted"
        Status.LATE_CANCELLED: AppointmentStatus.CANCELLED,  # Vagaro has no late cancel
    }.get(status, AppointmentStatus(status))
    assert normalized is expected


# -- webhooks ----------------------------------------------------------------------------------
def test_retry_schedule_is_five_exponential_retries_over_fifteen_minutes():
    schedule = vagaro.RETRY_SCHEDULE
    assert len(schedule) == 5
    assert all(b == 2 * a for a, b in itertools.pairwise(schedule))
    assert 14 * 60 <= sum(schedule) <= 16 * 60


def test_appointment_webhooks_follow_the_documented_envelope(salon):
    account = salon["account"]
    booked = salon["appointments"]["booked"]
    adapter, _ = make_adapter()
    [created] = vagaro.build_webhooks(account, events.APPOINTMENT_CREATED, booked)
    assert isinstance(created["body"], str)
    assert created["headers"]["X-Vagaro-Signature"] == "vg-verification-token"
    assert created["headers"]["Content-Type"] == "application/json"
    envelope = json.loads(created["body"])
    assert set(envelope) == {"id", "createdDate", "type", "action", "payload"}
    assert envelope["id"] == created["event_id"] and len(envelope["id"]) == 36
    assert envelope["createdDate"].endswith("Z") and len(envelope["createdDate"]) == 24
    assert (envelope["type"], envelope["action"], created["event_type"]) == (
        "appointment",
        "created",
        "appointment.created",
    )
    payload = envelope["payload"]
    assert payload["appointmentId"] == "ap2/Xw+Q==" and payload["bookingStatus"] == "Accepted"
    assert payload["startTime"] == booked.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name in ("serviceTitle", "calendarEventId", "amount", "eventType", "onlineVsInhouse"):
        assert name in payload
    event = read_event(adapter, envelope)
    assert (event.kind, event.object_id, event.account_id) == (
        EventKind.APPOINTMENT_CREATED,
        "ap2/Xw+Q==",
        BUSINESS_ID,
    )
    assert event.data.start == booked.start and event.event_id == created["event_id"]
    assert abs(event.occurred_at - timezone.now()) < timedelta(seconds=5)

    calendar.cancel(booked)
    [cancelled] = vagaro.build_webhooks(account, events.APPOINTMENT_CANCELLED, booked)
    envelope = json.loads(cancelled["body"])
    assert (envelope["action"], envelope["payload"]["bookingStatus"]) == ("updated", "Cancel")
    assert read_event(adapter, envelope).kind is EventKind.APPOINTMENT_CANCELLED
    assert cancelled["event_id"] != created["event_id"]

    deleted = salon["appointments"]["deleted"]
    [gone] = vagaro.build_webhooks(account, events.APPOINTMENT_UPDATED, deleted)
    assert json.loads(gone["body"])["action"] == "deleted"
    assert read_event(adapter, json.loads(gone["body"])).kind is EventKind.APPOINTMENT_DELETED


def test_customer_webhooks(salon):
    account = salon["account"]
    adapter, _ = make_adapter()
    dana = calendar.update_client(salon["dana"], last_name="Reyes-Ortiz")
    [updated] = vagaro.build_webhooks(account, events.CLIENT_UPDATED, dana)
    envelope = json.loads(updated["body"])
    assert (envelope["type"], envelope["action"]) == ("customer", "updated")
    assert envelope["payload"]["businessIds"] == [BUSINESS_ID]
    assert envelope["payload"]["customerLastName"] == "Reyes-Ortiz"
    event = read_event(adapter, envelope)
    assert (event.kind, event.object_id, event.data.active) == (
        EventKind.CUSTOMER_UPDATED,
        "c0/Hk2+mN==",
        True,
    )
    removed = salon["clients"][4]
    [created] = vagaro.build_webhooks(account, events.CLIENT_CREATED, removed)
    event = read_event(adapter, json.loads(created["body"]))
    assert event.kind is EventKind.CUSTOMER_CREATED and event.data.active is False
    assert vagaro.build_webhooks(account, "invoice.paid", removed) == []


def read_event(adapter, envelope):
    """The delivery as SalonSync reads it (webhooks/platforms/vagaro.py)."""
    return VagaroWebhooks().event_from(envelope, adapter)
