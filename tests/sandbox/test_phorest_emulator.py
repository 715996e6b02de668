"""The Phorest emulator driven by the real PhorestAdapter (in-process, no server)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integrations.adapters.base import AdapterConfig
from integrations.adapters.errors import AuthenticationError, NotFoundError, ValidationError
from integrations.adapters.phorest import PhorestAdapter
from integrations.adapters.types import (
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
)
from sandbox import calendar
from sandbox.models import Account, Appointment, Client, Provider, Service, Status
from sandbox.platforms import phorest
from tests.sandbox_transport import mount

NY = ZoneInfo("America/New_York")
BASE = "http://sandbox.test/sandbox/phorest/third-party-api-server/api/business"
USERNAME = "global/front.desk@example.com"
PASSWORD = "pässwörd-✓-1"  # not latin-1: the adapter must send UTF-8 and the emulator read it
EVERY_DAY = {str(d): ["09:00", "17:00"] for d in range(7)}


def at(day: date, clock: str, zone: ZoneInfo = NY) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), zone)


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_account(account_id="biz-demo-01", branch_id="br-midtown-01", zone="America/New_York"):
    return Account.objects.create(
        platform="phorest",
        account_id=account_id,
        branch_id=branch_id,
        name="Demo Salon Midtown",
        timezone=zone,
        username=USERNAME,
        password=PASSWORD,
    )


def make_appointment(account, ext_id, client, provider, service, start, **extra):
    updated = extra.pop("updated_at", start - timedelta(days=7))
    return Appointment.objects.create(
        account=account,
        ext_id=ext_id,
        client=client,
        provider=provider,
        service=service,
        start=start,
        end=start + timedelta(minutes=service.duration_minutes),
        created_at=updated - timedelta(days=1),
        updated_at=updated,
        **extra,
    )


@pytest.fixture
def salon(db):
    account = make_account()
    p1 = Provider.objects.create(
        account=account, ext_id="StaffJordan1", first_name="Jordan", last_name="Reyes",
        working_hours=EVERY_DAY,
    )  # fmt: skip
    p2 = Provider.objects.create(
        account=account, ext_id="StaffSam2", first_name="Sam", last_name="Okafor",
        working_hours=EVERY_DAY,
    )  # fmt: skip
    Provider.objects.create(
        account=account, ext_id="StaffGone3", first_name="Old", last_name="Timer", active=False
    )
    cut = Service.objects.create(
        account=account, ext_id="SvcCut", name="Cut & Blow Dry", category="Hair",
        duration_minutes=45, price=Decimal("55.00"),
    )  # fmt: skip
    colour = Service.objects.create(
        account=account, ext_id="SvcColour", name="Full Colour", category="Colour",
        duration_minutes=90, price=Decimal("120.00"),
    )  # fmt: skip
    Service.objects.create(
        account=account, ext_id="SvcRetired", name="Perm", category="Hair",
        duration_minutes=60, price=Decimal("80.00"), active=False,
    )  # fmt: skip
    clients = []
    for n, (first, phone, active) in enumerate(
        [
            ("Amanda", "+1 (212) 555-0101", True),
            ("Bea", "+1 212 555 0102", True),
            ("Cleo", "", True),
            ("Dana", "+353 87 123 4567", False),
            ("Eve", "+1 212 555 0105", True),
        ]
    ):
        clients.append(
            Client.objects.create(
                account=account,
                ext_id=f"Client{n + 1}",
                first_name=first,
                last_name="Doe",
                email=f"{first.lower()}@example.com",
                phone=phone,
                email_opt_in=n % 2 == 0,
                sms_opt_in=True,
                active=active,
                created_at=stamp("2025-01-01T10:00:00") + timedelta(days=n),
                updated_at=stamp("2026-03-01T10:00:00") + timedelta(days=n),
            )
        )
    c1, c2, c3 = clients[:3]
    march = date(2026, 3, 1)
    rows = {
        "a1": make_appointment(account, "ApptA1", c1, p1, cut, at(march.replace(day=2), "10:00"),
                               updated_at=stamp("2026-02-20T12:00:00")),
        "a2": make_appointment(account, "ApptA2", c2, p2, colour, at(march.replace(day=5), "14:00"),
                               status=Status.CONFIRMED, updated_at=stamp("2026-02-21T12:00:00")),
        # Spring forward in New York (02:00 -> 03:00): 10:00 EDT is 14:00Z, not 15:00Z.
        "a3": make_appointment(account, "ApptA3", c1, p1, cut, at(march.replace(day=8), "10:00"),
                               status=Status.COMPLETED, updated_at=stamp("2026-03-08T16:00:00")),
        "a4": make_appointment(account, "ApptA4", c3, p1, cut, at(march.replace(day=10), "11:00"),
                               status=Status.CANCELLED, updated_at=stamp("2026-03-09T12:00:00")),
        "a5": make_appointment(account, "ApptA5", c2, p2, cut, at(march.replace(day=12), "09:00"),
                               deleted=True, updated_at=stamp("2026-03-11T12:00:00")),
        "a6": make_appointment(account, "ApptA6", c1, p2, cut, at(date(2026, 4, 20), "15:15"),
                               status=Status.NO_SHOW, updated_at=stamp("2026-04-21T12:00:00")),
    }  # fmt: skip
    return {
        "account": account,
        "providers": (p1, p2),
        "services": (cut, colour),
        "clients": clients,
        "appts": rows,
    }


def make_adapter(account, *, password=PASSWORD, **options) -> tuple[PhorestAdapter, object]:
    adapter = PhorestAdapter(
        AdapterConfig(
            base_url=BASE,
            credentials={"username": account.username, "password": password},
            account={"business_id": account.account_id, "branch_id": account.branch_id},
            timezone="America/New_York",
            sleep=lambda _seconds: None,
            options=options,
        )
    )
    return adapter, mount(adapter.http.session)


def queries(transport, suffix: str) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlsplit(r.url).query)
        for r in transport.requests
        if urlsplit(r.url).path.endswith(suffix)
    ]


def future_day(days: int = 10) -> date:
    return timezone.now().astimezone(NY).date() + timedelta(days=days)


# -- connection and auth --------------------------------------------------------------------------
def test_connection_reads_branch_name_and_zone(salon):
    adapter, transport = make_adapter(salon["account"])
    result = adapter.test_connection()
    assert (result.ok, result.account_name, result.timezone) == (
        True,
        "Demo Salon Midtown",
        "America/New_York",
    )
    assert result.currency == "USD"  # the branch's currencyCode
    sent = transport.requests[0]
    assert sent.url.startswith(f"{BASE}/biz-demo-01/branch?")
    expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert sent.headers["Authorization"] == f"Basic {expected}"


def test_wrong_password_is_an_authentication_error(salon):
    adapter, _ = make_adapter(salon["account"], password="pässwörd-✓-2")
    with pytest.raises(AuthenticationError) as info:
        adapter.test_connection()
    assert info.value.status_code == 401


def test_unknown_branch_and_business(salon):
    account = salon["account"]
    account.branch_id = "br-elsewhere"  # only the adapter's copy: not saved
    adapter, _ = make_adapter(account)
    assert adapter.test_connection().ok is False  # the branch list lacks it
    with pytest.raises(NotFoundError):
        adapter.get_provider("StaffJordan1")
    account.account_id = "biz-nope"
    stranger, _ = make_adapter(account)
    with pytest.raises(NotFoundError):
        stranger.get_customer("Client1")


def test_raw_errors_use_phorest_body(salon, client):
    path = "/sandbox/phorest/third-party-api-server/api/business/biz-demo-01/branch"
    answer = client.get(path)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Basic")
    body = answer.json()
    assert body["statusCode"] == 401 and body["id"] and body["detail"]
    utf8 = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    ok = client.get(path, HTTP_AUTHORIZATION=f"Basic {utf8}")
    assert ok.status_code == 200 and ok["x-phorest-trace-id"]
    assert client.post(path, HTTP_AUTHORIZATION=f"Basic {utf8}").status_code == 405
    response = phorest.error_response(429, "Too many requests", {"Retry-After": "3"})
    assert response.status_code == 429 and response["Retry-After"] == "3"


# -- catalogue and clients ------------------------------------------------------------------------
def test_providers_services_and_their_details(salon):
    adapter, transport = make_adapter(salon["account"], page_size=1)
    providers = list(adapter.iter_providers())
    assert [(p.platform_id, p.name, p.active) for p in providers] == [
        ("StaffJordan1", "Jordan Reyes", True),
        ("StaffSam2", "Sam Okafor", True),
    ]  # the archived one is left out unless fetch_archived
    assert len(queries(transport, "/staff")) == 2  # one per page of size 1
    services = list(adapter.iter_services())
    assert [(s.platform_id, s.duration_minutes, s.price) for s in services] == [
        ("SvcCut", 45, Decimal("55.0")),
        ("SvcColour", 90, Decimal("120.0")),
    ]
    assert adapter.get_service("SvcRetired").active is False
    assert adapter.get_provider("StaffGone3").active is False
    assert adapter.get_provider("StaffSam2").name == "Sam Okafor"
    with pytest.raises(NotFoundError):
        adapter.get_service("SvcNope")


def test_customers_paged_and_changed_since(salon):
    adapter, transport = make_adapter(salon["account"], page_size=2)
    customers = list(adapter.iter_customers())
    assert [c.platform_id for c in customers] == [f"Client{n}" for n in range(1, 6)]
    pages = queries(transport, "/client")
    assert [(q["page"], q["size"]) for q in pages] == [
        (["0"], ["2"]),
        (["1"], ["2"]),
        (["2"], ["2"]),
    ]
    first = customers[0]
    assert (first.phone, first.email, first.email_opt_in, first.active) == (
        "12125550101",
        "amanda@example.com",
        True,
        True,
    )
    assert customers[3].active is False  # archived
    assert customers[1].email_opt_in is False
    assert first.updated_at == stamp("2026-03-01T10:00:00")

    changed = list(adapter.iter_customers(changed_since=stamp("2026-03-03T10:00:00")))
    assert [c.platform_id for c in changed] == ["Client3", "Client4", "Client5"]
    assert queries(transport, "/client")[-1]["updatedAfter"] == ["2026-03-03T10:00:00.000Z"]
    assert adapter.get_customer("Client2").first_name == "Bea"
    with pytest.raises(NotFoundError):
        adapter.get_customer("Client99")


# -- appointment reads ----------------------------------------------------------------------------
def test_iter_appointments_pages_windows_and_statuses(salon):
    adapter, transport = make_adapter(salon["account"], page_size=2)
    found = list(adapter.iter_appointments(date(2026, 3, 1), date(2026, 4, 30)))
    by_id = {a.platform_id: a for a in found}
    # Cancelled rows come (fetch_canceled), the deleted one does not (no fetch_deleted).
    assert sorted(by_id) == ["ApptA1", "ApptA2", "ApptA3", "ApptA4", "ApptA6"]
    assert {k: a.status for k, a in by_id.items()} == {
        "ApptA1": AppointmentStatus.BOOKED,
        "ApptA2": AppointmentStatus.CONFIRMED,
        "ApptA3": AppointmentStatus.COMPLETED,
        "ApptA4": AppointmentStatus.CANCELLED,
        "ApptA6": AppointmentStatus.NO_SHOW,
    }
    a2 = by_id["ApptA2"]
    assert (a2.start, a2.end) == (at(date(2026, 3, 5), "14:00"), at(date(2026, 3, 5), "15:30"))
    assert (a2.customer_id, a2.provider_id, a2.service_id) == ("Client2", "StaffSam2", "SvcColour")
    assert (a2.service_name, a2.price) == ("Full Colour", Decimal("120.0"))
    assert a2.raw["startTime"] == "14:00:00.000" and a2.raw["appointmentDate"] == "2026-03-05"
    lists = queries(transport, "/appointment")
    # March (4 rows, pages of 2) then April (1 row): three requests, zero-based pages.
    assert [(q["from_date"][0], q["page"][0]) for q in lists] == [
        ("2026-03-01", "0"),
        ("2026-03-01", "1"),
        ("2026-04-01", "0"),
    ]


def test_appointment_reads_on_dst_days_keep_the_instant(salon):
    adapter, _ = make_adapter(salon["account"])
    appt = adapter.get_appointment("ApptA3")
    assert appt.start == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    assert appt.end == datetime(2026, 3, 8, 14, 45, tzinfo=UTC)
    assert appt.raw["startTime"] == "10:00:00.000"
    assert appt.status is AppointmentStatus.COMPLETED
    with pytest.raises(NotFoundError):
        adapter.get_appointment("ApptNope")


def test_branch_zone_is_the_emulated_branchs_not_the_salons(db):
    # Europe/Dublin springs forward on 29 March 2026: 10:00 IST is 09:00Z. The adapter is set up
    # with a New York salon zone, so only the branch's timeZone can get this right.
    account = make_account("biz-dublin", "br-dublin", "Europe/Dublin")
    p = Provider.objects.create(account=account, ext_id="S1", first_name="A", last_name="B")
    s = Service.objects.create(
        account=account, ext_id="V1", name="Cut", category="Hair", duration_minutes=30, price=40
    )
    now = timezone.now()
    c = Client.objects.create(
        account=account, ext_id="C1", first_name="A", last_name="B", created_at=now, updated_at=now
    )
    make_appointment(
        account, "D1", c, p, s, at(date(2026, 3, 29), "10:00", ZoneInfo("Europe/Dublin"))
    )
    adapter, _ = make_adapter(account)
    appt = adapter.get_appointment("D1")
    assert appt.start == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)
    assert appt.raw["startTime"] == "10:00:00.000"


def test_customer_appointments_use_client_id(salon):
    adapter, transport = make_adapter(salon["account"])
    window = AppointmentFilters(start_date=date(2026, 3, 1), end_date=date(2026, 4, 30))
    found = adapter.get_customer_appointments("Client1", window)
    assert [a.platform_id for a in found] == ["ApptA1", "ApptA3", "ApptA6"]
    assert all(q["client_id"] == ["Client1"] for q in queries(transport, "/appointment"))
    # The pitfall: camelCase clientId is silently ignored and every client's rows come back.
    raw = adapter.http.request(
        "list_appointments",
        "GET",
        "biz-demo-01/branch/br-midtown-01/appointment",
        params={"clientId": "Client1", "from_date": "2026-03-01", "to_date": "2026-03-31"},
    )
    assert {r["clientId"] for r in raw["_embedded"]["appointments"]} == {"Client1", "Client2"}


def test_range_over_31_days_is_refused_with_the_documented_message(salon):
    adapter, _ = make_adapter(salon["account"])
    with pytest.raises(ValidationError) as info:
        adapter.http.request(
            "list_appointments",
            "GET",
            "biz-demo-01/branch/br-midtown-01/appointment",
            params={"from_date": "2026-03-01", "to_date": "2026-04-09"},  # 40 days
        )
    assert info.value.status_code == 400
    assert "Max date range allowed is 31 days" in info.value.message


def test_changed_appointments_since(salon):
    adapter, transport = make_adapter(salon["account"], changed_future_days=30)
    since = stamp("2026-03-09T00:00:00")
    changed = {a.platform_id: a.status for a in adapter.iter_changed_appointments(since)}
    # A4 (cancelled) and A5 (deleted, via fetch_deleted) and A6; not A1-A3 (updated before).
    assert changed == {
        "ApptA4": AppointmentStatus.CANCELLED,
        "ApptA5": AppointmentStatus.CANCELLED,
        "ApptA6": AppointmentStatus.NO_SHOW,
    }
    sent = queries(transport, "/appointment")
    assert all(
        q["updated_after"] == q["updated_from"] == ["2026-03-09T00:00:00.000Z"] for q in sent
    )
    # One spelling alone filters too (the name is disputed: docs/platforms/phorest.md §2.4).
    only_from, _ = make_adapter(
        salon["account"], changed_future_days=30, updated_filter="updated_from"
    )
    assert {a.platform_id for a in only_from.iter_changed_appointments(since)} == set(changed)
    raw = adapter.http.request(
        "list_appointments",
        "GET",
        "biz-demo-01/branch/br-midtown-01/appointment",
        params={
            "from_date": "2026-03-01",
            "to_date": "2026-03-31",
            "updated_after": "2026-03-09T00:00:00Z",
        },
    )
    assert [r["appointmentId"] for r in raw["_embedded"]["appointments"]] == []  # no fetch_*


# -- availability, booking, cancelling ------------------------------------------------------------
def test_availability_matches_the_calendar(salon):
    account = salon["account"]
    p1, _ = salon["providers"]
    cut, _ = salon["services"]
    day = future_day()
    make_appointment(account, "Busy1", salon["clients"][1], p1, cut, at(day, "11:00"))
    adapter, transport = make_adapter(account)

    mine = adapter.get_availability(
        day, day, AvailabilityFilters(service_ids=("SvcCut",), provider_ids=("StaffJordan1",))
    )
    expected = calendar.open_slots(account, day, day, services=[cut], providers=[p1])
    assert [(s.start, s.end) for s in mine] == [(o.start, o.end) for o in expected]
    assert {s.provider_id for s in mine} == {"StaffJordan1"}
    assert at(day, "11:00") not in {s.start for s in mine}  # Jordan is busy then
    body = transport.requests[-1].body
    assert b'"startTime": "' + _z(at(day, "00:00")).encode() in body

    anyone = adapter.get_availability(day, day, AvailabilityFilters(service_ids=("SvcCut",)))
    everyone = calendar.open_slots(account, day, day, services=[cut])
    assert [s.start for s in anyone] == sorted({o.start for o in everyone})  # one per start
    at_eleven = [s for s in anyone if s.start == at(day, "11:00")]
    assert [s.provider_id for s in at_eleven] == ["StaffSam2"]

    # Asked for Jordan at 11:00, Phorest offers Sam as an alternative; the adapter drops it.
    raw = adapter.http.request(
        "get_availability",
        "POST",
        "biz-demo-01/branch/br-midtown-01/appointments/availability",
        json_body={
            "startTime": _z(at(day, "11:00")),
            "endTime": _z(at(day, "11:15")),
            "clientServiceSelections": [
                {"serviceSelections": [{"serviceId": "SvcCut", "staffId": "StaffJordan1"}]}
            ],
        },
    )
    (entry,) = raw["data"]
    (schedule,) = entry["clientSchedules"][0]["serviceSchedules"]
    assert entry["startTime"] == _z(at(day, "11:00")) and entry["startTime"].endswith("Z")
    assert (schedule["staffId"], schedule["alternativeStaffMember"]) == ("StaffSam2", True)


def test_book_then_the_same_slot_is_refused_then_cancel(salon):
    account = salon["account"]
    c1, c2 = salon["clients"][:2]
    day = future_day(12)
    adapter, transport = make_adapter(account)
    request = BookingRequest(
        customer_id="Client1",
        service_id="SvcCut",
        provider_id="StaffJordan1",
        start=at(day, "14:00"),
        notes="Booked by SalonSync",
    )
    booked = adapter.book_appointment(request)
    assert booked.start == at(day, "14:00") and booked.end == at(day, "14:45")
    assert booked.status is AppointmentStatus.BOOKED
    assert transport.requests[-1].url.endswith("/biz-demo-01/branch/br-midtown-01/booking")
    row = Appointment.objects.get(ext_id=booked.platform_id)
    assert (row.client, row.status, row.notes) == (c1, Status.BOOKED, "Booked by SalonSync")
    assert phorest.build_webhooks(account, "appointment.created", row) == []

    read = adapter.get_appointment(booked.platform_id)
    assert (read.start, read.status, read.customer_id) == (
        at(day, "14:00"),
        booked.status,
        "Client1",
    )

    with pytest.raises(ValidationError) as taken:
        adapter.book_appointment(
            BookingRequest(
                customer_id="Client2",
                service_id="SvcCut",
                provider_id="StaffJordan1",
                start=at(day, "14:15"),
            )
        )
    assert (taken.value.status_code, taken.value.platform_code) == (400, "SLOT_UNAVAILABLE")
    assert "STAFF_DOUBLE_BOOKED" in taken.value.message
    with pytest.raises(ValidationError, match="STAFF_NOT_WORKING"):
        adapter.book_appointment(replace_start(request, at(day, "18:00"), "Client2"))
    with pytest.raises(ValidationError, match="CLIENT_ALREADY_BOOKED_THIS_TIME"):
        adapter.book_appointment(
            BookingRequest(
                customer_id="Client1", service_id="SvcCut", provider_id="StaffSam2",
                start=at(day, "14:00"),
            )
        )  # fmt: skip
    assert Appointment.objects.filter(account=account, start__date=day).count() == 1
    assert not Appointment.objects.filter(client=c2).exclude(ext_id__startswith="Appt").exists()

    cancelled = adapter.cancel_appointment(booked.platform_id)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.raw["activationState"] == "CANCELED"
    row.refresh_from_db()
    assert row.status == Status.CANCELLED  # more than 24 hours ahead
    assert adapter.get_appointment(booked.platform_id).status is AppointmentStatus.CANCELLED
    with pytest.raises(ValidationError):
        adapter.cancel_appointment(booked.platform_id)  # not active any more
    with pytest.raises(NotFoundError):
        adapter.cancel_appointment("ApptNope")
    # The freed slot can be booked again.
    again = adapter.book_appointment(replace_start(request, at(day, "14:00"), "Client2"))
    assert again.platform_id != booked.platform_id


def test_reserved_booking_reads_back_as_requested(salon):
    adapter, _ = make_adapter(salon["account"], booking_status="RESERVED")
    booked = adapter.book_appointment(
        BookingRequest(
            customer_id="Client3",
            service_id="SvcColour",
            provider_id="StaffSam2",
            start=at(future_day(20), "09:30"),
        )
    )
    assert booked.status is AppointmentStatus.REQUESTED
    assert Appointment.objects.get(ext_id=booked.platform_id).status == Status.REQUESTED
    read = adapter.get_appointment(booked.platform_id)
    assert (read.status, read.raw["activationState"]) == (AppointmentStatus.REQUESTED, "RESERVED")


def replace_start(request: BookingRequest, start: datetime, customer: str) -> BookingRequest:
    return BookingRequest(
        customer_id=customer,
        service_id=request.service_id,
        provider_id=request.provider_id,
        start=start,
    )


def _z(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# -- tenants the evidence describes (sandbox switches) --------------------------------------------
def test_a_salon_without_online_booking_gets_openings_from_its_own_calendar(salon):
    """docs/platforms/phorest.md §2.5, §7.8: without online booking every staff member is hidden
    from it, so an online-availability search finds nothing; SalonSync's default searches the
    salon's calendar and keeps the staff bookable."""
    account = salon["account"]
    account.online_booking = False
    account.save()
    day = future_day()
    filters = AvailabilityFilters(service_ids=("SvcCut",))
    salon_side, transport = make_adapter(account)
    slots = salon_side.get_availability(day, day, filters)
    assert slots and b'"isOnlineAvailability": false' in transport.requests[-1].body
    online, _ = make_adapter(account, availability="online")
    assert online.get_availability(day, day, filters) == []
    staff = list(salon_side.iter_providers())
    assert [(p.platform_id, p.active, p.online_bookable) for p in staff] == [
        ("StaffJordan1", True, False),
        ("StaffSam2", True, False),
    ]


def test_online_booking_salon_answers_both_searches(salon):
    day = future_day()
    filters = AvailabilityFilters(service_ids=("SvcCut",))
    online, _ = make_adapter(salon["account"], availability="online")
    salon_side, _ = make_adapter(salon["account"])
    assert online.get_availability(day, day, filters) == salon_side.get_availability(
        day, day, filters
    )


@pytest.mark.parametrize("empty_answer", [False, True])
def test_cancel_on_a_tenant_whose_reads_by_id_404(salon, empty_answer):
    """docs/platforms/phorest.md §7.7: GET appointment/{id} answers 404; a 2xx cancel is still a
    success, read back from the list around the date SalonSync knows."""
    account = salon["account"]
    account.appointment_reads_404, account.cancel_answers_empty = True, empty_answer
    account.save()
    adapter, transport = make_adapter(account)
    booked = adapter.book_appointment(
        BookingRequest(
            customer_id="Client2",
            service_id="SvcCut",
            provider_id="StaffSam2",
            start=at(future_day(9), "10:00"),
        )
    )
    with pytest.raises(NotFoundError):
        adapter.get_appointment(booked.platform_id)  # nothing known: no list search

    adapter.remember_appointment(booked)
    cancelled = adapter.cancel_appointment(booked.platform_id)
    assert (cancelled.platform_id, cancelled.status) == (
        booked.platform_id,
        AppointmentStatus.CANCELLED,
    )
    assert cancelled.start == booked.start
    assert cancelled.raw["activationState"] == "CANCELED"  # read from Phorest, not made up
    assert Appointment.objects.get(ext_id=booked.platform_id).status == Status.CANCELLED
    listed = queries(transport, "/appointment")
    if empty_answer:
        assert listed[-1]["client_id"] == ["Client2"]
        assert listed[-1]["fetch_canceled"] == ["true"]
    else:
        assert listed == []  # the cancel's answer carried the appointment: no list search
