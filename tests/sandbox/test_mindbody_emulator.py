"""The Mindbody emulator, driven by the real MindbodyAdapter through the in-process transport."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from integrations.adapters.base import AdapterConfig
from integrations.adapters.errors import AuthenticationError, NotFoundError, ValidationError
from integrations.adapters.mindbody import PATHS, MindbodyAdapter
from integrations.adapters.types import (
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
    EventKind,
)
from integrations.adapters.types import Token as AdapterToken
from sandbox import calendar, events
from sandbox.models import Account, Appointment, Client, Fault, Provider, Service, Status, Token
from sandbox.platforms import mindbody
from tests.sandbox_transport import mount
from webhooks.platforms.mindbody import MindbodyWebhooks

NY = ZoneInfo("America/New_York")
BASE = "/sandbox/mindbody/public/v6"
ALL_DAYS = {str(d): ["09:00", "17:00"] for d in range(7)}
SECRET = "dGhpcy1pcy1ub3QtYS1yZWFsLWtleS0wMTIzNDU2Nzg5"


def at(day: date, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), NY)


@pytest.fixture
def today() -> date:
    return timezone.now().astimezone(NY).date()


@pytest.fixture
def target(today) -> date:
    return today + timedelta(days=7)


@pytest.fixture
def site(db, today, target) -> Account:
    account = Account.objects.create(
        platform="mindbody",
        account_id="-99",
        name="Demo Salon Brooklyn",
        timezone="America/New_York",
        username="Siteowner",
        password="apitest1234",
        webhook_secret=SECRET,
    )
    weekdays = {str(d): ["10:00", "18:00"] for d in range(5)}
    for ext_id, first, last, hours, active in (
        ("5", "Jane", "Doe", ALL_DAYS, True),
        ("6", "Maria", "Lopez", ALL_DAYS, True),
        ("7", "Sam", "Lee", weekdays, True),
        ("8", "Old", "Timer", ALL_DAYS, False),
    ):
        Provider.objects.create(
            account=account,
            ext_id=ext_id,
            first_name=first,
            last_name=last,
            working_hours=hours,
            active=active,
        )
    for ext_id, name, category, minutes, price in (
        ("17", "Women's Cut", "Cuts", 45, "65.00"),
        ("18", "Full Color", "Color", 90, "140.00"),
        ("19", "Blow Dry", "Styling", 30, "40.00"),
    ):
        Service.objects.create(
            account=account,
            ext_id=ext_id,
            name=name,
            category=category,
            duration_minutes=minutes,
            price=price,
        )
    long_ago = timezone.now() - timedelta(days=400)
    for n in range(7):
        Client.objects.create(
            account=account,
            ext_id=str(100000101 + n),
            first_name=f"Client{n}",
            last_name="Smith" if n % 2 else "Jones",
            email=f"client{n}@example.com",
            phone=f"80555501{n:02d}",
            sms_opt_in=n != 2,
            active=n != 6,
            created_at=long_ago,
            updated_at=long_ago + timedelta(days=n),
        )
    rows = (
        # ext_id, client, provider, service, start, status, deleted
        ("121", 0, "5", "17", at(target, "10:00"), Status.BOOKED, False),
        ("122", 0, "5", "18", at(today - timedelta(days=21), "11:00"), Status.COMPLETED, False),
        ("123", 1, "6", "17", at(today - timedelta(days=7), "14:00"), Status.CANCELLED, False),
        ("124", 1, "6", "19", at(today - timedelta(days=7), "15:00"), Status.NO_SHOW, False),
        ("125", 2, "5", "17", at(target, "13:00"), Status.CONFIRMED, False),
        (
            "126",
            2,
            "6",
            "18",
            at(target + timedelta(days=1), "09:00"),
            Status.LATE_CANCELLED,
            False,
        ),
        ("127", 3, "5", "19", at(today - timedelta(days=1), "12:00"), Status.COMPLETED, False),
        ("128", 3, "6", "17", at(target, "11:00"), Status.BOOKED, True),
    )
    for ext_id, client, provider, service, start, status, deleted in rows:
        service_row = account.services.get(ext_id=service)
        Appointment.objects.create(
            account=account,
            ext_id=ext_id,
            client=account.clients.get(ext_id=str(100000101 + client)),
            provider=account.providers.get(ext_id=provider),
            service=service_row,
            start=start,
            end=start + timedelta(minutes=service_row.duration_minutes),
            status=status,
            deleted=deleted,
            notes="Trim only" if ext_id == "121" else "",
            created_at=long_ago,
            updated_at=long_ago,
        )
    return account


def make_adapter(password: str = "apitest1234", site_id: str = "-99", **config) -> tuple:
    adapter = MindbodyAdapter(
        AdapterConfig(
            base_url="http://sandbox.test/sandbox/mindbody",
            credentials={"username": "Siteowner", "password": password},
            account={"site_id": site_id},
            options={"api_key": "k", "page_size": 3},
            timezone="America/New_York",
            sleep=lambda _seconds: None,
            **config,
        )
    )
    return adapter, mount(adapter.http.session)


def paths(transport) -> list[str]:
    return [r.path_url.split("?")[0].removeprefix(BASE) for r in transport.requests]


def offsets(transport, suffix: str) -> list[str]:
    from urllib.parse import parse_qs, urlsplit

    return [
        parse_qs(urlsplit(r.url).query)["request.offset"][0]
        for r in transport.requests
        if urlsplit(r.url).path.endswith(suffix)
    ]


# -- auth ------------------------------------------------------------------------------------------
def test_connection_issues_a_token_and_reads_the_site(site):
    adapter, transport = make_adapter()
    result = adapter.test_connection()
    assert result.ok
    assert result.account_name == "Demo Salon Brooklyn"
    assert result.timezone == "America/New_York"
    assert result.currency == "USD"  # Site.CurrencyIsoCode
    assert paths(transport) == ["/usertoken/issue", "/site/sites"]
    token = Token.objects.get(account=site)
    assert transport.requests[1].headers["Authorization"] == f"Bearer {token.token}"
    # Expires is UTC: about 24 hours from now, and the adapter holds exactly that.
    assert timedelta(hours=23) < token.expires_at - timezone.now() <= timedelta(hours=24)
    assert adapter._token.expires_at == token.expires_at.replace(microsecond=0)


def test_wrong_password_is_authentication_error(site):
    adapter, _ = make_adapter(password="wrong")
    with pytest.raises(AuthenticationError) as caught:
        adapter.test_connection()
    assert caught.value.status_code == 401
    assert caught.value.platform_code == "InvalidStaffCredentials"
    assert not Token.objects.exists()


def test_unknown_site_is_authentication_error(site):
    adapter, _ = make_adapter(site_id="-1")
    with pytest.raises(AuthenticationError) as caught:
        adapter.test_connection()
    assert caught.value.platform_code == "InvalidSiteId"


def test_expired_token_is_reissued(site):
    adapter, transport = make_adapter()
    adapter.test_connection()
    # The adapter still believes its token lives a day; the emulator says it has expired.
    Token.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    provider = adapter.get_provider("5")
    assert provider.name == "Jane D."
    assert paths(transport)[2:] == ["/staff/staff", "/usertoken/issue", "/staff/staff"]
    assert (
        transport.requests[2].headers["Authorization"]
        != transport.requests[4].headers["Authorization"]
    )
    assert Token.objects.filter(account=site).count() == 2


def test_expire_tokens_fault_kills_earlier_tokens(site):
    adapter, transport = make_adapter()
    adapter.test_connection()
    Fault.objects.create(platform="mindbody", kind=Fault.Kind.EXPIRE_TOKENS, value=0)
    assert [s.platform_id for s in adapter.iter_services()] == ["17", "18", "19"]
    assert paths(transport)[2:4] == ["/site/sessiontypes", "/usertoken/issue"]


def test_token_near_expiry_is_renewed_by_24_hours(site):
    expires = timezone.now() + timedelta(minutes=2)
    Token.objects.create(account=site, token="t-old", expires_at=expires)
    adapter, transport = make_adapter(token=AdapterToken("t-old", expires_at=expires))
    adapter.get_provider("5")
    assert paths(transport) == ["/usertoken/renew", "/staff/staff"]
    token = Token.objects.get(token="t-old")
    assert token.renewals == 1
    assert token.expires_at == expires + timedelta(hours=24)
    assert adapter._token.access_token == "t-old"


def test_renewal_cap_falls_back_to_a_new_token(site):
    expires = timezone.now() + timedelta(minutes=2)
    Token.objects.create(account=site, token="t-old", expires_at=expires, renewals=7)
    adapter, transport = make_adapter(token=AdapterToken("t-old", expires_at=expires))
    adapter.get_provider("5")
    assert paths(transport) == ["/usertoken/renew", "/usertoken/issue", "/staff/staff"]
    assert adapter._token.access_token != "t-old"


def test_api_key_and_staff_token_are_enforced(site):
    http = HttpClient()
    answer = http.get(f"{BASE}/site/locations", HTTP_SITEID="-99")
    assert answer.status_code == 401
    assert answer.json() == {
        "Error": {"Message": "The Api-Key header is missing.", "Code": "DeniedAccess"}
    }
    answer = http.get(f"{BASE}/client/clients", HTTP_SITEID="-99", HTTP_API_KEY="k")
    assert answer.status_code == 401
    assert answer.json()["Error"]["Code"] == "DeniedAccess"
    answer = http.get(
        f"{BASE}/appointment/staffappointments",
        HTTP_SITEID="-99",
        HTTP_API_KEY="k",
        HTTP_AUTHORIZATION="Bearer nope",
    )
    assert answer.status_code == 401
    # Without a token, staff/staff answers only the public fields (docs/platforms/mindbody.md §1.3).
    answer = http.get(f"{BASE}/staff/staff", HTTP_SITEID="-99", HTTP_API_KEY="k")
    assert answer.status_code == 200
    member = answer.json()["StaffMembers"][0]
    assert set(member) == {"Id", "FirstName", "LastName", "DisplayName", "Bio", "ImageUrl", "EmpID"}


def test_error_response_shape_for_faults():
    answer = mindbody.error_response(429, "Too many requests.", {"Retry-After": "2"})
    assert answer.status_code == 429
    assert answer["Retry-After"] == "2"
    assert json.loads(answer.content) == {
        "Error": {"Message": "Too many requests.", "Code": "TooManyRequests"}
    }
    assert json.loads(mindbody.error_response(500, "x", {}).content)["Error"]["Code"] == "Unknown"


# -- reads -----------------------------------------------------------------------------------------
def test_iter_providers_pages_and_marks_inactive(site):
    adapter, transport = make_adapter()
    providers = list(adapter.iter_providers())
    assert [(p.platform_id, p.name, p.active) for p in providers] == [
        ("5", "Jane D.", True),
        ("6", "Maria L.", True),
        ("7", "Sam L.", True),
        ("8", "Old T.", False),
    ]
    assert offsets(transport, "/staff/staff") == ["0", "3"]
    assert providers[0].raw["AppointmentInstructor"] is True


def test_iter_services_and_get_service(site):
    adapter, _ = make_adapter()
    services = list(adapter.iter_services())
    assert [(s.platform_id, s.name, s.category, s.duration_minutes) for s in services] == [
        ("17", "Women's Cut", "Cuts", 45),
        ("18", "Full Color", "Color", 90),
        ("19", "Blow Dry", "Styling", 30),
    ]
    assert adapter.get_service("19").name == "Blow Dry"
    with pytest.raises(NotFoundError):
        adapter.get_service("99")


def test_iter_locations(site):
    adapter, _ = make_adapter()
    (location,) = adapter.iter_locations()
    assert (location.platform_id, location.name) == ("1", "Demo Salon Brooklyn")
    assert location.raw["SiteID"] == -99


def test_iter_customers_pages_and_filters_by_last_modified(site):
    adapter, transport = make_adapter()
    customers = list(adapter.iter_customers())
    assert [c.platform_id for c in customers] == [str(100000101 + n) for n in range(7)]
    assert offsets(transport, "/client/clients") == ["0", "3", "6"]
    assert [c.active for c in customers] == [True] * 6 + [False]
    assert customers[2].sms_opt_in is False and customers[1].sms_opt_in is True
    assert customers[0].email == "client0@example.com" and customers[0].phone == "8055550100"
    client = Client.objects.get(ext_id="100000104")
    assert customers[3].updated_at == client.updated_at.replace(microsecond=0)
    # Only clients modified on or after the given UTC instant (sent to the second).
    since = Client.objects.get(ext_id="100000105").updated_at
    changed = [c.platform_id for c in adapter.iter_customers(changed_since=since)]
    assert changed == ["100000105", "100000106", "100000107"]


def test_get_customer(site):
    adapter, _ = make_adapter()
    customer = adapter.get_customer("100000103")
    assert (customer.first_name, customer.last_name) == ("Client2", "Jones")
    assert customer.raw["UniqueId"] == 100000103
    assert customer.raw["FirstAppointmentDate"] is not None
    assert adapter.get_customer("100000107").active is False  # includeInactive
    with pytest.raises(NotFoundError):
        adapter.get_customer("42")


def test_iter_appointments_pages_statuses_and_local_times(site, today):
    adapter, transport = make_adapter()
    found = list(adapter.iter_appointments(today - timedelta(days=30), today + timedelta(days=30)))
    expected = Appointment.objects.filter(deleted=False).order_by("start", "pk")
    assert [a.platform_id for a in found] == [a.ext_id for a in expected]
    assert offsets(transport, "/appointment/staffappointments") == ["0", "3", "6"]
    by_id = {a.platform_id: a for a in found}
    assert by_id["121"].start == Appointment.objects.get(ext_id="121").start
    assert by_id["121"].raw["StartDateTime"] == by_id["121"].start.astimezone(NY).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )  # wall clock, no offset
    assert by_id["121"].notes == "Trim only"
    assert {k: by_id[k].status for k in ("121", "122", "123", "124", "125", "126")} == {
        "121": AppointmentStatus.BOOKED,
        "122": AppointmentStatus.COMPLETED,
        "123": AppointmentStatus.CANCELLED,
        "124": AppointmentStatus.NO_SHOW,
        "125": AppointmentStatus.CONFIRMED,
        "126": AppointmentStatus.LATE_CANCELLED,
    }
    assert by_id["122"].raw["FirstAppointment"] is True
    assert by_id["121"].raw["FirstAppointment"] is False
    assert (by_id["125"].customer_id, by_id["125"].provider_id, by_id["125"].service_id) == (
        "100000103",
        "5",
        "17",
    )
    assert by_id["125"].end - by_id["125"].start == timedelta(minutes=45)
    # The date range is site-local days: yesterday alone holds only 127.
    yesterday = today - timedelta(days=1)
    assert [a.platform_id for a in adapter.iter_appointments(yesterday, yesterday)] == ["127"]


def test_get_appointment_and_customer_appointments(site, today):
    adapter, _ = make_adapter()
    appointment = adapter.get_appointment("122")  # three weeks ago: in the adapter's window
    assert appointment.status is AppointmentStatus.COMPLETED
    with pytest.raises(NotFoundError):
        adapter.get_appointment("128")  # deleted
    mine = adapter.get_customer_appointments("100000102")
    assert [a.platform_id for a in mine] == ["123", "124"]
    only_future = adapter.get_customer_appointments(
        "100000103", AppointmentFilters(start_date=today, end_date=today + timedelta(days=30))
    )
    assert [a.platform_id for a in only_future] == ["125", "126"]


def test_asked_by_id_alone_the_window_is_today(site, today):
    """request.startDate defaults to today and request.endDate to StartDate, ids or not
    (Mindbody's v6 Swagger, GET /appointment/staffappointments)."""
    adapter, _ = make_adapter()
    by_id_only = adapter.http.request(
        "t", "GET", PATHS["staff_appointments"], params={"request.appointmentIds": ["122"]}
    )
    assert by_id_only["Appointments"] == []
    three_weeks = (today - timedelta(days=21)).isoformat()
    in_window = adapter.http.request(
        "t",
        "GET",
        PATHS["staff_appointments"],
        params={
            "request.appointmentIds": ["122"],
            "request.startDate": three_weeks,
            "request.endDate": today.isoformat(),
        },
    )
    assert [a["Id"] for a in in_window["Appointments"]] == [122]


# -- availability ----------------------------------------------------------------------------------
def test_availability_windows_are_sliced_like_mindbody(site, target):
    adapter, _ = make_adapter()
    slots = adapter.get_availability(
        target, target, AvailabilityFilters(service_ids=("17",), provider_ids=("5",))
    )
    # Jane works 09:00-17:00 and is booked 10:00-10:45 and 13:00-13:45: three bookable windows
    # whose starts the adapter slices at the 45-minute session length, each window's last start
    # (09:15, 16:15) offered too.
    assert [s.start.astimezone(NY).strftime("%H:%M") for s in slots] == [
        "09:00",
        "09:15",
        "10:45",
        "11:30",
        "12:15",
        "13:45",
        "14:30",
        "15:15",
        "16:00",
        "16:15",
    ]
    assert all(s.end - s.start == timedelta(minutes=45) for s in slots)
    windows = {
        (s.raw["StartDateTime"], s.raw["EndDateTime"], s.raw["BookableEndDateTime"]) for s in slots
    }
    day = target.isoformat()
    assert windows == {
        (f"{day}T09:00:00", f"{day}T10:00:00", f"{day}T09:15:00"),
        (f"{day}T10:45:00", f"{day}T13:00:00", f"{day}T12:15:00"),
        (f"{day}T13:45:00", f"{day}T17:00:00", f"{day}T16:15:00"),
    }
    assert {(s.provider_id, s.service_id, s.location_id) for s in slots} == {("5", "17", "1")}


def test_availability_matches_open_slots(site, target):
    adapter, transport = make_adapter()
    last = target + timedelta(days=1)
    slots = adapter.get_availability(target, last)
    open_slots = calendar.open_slots(site, target, last)
    free = {(o.start, o.end, o.provider.ext_id, o.service.ext_id) for o in open_slots}
    got = {(s.start, s.end, s.provider_id, s.service_id) for s in slots}
    assert got and got <= free
    # Every open start lies inside one of the bookable windows answered for its staff and type.
    windows = {
        (
            s.provider_id,
            s.service_id,
            adapter.local_datetime(s.raw["StartDateTime"]),
            adapter.local_datetime(s.raw["BookableEndDateTime"]),
        )
        for s in slots
    }
    for o in open_slots:
        assert any(
            p == o.provider.ext_id and t == o.service.ext_id and a <= o.start <= b
            for p, t, a, b in windows
        ), o
    # The inactive provider offers nothing; the bookings' times are not offered.
    assert "8" not in {s.provider_id for s in slots}
    assert not any(s.provider_id == "5" and s.start == at(target, "10:00") for s in slots)
    # bookableitems was paged (page size 3).
    assert "3" in offsets(transport, "/appointment/bookableitems")


def test_bookable_items_requires_session_types(site):
    answer = HttpClient().get(
        f"{BASE}/appointment/bookableitems", HTTP_SITEID="-99", HTTP_API_KEY="k"
    )
    assert answer.status_code == 400
    assert answer.json()["Error"]["Code"] == "MissingRequiredFields"


# -- writes ----------------------------------------------------------------------------------------
def test_book_then_the_same_slot_is_refused(site, today, target):
    adapter, transport = make_adapter()
    request = BookingRequest(
        customer_id="100000104",
        service_id="18",
        provider_id="6",
        start=at(target, "09:00"),
        notes="First color",
    )
    booked = adapter.book_appointment(request)
    assert booked.status is AppointmentStatus.BOOKED
    assert booked.start == at(target, "09:00") and booked.end == at(target, "10:30")
    assert (booked.customer_id, booked.provider_id, booked.service_id) == ("100000104", "6", "18")
    sent = json.loads(transport.requests[-1].body)
    assert sent["StartDateTime"] == f"{target.isoformat()}T09:00:00" and sent["LocationId"] == 1
    row = Appointment.objects.get(account=site, ext_id=booked.platform_id)
    assert (row.status, row.notes, row.client.ext_id) == (Status.BOOKED, "First color", "100000104")
    with pytest.raises(ValidationError) as caught:
        adapter.book_appointment(request)
    assert caught.value.platform_code == "InvalidBookingTime"
    assert caught.value.status_code == 400
    assert (
        Appointment.objects.filter(account=site, provider__ext_id="6", start=request.start).count()
        == 1
    )
    # Jane does not work before nine; a past time in her hours is refused too.
    with pytest.raises(ValidationError):
        adapter.book_appointment(
            BookingRequest("100000104", "17", "5", at(target, "08:00"), location_id="1")
        )
    with pytest.raises(ValidationError) as caught:
        adapter.book_appointment(
            BookingRequest("100000104", "17", "5", at(today - timedelta(days=1), "15:00"), "1")
        )
    assert caught.value.platform_code == "SchedulingWindowViolated"


def test_booking_refusals_for_unknown_records(site, target):
    adapter, _ = make_adapter()
    with pytest.raises(NotFoundError) as caught:
        adapter.book_appointment(BookingRequest("999", "17", "5", at(target, "15:00"), "1"))
    assert caught.value.platform_code == "ClientNotFound"
    with pytest.raises(ValidationError) as caught:
        adapter.book_appointment(BookingRequest("100000104", "17", "8", at(target, "15:00"), "1"))
    assert caught.value.platform_code == "StaffIsInactive"


def test_cancel_and_late_cancel(site):
    adapter, _ = make_adapter()
    cancelled = adapter.cancel_appointment("121")
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert Appointment.objects.get(ext_id="121").status == Status.CANCELLED
    late = adapter.cancel_appointment("125", late=True)
    assert late.status is AppointmentStatus.LATE_CANCELLED
    assert Appointment.objects.get(ext_id="125").status == Status.LATE_CANCELLED
    # A repeated cancellation answers the appointment again (the adapter may retry it).
    assert adapter.cancel_appointment("121").status is AppointmentStatus.CANCELLED
    with pytest.raises(ValidationError):
        adapter.cancel_appointment("122")  # completed


def test_booking_emits_the_change_for_the_webhook(
    site, target, monkeypatch, django_capture_on_commit_callbacks
):
    seen: list = []
    monkeypatch.setattr("sandbox.webhooks.queue_for_change", lambda a, k, o: seen.append((k, o)))
    adapter, _ = make_adapter()
    with django_capture_on_commit_callbacks(execute=True):
        booked = adapter.book_appointment(
            BookingRequest("100000104", "19", "7", at(target, "10:00"))
        )
        adapter.cancel_appointment(booked.platform_id)
    assert [(k, o.ext_id) for k, o in seen] == [
        (events.APPOINTMENT_CREATED, booked.platform_id),
        (events.APPOINTMENT_CANCELLED, booked.platform_id),
    ]


# -- webhooks --------------------------------------------------------------------------------------
def test_retry_schedule_is_every_15_minutes_for_3_hours():
    assert set(mindbody.RETRY_SCHEDULE) == {15 * 60}
    assert sum(mindbody.RETRY_SCHEDULE) == 3 * 60 * 60


def test_signature_matches_the_documented_example():
    payload_b = (
        '{"messageId":"ASwFMoA2Q5UKw69g3RDbvU","eventId":"appointmentBooking.cancelled",'
        '"eventSchemaVersion":1,"eventInstanceOriginationDateTime":"2025-03-20T17:05:12Z",'
        '"eventData":{"siteId":-99,"appointmentId":121}}'
    )
    assert len(payload_b.encode()) == 207
    assert mindbody.sign(payload_b, SECRET) == "sha256=/VGCsec6DaB3S5tyFg40y/8bNrEEfJVTpHuMwIniZlA="


def test_cancelled_webhook_reproduces_the_documented_bytes(site, monkeypatch):
    monkeypatch.setattr(mindbody, "_message_id", lambda: "ASwFMoA2Q5UKw69g3RDbvU")
    monkeypatch.setattr(timezone, "now", lambda: datetime(2025, 3, 20, 17, 5, 12, tzinfo=UTC))
    appointment = Appointment.objects.get(ext_id="121")
    (delivery,) = mindbody.build_webhooks(site, events.APPOINTMENT_CANCELLED, appointment)
    assert delivery["body"] == (
        '{"messageId":"ASwFMoA2Q5UKw69g3RDbvU","eventId":"appointmentBooking.cancelled",'
        '"eventSchemaVersion":1,"eventInstanceOriginationDateTime":"2025-03-20T17:05:12Z",'
        '"eventData":{"siteId":-99,"appointmentId":121}}'
    )
    assert delivery["headers"]["X-Mindbody-Signature"] == (
        "sha256=/VGCsec6DaB3S5tyFg40y/8bNrEEfJVTpHuMwIniZlA="
    )
    assert (delivery["event_id"], delivery["event_type"]) == (
        "ASwFMoA2Q5UKw69g3RDbvU",
        "appointmentBooking.cancelled",
    )


def test_created_webhook_envelope_signature_and_adapter_reading(site):
    appointment = Appointment.objects.get(ext_id="125")
    (delivery,) = mindbody.build_webhooks(site, events.APPOINTMENT_CREATED, appointment)
    body = delivery["body"]
    assert isinstance(body, str)
    digest = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).digest()
    assert (
        delivery["headers"]["X-Mindbody-Signature"] == "sha256=" + base64.b64encode(digest).decode()
    )
    envelope = json.loads(body)
    assert list(envelope) == [
        "messageId",
        "eventId",
        "eventSchemaVersion",
        "eventInstanceOriginationDateTime",
        "eventData",
    ]
    assert envelope["eventId"] == "appointmentBooking.created"
    assert envelope["eventSchemaVersion"] == 1
    assert len(envelope["messageId"]) == 22 and envelope["messageId"] == delivery["event_id"]
    assert envelope["eventInstanceOriginationDateTime"].endswith("Z")
    data = envelope["eventData"]
    assert (data["siteId"], data["appointmentId"], data["status"]) == (-99, 125, "Scheduled")
    assert (data["isConfirmed"], data["hasArrived"]) == (True, False)
    assert (data["clientId"], data["staffId"], data["sessionTypeId"]) == ("100000103", 5, 17)
    assert data["durationMinutes"] == 45
    # The adapter reads it back as the appointment it is.
    adapter, _ = make_adapter()
    event = read_event(adapter, envelope)
    assert event.kind is EventKind.APPOINTMENT_CREATED
    assert (event.object_id, event.account_id) == ("125", "-99")
    assert event.data.status is AppointmentStatus.CONFIRMED
    assert event.data.start == appointment.start and event.data.end == appointment.end
    # Two builds are two messages.
    again = mindbody.build_webhooks(site, events.APPOINTMENT_CREATED, appointment)[0]
    assert again["event_id"] != delivery["event_id"]


def test_client_webhooks(site):
    client = Client.objects.get(ext_id="100000101")
    (created,) = mindbody.build_webhooks(site, events.CLIENT_CREATED, client)
    envelope = json.loads(created["body"])
    assert envelope["eventId"] == "client.created"
    data = envelope["eventData"]
    assert (data["siteId"], data["clientId"], data["clientUniqueId"]) == (
        -99,
        "100000101",
        100000101,
    )
    assert (data["firstName"], data["email"], data["mobilePhone"]) == (
        "Client0",
        "client0@example.com",
        "8055550100",
    )
    adapter, _ = make_adapter()
    event = read_event(adapter, envelope)
    assert event.kind is EventKind.CUSTOMER_CREATED and event.data.first_name == "Client0"
    (updated,) = mindbody.build_webhooks(site, events.CLIENT_UPDATED, client)
    assert json.loads(updated["body"])["eventId"] == "client.updated"
    client.active = False
    (gone,) = mindbody.build_webhooks(site, events.CLIENT_UPDATED, client)
    assert read_event(adapter, json.loads(gone["body"])).kind is EventKind.CUSTOMER_DELETED
    assert mindbody.build_webhooks(site, "something.else", client) == []


def read_event(adapter, envelope):
    """The delivery as SalonSync reads it (webhooks/platforms/mindbody.py)."""
    return MindbodyWebhooks().event_from(envelope, adapter)
