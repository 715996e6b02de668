"""The Vagaro emulator driven with plain HTTP calls written from docs/platforms/vagaro.md (§2 the
REST API as live integrations call it, §3 the webhooks), never through SalonSync's adapter."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from sandbox import calendar, events
from sandbox.models import Account, Appointment, Client, Fault, Provider, Service, Status, Token
from sandbox.platforms import vagaro

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
BUSINESS_ID = "b7Yx/3Zq+9Wr=="  # '/' and '+' must survive URL-encoding and routing
HOURS = {str(day): ["09:00", "17:00"] for day in range(6)}  # Monday to Saturday
SCOPES = ("read access", "write access", "write employee")


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
        "pending": appt("ap4/Xw+Q==", _at(future, 15), Status.REQUESTED, provider=theo),
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


class Vagaro:
    """Calls as docs/platforms/vagaro.md §2 describes them: POST, JSON bodies, paging in the
    query string, the token in an accessToken header."""

    def __init__(self, region: str = "us02") -> None:
        self.http = HttpClient()
        self.region = region

    def url(self, path: str) -> str:
        return f"/sandbox/vagaro/{self.region}/api/v2/{path}"

    def post(self, path: str, body=None, token: str | None = None, **headers):
        if token is not None:
            headers["HTTP_ACCESSTOKEN"] = token
        return self.http.post(
            self.url(path),
            json.dumps({} if body is None else body),
            content_type="application/json",
            **headers,
        )

    def token(self, scope="read access", client_id="vg-client", secret="vg-secret"):
        return self.post(
            "merchants/generate-access-token",
            {"clientId": client_id, "clientSecretKey": secret, "scope": scope},
        )

    def access_token(self, scope="read access") -> str:
        answer = self.token(scope).json()
        assert answer["responseCode"] == 1000, answer
        return answer["data"]["access_token"]


@pytest.fixture
def api():
    return Vagaro()


def refused(answer, status: int, code: int | None = None) -> dict:
    """A refusal inside the envelope of an HTTP 200 (§2.3); returns the body."""
    body = answer.json()
    assert answer.status_code == 200
    assert set(body) == {"status", "responseCode", "message", "data"}
    assert body["status"] == status and body["responseCode"] != 1000 and body["data"] is None
    assert body["message"]
    if code is not None:
        assert body["responseCode"] == code
    return body


def ok(answer):
    body = answer.json()
    assert answer.status_code == 200, body
    assert set(body) == {"status", "responseCode", "message", "data"}
    assert (body["status"], body["responseCode"]) == (200, 1000), body
    return body["data"]


# -- token (§2.2) ------------------------------------------------------------------------------
@pytest.mark.parametrize("scope", SCOPES)
def test_each_documented_scope_gets_a_one_hour_token(salon, api, scope):
    data = ok(api.token(scope))
    assert data["expires_in"] == 3600 and data["access_token"]
    issued = Token.objects.get(token=data["access_token"])
    assert (issued.account, issued.scope) == (salon["account"], scope)
    assert timedelta(minutes=59) < issued.expires_at - timezone.now() <= timedelta(hours=1)


@pytest.mark.parametrize("scope", ["read write", "READ ACCESS", "read", "", None, ["read access"]])
def test_anything_but_one_documented_scope_is_refused(salon, api, scope):
    body = refused(api.token(scope), 400)
    assert body["responseCode"] == 1051
    assert not Token.objects.exists()


@pytest.mark.parametrize(("client_id", "secret"), [("vg-client", "wrong"), ("nobody", "vg-secret")])
def test_wrong_credentials_are_refused_inside_the_envelope(salon, api, client_id, secret):
    body = refused(api.token(client_id=client_id, secret=secret), 401, vagaro.RC_INVALID_CLIENT)
    assert "invalid client" in body["message"].lower()
    assert not Token.objects.exists()


def test_a_missing_credential_is_a_validation_error(salon, api):
    answer = api.post("merchants/generate-access-token", {"clientId": "vg-client"})
    assert refused(answer, 400)["responseCode"] == 1051


def test_a_token_works_until_it_expires(salon, api):
    token = api.access_token()
    ok(api.post("locations", token=token))
    Token.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = refused(api.post("locations", token=token), 401, vagaro.RC_INVALID_TOKEN)
    assert "expired" in body["message"]


def test_expire_tokens_fault_kills_earlier_tokens(salon, api):
    before = api.access_token()
    Fault.objects.create(platform="vagaro", kind=Fault.Kind.EXPIRE_TOKENS, value=0)
    refused(api.post("locations", token=before), 401)
    ok(api.post("locations", token=api.access_token()))


# -- region (§2.1) -----------------------------------------------------------------------------
def test_credentials_and_tokens_work_only_on_the_business_region(salon, api):
    elsewhere = Vagaro(region="us03")
    body = refused(elsewhere.token(), 401, vagaro.RC_INVALID_CLIENT)
    assert "invalid client" in body["message"].lower()
    token = api.access_token()
    refused(elsewhere.post("locations", token=token), 401, vagaro.RC_INVALID_TOKEN)
    # The business moves to us03 (the sandbox page's region field): now only us03 answers.
    Account.objects.filter(pk=salon["account"].pk).update(region="us03")
    ok(elsewhere.post("locations", token=elsewhere.access_token()))
    refused(api.token(), 401)


# -- calling conventions (§2.3) ----------------------------------------------------------------
def test_the_token_must_come_in_the_access_token_header(salon, api):
    token = api.access_token()
    refused(api.post("locations"), 401, vagaro.RC_INVALID_TOKEN)
    refused(api.post("locations", HTTP_AUTHORIZATION=f"Bearer {token}"), 401)
    refused(api.post("locations", token="made-up"), 401)
    assert ok(api.post("locations", token=token))[0]["businessId"] == BUSINESS_ID


@pytest.mark.parametrize(
    "path",
    [
        "locations",
        "customers",
        "employees",
        "services",
        "merchants/access-levels",
        "appointments",
        "appointments/availability",
        "appointments/create",
        "merchants/generate-access-token",
    ],
)
def test_reads_are_post_only(salon, api, path):
    token = api.access_token()
    answer = api.http.get(
        api.url(path) + f"?businessId={quote(BUSINESS_ID, safe='')}", HTTP_ACCESSTOKEN=token
    )
    assert answer.status_code == 405 and answer["Allow"] == "POST"
    assert answer.json()["responseCode"] != 1000 and answer.json()["data"] is None


@pytest.mark.parametrize(
    "path",
    [f"businesses/{quote(BUSINESS_ID, safe='')}", "customers/c0%2FHk2%2BmN%3D%3D", "nothing"],
)
def test_unknown_paths_are_404(salon, api, path):
    answer = api.post(path, token=api.access_token())
    assert answer.status_code == 404
    assert answer.json()["status"] == 404 and answer.json()["responseCode"] != 1000


def test_a_validation_error_is_1051(salon, api):
    token = api.access_token()
    for path in ("customers", "employees", "services"):
        body = refused(api.post(path, {}, token=token), 400, 1051)
        assert "businessId" in body["message"]
    refused(api.http.post(api.url("services"), "{not json", "application/json",
                          HTTP_ACCESSTOKEN=token), 400, 1051)  # fmt: skip
    refused(api.post("services", [BUSINESS_ID], token=token), 400, 1051)


def test_another_business_id_is_refused(salon, api):
    answer = api.post("services", {"businessId": "someone/else=="}, token=api.access_token())
    refused(answer, 404, vagaro.RC_NOT_FOUND)


def test_failures_may_also_be_read_with_their_http_status(salon, api, monkeypatch):
    """§2.3 leaves open whether a failure comes inside a 2xx; the other reading, switched on."""
    monkeypatch.setattr(vagaro, "FAILURES_IN_HTTP_200", False)
    answer = api.token("read write")
    assert answer.status_code == 400 and answer.json()["responseCode"] == 1051
    assert api.post("locations").status_code == 401


def test_the_emulator_needs_no_csrf_token(salon):
    strict = HttpClient(enforce_csrf_checks=True)
    answer = strict.post(
        "/sandbox/vagaro/us02/api/v2/merchants/generate-access-token",
        {"clientId": "vg-client", "clientSecretKey": "vg-secret", "scope": "read access"},
        content_type="application/json",
    )
    assert answer.json()["responseCode"] == 1000


# -- reads (§2.4) ------------------------------------------------------------------------------
def test_locations_employees_services(salon, api):
    token = api.access_token()
    [location] = ok(api.post("locations", {}, token=token))
    assert (location["businessId"], location["businessName"]) == (BUSINESS_ID, "Studio Nine SoHo")
    assert location["timeZone"] == "America/New_York"
    body = {"businessId": BUSINESS_ID}
    employees = ok(api.post("employees", body, token=token))
    assert [(e["serviceProviderId"], e["serviceProvider"]) for e in employees] == [
        ("p4Lm/8sT1uV==", "Maya Lindqvist"),
        ("p9Qr+2wX==", "Theo Brandt"),
    ]
    services = ok(api.post("services", body, token=token))
    rows = [(s["serviceId"], s["serviceTitle"], s["duration"], s["isActive"]) for s in services]
    assert rows == [
        ("s1/Cut==", "Cut", 45, True),
        ("s2/Bal==", "Balayage", 60, True),
        ("s3/Old==", "Perm", 90, False),
    ]


def test_customers_one_or_all(salon, api):
    token = api.access_token()
    everyone = ok(api.post("customers", {"businessId": BUSINESS_ID}, token=token))
    assert [c["customerFirstName"] for c in everyone] == ["Dana", "Eli", "Fay", "Gus", "Hal"]
    assert everyone[4]["businessIds"] == []  # removed from the business (§3.5)
    one = {"businessId": BUSINESS_ID, "customerId": "c1/Hk2+mN=="}
    [eli] = ok(api.post("customers", one, token=token))
    assert (eli["customerId"], eli["email"], eli["mobilePhone"]) == (
        "c1/Hk2+mN==",
        "eli@example.com",
        "+1 212 555 0101",
    )
    assert eli["businessIds"] == [BUSINESS_ID]
    missing = {"businessId": BUSINESS_ID, "customerId": "nobody=="}
    assert ok(api.post("customers", missing, token=token)) == []


def test_paging_by_page_number_and_size_capped_at_100(salon, api):
    token = api.access_token()
    body = {"businessId": BUSINESS_ID}
    pages = [
        [c["customerFirstName"] for c in ok(api.post(f"customers?pageNumber={n}&pageSize=2",
                                                      body, token=token))]
        for n in (1, 2, 3, 4)
    ]  # fmt: skip
    assert pages == [["Dana", "Eli"], ["Fay", "Gus"], ["Hal"], []]
    for n in range(120):
        Client.objects.create(
            account=salon["account"], ext_id=f"x{n}==", first_name="X", last_name=str(n),
            created_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
    big = ok(api.post("customers?pageNumber=1&pageSize=500", body, token=token))
    assert len(big) == 100
    assert len(ok(api.post("customers?pageNumber=2&pageSize=500", body, token=token))) == 25
    assert len(ok(api.post("customers?orderBy=customerId", body, token=token))) == 20  # default
    for query in ("pageNumber=0", "pageSize=0", "pageNumber=x"):
        refused(api.post(f"customers?{query}", body, token=token), 400, 1051)


def test_access_levels_say_what_the_token_and_account_may_do(salon, api):
    read = ok(api.post("merchants/access-levels", token=api.access_token("read access")))
    assert read == {
        "businessId": BUSINESS_ID,
        "tokenScope": "read access",
        "grantedScopes": ["read access", "write access", "write employee"],
    }
    write = ok(api.post("merchants/access-levels", token=api.access_token("write access")))
    assert write["tokenScope"] == "write access"


def test_a_write_token_does_not_read_by_default(salon, api, monkeypatch):
    """§2.2: booking needs a write access token, reading a read access one."""
    token = api.access_token("write access")
    refused(api.post("locations", token=token), 403, vagaro.RC_FORBIDDEN)
    monkeypatch.setattr(vagaro, "WRITE_TOKENS_MAY_READ", True)
    assert ok(api.post("locations", token=token))


# -- appointments (§2.5, §2.8) -----------------------------------------------------------------
def test_appointments_need_a_customer_or_appointment_id(salon, api):
    token = api.access_token()
    future = salon["future"].isoformat()
    for body in (
        {"businessId": BUSINESS_ID},
        {"businessId": BUSINESS_ID, "startDate": future, "endDate": future},
        {"customerId": "c0/Hk2+mN=="},
    ):
        body_ = refused(api.post("appointments", body, token=token), 400, 1051)
        assert "Id" in body_["message"]


def test_appointments_by_customer_in_the_read_vocabulary_with_utc_times(salon, api):
    token = api.access_token()
    body = {"businessId": BUSINESS_ID, "customerId": "c0/Hk2+mN=="}
    rows = ok(api.post("appointments", body, token=token))
    assert [(a["appointmentId"], a["bookingStatus"]) for a in rows] == [
        ("ap1/Xw+Q==", "Completed"),
        ("ap5/Xw+Q==", "No Show"),
        ("ap2/Xw+Q==", "Confirmed"),
        ("ap3/Xw+Q==", "Cancelled"),
        ("ap4/Xw+Q==", "Pending"),
    ]
    booked = salon["appointments"]["booked"]
    row = rows[2]
    assert row["startTime"] == booked.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert row["endTime"].endswith("Z")
    assert (row["customerId"], row["serviceId"], row["serviceProviderId"], row["businessId"]) == (
        "c0/Hk2+mN==",
        "s1/Cut==",
        "p4Lm/8sT1uV==",
        BUSINESS_ID,
    )
    # Dates do not filter (there is no list by date): the body's dates are ignored.
    dated = {**body, "startDate": "2000-01-01", "endDate": "2000-01-02"}
    assert len(ok(api.post("appointments", dated, token=token))) == 5
    paged = ok(api.post("appointments?pageNumber=2&pageSize=2", body, token=token))
    assert [a["appointmentId"] for a in paged] == ["ap2/Xw+Q==", "ap3/Xw+Q=="]


def test_one_appointment_by_id_and_every_status_in_the_read_vocabulary(salon, api):
    token = api.access_token()
    body = {"businessId": BUSINESS_ID, "appointmentId": "ap3/Xw+Q=="}
    [one] = ok(api.post("appointments", body, token=token))
    assert (one["appointmentId"], one["bookingStatus"]) == ("ap3/Xw+Q==", "Cancelled")
    assert ok(api.post("appointments", {**body, "appointmentId": "none=="}, token=token)) == []
    read = {"Confirmed", "Pending", "Checked In", "In Progress", "Completed", "Cancelled"}
    read.add("No Show")  # §2.8's seven
    assert set(vagaro.READ_STATUS) == set(Status) and set(vagaro.READ_STATUS.values()) <= read


def test_wall_clock_read_times_switch(salon, api):
    """§2.8 (UNCONFIRMED): read times may be the studio's wall clock written with a Z."""
    Account.objects.filter(pk=salon["account"].pk).update(wall_clock_read_times=True)
    body = {"businessId": BUSINESS_ID, "appointmentId": "ap2/Xw+Q=="}
    [row] = ok(api.post("appointments", body, token=api.access_token()))
    assert row["startTime"] == f"{salon['future'].isoformat()}T10:00:00Z"  # 10:00 in New York
    assert row["endTime"] == f"{salon['future'].isoformat()}T10:45:00Z"
    # Webhooks keep true UTC (§3.4).
    [hook] = vagaro.build_webhooks(
        salon["account"], events.APPOINTMENT_UPDATED, salon["appointments"]["booked"]
    )
    start = salon["appointments"]["booked"].start.astimezone(UTC)
    assert json.loads(hook["body"])["payload"]["startTime"] == f"{start:%Y-%m-%dT%H:%M:%S}Z"


# -- availability (§2.6) -----------------------------------------------------------------------
def availability_body(day: date, *items: tuple[str, str]) -> dict:
    return {
        "businessId": BUSINESS_ID,
        "appointmentDate": day.isoformat(),
        "bookingItems": [{"serviceId": s, "serviceProviderId": p} for s, p in items],
    }


def test_availability_is_one_date_of_local_slots_without_taken_ones(salon, api):
    token = api.access_token()
    future = salon["future"]
    body = availability_body(future, ("s1/Cut==", "p4Lm/8sT1uV=="), ("s2/Bal==", "p9Qr+2wX=="))
    maya, theo = ok(api.post("appointments/availability", body, token=token))
    assert maya["appointmentDate"] == future.isoformat()
    assert maya["items"] == [
        {
            "serviceProviderId": "p4Lm/8sT1uV==",
            "serviceProvider": "Maya Lindqvist",
            "serviceId": "s1/Cut==",
            "serviceTitle": "Cut",
            "duration": 45,
        }
    ]
    expected = calendar.open_slots(
        salon["account"], future, future, services=[salon["cut"]], providers=[salon["maya"]]
    )
    assert maya["timeSlot"] == [s.start.astimezone(NY).strftime("%H:%M") for s in expected]
    assert maya["timeSlot"][0] == "09:00"
    assert "10:00" not in maya["timeSlot"] and "09:30" not in maya["timeSlot"]  # Maya's 10:00
    assert "10:45" in maya["timeSlot"] and "16:15" in maya["timeSlot"]
    # Theo's cancelled 14:00 frees the time; his pending 15:00 holds it.
    assert "14:00" in theo["timeSlot"] and "15:00" not in theo["timeSlot"]
    assert theo["items"][0]["duration"] == 60


@pytest.mark.parametrize(
    "change",
    [
        {"appointmentDate": None},
        {"appointmentDate": "2026/12/01"},
        {"appointmentDate": "2026-12-01T09:00"},
        {"bookingItems": []},
        {"bookingItems": [{"serviceId": "s1/Cut=="}]},
        {"businessId": None},
    ],
)
def test_availability_validation(salon, api, change):
    body = {**availability_body(salon["future"], ("s1/Cut==", "p4Lm/8sT1uV==")), **change}
    body = {k: v for k, v in body.items() if v is not None}
    refused(api.post("appointments/availability", body, token=api.access_token()), 400, 1051)


def test_availability_of_an_unknown_or_inactive_service(salon, api):
    for service in ("nothing==", "s3/Old=="):
        body = availability_body(salon["future"], (service, "p4Lm/8sT1uV=="))
        answer = api.post("appointments/availability", body, token=api.access_token())
        refused(answer, 404, vagaro.RC_NOT_FOUND)


# -- writes (§2.7) -----------------------------------------------------------------------------
def booking(day: date, hour: int, minute: int = 0, **change) -> dict:
    return {
        "businessId": BUSINESS_ID,
        "customerId": "c1/Hk2+mN==",
        "serviceId": "s2/Bal==",
        "serviceProviderId": "p9Qr+2wX==",
        "startTime": f"{day.isoformat()}T{hour:02d}:{minute:02d}:00",
        "appointmentType": "appointment",
        **change,
    }


def test_a_read_token_cannot_write(salon, api):
    token = api.access_token("read access")
    body = refused(
        api.post("appointments/create", [booking(salon["future"], 11)], token=token), 403
    )
    assert "write access" in body["message"]
    refused(api.post(f"appointments/delete/{quote('ap2/Xw+Q==', safe='')}", token=token), 403)
    employee = api.access_token("write employee")
    refused(api.post("appointments/create", [booking(salon["future"], 11)], token=employee), 403)
    assert Appointment.objects.count() == 5
    assert Appointment.objects.get(ext_id="ap2/Xw+Q==").status == Status.BOOKED


def test_create_books_local_times_and_refuses_a_taken_slot(salon, api):
    token = api.access_token("write access")
    future = salon["future"]
    created = ok(api.post("appointments/create", [booking(future, 11, notes="Toner")], token=token))
    [entry] = created
    new_id = entry["appointmentId"]
    stored = Appointment.objects.get(ext_id=new_id)
    assert stored.start == _at(future, 11) and stored.end == _at(future, 12)  # New York 11:00
    assert (stored.client.first_name, stored.provider.first_name, stored.status) == (
        "Eli",
        "Theo",
        Status.BOOKED,
    )
    assert new_id.endswith("==") and len(new_id) == 24
    reader = api.access_token()
    [row] = ok(api.post("appointments", {"businessId": BUSINESS_ID, "appointmentId": new_id},
                        token=reader))  # fmt: skip
    assert row["bookingStatus"] == "Confirmed"
    slots = ok(
        api.post(
            "appointments/availability",
            availability_body(future, ("s2/Bal==", "p9Qr+2wX==")),
            token=reader,
        )
    )
    assert "11:00" not in slots[0]["timeSlot"]  # fmt: skip

    again = refused(api.post("appointments/create", [booking(future, 11, 30)], token=token), 400)
    assert again["message"] == "The selected time is no longer available."
    assert Appointment.objects.filter(provider=salon["theo"], start=_at(future, 11)).count() == 1


def test_create_all_or_nothing(salon, api):
    token = api.access_token("write access")
    future = salon["future"]
    both = [booking(future, 11), booking(future, 11, 30, serviceProviderId="p4Lm/8sT1uV==")]
    ids = [a["appointmentId"] for a in ok(api.post("appointments/create", both, token=token))]
    assert len(ids) == 2 and Appointment.objects.filter(ext_id__in=ids).count() == 2
    clash = [booking(future, 13), booking(future, 13, 15)]  # Theo twice at once
    refused(api.post("appointments/create", clash, token=token), 400, vagaro.RC_REFUSED)
    assert not Appointment.objects.filter(start=_at(future, 13)).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"one": "object"},  # not an array
        [],
        [{"startTime": "2030-01-07T11:00:00"}],
        "appointment",
    ],
    ids=["object", "empty", "missing-ids", "string"],
)
def test_create_wants_a_json_array_of_appointments(salon, api, body):
    answer = api.post("appointments/create", body, token=api.access_token("write access"))
    refused(answer, 400, 1051)


@pytest.mark.parametrize(
    "change",
    [
        {"startTime": "OFFSET"},
        {"startTime": "ZULU"},
        {"appointmentType": "class"},
        {"appointmentType": None},
        {"startTime": "tomorrow at 11"},
    ],
)
def test_create_validation(salon, api, change):
    future = salon["future"]
    local = f"{future.isoformat()}T11:00:00"
    values = {"OFFSET": local + "-05:00", "ZULU": local + "Z"}
    item = booking(future, 11, **{k: values.get(v, v) for k, v in change.items()})
    answer = api.post("appointments/create", [item], token=api.access_token("write access"))
    refused(answer, 400, 1051)
    assert Appointment.objects.count() == 5


def test_create_outside_hours_or_with_unknown_ids(salon, api):
    token = api.access_token("write access")
    future = salon["future"]
    late = refused(api.post("appointments/create", [booking(future, 16, 30)], token=token), 400)
    assert "not available" in late["message"]
    for change in ({"customerId": "nobody=="}, {"serviceId": "s3/Old=="}):
        answer = api.post("appointments/create", [booking(future, 12, **change)], token=token)
        refused(answer, 404, vagaro.RC_NOT_FOUND)
    assert Appointment.objects.count() == 5


def test_delete_cancels_an_encoded_id_and_frees_the_slot(salon, api):
    token = api.access_token("write access")
    path = f"appointments/delete/{quote('ap2/Xw+Q==', safe='')}"
    assert "%2F" in path and "%2B" in path and "%3D" in path
    assert ok(api.post(path, token=token)) == {"appointmentId": "ap2/Xw+Q=="}
    assert Appointment.objects.get(ext_id="ap2/Xw+Q==").status in (
        Status.CANCELLED,
        Status.LATE_CANCELLED,
    )
    again = refused(api.post(path, token=token), 400, vagaro.RC_REFUSED)
    assert "cannot be cancelled" in again["message"]
    reader = api.access_token()
    body = availability_body(salon["future"], ("s1/Cut==", "p4Lm/8sT1uV=="))
    assert "10:00" in ok(api.post("appointments/availability", body, token=reader))[0]["timeSlot"]
    [row] = ok(api.post("appointments", {"businessId": BUSINESS_ID, "appointmentId": "ap2/Xw+Q=="},
                        token=reader))  # fmt: skip
    assert row["bookingStatus"] == "Cancelled"
    missing = api.post(f"appointments/delete/{quote('no/such==', safe='')}", token=token)
    refused(missing, 404, vagaro.RC_NOT_FOUND)
    refused(api.post(f"appointments/delete/{quote('ap1/Xw+Q==', safe='')}", token=token), 400)


def test_without_write_access_no_write_token_is_issued(salon, api):
    earlier = api.access_token("write access")
    Account.objects.filter(pk=salon["account"].pk).update(write_access=False)
    for scope in ("write access", "write employee"):
        refused(api.token(scope), 403, vagaro.RC_FORBIDDEN)
    ok(api.token("read access"))
    levels = ok(api.post("merchants/access-levels", token=api.access_token()))
    assert levels["grantedScopes"] == ["read access"]
    body = refused(
        api.post("appointments/create", [booking(salon["future"], 11)], token=earlier), 403
    )
    assert "no write access" in body["message"]
    assert Appointment.objects.count() == 5


def test_api_writes_send_the_front_desks_webhooks(
    salon, api, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []
    monkeypatch.setattr("sandbox.webhooks.queue_for_change", lambda a, k, o: seen.append((k, o)))
    token = api.access_token("write access")
    with django_capture_on_commit_callbacks(execute=True):
        [created] = ok(api.post("appointments/create", [booking(salon["future"], 11)], token=token))
        ok(api.post(f"appointments/delete/{quote(created['appointmentId'], safe='')}", token=token))
    assert [(k, o.ext_id) for k, o in seen] == [
        (events.APPOINTMENT_CREATED, created["appointmentId"]),
        (events.APPOINTMENT_CANCELLED, created["appointmentId"]),
    ]


# -- faults ------------------------------------------------------------------------------------
def test_faults_apply_to_the_new_paths(salon, api):
    token = api.access_token()
    Fault.objects.create(platform="vagaro", kind=Fault.Kind.RATE_LIMIT, value=7, remaining=1)
    limited = api.post("locations", token=token)
    assert (limited.status_code, limited["Retry-After"]) == (429, "7")
    assert limited.json()["status"] == 429 and limited.json()["responseCode"] != 1000
    ok(api.post("locations", token=token))
    Fault.objects.create(platform="vagaro", kind=Fault.Kind.SERVER_ERROR, value=502, remaining=1)
    assert api.post("appointments/create", [], token=token).status_code == 502


# -- webhooks (§3) -----------------------------------------------------------------------------
def test_retry_schedule_is_five_exponential_retries_over_fifteen_minutes():
    schedule = vagaro.RETRY_SCHEDULE
    assert len(schedule) == 5
    assert all(b == 2 * a for a, b in itertools.pairwise(schedule))
    assert 14 * 60 <= sum(schedule) <= 16 * 60


WEBHOOK_STATUSES = {
    "Accepted", "Awaiting Confirmation", "Cancel", "Confirmed", "Deleted", "Denied",
    "Need Acceptance", "No Show", "PersonalOff", "Ready to Start", "Service Complete",
    "Service In Progress", "Show",
}  # fmt: skip


def test_appointment_webhooks_follow_the_documented_envelope(salon):
    account = salon["account"]
    booked = salon["appointments"]["booked"]
    [created] = vagaro.build_webhooks(account, events.APPOINTMENT_CREATED, booked)
    assert isinstance(created["body"], str)
    assert created["headers"] == {
        "Content-Type": "application/json",
        "X-Vagaro-Signature": "vg-verification-token",  # §3.2: the static token, not an HMAC
    }
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
    assert payload["appointmentTypeCode"] == "RR"  # Dana came before
    for name in ("serviceTitle", "serviceId", "calendarEventId", "amount", "eventType",
                 "onlineVsInhouse", "appointmentTypeName", "customerId"):  # fmt: skip
        assert name in payload

    calendar.cancel(booked)
    [cancelled] = vagaro.build_webhooks(account, events.APPOINTMENT_CANCELLED, booked)
    envelope = json.loads(cancelled["body"])
    assert (envelope["action"], envelope["payload"]["bookingStatus"]) == ("updated", "Cancel")
    assert cancelled["event_id"] != created["event_id"]

    booked.deleted = True
    [gone] = vagaro.build_webhooks(account, events.APPOINTMENT_UPDATED, booked)
    assert json.loads(gone["body"])["action"] == "deleted"
    assert json.loads(gone["body"])["payload"]["bookingStatus"] == "Deleted"
    assert set(vagaro.BOOKING_STATUS.values()) <= WEBHOOK_STATUSES


def test_customer_webhooks(salon):
    account = salon["account"]
    dana = calendar.update_client(salon["dana"], last_name="Reyes-Ortiz")
    [updated] = vagaro.build_webhooks(account, events.CLIENT_UPDATED, dana)
    envelope = json.loads(updated["body"])
    assert (envelope["type"], envelope["action"]) == ("customer", "updated")
    assert envelope["payload"]["businessIds"] == [BUSINESS_ID]
    assert envelope["payload"]["customerLastName"] == "Reyes-Ortiz"
    removed = salon["clients"][4]
    [created] = vagaro.build_webhooks(account, events.CLIENT_CREATED, removed)
    assert json.loads(created["body"])["payload"]["businessIds"] == []
    assert vagaro.build_webhooks(account, "invoice.paid", removed) == []


# -- the sandbox page --------------------------------------------------------------------------
def test_the_sandbox_page_shows_the_connect_credentials_and_api_settings(salon, admin_client):
    page = admin_client.get("/sandbox/").content.decode()
    for testid, value in (
        ("sandbox-vagaro-region", "us02"),
        ("sandbox-vagaro-business-id", BUSINESS_ID),
        ("sandbox-vagaro-client-id", "vg-client"),
        ("sandbox-vagaro-client-secret", "vg-secret"),
    ):
        assert f'data-testid="{testid}">{value}<' in page
    # The setting is the root: the adapter adds the connection's /{region}/api/v2 (§2.1).
    assert "VAGARO_API_URL" in page and "/sandbox/vagaro<" in page
    url = f"/sandbox/accounts/{salon['account'].pk}/vagaro/"
    admin_client.post(url, {"region": "us04", "wall_clock_read_times": "on"})
    account = Account.objects.get(pk=salon["account"].pk)
    assert (account.region, account.write_access, account.wall_clock_read_times) == (
        "us04",
        False,
        True,
    )
    bad = admin_client.post(url, {"region": "Mars"}, follow=True)
    assert "The region is a code such as us02." in bad.content.decode()
    assert Account.objects.get(pk=salon["account"].pk).region == "us04"
    assert admin_client.get(url).status_code == 405
