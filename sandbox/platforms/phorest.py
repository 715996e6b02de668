"""Phorest third-party API emulator (reference: docs/platforms/phorest.md).

Mounted at /sandbox/phorest/third-party-api-server/api/business/ (the EU region) and at
/sandbox/phorest-us/third-party-api-server/api/business/ (US/Canada/Australia,
docs/platforms/phorest.md §1.2); a business answers in its ``Account.region`` only. HTTP Basic with
the ``global/`` username, paths scoped by business and branch (one sandbox Account is one business
with one branch), Spring-style ``_embedded`` + zero-based ``page`` lists, and the time conventions
of docs/platforms/phorest.md §5: availability and bookings speak UTC instants, appointment reads
carry ``appointmentDate`` plus a wall-clock ``startTime``/``endTime`` in the branch's zone. Phorest
sends no webhooks (docs/platforms/phorest.md §6). Where that page leaves a point UNCONFIRMED, this
takes the reading its evidence gives and says so; two sandbox switches on the Account (the sandbox
page sets them) play tenants the page describes: a salon without online booking
(``online_booking``), one whose appointment reads by id answer 404 (``appointment_reads_404``,
§7.7), and the other reading of the cancel's UNCONFIRMED answer (``cancel_answers_empty``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import wraps
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Window
from django.http import HttpResponse, JsonResponse
from django.urls import path

from .. import calendar, faults
from ..data import new_ext_id
from ..models import ACTIVE, Account, Appointment, Client, Platform, Provider, Service, Status

PLATFORM = Platform.PHOREST
RETRY_SCHEDULE: list = []  # no webhooks, so nothing to retry
MAX_RANGE_DAYS = 31  # "Max date range allowed is 31 days" (appointment lists)
MAX_AVAILABILITY_DAYS = 31  # the real maximum is UNCONFIRMED; bounds the emulator's work
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200  # documented for staff and categories; applied everywhere here

# Internal status -> (activationState, state, confirmed). activationState says whether the
# appointment holds its time, state how far it got; Phorest records no late-cancel flag.
# How Phorest marks a no-show is UNCONFIRMED (docs/platforms/phorest.md §2.4): the one source
# with a ``state`` enum ([GHL], low weight) lists NO_SHOW, so a no-show is written that way.
APPOINTMENT_STATES: dict[str, tuple[str, str, bool]] = {
    Status.REQUESTED: ("RESERVED", "BOOKED", False),
    Status.BOOKED: ("ACTIVE", "BOOKED", False),
    Status.CONFIRMED: ("ACTIVE", "BOOKED", True),
    Status.ARRIVED: ("ACTIVE", "CHECKED_IN", True),
    Status.COMPLETED: ("ACTIVE", "PAID", True),
    Status.NO_SHOW: ("ACTIVE", "NO_SHOW", False),
    Status.CANCELLED: ("CANCELED", "BOOKED", False),  # Phorest spells it with one L
    Status.LATE_CANCELLED: ("CANCELED", "BOOKED", False),
}
BOOKING_STATUSES = {"ACTIVE": Status.BOOKED, "RESERVED": Status.REQUESTED}
# CalendarError code -> booking error ``detail`` (docs/platforms/phorest.md §2.6); errorCode is
# SLOT_UNAVAILABLE for all, as in the documented live refusal.
REFUSALS = {
    "staff_not_working": "STAFF_NOT_WORKING",
    "slot_taken": "STAFF_DOUBLE_BOOKED",
    "in_the_past": "SLOT_UNAVAILABLE",
}


def build_webhooks(account, kind, obj) -> list[dict]:
    """Phorest has no webhooks: "you can regularly check for updates by polling the API"."""
    return []


# -- errors ---------------------------------------------------------------------------------------
def _error_body(status: int, detail: str, code: str = "") -> dict:
    body = {"statusCode": status, "id": str(uuid.uuid4()), "detail": detail}
    if code:
        body["errorCode"] = code
    return body


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    """Phorest's error body (docs/platforms/phorest.md §4): statusCode, id (an error id), detail,
    sometimes errorCode."""
    response = JsonResponse(_error_body(status, message), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class _Refusal(Exception):
    def __init__(self, status: int, detail: str, code: str = "", headers=None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code = status, detail, code
        self.headers = headers or {}


# -- request plumbing -----------------------------------------------------------------------------
def _credentials(request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        # UTF-8, not latin-1: Phorest passwords may hold any character
        # (docs/platforms/phorest.md §1.3).
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def _account(request, business_id: str, branch_id: str | None, region: str = "eu") -> Account:
    unauthorized = _Refusal(
        401, "Full authentication is required to access this resource", headers=_CHALLENGE
    )
    given = _credentials(request)
    if given is None:
        raise unauthorized
    account = Account.objects.filter(platform=PLATFORM, account_id=business_id).first()
    if account is None:
        raise _Refusal(404, f"Business {business_id} not found")
    if account.api_region != region:
        # Each region is its own platform (docs/platforms/phorest.md §1.2): the business's
        # global/ user does not exist on the other one, so it is refused as bad credentials
        # (401, §4). UNCONFIRMED: no source shows the other region's answer.
        raise unauthorized
    # Both compared in constant time, and both always compared.
    user_ok = hmac.compare_digest(given[0].encode(), account.username.encode())
    password_ok = hmac.compare_digest(given[1].encode(), account.password.encode())
    if not (user_ok and password_ok):
        raise unauthorized
    if branch_id is not None and branch_id != account.branch_id:
        raise _Refusal(404, f"Branch {branch_id} not found")
    return account


_CHALLENGE = {"WWW-Authenticate": 'Basic realm="third-party-api-server"'}


def _endpoint(*methods: str, branch: bool = True):
    """Faults first (as a gateway would), then method, credentials, business and branch."""

    def decorator(view):
        @faults.emulated(PLATFORM, error_response)
        @wraps(view)
        def wrapper(request, business_id, branch_id=None, region="eu", **kwargs):
            try:
                if request.method not in methods:
                    raise _Refusal(405, f"Request method '{request.method}' is not supported")
                account = _account(request, business_id, branch_id if branch else None, region)
                response = view(request, account, **kwargs)
            except _Refusal as refusal:
                response = JsonResponse(
                    _error_body(refusal.status, refusal.detail, refusal.code),
                    status=refusal.status,
                )
                for name, value in refusal.headers.items():
                    response[name] = value
            response["x-phorest-trace-id"] = uuid.uuid4().hex
            return response

        return wrapper

    return decorator


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise _Refusal(400, "Malformed JSON request body") from None
    if not isinstance(body, dict):
        raise _Refusal(400, "Request body must be a JSON object")
    return body


def _flag(request, name: str) -> bool:
    return request.GET.get(name, "").lower() == "true"


def _date_param(request, name: str, *, required: bool = True) -> date | None:
    value = request.GET.get(name)
    if not value:
        if required:
            raise _Refusal(400, f"Required request parameter '{name}' is not present")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Refusal(400, f"Invalid {name} '{value}', expected yyyy-MM-dd") from None


_OFFSET = re.compile(r"([+-]\d{2}:?\d{2}|[Zz])$")


def _instant(value, name: str) -> datetime:
    """An ISO-8601 instant; a value without Z or an offset is UTC (bookings are UTC,
    docs/platforms/phorest.md §5)."""
    if not isinstance(value, str) or not value.strip():
        raise _Refusal(400, f"{name} must not be null")
    text = value.strip()
    if " " in text and not _OFFSET.search(text):
        text = text.replace(" ", "+")  # an unencoded '+' in a query string arrives as a space
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _Refusal(400, f"Invalid {name} '{value}'") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _instants(request, *names: str) -> list[datetime]:
    return [_instant(request.GET[name], name) for name in names if request.GET.get(name)]


def _z(value: datetime) -> str:
    """UTC with milliseconds and Z, e.g. 2021-10-04T09:39:46.000Z (docs/platforms/phorest.md §3)."""
    # isoformat (milliseconds truncated, as microsecond // 1000) is cheaper than strftime.
    return value.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def _paged(request, rows, key: str, render, columns: tuple[str, ...] = ()) -> JsonResponse:
    """Spring HATEOAS page: ``_embedded.{key}`` and a zero-based ``page``
    (docs/platforms/phorest.md §3). With ``columns`` (a QuerySet), the page's rows are read as
    tuples of those columns."""
    try:
        size = int(request.GET.get("size", DEFAULT_PAGE_SIZE))
        number = int(request.GET.get("page", 0))
    except ValueError:
        raise _Refusal(400, "size and page must be integers") from None
    if size < 1 or number < 0:
        raise _Refusal(400, "size must be positive and page must not be negative")
    size = min(size, MAX_PAGE_SIZE)
    if columns:
        # The total rides along on each row (COUNT(*) OVER (), counted before LIMIT/OFFSET): one
        # query per page instead of two; only a page past the end needs a COUNT of its own.
        counted = rows.annotate(_total=Window(Count("pk"))).values_list(*columns, "_total")
        found = list(counted[number * size : (number + 1) * size])
        total = found[0][-1] if found else rows.count()
        items = [row[:-1] for row in found]
    else:
        total = len(rows) if isinstance(rows, list) else rows.count()
        items = rows[number * size : (number + 1) * size]
    return JsonResponse(
        {
            "_embedded": {key: [render(item) for item in items]},
            "links": [],
            "page": {
                "size": size,
                "totalElements": total,
                "totalPages": math.ceil(total / size),
                "number": number,
            },
        }
    )


def _version(updated_at: datetime) -> int:
    # No version column: the update time in milliseconds only grows, as an optimistic lock needs.
    return int(updated_at.timestamp() * 1000)


def _opaque_id(*parts: str) -> str:
    """A stable Phorest-style id for things the sandbox keeps no row for (categories, users)."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _digits(phone: str) -> str:
    # Phorest stores digits with the country code and no '+' (docs/platforms/phorest.md §7.3).
    return re.sub(r"\D", "", phone or "")


# -- rendering ------------------------------------------------------------------------------------
def _branch(account: Account) -> dict:
    return {
        "branchId": account.branch_id,
        "name": account.name,
        "timeZone": account.timezone,
        "latitude": None,
        "longitude": None,
        "streetAddress1": "",
        "streetAddress2": "",
        "city": "",
        "state": "",
        "postalCode": "",
        "country": "",
        "currencyCode": "USD",
        "accountId": account.pk,
    }


def _staff(provider: Provider) -> dict:
    account = provider.account
    return {
        "staffId": provider.ext_id,
        "branchId": account.branch_id,
        "userId": _opaque_id("user", account.account_id, provider.ext_id),
        "staffCategoryId": None,
        "staffCategoryName": None,
        "firstName": provider.first_name,
        "lastName": provider.last_name,
        "birthDate": None,
        "startDate": None,
        "selfEmployed": False,
        "archived": not provider.active,
        "mobile": None,
        "email": None,
        "gender": None,
        "notes": "",
        "onlineProfile": "",
        # A salon without online booking hides its staff from it (docs/platforms/phorest.md §7.8).
        "hideFromOnlineBookings": not account.online_booking,
        "hideFromAppointmentScreen": False,
        "imageUrl": None,
        "disqualifiedServices": [],
    }


def _online_categories(service: Service) -> list[dict]:
    return [
        {
            "id": _opaque_id("category", service.account.account_id, service.category),
            "name": service.category,
        }
    ]


def _service(service: Service, *, online_category: bool) -> dict:
    data = {
        "serviceId": service.ext_id,
        "version": 1,
        "name": service.name,
        "categoryId": _opaque_id("category", service.account.account_id, service.category),
        "price": float(service.price),
        "duration": service.duration_minutes,
        "archived": not service.active,
        "disqualifiedStaff": [],
        "internetEnabled": service.active,
        "internetName": service.name,
        "internetDescription": "",
        "addonServiceIds": [],
        "isAddonOnly": False,
    }
    if online_category:  # only on request (fetch_online_category, docs/platforms/phorest.md §2.2)
        data["internetServiceCategories"] = _online_categories(service)
    return data


def _client(client: Client) -> dict:
    account = client.account
    phone = _digits(client.phone)
    return {
        "clientId": client.ext_id,
        "version": _version(client.updated_at),
        "firstName": client.first_name,
        "lastName": client.last_name,
        "mobile": phone or None,
        "landLine": None,
        "linkedClientMobile": None,
        "email": client.email or None,
        "address": None,
        "birthDate": None,
        "clientSince": _z(client.created_at),
        "gender": "NOT_SPECIFIED",
        "notes": "",
        "smsMarketingConsent": client.sms_opt_in,
        "emailMarketingConsent": client.email_opt_in,
        "smsReminderConsent": True,
        "emailReminderConsent": True,
        "preferredStaffId": None,
        "externalId": None,
        "creatingBranchId": account.branch_id,
        "lastVisitedBranchId": account.branch_id,
        "linkedClientId": None,
        "hasActiveMembership": False,
        "archived": not client.active,
        "banned": False,
        "deleted": False,
        "mergedToClientId": None,
        "clientCategoryIds": [],
        "creditAccount": {"outstandingBalance": 0, "creditDays": 0, "creditLimit": 0},
        "loyaltyCard": None,
        "photoUrl": None,
        "createdAt": _z(client.created_at),
        "updatedAt": _z(client.updated_at),
    }


class _AppointmentRow(NamedTuple):
    """What an appointment read renders: the appointment's columns and its related rows' few.
    Lists read these straight from the database (values_list: no model instances, no joined
    rows' other columns); single reads build one from the model."""

    ext_id: str
    start: datetime
    end: datetime
    status: str
    deleted: bool
    notes: str
    created_at: datetime
    updated_at: datetime
    price: Decimal
    service_ext_id: str
    service_name: str
    service_category: str
    staff_ext_id: str
    client_ext_id: str

    @classmethod
    def of(cls, appt: Appointment) -> _AppointmentRow:
        service = appt.service
        return cls(
            appt.ext_id,
            appt.start,
            appt.end,
            appt.status,
            appt.deleted,
            appt.notes,
            appt.created_at,
            appt.updated_at,
            service.price,
            service.ext_id,
            service.name,
            service.category,
            appt.provider.ext_id,
            appt.client.ext_id,
        )


# The database columns of _AppointmentRow, in its order.
_APPOINTMENT_COLUMNS = (
    "ext_id",
    "start",
    "end",
    "status",
    "deleted",
    "notes",
    "created_at",
    "updated_at",
    "service__price",
    "service__ext_id",
    "service__name",
    "service__category",
    "provider__ext_id",
    "client__ext_id",
)


def _appointment(appt: Appointment, *, online_category: bool = False, notes: bool = False) -> dict:
    return _render_appointment(
        _AppointmentRow.of(appt),
        appt.account,
        ZoneInfo(appt.account.timezone),
        online_category=online_category,
        notes=notes,
    )


def _render_appointment(
    appt: _AppointmentRow,
    account: Account,
    zone: ZoneInfo,
    *,
    online_category: bool = False,
    notes: bool = False,
) -> dict:
    # Reads are wall-clock in the branch's zone (docs/platforms/phorest.md §5); an end past midnight
    # keeps the date.
    start, end = appt.start.astimezone(zone), appt.end.astimezone(zone)
    activation, state, confirmed = APPOINTMENT_STATES.get(appt.status, ("ACTIVE", "BOOKED", False))
    data = {
        "appointmentId": appt.ext_id,
        "version": _version(appt.updated_at),
        "branchId": account.branch_id,
        "appointmentDate": start.date().isoformat(),
        "startTime": start.strftime("%H:%M:%S.000"),
        "endTime": end.strftime("%H:%M:%S.000"),
        "price": float(appt.price),
        "depositAmount": None,
        "depositDateTime": None,
        "staffId": appt.staff_ext_id,
        "staffRequest": False,
        "preferredStaff": False,
        "roomId": None,
        "machineId": None,
        "serviceId": appt.service_ext_id,
        "serviceName": appt.service_name,
        "clientId": appt.client_ext_id,
        "confirmed": confirmed,
        "state": state,
        "activationState": activation,
        # Existing appointments often expose no usable bookingId (docs/platforms/phorest.md §7.6);
        # none is stored.
        "bookingId": None,
        "source": None,
        "serviceRewardId": None,
        "purchasingBranchId": None,
        "deleted": appt.deleted,
        "createdAt": _z(appt.created_at),
        "updatedAt": _z(appt.updated_at),
        "parentServiceGroupId": None,
        "isFinishAppointment": False,
    }
    if online_category:
        data["internetServiceCategories"] = [
            {
                "id": _opaque_id("category", account.account_id, appt.service_category),
                "name": appt.service_category,
            }
        ]
    if notes:
        data["notes"] = appt.notes
    return data


# -- branches, staff, services --------------------------------------------------------------------
@_endpoint("GET", branch=False)
def branches(request, account):
    if "service_id" in request.GET:  # v1.39: branches offering that service; blank -> 400
        wanted = request.GET["service_id"]
        if not wanted or not account.services.filter(ext_id=wanted).exists():
            raise _Refusal(400, "service_id is blank or invalid")
        online = account.services.filter(ext_id=wanted, active=True).exists()
        if _flag(request, "service_internet_enabled") and not online:
            return _paged(request, [], "branches", _branch)
    return _paged(request, [account], "branches", _branch)


@_endpoint("GET")
def staff_list(request, account):
    rows = account.providers.select_related("account").order_by("pk")
    if not _flag(request, "fetch_archived"):
        rows = rows.filter(active=True)
    return _paged(request, rows, "staffs", _staff)


@_endpoint("GET")
def staff_detail(request, account, staff_id):
    provider = account.providers.select_related("account").filter(ext_id=staff_id).first()
    if provider is None:
        raise _Refusal(404, f"Staff {staff_id} not found")
    return JsonResponse(_staff(provider))


@_endpoint("GET")
def service_list(request, account):
    rows = account.services.select_related("account").order_by("pk")
    if not _flag(request, "fetch_archived"):
        rows = rows.filter(active=True)
    online = _flag(request, "fetch_online_category")
    return _paged(request, rows, "services", lambda s: _service(s, online_category=online))


@_endpoint("GET")
def service_detail(request, account, service_id):
    service = account.services.select_related("account").filter(ext_id=service_id).first()
    if service is None:
        raise _Refusal(404, f"Service {service_id} not found")
    return JsonResponse(_service(service, online_category=_flag(request, "fetch_online_category")))


# -- clients (business level) ---------------------------------------------------------------------
@_endpoint("GET", branch=False)
def client_list(request, account):
    rows = account.clients.select_related("account").order_by("created_at", "pk")
    # Archived clients are listed with ``archived: true`` (the include-flag names are UNCONFIRMED).
    for param, field in (("email", "email__iexact"), ("firstName", "first_name__iexact")):
        if request.GET.get(param):
            rows = rows.filter(**{field: request.GET[param]})
    if request.GET.get("lastName"):
        rows = rows.filter(last_name__iexact=request.GET["lastName"])
    for after in _instants(request, "updatedAfter"):
        rows = rows.filter(updated_at__gte=after)
    for before in _instants(request, "updatedBefore"):
        rows = rows.filter(updated_at__lte=before)
    # ``phone`` filters; ``mobile`` is ignored (docs/platforms/phorest.md §7.3).
    if request.GET.get("phone"):
        wanted = _digits(request.GET["phone"])
        rows = [
            c
            for c in rows
            if wanted and (_digits(c.phone) == wanted or _digits(c.phone).endswith(wanted))
        ]
    return _paged(request, rows, "clients", _client)


@_endpoint("GET", branch=False)
def client_detail(request, account, client_id):
    client = account.clients.select_related("account").filter(ext_id=client_id).first()
    if client is None:
        raise _Refusal(404, f"Client {client_id} not found")
    return JsonResponse(_client(client))


# -- appointments ---------------------------------------------------------------------------------
_SORTS = {
    "appointmentDate": "start",
    "startTime": "start",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}


def _appointments(account: Account):
    return Appointment.objects.filter(account=account).select_related(
        "account", "client", "provider", "service"
    )


@_endpoint("GET")
def appointment_list(request, account):
    first = _date_param(request, "from_date")
    last = _date_param(request, "to_date")  # inclusive
    if last < first:
        raise _Refusal(400, "to_date must not be before from_date")
    # The stricter reading of "31 days": at most 31 calendar days, both ends included.
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise _Refusal(400, "Max date range allowed is 31 days")
    zone = ZoneInfo(account.timezone)
    rows = _appointments(account).filter(
        start__gte=datetime.combine(first, time(), zone),
        start__lt=datetime.combine(last + timedelta(days=1), time(), zone),
    )
    # snake_case filters; camelCase ``clientId`` is silently ignored, as Phorest does
    # (docs/platforms/phorest.md §7.1).
    if request.GET.get("client_id"):
        rows = rows.filter(client__ext_id=request.GET["client_id"])
    if request.GET.get("staff_id"):
        rows = rows.filter(provider__ext_id=request.GET["staff_id"])
    if not _flag(request, "fetch_canceled"):
        rows = rows.exclude(status__in=(Status.CANCELLED, Status.LATE_CANCELLED))
    if not _flag(request, "fetch_deleted"):
        rows = rows.filter(deleted=False)
    # The update-time filter's name is disputed (docs/platforms/phorest.md §2.4): both spellings
    # work, both inclusive.
    since = _instants(request, "updated_after", "updated_from")
    until = _instants(request, "updated_before", "updated_to")
    for value in since:
        rows = rows.filter(updated_at__gte=value)
    for value in until:
        rows = rows.filter(updated_at__lte=value)
    order = "updated_at" if since or until else "created_at"  # documented default orders
    if request.GET.get("sort"):
        prop, _, direction = request.GET["sort"].partition(",")
        if prop not in _SORTS:
            raise _Refusal(400, f"No property '{prop}' found for type 'Appointment'")
        order = ("-" if direction.lower() == "desc" else "") + _SORTS[prop]
    rows = rows.order_by(order, "pk")
    online, notes = _flag(request, "fetch_online_category"), _flag(request, "fetch_notes")
    # Only the rendered columns, as tuples: building five model instances per row (appointment,
    # account, client, staff, service, with their unused columns) was most of this view's time.
    return _paged(
        request,
        rows,
        "appointments",
        lambda values: _render_appointment(
            _AppointmentRow._make(values), account, zone, online_category=online, notes=notes
        ),
        columns=_APPOINTMENT_COLUMNS,
    )


@_endpoint("GET")
def appointment_detail(request, account, appointment_id):
    appt = _appointments(account).filter(ext_id=appointment_id).first()
    # One US tenant answered 404 here for every appointment (docs/platforms/phorest.md §7.7).
    if appt is None or account.appointment_reads_404:
        raise _Refusal(404, f"Appointment {appointment_id} not found")
    return JsonResponse(
        _appointment(
            appt,
            online_category=_flag(request, "fetch_online_category"),
            notes=_flag(request, "fetch_notes"),
        )
    )


@_endpoint("POST")
def appointment_cancel(request, account):
    """``POST .../appointment/cancel?appointment_id=`` (repeatable), no body
    (docs/platforms/phorest.md §2.4)."""
    ids = request.GET.getlist("appointment_id")
    if not ids or not all(ids):
        raise _Refusal(400, "Required request parameter 'appointment_id' is not present")
    found = {a.ext_id: a for a in _appointments(account).filter(ext_id__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise _Refusal(404, f"Appointment {missing[0]} not found")
    try:
        with transaction.atomic():
            cancelled = [calendar.cancel(found[i]) for i in dict.fromkeys(ids)]
    except calendar.CalendarError as exc:
        raise _Refusal(400, exc.message, "APPOINTMENT_NOT_CANCELLABLE") from None
    # The answer is UNCONFIRMED (docs/platforms/phorest.md §2.4): by default the appointments, as
    # appointment/confirm answers; the sandbox switch gives an empty 200 instead.
    if account.cancel_answers_empty:
        return HttpResponse(status=200)
    return JsonResponse(
        {"_embedded": {"appointments": [_appointment(a) for a in cancelled]}, "links": []}
    )


# -- availability and booking ---------------------------------------------------------------------
def _lookup(model_rows, ext_id, what: str):
    if not isinstance(ext_id, str) or not ext_id:
        raise _Refusal(400, f"{what}Id must not be null")
    row = model_rows.filter(ext_id=ext_id).first()
    if row is None:
        raise _Refusal(404, f"{what.capitalize()} {ext_id} not found")
    return row


@_endpoint("POST")
def availability(request, account):
    """One entry per start time; the staff sit one level down, maybe an alternative
    (docs/platforms/phorest.md §2.5)."""
    body = _json_body(request)
    window_start = _instant(body.get("startTime"), "startTime")
    window_end = _instant(body.get("endTime"), "endTime")
    if window_end <= window_start:
        raise _Refusal(400, "endTime must be after startTime")
    if window_end - window_start > timedelta(days=MAX_AVAILABILITY_DAYS):
        raise _Refusal(400, f"Max date range allowed is {MAX_AVAILABILITY_DAYS} days")
    groups = body.get("clientServiceSelections")
    if not isinstance(groups, list) or len(groups) != 1 or not isinstance(groups[0], dict):
        raise _Refusal(
            400, "Currently only service selections for a single client will be accepted"
        )
    selections = groups[0].get("serviceSelections")
    if not isinstance(selections, list) or not selections:
        raise _Refusal(400, "serviceSelections must not be empty")
    wanted = []
    for selection in selections:
        if not isinstance(selection, dict):
            raise _Refusal(400, "serviceSelections must hold objects")
        service = _lookup(
            account.services.filter(active=True), selection.get("serviceId"), "service"
        )
        staff = None
        if selection.get("staffId"):
            staff = _lookup(account.providers, selection["staffId"], "staff")
        wanted.append((service, staff))
    if body.get("isOnlineAvailability") is True and not account.online_booking:
        # The search honours the salon's online-booking settings (docs/platforms/phorest.md
        # §2.5; the flag's exact rules are UNCONFIRMED): every staff member is hidden from
        # online bookings, so nobody is offered.
        return JsonResponse({"data": [], "links": []})

    zone = ZoneInfo(account.timezone)
    slots = calendar.open_slots(
        account,
        window_start.astimezone(zone).date(),
        (window_end - timedelta(microseconds=1)).astimezone(zone).date(),
        services=list({service.pk: service for service, _ in wanted}.values()),
    )
    at: dict[tuple[int, datetime], list] = {}
    for slot in slots:  # sorted by start, then provider
        at.setdefault((slot.service.pk, slot.start), []).append(slot)
    starts = sorted({s.start for s in slots if s.service.pk == wanted[0][0].pk})
    client_id = groups[0].get("clientId")
    entries = []
    for start in starts:
        if not window_start <= start < window_end:
            continue
        chain, cursor = [], start
        for service, staff in wanted:  # several selections: back to back, one client
            options = at.get((service.pk, cursor), [])
            exact = [s for s in options if staff is None or s.provider.pk == staff.pk]
            pick = (exact or options or [None])[0]
            if pick is None:
                break
            chain.append((pick, staff is not None and not exact))
            cursor = pick.end
        else:
            schedules = [
                _slot_schedule(slot, staff, alt)
                for (slot, alt), (_, staff) in zip(chain, wanted, strict=True)
            ]
            group = {"clientId": client_id} if client_id else {}
            entries.append(
                {
                    "startTime": _z(start),
                    "clientSchedules": [{**group, "serviceSchedules": schedules}],
                }
            )
    return JsonResponse({"data": entries, "links": []})


def _slot_schedule(slot, asked, alternative: bool) -> dict:
    return {
        "serviceId": slot.service.ext_id,
        "staffId": slot.provider.ext_id,
        "startTime": _z(slot.start),
        "endTime": _z(slot.end),
        "staffRequest": asked is not None and not alternative,
        "alternativeStaffMember": alternative,
        "price": float(slot.service.price),
    }


@_endpoint("POST")
def booking(request, account):
    """``POST .../booking``: one appointment per service schedule, all or nothing
    (docs/platforms/phorest.md §2.6)."""
    body = _json_body(request)
    status = body.get("bookingStatus") or "ACTIVE"
    if status not in BOOKING_STATUSES:
        raise _Refusal(400, f"Unknown bookingStatus {status}")
    top_client = body.get("clientId")
    groups = body.get("clientAppointmentSchedules") or body.get(
        "schedules"
    )  # the latter deprecated
    if not top_client:
        raise _Refusal(400, "clientId must not be null")
    if not isinstance(groups, list) or not groups:
        raise _Refusal(400, "clientAppointmentSchedules must not be empty")
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > 50000:
        raise _Refusal(400, "note must be a string of at most 50000 characters")
    booking_id = new_ext_id(PLATFORM, "booking")
    answer_groups = []
    try:
        with transaction.atomic():
            for group in groups:
                if not isinstance(group, dict) or not isinstance(
                    group.get("serviceSchedules"), list
                ):
                    raise _Refusal(400, "serviceSchedules must not be empty")
                client = _lookup(account.clients, group.get("clientId") or top_client, "client")
                made = [
                    _book_one(account, client, s, status, note) for s in group["serviceSchedules"]
                ]
                answer_groups.append({"clientId": client.ext_id, "serviceSchedules": made})
    except calendar.CalendarError as exc:
        raise _Refusal(
            400, REFUSALS.get(exc.code, "SLOT_UNAVAILABLE"), "SLOT_UNAVAILABLE"
        ) from None
    answer = {
        "bookingId": booking_id,
        "bookingStatus": status,
        "clientId": top_client,
        "clientAppointmentSchedules": answer_groups,
        "links": [],
    }
    return JsonResponse(answer, status=201)


def _book_one(account: Account, client: Client, schedule, status: str, note: str) -> dict:
    if not isinstance(schedule, dict):
        raise _Refusal(400, "serviceSchedules must hold objects")
    service = _lookup(account.services.filter(active=True), schedule.get("serviceId"), "service")
    provider = _lookup(account.providers, schedule.get("staffId"), "staff")
    start = _instant(schedule.get("startTime"), "startTime")
    end = start + timedelta(minutes=service.duration_minutes)
    overlapping = Appointment.objects.filter(
        account=account, client=client, deleted=False, start__lt=end, end__gt=start
    ).filter(status__in=ACTIVE)
    if overlapping.exists():
        raise _Refusal(400, "CLIENT_ALREADY_BOOKED_THIS_TIME", "SLOT_UNAVAILABLE")
    appt = calendar.book(
        client=client,
        provider=provider,
        service=service,
        start=start,
        ext_id=new_ext_id(PLATFORM, "appointment"),
        notes=note[:500],
        status=BOOKING_STATUSES[status],
    )
    return {
        "serviceId": service.ext_id,
        "staffId": provider.ext_id,
        "startTime": _z(appt.start),
        "endTime": _z(appt.end),
        "appointmentId": appt.ext_id,
        "staffRequest": bool(schedule.get("staffRequest", False)),
        "alternativeStaffMember": False,
        "price": float(service.price),
    }


_B = "<str:business_id>"
_BR = "<str:business_id>/branch/<str:branch_id>"

urlpatterns = [
    path(f"{_B}/branch", branches, name="phorest-branches"),
    path(f"{_BR}/staff", staff_list, name="phorest-staff-list"),
    path(f"{_BR}/staff/<str:staff_id>", staff_detail, name="phorest-staff"),
    path(f"{_BR}/service", service_list, name="phorest-services"),
    path(f"{_BR}/service/<str:service_id>", service_detail, name="phorest-service"),
    path(f"{_B}/client", client_list, name="phorest-clients"),
    path(f"{_B}/client/<str:client_id>", client_detail, name="phorest-client"),
    path(f"{_BR}/appointment", appointment_list, name="phorest-appointments"),
    # Before the by-id route, which would otherwise take "cancel" for an id.
    path(f"{_BR}/appointment/cancel", appointment_cancel, name="phorest-cancel"),
    path(f"{_BR}/appointment/<str:appointment_id>", appointment_detail, name="phorest-appointment"),
    path(f"{_BR}/appointments/availability", availability, name="phorest-availability"),
    path(f"{_BR}/booking", booking, name="phorest-booking"),
]
