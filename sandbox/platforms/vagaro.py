"""Vagaro Open API v2 emulator, mounted at /sandbox/vagaro/<region>/api/v2/.

Written from docs/platforms/vagaro.md (§2: the REST API as live integrations call it; §3: the
documented webhooks), not from SalonSync's adapter. Each behaviour names the section it follows
(a bare "§N" in this module is a section of docs/platforms/vagaro.md);
UNCONFIRMED marks a choice the evidence leaves open (kept as a module constant or an Account
switch so both readings can be tried). In short:

- ``POST merchants/generate-access-token`` {clientId, clientSecretKey, scope}: one scope per token,
  living 3600 s; credentials work only on their business's region.
- Every other call: ``POST`` with a JSON body and the token in an ``accessToken`` header.
- Every answer: {status, responseCode, message, data}; 1000 success, 1051 validation error.
  Refusals come inside HTTP 200 (``FAILURES_IN_HTTP_200``); routing (404, 405) and injected
  faults (429, 5xx) use the HTTP status itself.
- Reads (read-access token): locations, customers, employees, services, merchants/access-levels,
  appointments (by customer or appointment id only), appointments/availability (one date).
- Writes (write-access token): appointments/create (an array, business-local starts),
  appointments/delete/<id>.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone

from .. import calendar, events, faults
from ..data import new_ext_id
from ..models import (
    ACTIVE,
    Account,
    Appointment,
    Client,
    Platform,
    Provider,
    Service,
    Status,
    Token,
)

PLATFORM = Platform.VAGARO
# docs/platforms/vagaro.md §2.2: expires_in is 3600 s; there is no refresh token.
TOKEN_LIFETIME = timedelta(seconds=3600)
# §2.2: exactly one of these per token; "read write" and other combinations are not scopes.
READ_ACCESS, WRITE_ACCESS, WRITE_EMPLOYEE = "read access", "write access", "write employee"
SCOPES = (READ_ACCESS, WRITE_ACCESS, WRITE_EMPLOYEE)
WRITE_SCOPES = (WRITE_ACCESS, WRITE_EMPLOYEE)
# §2.2 "Booking needs a write access token, reading a read access one". UNCONFIRMED whether a
# write token may also read; the strict reading (it may not) is the default.
WRITE_TOKENS_MAY_READ = False
# §2.3: "a failure can arrive inside an HTTP 2xx". True: every refusal answers HTTP 200 with the
# failure in the envelope; False: the HTTP status equals the envelope's ``status``. UNCONFIRMED
# which one Vagaro uses for which failure; a client must handle both.
FAILURES_IN_HTTP_200 = True

# §2.3: responseCode 1000 success, 1051 validation error. The other codes are the sandbox's own
# (UNCONFIRMED: Vagaro's are not public); a client must treat every code but 1000 as a failure.
RC_SUCCESS = 1000
RC_VALIDATION = 1051
RC_INVALID_CLIENT = 1010  # token call: unknown credentials, or a business on another region
RC_INVALID_TOKEN = 1020  # missing, unknown, expired or other-region accessToken
RC_FORBIDDEN = 1030  # the token's scope or the account's access does not allow the call
RC_NOT_FOUND = 1040  # an id in the body that names nothing of this business
RC_REFUSED = 1060  # the calendar refuses (slot taken, not cancellable)
RC_UNAVAILABLE = 1500  # routing answers and injected faults

# §2.3: paging in the query string, pageNumber from 1, pageSize up to 100 seen. A larger size is
# cut to 100, so a client must not stop paging merely because a page is shorter than it asked.
# UNCONFIRMED: the default size when none is sent.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# §3.1: five retries over about 15 minutes, exponential (seconds after each failed attempt).
RETRY_SCHEDULE: tuple[int, ...] = (30, 60, 120, 240, 480)

# §2.8: the READ vocabulary (one production client). The sandbox has no "In Progress" state.
# UNCONFIRMED: a deleted (cancelled through the API) appointment reads as Cancelled.
READ_STATUS: dict[str, str] = {
    Status.REQUESTED: "Pending",
    Status.BOOKED: "Confirmed",
    Status.CONFIRMED: "Confirmed",
    Status.ARRIVED: "Checked In",
    Status.COMPLETED: "Completed",
    Status.CANCELLED: "Cancelled",
    Status.LATE_CANCELLED: "Cancelled",
    Status.NO_SHOW: "No Show",
}
# §3.4: the WEBHOOK vocabulary (documented), unchanged from the front desk's webhooks.
BOOKING_STATUS: dict[str, str] = {
    Status.REQUESTED: "Awaiting Confirmation",
    Status.BOOKED: "Accepted",
    Status.CONFIRMED: "Confirmed",
    Status.ARRIVED: "Service In Progress",
    Status.COMPLETED: "Service Complete",
    Status.CANCELLED: "Cancel",  # Vagaro has no late-cancel status
    Status.LATE_CANCELLED: "Cancel",
    Status.NO_SHOW: "No Show",
}
DELETED = "Deleted"

CALENDAR_MESSAGES = {
    "slot_taken": "The selected time is no longer available.",
    "staff_not_working": "The service provider is not available at the selected time.",
    "in_the_past": "The selected time is in the past.",
    "not_cancellable": "The appointment is not active and cannot be cancelled.",
}

# events kind -> (webhook type, action); §3.3. Cancellations are updates ("Cancel", §3.4).
_WEBHOOK_KINDS = {
    events.APPOINTMENT_CREATED: ("appointment", "created"),
    events.APPOINTMENT_UPDATED: ("appointment", "updated"),
    events.APPOINTMENT_CANCELLED: ("appointment", "updated"),
    events.CLIENT_CREATED: ("customer", "created"),
    events.CLIENT_UPDATED: ("customer", "updated"),
}


# -- answers (§2.3: every answer is {status, responseCode, message, data}) ---------------------
def _envelope(status: int, code: int, message: str, data: Any, http: int) -> JsonResponse:
    body = {"status": status, "responseCode": code, "message": message, "data": data}
    return JsonResponse(body, status=http, json_dumps_params={"ensure_ascii": False})


def _ok(data: Any, message: str = "Success") -> JsonResponse:
    return _envelope(200, RC_SUCCESS, message, data, 200)


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    """Routing answers and injected faults (faults.emulated): the HTTP status is real."""
    response = _envelope(status, RC_UNAVAILABLE, message, None, status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class ApiError(Exception):
    """A refusal inside the envelope; ``status`` is the envelope's HTTP-like status."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JsonResponse:
        http = 200 if FAILURES_IN_HTTP_200 else self.status
        return _envelope(self.status, self.code, self.message, None, http)


def _invalid(message: str) -> ApiError:
    return ApiError(400, RC_VALIDATION, message)


# -- auth (§2.1 region, §2.2 token, §2.3 accessToken header) -----------------------------------
def _token(request: HttpRequest, region: str) -> Token:
    # §2.3: the token travels in `accessToken`; an Authorization: Bearer header is not read.
    raw = request.headers.get("accessToken", "").strip()
    if not raw:
        raise ApiError(401, RC_INVALID_TOKEN, "The accessToken header is required.")
    token = (
        Token.objects.select_related("account")
        .filter(token=raw, account__platform=PLATFORM)
        .first()
    )
    now = timezone.now()
    # §2.1: a token lives on its business's region; elsewhere it is unknown.
    if token is None or token.account.api_region != region:
        raise ApiError(401, RC_INVALID_TOKEN, "The access token is invalid.")
    if token.expires_at <= now or faults.token_expired_early(PLATFORM, token, now):
        raise ApiError(401, RC_INVALID_TOKEN, "The access token has expired.")
    return token


def _allow(token: Token, need: str) -> None:
    """``need``: "read", "write" or "any" (merchants/access-levels)."""
    if need == "write":
        # §2.7: writes need a write access token, and not every account has write access.
        if token.scope != WRITE_ACCESS:
            raise ApiError(403, RC_FORBIDDEN, _scope_message(WRITE_ACCESS, token))
        if not token.account.write_access:
            raise ApiError(403, RC_FORBIDDEN, "This business has no write access to the API.")
    elif need == "read" and token.scope != READ_ACCESS:
        may_read = WRITE_TOKENS_MAY_READ and token.scope in WRITE_SCOPES
        if not may_read:
            raise ApiError(403, RC_FORBIDDEN, _scope_message(READ_ACCESS, token))


def _scope_message(needed: str, token: Token) -> str:
    return f"This call needs a '{needed}' token; this token's scope is '{token.scope}'."


def _endpoint(need: str | None) -> Callable:
    """Faults first (faults.emulated), then POST only (§2.3), then the token and its scope
    (``need`` None: no token, the token call). The view gets (request, token, **kwargs), or
    (request, region) for the token call; ApiError becomes the envelope."""

    def decorator(view: Callable) -> Callable:
        @faults.emulated(PLATFORM, error_response)
        @wraps(view)
        def wrapper(request: HttpRequest, region: str, **kwargs: Any) -> HttpResponse:
            # §2.3: reads are POST, never GET. UNCONFIRMED: 405 (a known path, wrong method).
            if request.method != "POST":
                return error_response(
                    405, "The requested method is not allowed.", {"Allow": "POST"}
                )
            try:
                if need is None:
                    return view(request, region)
                token = _token(request, region)
                _allow(token, need)
                return view(request, token, **kwargs)
            except ApiError as exc:
                return exc.response()

        return wrapper

    return decorator


@faults.emulated(PLATFORM, error_response)
def not_found(request: HttpRequest, region: str, rest: str = "") -> HttpResponse:
    """Any other path under api/v2 (the GET-style guesses of §2 included)."""
    return error_response(404, "The requested resource was not found.")


# -- request helpers ---------------------------------------------------------------------------
def _json(request: HttpRequest) -> Any:
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("The request body is not valid JSON.") from None


def _object(request: HttpRequest) -> dict[str, Any]:
    body = _json(request)
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    return body


def _text(body: dict[str, Any], name: str, *, required: bool) -> str:
    value = body.get(name)
    if value in (None, ""):
        if required:
            raise _invalid(f"{name} is required.")
        return ""
    if not isinstance(value, str):
        raise _invalid(f"{name} must be a string.")
    return value


def _business(token: Token, body: dict[str, Any]) -> Account:
    """§1.3/§2.4: a businessId of the token's account (a sandbox account is one business)."""
    business_id = _text(body, "businessId", required=True)
    if business_id != token.account.account_id:
        raise ApiError(404, RC_NOT_FOUND, "The business was not found for this access token.")
    return token.account


def _page(request: HttpRequest, rows) -> list:
    """§2.3: pageNumber (from 1) and pageSize (cut to 100) in the query string; orderBy is
    accepted and ignored (the sandbox answers in a stable order)."""
    try:
        number = int(request.GET.get("pageNumber", 1))
        size = int(request.GET.get("pageSize", DEFAULT_PAGE_SIZE))
    except ValueError:
        raise _invalid("pageNumber and pageSize must be whole numbers.") from None
    if number < 1 or size < 1:
        raise _invalid("pageNumber and pageSize start at 1.")
    size = min(size, MAX_PAGE_SIZE)
    return list(rows[(number - 1) * size : number * size])


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_millis(value: datetime) -> str:
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def _read_time(account: Account, value: datetime) -> str:
    """§2.8: read answers carry a Z; with ``wall_clock_read_times`` the digits are the studio's
    wall clock (what one live integrator saw, UNCONFIRMED), otherwise true UTC."""
    if account.wall_clock_read_times:
        return value.astimezone(ZoneInfo(account.timezone)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _utc(value)


# -- rendering ---------------------------------------------------------------------------------
# Field names follow the documented ones (§2.6 availability, §3.4/§3.5 webhook payloads); where
# a read answer's field has no documented name it is UNCONFIRMED and marked so.
def render_location(account: Account) -> dict[str, Any]:
    # §2.4: the account's business ids. UNCONFIRMED: businessName, timeZone (an IANA name).
    return {
        "businessId": account.account_id,
        "businessName": account.name,
        "businessGroupId": None,  # §1.3; sandbox businesses are single locations
        "timeZone": account.timezone,
    }


def _provider_name(provider: Provider) -> str:
    return f"{provider.first_name} {provider.last_name}".strip()


def render_employee(provider: Provider) -> dict[str, Any]:
    # serviceProviderId and serviceProvider as in §2.6; the rest UNCONFIRMED.
    return {
        "serviceProviderId": provider.ext_id,
        "serviceProvider": _provider_name(provider),
        "firstName": provider.first_name,
        "lastName": provider.last_name,
        "businessId": provider.account.account_id,
        "isActive": provider.active,
    }


def render_service(service: Service) -> dict[str, Any]:
    # serviceId, serviceTitle, duration as in §2.6; the rest UNCONFIRMED.
    return {
        "serviceId": service.ext_id,
        "serviceTitle": service.name,
        "duration": service.duration_minutes,
        "categoryName": service.category,
        "price": float(service.price),
        "businessId": service.account.account_id,
        "isActive": service.active,
    }


def render_customer(client: Client) -> dict[str, Any]:
    """§3.5's customer fields (the webhook payload; the read answer reuses them, UNCONFIRMED).
    A customer removed from the business keeps existing; its businessIds lose the business."""
    return {
        "customerId": client.ext_id,
        "businessIds": [client.account.account_id] if client.active else [],
        "customerFirstName": client.first_name,
        "customerLastName": client.last_name,
        "businessGroupId": None,
        "email": client.email or None,
        "mobilePhone": client.phone or None,
        "dayPhone": None,
        "nightPhone": None,
        "streetAddress": None,
        "city": None,
        "regionCode": None,
        "regionName": None,
        "countryCode": None,
        "countryName": None,
        "postalCode": None,
    }


def render_read_appointment(appointment: Appointment) -> dict[str, Any]:
    """A read answer's appointment: §2.8's read vocabulary and Z times (see _read_time). Field
    names are §3.4's; UNCONFIRMED that the read status is also called bookingStatus."""
    account = appointment.account
    return {
        "appointmentId": appointment.ext_id,
        "businessId": account.account_id,
        "customerId": appointment.client.ext_id,
        "serviceId": appointment.service.ext_id,
        "serviceTitle": appointment.service.name,
        "serviceProviderId": appointment.provider.ext_id,
        "serviceProvider": _provider_name(appointment.provider),
        "startTime": _read_time(account, appointment.start),
        "endTime": _read_time(account, appointment.end),
        "bookingStatus": "Cancelled" if appointment.deleted else READ_STATUS[appointment.status],
        "amount": float(appointment.service.price),
    }


def _first_visits(appointments: list[Appointment]) -> dict[int, datetime]:
    """Each client's first booked start, to tell New from Return appointments (one query)."""
    if not appointments:
        return {}
    rows = (
        Appointment.objects.filter(
            account=appointments[0].account_id,
            client_id__in={a.client_id for a in appointments},
            deleted=False,
        )
        .values("client_id")
        .annotate(first=Min("start"))
    )
    return {row["client_id"]: row["first"] for row in rows}


def webhook_appointment(appointment: Appointment) -> dict[str, Any]:
    """§3.4's appointment payload: the webhook vocabulary and true UTC times."""
    first = _first_visits([appointment]).get(appointment.client_id)
    new = first is None or appointment.start <= first
    # Sandbox clients book a named provider, so every appointment is a "Request".
    code, name = ("NR", "New Request") if new else ("RR", "Return Request")
    return {
        "appointmentId": appointment.ext_id,
        "startTime": _utc(appointment.start),
        "endTime": _utc(appointment.end),
        "bookingStatus": DELETED if appointment.deleted else BOOKING_STATUS[appointment.status],
        "serviceTitle": appointment.service.name,
        "serviceId": appointment.service.ext_id,
        "calendarEventId": None,
        "amount": float(appointment.service.price),
        "eventType": "Appointment",
        "onlineVsInhouse": "Inhouse",  # made on the sandbox calendar or by an API client
        "appointmentTypeCode": code,
        "appointmentTypeName": name,
        "customerId": appointment.client.ext_id,
        "serviceProviderId": appointment.provider.ext_id,  # UNCONFIRMED name (§3.4)
        "businessId": appointment.account.account_id,  # UNCONFIRMED name (§3.4)
    }


def _appointments(account: Account):
    return Appointment.objects.filter(account=account).select_related(
        "account", "client", "provider", "service"
    )


# -- token -------------------------------------------------------------------------------------
@_endpoint(None)
def generate_access_token(request: HttpRequest, region: str) -> HttpResponse:
    """§2.2. Credentials of a business on another region are refused as unknown ones (§2.1;
    UNCONFIRMED what Vagaro answers exactly: the safe reading, an invalid client)."""
    body = _object(request)
    client_id = _text(body, "clientId", required=True)
    secret = _text(body, "clientSecretKey", required=True)
    scope = _text(body, "scope", required=True)
    account = Account.objects.filter(platform=PLATFORM, username=client_id).first()
    if (
        account is None
        or not secrets.compare_digest(secret.encode(), account.password.encode())
        or account.api_region != region
    ):
        raise ApiError(
            401, RC_INVALID_CLIENT, "Invalid client: unknown clientId or clientSecretKey."
        )
    if scope not in SCOPES:
        raise _invalid(f"scope must be exactly one of: {', '.join(SCOPES)}.")
    # §2.7: write access is not granted to every account. UNCONFIRMED how Vagaro refuses it;
    # the sandbox refuses to issue a write token (and refuses writes of one issued before).
    if scope in WRITE_SCOPES and not account.write_access:
        raise ApiError(403, RC_FORBIDDEN, f"This business is not granted '{scope}'.")
    token = Token.objects.create(
        account=account,
        token=secrets.token_urlsafe(32),
        scope=scope,
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    # §2.2: data.access_token and data.expires_in; token_type as in coreydylan/lashpop's client.
    data = {
        "access_token": token.token,
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "token_type": "Bearer",
    }
    return _ok(data, "Access token generated successfully.")


# -- reads (§2.4) ------------------------------------------------------------------------------
@_endpoint("read")
def locations(request: HttpRequest, token: Token) -> HttpResponse:
    _object(request)  # §2.4: {}
    rows = Account.objects.filter(pk=token.account_id).order_by("pk")
    return _ok([render_location(a) for a in _page(request, rows)])


@_endpoint("read")
def customers(request: HttpRequest, token: Token) -> HttpResponse:
    body = _object(request)
    account = _business(token, body)
    rows = Client.objects.filter(account=account).select_related("account").order_by("pk")
    customer_id = _text(body, "customerId", required=False)
    if customer_id:  # UNCONFIRMED: an unknown id answers an empty list, not a failure
        rows = rows.filter(ext_id=customer_id)
    return _ok([render_customer(c) for c in _page(request, rows)])


@_endpoint("read")
def employees(request: HttpRequest, token: Token) -> HttpResponse:
    account = _business(token, _object(request))
    rows = Provider.objects.filter(account=account).select_related("account").order_by("pk")
    return _ok([render_employee(p) for p in _page(request, rows)])


@_endpoint("read")
def services(request: HttpRequest, token: Token) -> HttpResponse:
    account = _business(token, _object(request))
    rows = Service.objects.filter(account=account).select_related("account").order_by("pk")
    return _ok([render_service(s) for s in _page(request, rows)])


@_endpoint("any")
def access_levels(request: HttpRequest, token: Token) -> HttpResponse:
    """§2.4/§2.7: what this token and its account may do. The shape is the sandbox's own
    (UNCONFIRMED): {businessId, tokenScope, grantedScopes}."""
    account = token.account
    granted = [READ_ACCESS, *(WRITE_SCOPES if account.write_access else ())]
    return _ok(
        {"businessId": account.account_id, "tokenScope": token.scope, "grantedScopes": granted}
    )


@_endpoint("read")
def appointments(request: HttpRequest, token: Token) -> HttpResponse:
    """§2.5: businessId and customerId or appointmentId; there is no list by date range, so a
    body with neither id is a validation error (dates and other fields are ignored)."""
    body = _object(request)
    account = _business(token, body)
    customer_id = _text(body, "customerId", required=False)
    appointment_id = _text(body, "appointmentId", required=False)
    if not customer_id and not appointment_id:
        raise _invalid("customerId or appointmentId is required.")
    rows = _appointments(account)
    if customer_id:
        rows = rows.filter(client__ext_id=customer_id)
    if appointment_id:
        rows = rows.filter(ext_id=appointment_id)
    page = _page(request, rows.order_by("start", "pk"))
    return _ok([render_read_appointment(a) for a in page])


def _active(model, account: Account, ext_id: str, what: str):
    found = model.objects.filter(account=account, ext_id=ext_id, active=True).first()
    if found is None:
        raise ApiError(404, RC_NOT_FOUND, f"{what} {ext_id} was not found or is not bookable.")
    return found


@_endpoint("read")
def availability(request: HttpRequest, token: Token) -> HttpResponse:
    """§2.6: one date per call; slots are business-local HH:MM from the sandbox calendar (taken
    and past times are not offered). UNCONFIRMED: several bookingItems are answered as one entry
    each (not as one multi-service visit)."""
    body = _object(request)
    account = _business(token, body)
    raw_day = _text(body, "appointmentDate", required=True)
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        day = None
    if day is None or len(raw_day) != 10:
        raise _invalid("appointmentDate must be a date, YYYY-MM-DD.")
    items = body.get("bookingItems")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise _invalid("bookingItems must be a non-empty list of {serviceId, serviceProviderId}.")
    wanted = []
    for item in items:
        service = _active(Service, account, _text(item, "serviceId", required=True), "Service")
        provider_id = _text(item, "serviceProviderId", required=True)
        wanted.append((service, _active(Provider, account, provider_id, "Service provider")))
    tz = ZoneInfo(account.timezone)
    data = []
    for service, provider in wanted:
        slots = calendar.open_slots(account, day, day, services=[service], providers=[provider])
        data.append(
            {
                "appointmentDate": day.isoformat(),
                "items": [
                    {
                        "serviceProviderId": provider.ext_id,
                        "serviceProvider": _provider_name(provider),
                        "serviceId": service.ext_id,
                        "serviceTitle": service.name,
                        "duration": service.duration_minutes,
                    }
                ],
                "timeSlot": [slot.start.astimezone(tz).strftime("%H:%M") for slot in slots],
            }
        )
    return _ok(data)


# -- writes (§2.7) -----------------------------------------------------------------------------
def _local_start(account: Account, value: str) -> datetime:
    """§2.7: business-local time without an offset; one with an offset (or Z) is refused."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid("startTime must be a local date and time, YYYY-MM-DDTHH:MM:SS.") from None
    if naive.tzinfo is not None:
        raise _invalid("startTime is the business's local time and takes no offset or Z.")
    tz = ZoneInfo(account.timezone)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise _invalid("startTime does not exist in the business's time zone (clock change).")
    return aware


@_endpoint("write")
def create_appointments(request: HttpRequest, token: Token) -> HttpResponse:
    """§2.7: a JSON ARRAY of appointments, each {businessId, customerId, serviceId,
    serviceProviderId, startTime (local, no offset), appointmentType: "appointment"}. All or
    none are booked (UNCONFIRMED); the answer lists the new appointmentIds in order. UNCONFIRMED:
    the start's field name (startTime, as in §3.4) and the answer's shape."""
    body = _json(request)
    if not isinstance(body, list) or not body or not all(isinstance(i, dict) for i in body):
        raise _invalid("The request body must be a non-empty JSON array of appointments.")
    # The calendar's writes only; no HTTP call happens inside this transaction.
    with transaction.atomic():
        created = [_create_one(token, item) for item in body]
    return _ok([{"appointmentId": a.ext_id} for a in created], "Appointment created successfully.")


def _create_one(token: Token, item: dict[str, Any]) -> Appointment:
    account = _business(token, item)
    if item.get("appointmentType") != "appointment":
        raise _invalid('appointmentType must be "appointment".')
    customer_id = _text(item, "customerId", required=True)
    service_id = _text(item, "serviceId", required=True)
    provider_id = _text(item, "serviceProviderId", required=True)
    start = _local_start(account, _text(item, "startTime", required=True))
    client = Client.objects.filter(account=account, ext_id=customer_id).first()
    if client is None:
        raise ApiError(404, RC_NOT_FOUND, f"Customer {customer_id} was not found.")
    notes = item.get("notes") if isinstance(item.get("notes"), str) else ""
    ext_id = new_ext_id(PLATFORM, "appointment")
    while Appointment.objects.filter(account=account, ext_id=ext_id).exists():
        ext_id = new_ext_id(PLATFORM, "appointment")
    try:
        return calendar.book(
            client=client,
            provider=_active(Provider, account, provider_id, "Service provider"),
            service=_active(Service, account, service_id, "Service"),
            start=start,
            ext_id=ext_id,
            notes=notes[:500],
        )
    except calendar.CalendarError as exc:
        raise ApiError(400, RC_REFUSED, CALENDAR_MESSAGES.get(exc.code, exc.message)) from None


@_endpoint("write")
def delete_appointment(request: HttpRequest, token: Token, appointment_id: str) -> HttpResponse:
    """§2.7: cancelling deletes. §1.3: the id arrives URL-encoded ('=', '/', '+'); Django has
    decoded it before routing, hence the ``path`` converter. The appointment is cancelled on the
    calendar, so the front desk's cancellation webhook goes out (§3.4 "Cancel"). A second
    delete is refused (UNCONFIRMED; a client must not rely on it being idempotent)."""
    body = _object(request)
    if body.get("businessId") not in (None, ""):
        _business(token, body)
    found = _appointments(token.account).filter(ext_id=appointment_id).first()
    if found is None:
        raise ApiError(404, RC_NOT_FOUND, f"Appointment {appointment_id} was not found.")
    if found.deleted or found.status not in ACTIVE:
        raise ApiError(400, RC_REFUSED, CALENDAR_MESSAGES["not_cancellable"])
    try:
        calendar.cancel(found)
    except calendar.CalendarError as exc:
        raise ApiError(400, RC_REFUSED, CALENDAR_MESSAGES.get(exc.code, exc.message)) from None
    return _ok({"appointmentId": found.ext_id}, "Appointment deleted successfully.")


# -- webhooks (§3, unchanged: the front desk's deliveries) -------------------------------------
def build_webhooks(account: Account, kind: str, obj: Any) -> list[dict[str, Any]]:
    """The deliveries Vagaro sends for one change: {event_id, event_type, body, headers}. The
    body is serialized here, once. §3.2: X-Vagaro-Signature carries the webhook's verification
    token (a static shared token, not an HMAC). §3.3: {id, createdDate, type, action, payload}."""
    mapped = _WEBHOOK_KINDS.get(kind)
    if mapped is None:
        return []
    type_, action = mapped
    if type_ == "appointment":
        if obj.deleted:
            action = "deleted"
        payload = webhook_appointment(obj)
    else:
        payload = render_customer(obj)
    event_id = str(uuid.uuid4()).upper()
    envelope = {
        "id": event_id,
        "createdDate": _utc_millis(timezone.now()),
        "type": type_,
        "action": action,
        "payload": payload,
    }
    return [
        {
            "event_id": event_id,
            "event_type": f"{type_}.{action}",
            "body": json.dumps(envelope),
            "headers": {
                "Content-Type": "application/json",
                "X-Vagaro-Signature": account.webhook_secret,
            },
        }
    ]


# Mounted under vagaro/<region>/ (sandbox/urls.py). The delete id uses <path:...>: a decoded
# Vagaro id may hold '/'. Anything else under api/v2 is the 404 envelope.
urlpatterns = [
    path("api/v2/merchants/generate-access-token", generate_access_token, name="vagaro_token"),
    path("api/v2/merchants/access-levels", access_levels, name="vagaro_access_levels"),
    path("api/v2/locations", locations, name="vagaro_locations"),
    path("api/v2/customers", customers, name="vagaro_customers"),
    path("api/v2/employees", employees, name="vagaro_employees"),
    path("api/v2/services", services, name="vagaro_services"),
    path("api/v2/appointments", appointments, name="vagaro_appointments"),
    path("api/v2/appointments/availability", availability, name="vagaro_availability"),
    path("api/v2/appointments/create", create_appointments, name="vagaro_create"),
    path(
        "api/v2/appointments/delete/<path:appointment_id>",
        delete_appointment,
        name="vagaro_delete",
    ),
    path("api/v2/<path:rest>", not_found, name="vagaro_not_found"),
    path("<path:rest>", not_found),
]
