"""Vagaro Open API v2 emulator, mounted at /sandbox/vagaro/<region>/.

Vagaro documents its webhooks publicly and its REST API only to approved developers, so the REST
side follows the readings integrations/adapters/vagaro.py made (PATHS, token body, headers,
envelope, pageNumber/pageSize paging, query names) with the webhook field vocabulary of
docs/platforms/vagaro.md §3. Those readings contradict the REST evidence of its §2; its §5 lists
the differences (issue 18):

- ``POST api/v2/merchants/generate-access-token`` {clientId, clientSecretKey, scope} issues a token
  living one hour; every other call sends it as ``accessToken: <t>`` or ``Authorization: Bearer``.
- Every answer is the envelope {status, responseCode, message, data}; errors carry the HTTP status
  in ``status`` and ``1000 + status`` in ``responseCode`` (the shape of the adapter's fixtures).
- Lists page with ``pageNumber`` (1-based) and ``pageSize`` and say ``totalPages``.
- Times are UTC with a ``Z``; date filters (startDate/endDate) are the business's local days.
- Ids are opaque base64 strings with '=', '/' and '+': clients URL-encode them and Django decodes
  them before routing, so id segments use the ``path`` converter.
"""

from __future__ import annotations

import json
import math
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone

from .. import calendar, events, faults
from ..data import new_ext_id
from ..models import (
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
TOKEN_LIFETIME = timedelta(hours=1)
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
# The adapter asks business-wide appointments and availability in windows of at most 31 days.
MAX_RANGE_DAYS = 31
# Five retries over about 15 minutes, exponential (seconds after each failed attempt).
RETRY_SCHEDULE: tuple[int, ...] = (30, 60, 120, 240, 480)

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
    "not_cancellable": "The appointment cannot be cancelled.",
}

# events kind -> (webhook type, action); cancellations are documented as updates ("Cancel").
_WEBHOOK_KINDS = {
    events.APPOINTMENT_CREATED: ("appointment", "created"),
    events.APPOINTMENT_UPDATED: ("appointment", "updated"),
    events.APPOINTMENT_CANCELLED: ("appointment", "updated"),
    events.CLIENT_CREATED: ("customer", "created"),
    events.CLIENT_UPDATED: ("customer", "updated"),
}


# -- answers -----------------------------------------------------------------------------------
def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    """Vagaro's error envelope, with the same status in the HTTP line and the body."""
    body = {"status": status, "responseCode": 1000 + status, "message": message, "data": None}
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _ok(data: Any, message: str = "Success", **extra: Any) -> JsonResponse:
    return JsonResponse(
        {"status": 200, "responseCode": 1000, "message": message, "data": data, **extra}
    )


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_millis(value: datetime) -> str:
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


# -- auth --------------------------------------------------------------------------------------
def _expired_early(token: Token, now: datetime) -> bool:
    return faults.token_expired_early(PLATFORM, token, now)


def _token_account(request: HttpRequest) -> Account:
    raw = request.headers.get("accessToken", "").strip()
    if not raw:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        raw = value.strip() if scheme.lower() == "bearer" else ""
    if not raw:
        raise ApiError(401, "Access token is required.")
    token = (
        Token.objects.select_related("account")
        .filter(token=raw, account__platform=PLATFORM)
        .first()
    )
    now = timezone.now()
    if token is None or token.expires_at <= now or _expired_early(token, now):
        raise ApiError(401, "Access token is invalid or expired.")
    return token.account


def _endpoint(*methods: str, authenticated: bool = True) -> Callable:
    """Faults first (emulated), then method, token and ApiError -> the error envelope. The view
    gets the token's account after ``request``."""

    def decorator(view: Callable) -> Callable:
        @faults.emulated(PLATFORM, error_response)
        @wraps(view)
        def wrapper(request: HttpRequest, region: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise ApiError(405, "Method not allowed.", {"Allow": ", ".join(methods)})
                if not authenticated:
                    return view(request, **kwargs)
                return view(request, _token_account(request), **kwargs)
            except ApiError as exc:
                return error_response(exc.status, exc.message, exc.headers)

        return wrapper

    return decorator


# -- request helpers ---------------------------------------------------------------------------
def _json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def _check_business(account: Account, business_id: str | None, *, required: bool) -> None:
    if not business_id:
        if required:
            raise ApiError(400, "businessId is required.")
        return
    if business_id != account.account_id:
        # A token is issued for one business: another's id is answered like a missing one.
        raise ApiError(404, "Business not found.")


def _date(request: HttpRequest, name: str, *, required: bool) -> date | None:
    value = request.GET.get(name, "")
    if not value:
        if required:
            raise ApiError(400, f"{name} is required.")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name} must be a date (YYYY-MM-DD).") from None


def _date_range(request: HttpRequest, *, required: bool, limit: bool) -> tuple:
    first = _date(request, "startDate", required=required)
    last = _date(request, "endDate", required=required)
    if first and last:
        if last < first:
            raise ApiError(400, "endDate must not be before startDate.")
        if limit and (last - first).days + 1 > MAX_RANGE_DAYS:
            raise ApiError(400, f"The date range may span at most {MAX_RANGE_DAYS} days.")
    return first, last


def _paged(request: HttpRequest, queryset, render: Callable[[list], list]) -> JsonResponse:
    try:
        number = int(request.GET.get("pageNumber", 1))
        size = int(request.GET.get("pageSize", DEFAULT_PAGE_SIZE))
    except ValueError:
        raise ApiError(400, "pageNumber and pageSize must be numbers.") from None
    if number < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(400, f"pageNumber starts at 1; pageSize is 1 to {MAX_PAGE_SIZE}.")
    total = queryset.count()
    rows = list(queryset[(number - 1) * size : number * size])
    return _ok(
        render(rows),
        pageNumber=number,
        pageSize=size,
        totalRecords=total,
        totalPages=math.ceil(total / size),
    )


def _one(model, account: Account, ext_id: str, what: str):
    found = model.objects.filter(account=account, ext_id=ext_id).first()
    if found is None:
        raise ApiError(404, f"{what} not found.")
    return found


# -- rendering (the webhook vocabulary) --------------------------------------------------------
def render_business(account: Account) -> dict[str, Any]:
    return {
        "businessId": account.account_id,
        "businessName": account.name,
        "businessGroupId": None,  # sandbox businesses are single locations
        "timeZone": account.timezone,
    }


def render_provider(provider: Provider) -> dict[str, Any]:
    return {
        "serviceProviderId": provider.ext_id,
        "firstName": provider.first_name,
        "lastName": provider.last_name,
        "businessId": provider.account.account_id,
        "isActive": provider.active,
    }


def render_service(service: Service) -> dict[str, Any]:
    return {
        "serviceId": service.ext_id,
        "serviceTitle": service.name,
        "categoryName": service.category,
        "duration": service.duration_minutes,
        "price": float(service.price),
        "businessId": service.account.account_id,
        "isActive": service.active,
    }


def render_customer(client: Client, *, rest: bool = True) -> dict[str, Any]:
    # A customer removed from the business keeps existing; its businessIds lose the business.
    data = {
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
    if rest:
        data["createdDate"] = _utc(client.created_at)
        data["modifiedDate"] = _utc(client.updated_at)
    return data


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


def render_appointment(
    appointment: Appointment, first_visits: dict[int, datetime] | None = None, *, rest: bool = True
) -> dict[str, Any]:
    if first_visits is None:
        first_visits = _first_visits([appointment])
    first = first_visits.get(appointment.client_id)
    new = first is None or appointment.start <= first
    # Sandbox clients book a named provider, so every appointment is a "Request".
    code, name = ("NR", "New Request") if new else ("RR", "Return Request")
    data = {
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
        "serviceProviderId": appointment.provider.ext_id,
        "businessId": appointment.account.account_id,
    }
    if rest:
        data["notes"] = appointment.notes
        data["createdDate"] = _utc(appointment.created_at)
        data["modifiedDate"] = _utc(appointment.updated_at)
    return data


def _render_appointments(rows: list[Appointment]) -> list[dict[str, Any]]:
    first_visits = _first_visits(rows)
    return [render_appointment(a, first_visits) for a in rows]


def _appointments(account: Account):
    return Appointment.objects.filter(account=account).select_related(
        "account", "client", "provider", "service"
    )


# -- views -------------------------------------------------------------------------------------
@_endpoint("POST", authenticated=False)
def generate_access_token(request: HttpRequest) -> HttpResponse:
    body = _json_body(request)
    client_id, secret = body.get("clientId"), body.get("clientSecretKey")
    if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id or not secret:
        raise ApiError(400, "clientId and clientSecretKey are required.")
    account = Account.objects.filter(platform=PLATFORM, username=client_id).first()
    if account is None or not secrets.compare_digest(secret, account.password):
        raise ApiError(401, "Invalid client credentials.")
    token = Token.objects.create(
        account=account,
        token=secrets.token_urlsafe(32),
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    data = {
        "access_token": token.token,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "scope": body.get("scope") or "read write",
    }
    return _ok(data, "Access token generated successfully.")


@_endpoint("GET")
def business(request: HttpRequest, account: Account, business_id: str) -> HttpResponse:
    _check_business(account, business_id, required=True)
    return _ok(render_business(account))


@_endpoint("GET")
def locations(request: HttpRequest, account: Account) -> HttpResponse:
    if request.GET.get("businessGroupId"):
        raise ApiError(404, "Business group not found.")  # no sandbox business is in a group
    _check_business(account, request.GET.get("businessId"), required=True)
    return _paged(
        request,
        Account.objects.filter(pk=account.pk),
        lambda rows: [render_business(a) for a in rows],
    )


@_endpoint("GET")
def employees(request: HttpRequest, account: Account) -> HttpResponse:
    _check_business(account, request.GET.get("businessId"), required=True)
    rows = Provider.objects.filter(account=account).select_related("account").order_by("pk")
    return _paged(request, rows, lambda page: [render_provider(p) for p in page])


@_endpoint("GET")
def employee(request: HttpRequest, account: Account, provider_id: str) -> HttpResponse:
    _check_business(account, request.GET.get("businessId"), required=False)
    return _ok(render_provider(_one(Provider, account, provider_id, "Service provider")))


@_endpoint("GET")
def services(request: HttpRequest, account: Account) -> HttpResponse:
    _check_business(account, request.GET.get("businessId"), required=True)
    rows = Service.objects.filter(account=account).select_related("account").order_by("pk")
    return _paged(request, rows, lambda page: [render_service(s) for s in page])


@_endpoint("GET")
def service(request: HttpRequest, account: Account, service_id: str) -> HttpResponse:
    _check_business(account, request.GET.get("businessId"), required=False)
    return _ok(render_service(_one(Service, account, service_id, "Service")))


@_endpoint("GET")
def customers(request: HttpRequest, account: Account) -> HttpResponse:
    _check_business(account, request.GET.get("businessId"), required=True)
    rows = Client.objects.filter(account=account).select_related("account").order_by("pk")
    return _paged(request, rows, lambda page: [render_customer(c) for c in page])


@_endpoint("GET")
def customer(request: HttpRequest, account: Account, customer_id: str) -> HttpResponse:
    _check_business(account, request.GET.get("businessId"), required=False)
    return _ok(render_customer(_one(Client, account, customer_id, "Customer")))


@_endpoint("GET", "POST")
def appointments(request: HttpRequest, account: Account) -> HttpResponse:
    if request.method == "POST":
        return _book(request, account)
    _check_business(account, request.GET.get("businessId"), required=True)
    customer_id = request.GET.get("customerId")
    # One customer's history may span any range; the business-wide list is windowed.
    first, last = _date_range(request, required=not customer_id, limit=not customer_id)
    rows = _appointments(account)
    if customer_id:
        rows = rows.filter(client__ext_id=customer_id)
    tz = ZoneInfo(account.timezone)
    if first:
        rows = rows.filter(start__gte=datetime.combine(first, time(0), tz))
    if last:
        rows = rows.filter(start__lt=datetime.combine(last + timedelta(days=1), time(0), tz))
    return _paged(request, rows.order_by("start", "pk"), _render_appointments)


def _book(request: HttpRequest, account: Account) -> HttpResponse:
    body = _json_body(request)
    _check_business(account, body.get("businessId"), required=False)
    fields = ("customerId", "serviceId", "serviceProviderId", "startTime")
    missing = [name for name in fields if not isinstance(body.get(name), str) or not body[name]]
    if missing:
        raise ApiError(400, f"Missing or invalid: {', '.join(missing)}.")
    client = _one(Client, account, body["customerId"], "Customer")
    svc = _one(Service, account, body["serviceId"], "Service")
    provider = _one(Provider, account, body["serviceProviderId"], "Service provider")
    if not svc.active:
        raise ApiError(400, "The service is not bookable.")
    try:
        start = datetime.fromisoformat(body["startTime"].replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "startTime must be an ISO 8601 time in UTC.") from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)  # Vagaro's times are UTC
    notes = body.get("notes") if isinstance(body.get("notes"), str) else ""
    try:
        booked = calendar.book(
            client=client,
            provider=provider,
            service=svc,
            start=start,
            ext_id=new_ext_id(PLATFORM, "appointment"),
            notes=notes[:500],
        )
    except calendar.CalendarError as exc:
        raise ApiError(400, CALENDAR_MESSAGES.get(exc.code, exc.message)) from None
    return _ok(render_appointment(booked))


@_endpoint("GET")
def availability(request: HttpRequest, account: Account) -> HttpResponse:
    _check_business(account, request.GET.get("businessId"), required=True)
    first, last = _date_range(request, required=True, limit=True)
    service_ids = request.GET.getlist("serviceId")
    provider_ids = request.GET.getlist("serviceProviderId")
    wanted_services = list(account.services.filter(active=True, ext_id__in=service_ids))
    wanted_providers = list(account.providers.filter(active=True, ext_id__in=provider_ids))
    # open_slots reads an empty list as "all": filters matching nothing answer nothing.
    if (service_ids and not wanted_services) or (provider_ids and not wanted_providers):
        return _ok([])
    slots = calendar.open_slots(
        account,
        first,
        last,
        services=wanted_services or None,
        providers=wanted_providers or None,
    )
    data = [
        {
            "startTime": _utc(slot.start),
            "endTime": _utc(slot.end),
            "serviceId": slot.service.ext_id,
            "serviceTitle": slot.service.name,
            "serviceProviderId": slot.provider.ext_id,
            "businessId": account.account_id,
        }
        for slot in slots
    ]
    return _ok(data)


@_endpoint("GET")
def appointment(request: HttpRequest, account: Account, appointment_id: str) -> HttpResponse:
    _check_business(account, request.GET.get("businessId"), required=False)
    found = _appointments(account).filter(ext_id=appointment_id).first()
    if found is None:
        raise ApiError(404, "Appointment not found.")
    return _ok(render_appointment(found))


@_endpoint("POST")
def cancel(request: HttpRequest, account: Account, appointment_id: str) -> HttpResponse:
    body = _json_body(request)
    _check_business(account, body.get("businessId"), required=False)
    if body.get("appointmentId") not in (None, appointment_id):
        raise ApiError(400, "appointmentId does not match the path.")
    found = _appointments(account).filter(ext_id=appointment_id).first()
    if found is None or found.deleted:
        raise ApiError(404, "Appointment not found.")
    # Cancelling a cancelled appointment answers its state again, so the call may be retried.
    if found.status not in (Status.CANCELLED, Status.LATE_CANCELLED):
        try:
            found = calendar.cancel(found)
        except calendar.CalendarError as exc:
            raise ApiError(400, CALENDAR_MESSAGES.get(exc.code, exc.message)) from None
    return _ok(render_appointment(found))


# -- webhooks ----------------------------------------------------------------------------------
def build_webhooks(account: Account, kind: str, obj: Any) -> list[dict[str, Any]]:
    """The deliveries Vagaro sends for one change: {event_id, event_type, body, headers}. The
    body is serialized here, once; X-Vagaro-Signature carries the webhook's verification token
    (a static shared token, not an HMAC, as documented)."""
    mapped = _WEBHOOK_KINDS.get(kind)
    if mapped is None:
        return []
    type_, action = mapped
    if type_ == "appointment":
        if obj.deleted:
            action = "deleted"
        payload = render_appointment(obj, rest=False)
    else:
        payload = render_customer(obj, rest=False)
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


# Id segments use <path:...>: a decoded Vagaro id may hold '/'. The more specific
# appointment paths come before appointments/<id>.
urlpatterns = [
    path("api/v2/merchants/generate-access-token", generate_access_token, name="vagaro_token"),
    path("api/v2/businesses/<path:business_id>", business, name="vagaro_business"),
    path("api/v2/locations", locations, name="vagaro_locations"),
    path("api/v2/employees", employees, name="vagaro_employees"),
    path("api/v2/employees/<path:provider_id>", employee, name="vagaro_employee"),
    path("api/v2/services", services, name="vagaro_services"),
    path("api/v2/services/<path:service_id>", service, name="vagaro_service"),
    path("api/v2/customers", customers, name="vagaro_customers"),
    path("api/v2/customers/<path:customer_id>", customer, name="vagaro_customer"),
    path("api/v2/appointments", appointments, name="vagaro_appointments"),
    path("api/v2/appointments/availability", availability, name="vagaro_availability"),
    path("api/v2/appointments/<path:appointment_id>/cancel", cancel, name="vagaro_cancel"),
    path("api/v2/appointments/<path:appointment_id>", appointment, name="vagaro_appointment"),
]
