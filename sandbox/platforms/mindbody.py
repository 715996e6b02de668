"""Mindbody Public API v6 emulator, mounted at /sandbox/mindbody/ (the adapter's base URL).

Follows docs/platforms/mindbody.md and Mindbody's v6 Swagger definitions, and, where that page
marks a point UNCONFIRMED, the readings integrations/adapters/mindbody.py made:

- Every call needs an ``Api-Key`` header (any non-empty key is accepted) and, except site/sites,
  a ``SiteId`` naming a Mindbody sandbox Account. A staff user token (``Authorization: Bearer <t>``
  or the bare token) comes from usertoken/issue with the account's username and password; it lives
  24 hours and each renewal adds 24 hours to its expiry, at most 7 times. Clients, staff
  appointments and both writes need it; a token that is sent must be valid wherever it is sent.
- Errors are ``{"Error": {"Message", "Code"}}`` with Mindbody's codes
  (docs/platforms/mindbody.md §4).
- A site answers ``DeniedAccess`` to everything but site/activationcode (and site/sites, which
  takes no site) until it has activated the developer account (``Account.activated``;
  docs/platforms/mindbody.md §1.2, §7.15).
- Query keys bind case-insensitively with an optional ``request.`` prefix; lists repeat the key;
  ``request.limit`` (default 100, at most 200) and ``request.offset`` (records) page every list,
  answered with ``PaginationResponse``.
- Appointment and availability times are site-local wall-clock times without an offset;
  LastModifiedDateTime, token expiries and webhook origination times are UTC with a ``Z``.
- Webhooks are the Webhooks API envelope signed with X-Mindbody-Signature
  (docs/platforms/mindbody.md §6.4, §6.9).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Min, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
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

PLATFORM = Platform.MINDBODY
# The real default is UNCONFIRMED (docs/platforms/mindbody.md §1.3).
TOKEN_LIFETIME = timedelta(hours=24)
RENEWAL = timedelta(hours=24)  # "adds 24 hours to the current expiration, up to 7 renewals"
MAX_RENEWALS = 7
DEFAULT_LIMIT = 100  # "defaults to 100"
MAX_LIMIT = 200  # the common practice; the documented maximum is UNCONFIRMED
MAX_CLIENT_IDS = 20  # client/clients: "at most 20 IDs"
# The sandbox keeps one location per site and one appointment program.
LOCATION_ID = 1
PROGRAM_ID = 1
# "retried every 15 minutes for up to 3 hours": seconds to wait after each failed attempt.
RETRY_SCHEDULE: tuple[int, ...] = (15 * 60,) * 12

# Internal status -> Public API Appointment.Status (Swagger enum).
APPOINTMENT_STATUS: dict[str, str] = {
    Status.REQUESTED: "Requested",
    Status.BOOKED: "Booked",
    Status.CONFIRMED: "Confirmed",
    Status.ARRIVED: "Arrived",
    Status.COMPLETED: "Completed",
    Status.CANCELLED: "Cancelled",
    Status.LATE_CANCELLED: "LateCancelled",
    Status.NO_SHOW: "NoShow",
}

# CalendarError code -> (HTTP status, Mindbody Error.Code); all are booking-rule refusals.
CALENDAR_ERRORS: dict[str, tuple[int, str, str]] = {
    "slot_taken": (400, "InvalidBookingTime", "The requested time is not available."),
    "staff_not_working": (
        400,
        "InvalidBookingTime",
        "The staff member is not scheduled to work at the requested time.",
    ),
    "in_the_past": (400, "SchedulingWindowViolated", "The requested time has already passed."),
    "not_cancellable": (400, "ValidationFailed", "The appointment is not active."),
}

# Error codes the fault injector's statuses are answered with (docs/platforms/mindbody.md §4 codes).
STATUS_CODES: dict[int, str] = {
    400: "InvalidParameter",
    401: "DeniedAccess",
    403: "DeniedAccess",
    404: "ResourceDoesNotExist",
    405: "InvalidParameter",
    429: "TooManyRequests",
    503: "SQLDBMaintenance",
}

# updateappointment Execute -> the internal status it sets (cancel/latecancel go through
# calendar.cancel).
EXECUTE_STATUS = {
    "confirm": Status.CONFIRMED,
    "unconfirm": Status.BOOKED,
    "arrive": Status.ARRIVED,
    "unarrive": Status.CONFIRMED,
    "complete": Status.COMPLETED,
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error_body(code: str, message: str) -> dict[str, Any]:
    return {"Error": {"Message": message, "Code": code}}


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    """Mindbody's error body for a status the fault injector chose (429, 5xx, ...)."""
    code = STATUS_CODES.get(status) or ("Unknown" if status >= 500 else "InvalidParameter")
    response = JsonResponse(_error_body(code, message), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _api_error(exc: ApiError) -> HttpResponse:
    return JsonResponse(_error_body(exc.code, exc.message), status=exc.status)


# -- time ----------------------------------------------------------------------------------------
def _tz(account: Account) -> ZoneInfo:
    return ZoneInfo(account.timezone)


def _local(value: datetime | None, tz: ZoneInfo) -> str | None:
    """Site-local wall clock without an offset, as the Public API sends appointment times."""
    if value is None:
        return None
    return value.astimezone(tz).replace(tzinfo=None).isoformat(timespec="seconds")


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_datetime(value: Any, tz: ZoneInfo, name: str) -> datetime:
    """An ISO date-time; without an offset it is wall-clock time in ``tz``."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "InvalidParameter", f"{name} must be a date-time.")
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "InvalidParameter", f"{name} is not a valid date-time.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _num(ext_id: str) -> int | str:
    """Mindbody ids are integers; an id the data generator made otherwise stays a string."""
    try:
        return int(ext_id)
    except (TypeError, ValueError):
        return ext_id


# -- request parsing -----------------------------------------------------------------------------
def _params(request: HttpRequest) -> dict[str, list[str]]:
    """Query keys case-insensitive, ``request.`` optional, ``[]``/``[n]`` suffixes dropped."""
    params: dict[str, list[str]] = {}
    for key, values in request.GET.lists():
        name = key.lower()
        name = name.removeprefix("request.")
        name = name.split("[", 1)[0]
        params.setdefault(name, []).extend(values)
    return params


def _list(params: dict[str, list[str]], name: str) -> list[str]:
    out: list[str] = []
    for value in params.get(name.lower(), []):
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def _one(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name.lower()) or [""]
    return values[0].strip()


def _bool(params: dict[str, list[str]], name: str, default: bool = False) -> bool:
    value = _one(params, name).lower()
    return default if not value else value in ("true", "1", "yes")


def _int(params: dict[str, list[str]], name: str, default: int) -> int:
    value = _one(params, name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, "InvalidParameter", f"request.{name} must be a number.") from None


def _date(params: dict[str, list[str]], name: str, default: date) -> date:
    value = _one(params, name)
    if not value:
        return default
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ApiError(400, "InvalidParameter", f"request.{name} is not a valid date.") from None


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "InvalidParameter", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidParameter", "The request body must be a JSON object.")
    return body


def _page(params: dict[str, list[str]], items: Any, key: str, render: Callable) -> dict:
    """One page of ``items`` (a list or queryset) with PaginationResponse
    (docs/platforms/mindbody.md §3)."""
    limit = _int(params, "limit", DEFAULT_LIMIT)
    limit = DEFAULT_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    offset = max(0, _int(params, "offset", 0))
    total = len(items) if isinstance(items, list) else items.count()
    page = list(items[offset : offset + limit])
    return {
        "PaginationResponse": {
            "RequestedLimit": limit,
            "RequestedOffset": offset,
            "PageSize": len(page),
            "TotalResults": total,
        },
        key: render(page),
    }


# -- auth ----------------------------------------------------------------------------------------
def _expired_early(token: Token, now: datetime) -> bool:
    return faults.token_expired_early(PLATFORM, token, now)


def _site_account(request: HttpRequest) -> Account:
    site_id = request.headers.get("SiteId", "").strip()
    if not site_id:
        raise ApiError(400, "InvalidSiteId", "The SiteId header is required.")
    account = Account.objects.filter(platform=PLATFORM, account_id=site_id).first()
    if account is None:
        raise ApiError(400, "InvalidSiteId", f"Site {site_id} does not exist or is not linked.")
    return account


def _bearer(request: HttpRequest) -> str:
    raw = request.headers.get("Authorization", "").strip()
    scheme, _, rest = raw.partition(" ")
    # The doc leaves the "Bearer" prefix UNCONFIRMED; both forms are accepted.
    return rest.strip() if scheme.lower() == "bearer" and rest else raw


def _valid_token(request: HttpRequest, account: Account, *, required: bool) -> Token | None:
    raw = _bearer(request)
    if not raw:
        if required:
            raise ApiError(401, "DeniedAccess", "This call requires a staff user token.")
        return None
    token = Token.objects.filter(account=account, token=raw).first()
    now = timezone.now()
    if token is None or token.expires_at <= now or _expired_early(token, now):
        raise ApiError(401, "DeniedAccess", "The staff user token is invalid or expired.")
    return token


def _require_activated(account: Account) -> None:
    """A site that has not approved the developer account answers every site call DeniedAccess
    (docs/platforms/mindbody.md §1.2, §4 "DeniedAccess (site not activated)", §7.15). The
    HTTP status is UNCONFIRMED (§4 lists 401 and 403); 403 here: the caller is known, the site
    refuses it."""
    if not account.activated:
        raise ApiError(
            403, "DeniedAccess", f"Site {account.account_id} has not activated this developer."
        )


def _endpoint(
    method: str, *, user: str = "optional", site: bool = True, before_activation: bool = False
) -> Callable:
    """Faults first (emulated), then method, Api-Key, SiteId, the site's activation (unless
    ``before_activation``) and the staff user token (``user``: "required", "optional" or
    "none"); ApiError becomes Mindbody's error body. The view gets
    ``(request, account, token or None)``."""

    def decorator(view: Callable) -> Callable:
        @faults.emulated(PLATFORM, error_response)
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            try:
                if request.method != method:
                    raise ApiError(405, "InvalidParameter", f"Use {method} for this resource.")
                if not request.headers.get("Api-Key", "").strip():
                    raise ApiError(401, "DeniedAccess", "The Api-Key header is missing.")
                account = _site_account(request) if site else None
                if account is not None and not before_activation:
                    _require_activated(account)
                found = None
                if user != "none" and account is not None:
                    found = _valid_token(request, account, required=user == "required")
                return view(request, account, found)
            except ApiError as exc:
                return _api_error(exc)

        return wrapper

    return decorator


# -- renderers -----------------------------------------------------------------------------------
def render_location(account: Account) -> dict[str, Any]:
    return {
        "AdditionalImageURLs": [],
        "Address": "",
        "Address2": "",
        "Amenities": None,
        "BusinessDescription": "",
        "City": "",
        "Description": "",
        "HasClasses": False,
        "Id": LOCATION_ID,
        "Latitude": None,
        "Longitude": None,
        "Name": account.name,
        "Phone": "",
        "PhoneExtension": None,
        "PostalCode": "",
        "SiteID": _num(account.account_id),
        "StateProvCode": "",
        "Tax1": 0,
        "Tax2": 0,
        "Tax3": 0,
        "Tax4": 0,
        "Tax5": 0,
        "TotalNumberOfRatings": 0,
        "AverageRating": 0,
        "TotalNumberOfDeals": 0,
    }


def render_site(account: Account) -> dict[str, Any]:
    return {
        "AcceptsAmericanExpress": True,
        "AcceptsDiscover": True,
        "AcceptsMasterCard": True,
        "AcceptsVisa": True,
        "AllowsDashboardAccess": True,
        "ContactEmail": "",
        "Description": account.name,
        "Id": _num(account.account_id),
        "LogoUrl": None,
        "Name": account.name,
        "PageColor1": "#000000",
        "PageColor2": "#ffffff",
        "PageColor3": "#cccccc",
        "PageColor4": "#999999",
        "PricingLevel": "Accelerate",
        "SmsPackageEnabled": False,
        "TaxInclusivePrices": False,
        "CurrencyIsoCode": "USD",
        "CountryCode": "US",
        # The real format (Windows or IANA) is UNCONFIRMED; the IANA name lets a connection
        # pick up the salon's zone (the adapter passes only names containing "/").
        "TimeZone": account.timezone,
        "AcceptsDirectDebit": False,
        "LeadChannels": [],
        "PerStaffPricing": False,
    }


def _display_name(provider: Provider) -> str:
    return f"{provider.first_name} {provider.last_name[:1]}.".strip()


def render_staff(provider: Provider, *, full: bool = True) -> dict[str, Any]:
    """A Staff; without a user token Mindbody returns only the public fields
    (docs/platforms/mindbody.md §1.3)."""
    public = {
        "Id": _num(provider.ext_id),
        "FirstName": provider.first_name,
        "LastName": provider.last_name,
        "DisplayName": _display_name(provider),
        "Bio": "",
        "ImageUrl": None,
        "EmpID": f"E{provider.ext_id}",
    }
    if not full:
        return public
    tz = _tz(provider.account)
    # The model keeps no employment dates: an inactive provider ended before today.
    ended = None
    if not provider.active:
        ended = _local(datetime.combine(timezone.now().astimezone(tz).date(), time(0), tz), tz)
    return {
        **public,
        "Name": f"{provider.first_name} {provider.last_name}".strip(),
        "Email": None,
        "MobilePhone": None,
        "HomePhone": None,
        "WorkPhone": None,
        "Address": None,
        "City": None,
        "State": None,
        "PostalCode": None,
        "Country": None,
        "IsMale": None,
        "AppointmentInstructor": True,
        "AlwaysAllowDoubleBooking": False,
        "ClassTeacher": False,
        "ClassAssistant": False,
        "ClassAssistant2": False,
        "IndependentContractor": False,
        "SortOrder": provider.pk,
        "ProviderIDs": [],
        "EmploymentStart": None,
        "EmploymentEnd": ended,
        "Appointments": [],
        "Unavailabilities": [],
        "Availabilities": [],
    }


def _categories(account: Account) -> dict[str, int]:
    names = sorted(set(account.services.values_list("category", flat=True)))
    return {name: n for n, name in enumerate(names, start=1)}


def render_session_type(service: Service, categories: dict[str, int]) -> dict[str, Any]:
    return {
        "Type": "Appointment",
        "DefaultTimeLength": service.duration_minutes,
        "StaffTimeLength": None,
        "Id": _num(service.ext_id),
        "Name": service.name,
        "OnlineDescription": service.name,
        "NumDeducted": 1,
        "ProgramId": PROGRAM_ID,
        "Category": service.category,
        "CategoryId": categories.get(service.category),
        "Subcategory": None,
        "SubcategoryId": None,
        "AvailableForAddOn": False,
    }


def render_program() -> dict[str, Any]:
    return {
        "Id": PROGRAM_ID,
        "Name": "Salon services",
        "ScheduleType": "Appointment",
        "CancelOffset": 24,
        "ContentFormats": ["InPerson"],
    }


def render_client(client: Client, first_visit: datetime | None = None) -> dict[str, Any]:
    account = client.account
    tz = _tz(account)
    return {
        "AppointmentGenderPreference": "None",
        "BirthDate": None,
        "Country": "US",
        "CreationDate": _local(client.created_at, tz),
        "CustomClientFields": [],
        "ClientCreditCard": None,
        "ClientIndexes": [],
        "ClientRelationships": [],
        "FirstAppointmentDate": _local(first_visit, tz),
        "FirstClassDate": None,
        "FirstName": client.first_name,
        # Id is the business-editable RSSID; UniqueId the immutable number
        # (docs/platforms/mindbody.md §7.2).
        "Id": client.ext_id,
        "IsCompany": False,
        "IsProspect": False,
        "LastName": client.last_name,
        "Liability": {"IsReleased": True, "AgreementDate": None, "ReleasedBy": None},
        "LiabilityRelease": True,
        "MembershipIcon": 0,
        "MobileProvider": None,
        "Notes": "",
        "State": None,
        "UniqueId": client.permanent_number(),
        "LastModifiedDateTime": _utc(client.updated_at),
        "RedAlert": None,
        "YellowAlert": None,
        "MiddleName": None,
        "ProspectStage": None,
        "Email": client.email or None,
        "MobilePhone": client.phone or None,
        "HomePhone": None,
        "WorkPhone": None,
        "AccountBalance": 0,
        "AddressLine1": None,
        "AddressLine2": None,
        "City": None,
        "PostalCode": None,
        "WorkExtension": None,
        "ReferredBy": None,
        "PhotoUrl": None,
        "EmergencyContactInfoName": None,
        "EmergencyContactInfoEmail": None,
        "EmergencyContactInfoPhone": None,
        "EmergencyContactInfoRelationship": None,
        "Gender": None,
        "LastFormulaNotes": None,
        "Active": client.active,
        "SalesReps": [],
        "Status": "Non-Member" if client.active else "Terminated",
        "Action": "None",
        "SendAccountEmails": True,
        "SendAccountTexts": client.sms_opt_in,
        "SendPromotionalEmails": client.email_opt_in,
        "SendPromotionalTexts": client.sms_opt_in,
        "SendScheduleEmails": True,
        "SendScheduleTexts": client.sms_opt_in,
        "HomeLocation": render_location(account),
        "LockerNumber": None,
    }


def render_appointment(appointment: Appointment, first: bool = False) -> dict[str, Any]:
    tz = _tz(appointment.account)
    provider, service = appointment.provider, appointment.service
    minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    return {
        "GenderPreference": "None",
        "Duration": minutes,
        "ProviderId": None,
        "Id": _num(appointment.ext_id) if appointment.ext_id else None,
        "Status": APPOINTMENT_STATUS.get(appointment.status, "None"),
        "StartDateTime": _local(appointment.start, tz),
        "EndDateTime": _local(appointment.end, tz),
        "Notes": appointment.notes or None,
        "PartnerExternalId": None,
        "StaffRequested": False,
        "ProgramId": PROGRAM_ID,
        "SessionTypeId": _num(service.ext_id),
        "LocationId": LOCATION_ID,
        "StaffId": _num(provider.ext_id),
        "Staff": {
            "Id": _num(provider.ext_id),
            "FirstName": provider.first_name,
            "LastName": provider.last_name,
            "DisplayName": _display_name(provider),
        },
        "ClientId": appointment.client.ext_id,
        "FirstAppointment": first,
        "IsWaitlist": False,
        "WaitlistEntryId": None,
        "ClientServiceId": None,
        "Resources": [],
        "AddOns": [],
        "OnlineDescription": service.name,
    }


def _render_appointments(page: list[Appointment]) -> list[dict[str, Any]]:
    # FirstAppointment: the client's earliest appointment on the books (one query per page).
    client_ids = {a.client_id for a in page}
    firsts = dict(
        Appointment.objects.filter(client_id__in=client_ids, deleted=False)
        .values("client_id")
        .annotate(first=Min("start"))
        .values_list("client_id", "first")
    )
    return [render_appointment(a, first=firsts.get(a.client_id) == a.start) for a in page]


def _appointments(account: Account):
    return Appointment.objects.filter(account=account, deleted=False).select_related(
        "account", "client", "provider", "provider__account", "service"
    )


# -- views: user tokens --------------------------------------------------------------------------
def _token_answer(token: Token) -> dict[str, Any]:
    return {"TokenType": "Bearer", "AccessToken": token.token, "Expires": _utc(token.expires_at)}


@_endpoint("POST", user="none")
def issue_token(request: HttpRequest, account: Account, _user: None) -> HttpResponse:
    body = _json_body(request)
    username, password = body.get("Username"), body.get("Password")
    if not username or not password:
        raise ApiError(400, "MissingRequiredFields", "Username and Password are required.")
    # Compared in constant time: the sandbox's demo logins are still logins.
    same_user = hmac.compare_digest(str(username).encode(), account.username.encode())
    same_password = hmac.compare_digest(str(password).encode(), account.password.encode())
    if not (same_user and same_password):
        raise ApiError(401, "InvalidStaffCredentials", "Invalid staff credentials.")
    token = Token.objects.create(
        account=account,
        token=secrets.token_hex(16),
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    return JsonResponse(
        {
            **_token_answer(token),
            # The site owner logs in: Mindbody reports Id 0 for Owner and Admin.
            "User": {"Id": 0, "FirstName": "Site", "LastName": "Owner", "Type": "Owner"},
        }
    )


@_endpoint("POST", user="required")
def renew_token(request: HttpRequest, account: Account, user: Token) -> HttpResponse:
    if user.renewals >= MAX_RENEWALS:
        raise ApiError(
            400, "ValidationFailed", "The token has been renewed the maximum number of times."
        )
    user.expires_at += RENEWAL
    user.renewals += 1
    user.save(update_fields=["expires_at", "renewals"])
    return JsonResponse(_token_answer(user))


@_endpoint("DELETE", user="required")
def revoke_token(request: HttpRequest, account: Account, user: Token) -> HttpResponse:
    user.delete()
    return HttpResponse(status=204)


# -- views: activation ---------------------------------------------------------------------------
def activation_code_for(account: Account) -> str:
    """A stable code per sandbox site (Mindbody's real codes are opaque strings)."""
    digest = hashlib.sha256(f"sandbox-activation:{account.account_id}".encode()).hexdigest()
    return digest[:12].upper()


@_endpoint("GET", before_activation=True)
def activation_code(request: HttpRequest, account: Account, _user: Token | None) -> HttpResponse:
    """GET site/activationcode (v6 Swagger GetActivationCodeResponse): ActivationCode, and
    ActivationLink, "a link to the Manage Credentials screen": here the sandbox's own approval
    page for the site. Needs only the Api-Key and the site (docs/platforms/mindbody.md §7.15)."""
    code = activation_code_for(account)
    link = request.build_absolute_uri(
        reverse("sandbox_mindbody_activation", kwargs={"pk": account.pk})
    )
    return JsonResponse({"ActivationCode": code, "ActivationLink": f"{link}?code={code}"})


# -- views: site, staff, session types -----------------------------------------------------------
@_endpoint("GET", site=False)
def sites(request: HttpRequest, _account: None, _user: None) -> HttpResponse:
    params = _params(request)
    # site/sites takes no SiteId header; request.siteIds chooses (the header is a fallback).
    ids = _list(params, "siteIds") or [request.headers.get("SiteId", "").strip()]
    found = Account.objects.filter(platform=PLATFORM).order_by("pk")
    ids = [i for i in ids if i]
    if ids:
        found = found.filter(account_id__in=ids)
    return JsonResponse(_page(params, found, "Sites", lambda page: [render_site(a) for a in page]))


@_endpoint("GET")
def locations(request: HttpRequest, account: Account, _user: Token | None) -> HttpResponse:
    params = _params(request)
    return JsonResponse(_page(params, [render_location(account)], "Locations", list))


@_endpoint("GET")
def session_types(request: HttpRequest, account: Account, _user: Token | None) -> HttpResponse:
    params = _params(request)
    found = account.services.filter(active=True).order_by("pk")
    programs = _list(params, "programIds")
    if programs and str(PROGRAM_ID) not in programs:
        found = found.none()
    categories = _categories(account)
    return JsonResponse(
        _page(
            params,
            found,
            "SessionTypes",
            lambda page: [render_session_type(s, categories) for s in page],
        )
    )


@_endpoint("GET")
def staff(request: HttpRequest, account: Account, user: Token | None) -> HttpResponse:
    params = _params(request)
    found = account.providers.select_related("account").order_by("pk")
    ids = _list(params, "staffIds")
    if ids:
        found = found.filter(ext_id__in=ids)
    filters = {f.lower() for f in _list(params, "filters")}
    if filters & {"classinstructor", "male", "female"}:
        # Every sandbox provider is an appointment instructor of unrecorded gender.
        found = found.none()
    return JsonResponse(
        _page(
            params,
            found,
            "StaffMembers",
            lambda page: [render_staff(p, full=user is not None) for p in page],
        )
    )


# -- views: clients ------------------------------------------------------------------------------
@_endpoint("GET", user="required")
def clients(request: HttpRequest, account: Account, _user: Token) -> HttpResponse:
    params = _params(request)
    found = account.clients.select_related("account").order_by("pk")
    ids = _list(params, "clientIds")
    if len(ids) > MAX_CLIENT_IDS:
        raise ApiError(
            400, "InvalidParameter", f"request.clientIDs accepts at most {MAX_CLIENT_IDS} ids."
        )
    unique_ids = _list(params, "uniqueIds")
    search = _one(params, "searchText")
    if unique_ids and (ids or search):
        raise ApiError(
            400,
            "InvalidParameter",
            "request.uniqueIds cannot be combined with request.clientIDs or request.searchText.",
        )
    if ids:
        found = found.filter(ext_id__in=ids)
    if unique_ids:
        numbers = [int(u) for u in unique_ids if u.lstrip("-").isdigit()]
        # A client's UniqueId is its stored permanent number, or (never edited) its numeric Id.
        found = found.filter(
            Q(unique_id__in=numbers) | Q(unique_id__isnull=True, ext_id__in=unique_ids)
        )
    if search:
        found = found.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
        )
    since = _one(params, "lastModifiedDate")
    if since:
        # LastModifiedDateTime is UTC, so a value without an offset is read as UTC.
        found = found.filter(updated_at__gte=_parse_datetime(since, UTC, "lastModifiedDate"))
    if not _bool(params, "includeInactive"):
        found = found.filter(active=True)
    found = found.annotate(
        first_visit=Min("appointments__start", filter=Q(appointments__deleted=False))
    )
    return JsonResponse(
        _page(
            params, found, "Clients", lambda page: [render_client(c, c.first_visit) for c in page]
        )
    )


# -- views: appointments -------------------------------------------------------------------------
def _local_day_window(account: Account, start: date, end: date) -> tuple[datetime, datetime]:
    tz = _tz(account)
    return datetime.combine(start, time(0), tz), datetime.combine(
        end + timedelta(days=1), time(0), tz
    )


@_endpoint("GET", user="required")
def staff_appointments(request: HttpRequest, account: Account, _user: Token) -> HttpResponse:
    params = _params(request)
    found = _appointments(account).order_by("start", "pk")
    # The date window applies whatever else is asked, ids included: request.startDate defaults
    # to today's date and request.endDate to StartDate (Mindbody's v6 Swagger, GET
    # /appointment/staffappointments; docs/platforms/mindbody.md §7.13). Asked by id alone, an
    # appointment on another day is not found.
    today = timezone.now().astimezone(_tz(account)).date()
    first = _date(params, "startDate", today)
    last = _date(params, "endDate", first)
    if last < first:
        raise ApiError(400, "InvalidParameter", "request.endDate is before request.startDate.")
    window_start, window_end = _local_day_window(account, first, last)
    found = found.filter(start__gte=window_start, start__lt=window_end)
    ids = _list(params, "appointmentIds")
    if ids:
        found = found.filter(ext_id__in=ids)
    client_id = _one(params, "clientId")
    if client_id:
        found = found.filter(client__ext_id=client_id)
    staff_ids = _list(params, "staffIds")
    if staff_ids:
        found = found.filter(provider__ext_id__in=staff_ids)
    location_ids = _list(params, "locationIds")
    if location_ids and str(LOCATION_ID) not in location_ids:
        found = found.none()
    return JsonResponse(_page(params, found, "Appointments", _render_appointments))


def _windows(slots: Iterable[calendar.OpenSlot]) -> list[tuple[calendar.OpenSlot, ...]]:
    """Runs of back-to-back open starts per (staff, session type): Mindbody's bookable windows."""
    step = timedelta(minutes=calendar.SLOT_STEP_MINUTES)
    runs: dict[tuple[int, int], list[list[calendar.OpenSlot]]] = {}
    for slot in slots:
        key = (slot.provider.pk, slot.service.pk)
        pending = runs.setdefault(key, [])
        if pending and pending[-1][-1].start + step == slot.start:
            pending[-1].append(slot)
        else:
            pending.append([slot])
    windows = [tuple(run) for grouped in runs.values() for run in grouped]
    windows.sort(key=lambda w: (w[0].start, w[0].provider.pk, w[0].service.pk))
    return windows


def render_availability(
    n: int, window: tuple[calendar.OpenSlot, ...], categories: dict[str, int]
) -> dict[str, Any]:
    first, last = window[0], window[-1]
    account = first.provider.account
    tz = _tz(account)
    return {
        "Id": n,
        "Staff": render_staff(first.provider),
        "SessionType": render_session_type(first.service, categories),
        "Programs": [render_program()],
        "StartDateTime": _local(first.start, tz),
        # The window is free from its first start to the end of its last possible booking;
        # BookableEndDateTime is the latest start (docs/platforms/mindbody.md §2.1).
        "EndDateTime": _local(last.end, tz),
        "BookableEndDateTime": _local(last.start, tz),
        "Location": render_location(account),
        "PrepTime": 0,
        "FinishTime": 0,
        "IsMasked": False,
        "ShowPublic": True,
        "ResourceAvailabilities": [],
    }


@_endpoint("GET")
def bookable_items(request: HttpRequest, account: Account, _user: Token | None) -> HttpResponse:
    params = _params(request)
    type_ids = _list(params, "sessionTypeIds")
    if not type_ids:
        raise ApiError(400, "MissingRequiredFields", "request.sessionTypeIds is required.")
    today = timezone.now().astimezone(_tz(account)).date()
    first = _date(params, "startDate", today)
    last = _date(params, "endDate", first)
    if last < first:
        raise ApiError(400, "InvalidParameter", "request.endDate is before request.startDate.")
    services = list(account.services.filter(active=True, ext_id__in=type_ids))
    providers = account.providers.filter(active=True).select_related("account")
    staff_ids = _list(params, "staffIds")
    if staff_ids:
        providers = providers.filter(ext_id__in=staff_ids)
    providers = list(providers)
    location_ids = _list(params, "locationIds")
    windows: list = []
    # open_slots treats an empty list as "all", so an empty filter result answers nothing.
    if services and providers and (not location_ids or str(LOCATION_ID) in location_ids):
        slots = calendar.open_slots(account, first, last, services=services, providers=providers)
        windows = _windows(slots)
    categories = _categories(account)
    numbered = list(enumerate(windows, start=1))
    return JsonResponse(
        _page(
            params,
            numbered,
            "Availabilities",
            lambda page: [render_availability(n, w, categories) for n, w in page],
        )
    )


def _required(body: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if body.get(n) in (None, "")]
    if missing:
        raise ApiError(
            400, "MissingRequiredFields", f"Missing required fields: {', '.join(missing)}."
        )


def _calendar_error(exc: calendar.CalendarError) -> ApiError:
    status, code, message = CALENDAR_ERRORS.get(exc.code, (400, "ValidationFailed", exc.message))
    return ApiError(status, code, message)


def _new_appointment_id(account: Account) -> str:
    while True:
        ext_id = new_ext_id(PLATFORM, "appointment")
        if not account.appointments.filter(ext_id=ext_id).exists():
            return ext_id


@_endpoint("POST", user="optional")
def add_appointment(request: HttpRequest, account: Account, user: Token | None) -> HttpResponse:
    body = _json_body(request)
    is_request = body.get("IsRequest") is True
    if user is None and not is_request:
        # Only the IsRequest flow may book without a staff user token
        # (docs/platforms/mindbody.md §2.2).
        raise ApiError(401, "DeniedAccess", "This call requires a staff user token.")
    _required(body, "ClientId", "LocationId", "SessionTypeId", "StaffId", "StartDateTime")
    if str(body["LocationId"]) != str(LOCATION_ID):
        raise ApiError(400, "InvalidLocation", f"Location {body['LocationId']} does not exist.")
    client = account.clients.filter(ext_id=str(body["ClientId"])).first()
    if client is None:
        raise ApiError(400, "ClientNotFound", f"Client {body['ClientId']} not found.")
    service = account.services.filter(ext_id=str(body["SessionTypeId"]), active=True).first()
    if service is None:
        raise ApiError(
            400, "SessionTypeNotFound", f"Session type {body['SessionTypeId']} not found."
        )
    provider = account.providers.filter(ext_id=str(body["StaffId"])).first()
    if provider is None:
        raise ApiError(400, "StaffMemberNotFound", f"Staff member {body['StaffId']} not found.")
    if not provider.active:
        raise ApiError(400, "StaffIsInactive", f"Staff member {body['StaffId']} is inactive.")
    start = _parse_datetime(body["StartDateTime"], _tz(account), "StartDateTime")
    notes = str(body.get("Notes") or "")[:500]
    # The length is the session type's: EndDateTime and Duration are not honoured here.
    try:
        if body.get("Test") is True:
            # Validate only: nothing is booked and no webhook goes out.
            end = calendar.check_bookable(provider, service, start)
            draft = Appointment(
                account=account,
                ext_id="",
                client=client,
                provider=provider,
                service=service,
                start=start,
                end=end,
                status=Status.REQUESTED if is_request else Status.BOOKED,
                notes=notes,
            )
            return JsonResponse({"Appointment": render_appointment(draft)})
        appointment = calendar.book(
            client=client,
            provider=provider,
            service=service,
            start=start,
            ext_id=_new_appointment_id(account),
            notes=notes,
            status=Status.REQUESTED if is_request else Status.BOOKED,
        )
    except calendar.CalendarError as exc:
        raise _calendar_error(exc) from None
    first = not account.appointments.filter(
        client=client, deleted=False, start__lt=appointment.start
    ).exists()
    return JsonResponse({"Appointment": render_appointment(appointment, first=first)})


@_endpoint("POST", user="required")
def update_appointment(request: HttpRequest, account: Account, _user: Token) -> HttpResponse:
    body = _json_body(request)
    _required(body, "AppointmentId")
    appointment = _appointments(account).filter(ext_id=str(body["AppointmentId"])).first()
    if appointment is None:
        raise ApiError(400, "ItemNotFound", f"Appointment {body['AppointmentId']} not found.")
    moves = [k for k in ("StartDateTime", "EndDateTime", "StaffId", "SessionTypeId") if body.get(k)]
    if moves:
        raise ApiError(
            400, "InvalidParameter", "The sandbox cannot reschedule; cancel and book again."
        )
    execute = str(body.get("Execute") or "").strip().lower()
    if body.get("Test") is True:
        return JsonResponse({"Appointment": render_appointment(appointment)})
    try:
        if execute in ("cancel", "latecancel"):
            # Cancelling a cancelled appointment answers it again, so a lost answer may be
            # retried (the adapter sends cancellations as idempotent).
            if appointment.status not in (Status.CANCELLED, Status.LATE_CANCELLED):
                appointment = calendar.cancel(appointment, late=execute == "latecancel")
        elif execute in EXECUTE_STATUS:
            if appointment.status not in ACTIVE:
                raise calendar.CalendarError("not_cancellable", "The appointment is not active.")
            appointment = calendar.set_status(appointment, EXECUTE_STATUS[execute])
        elif execute:
            raise ApiError(400, "InvalidParameter", f"Execute {body['Execute']!r} is not valid.")
    except calendar.CalendarError as exc:
        raise _calendar_error(exc) from None
    if "Notes" in body and (body["Notes"] or "") != appointment.notes:
        with transaction.atomic():
            appointment.notes = str(body["Notes"] or "")[:500]
            appointment.updated_at = timezone.now()
            appointment.save(update_fields=["notes", "updated_at"])
            events.emit(account, events.APPOINTMENT_UPDATED, appointment)
    return JsonResponse({"Appointment": render_appointment(appointment)})


# -- webhooks ------------------------------------------------------------------------------------
_MESSAGE_ID_ALPHABET = string.ascii_letters + string.digits


def _message_id() -> str:
    """22 letters and digits, like the documented "ASwFMoA2Q5UKw69g3RDbvU"."""
    return "".join(secrets.choice(_MESSAGE_ID_ALPHABET) for _ in range(22))


def sign(body: str, key: str) -> str:
    """X-Mindbody-Signature: "sha256=" + base64(HMAC-SHA256(key as UTF-8, literally; body))."""
    digest = hmac.new(key.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def _appointment_event_data(appointment: Appointment) -> dict[str, Any]:
    """appointmentBooking.created/updated eventData (docs/platforms/mindbody.md §6.7). Its
    ``status`` has its own observed vocabulary (Scheduled/Cancelled), refined by isConfirmed and
    hasArrived."""
    tz = _tz(appointment.account)
    client, provider, service = appointment.client, appointment.provider, appointment.service
    status = appointment.status
    cancelled = status in (Status.CANCELLED, Status.LATE_CANCELLED)
    return {
        "siteId": _num(appointment.account.account_id),
        "appointmentId": _num(appointment.ext_id),
        "status": "Cancelled" if cancelled else "Scheduled",
        "isConfirmed": status in (Status.CONFIRMED, Status.ARRIVED, Status.COMPLETED),
        "hasArrived": status in (Status.ARRIVED, Status.COMPLETED),
        "locationId": LOCATION_ID,
        "clientId": client.ext_id,
        "clientFirstName": client.first_name,
        "clientLastName": client.last_name,
        "clientEmail": client.email or None,
        "clientPhone": client.phone or None,
        "staffId": _num(provider.ext_id),
        "staffFirstName": provider.first_name,
        "staffLastName": provider.last_name,
        # Site-local like the Public API (whether Mindbody sends UTC here is UNCONFIRMED).
        "startDateTime": _local(appointment.start, tz),
        "endDateTime": _local(appointment.end, tz),
        "durationMinutes": int((appointment.end - appointment.start).total_seconds() // 60),
        "genderRequested": None,
        "resources": [],
        "notes": appointment.notes or None,
        "formulaNotes": None,
        "icdCodes": [],
        "providerId": None,
        # Newer, UNCONFIRMED fields the adapter reads when present.
        "appointmentName": service.name,
        "sessionTypeId": _num(service.ext_id),
    }


def _client_event_data(client: Client) -> dict[str, Any]:
    """client.created/updated/deactivated eventData (docs/platforms/mindbody.md §6.7)."""
    first_visit = client.appointments.filter(deleted=False).aggregate(first=Min("start"))["first"]
    visits = client.appointments.filter(deleted=False, status=Status.COMPLETED).count()
    return {
        "siteId": _num(client.account.account_id),
        "clientId": client.ext_id,
        "clientUniqueId": client.permanent_number(),
        "creationDateTime": _utc(client.created_at),
        "status": "Non-Member" if client.active else "Terminated",
        "firstName": client.first_name,
        "lastName": client.last_name,
        "email": client.email or None,
        "mobilePhone": client.phone or None,
        "homePhone": None,
        "workPhone": None,
        "previousEmail": None,
        "addressLine1": None,
        "addressLine2": None,
        "city": None,
        "state": None,
        "postalCode": None,
        "country": "US",
        "birthDateTime": None,
        "gender": None,
        "appointmentGenderPreference": None,
        "firstAppointmentDateTime": _utc(first_visit),
        "referredBy": None,
        "isProspect": False,
        "isCompany": False,
        "isLiabilityReleased": True,
        "liabilityAgreementDateTime": None,
        "homeLocation": LOCATION_ID,
        "clientNumberOfVisitsAtSite": visits,
        "indexes": [],
        "sendPromotionalEmails": client.email_opt_in,
        "sendScheduleEmails": True,
        "sendAccountEmails": True,
        "sendPromotionalTexts": client.sms_opt_in,
        "sendScheduleTexts": client.sms_opt_in,
        "sendAccountTexts": client.sms_opt_in,
        "creditCardLastFour": None,
        "creditCardExpDate": None,
        "directDebitLastFour": None,
        "notes": None,
        "photoUrl": None,
    }


def _event(account: Account, kind: str, obj: Any) -> tuple[str, dict[str, Any]] | None:
    if kind == events.APPOINTMENT_CANCELLED:
        # "siteId and appointmentId, NOTHING else" (docs/platforms/mindbody.md §6.7).
        data = {"siteId": _num(account.account_id), "appointmentId": _num(obj.ext_id)}
        return "appointmentBooking.cancelled", data
    if kind == events.APPOINTMENT_CREATED:
        return "appointmentBooking.created", _appointment_event_data(obj)
    if kind == events.APPOINTMENT_UPDATED:
        return "appointmentBooking.updated", _appointment_event_data(obj)
    if kind == events.CLIENT_CREATED:
        return "client.created", _client_event_data(obj)
    if kind == events.CLIENT_MERGED:
        kept, removed_number = obj
        return "clientProfileMerger.created", {
            "siteId": _num(account.account_id),
            "mergeDateTime": _utc(kept.updated_at),
            "mergedByStaffId": None,
            "keptClientId": kept.ext_id,
            "keptClientUniqueId": kept.permanent_number(),
            "removedClientUniqueId": removed_number,
        }
    if kind == events.CLIENT_UPDATED:
        # Mindbody never deletes a client: deactivating one is its own event.
        event_id = "client.updated" if obj.active else "client.deactivated"
        return event_id, _client_event_data(obj)
    return None


def build_webhooks(account: Account, kind: str, obj: Any) -> list[dict[str, Any]]:
    """The deliveries Mindbody sends for one change: {event_id, event_type, body, headers}. The
    body is serialized once, compactly, and signed over exactly those bytes."""
    built = _event(account, kind, obj)
    if built is None:
        return []
    event_type, data = built
    message_id = _message_id()
    envelope = {
        "messageId": message_id,
        "eventId": event_type,
        "eventSchemaVersion": 1,
        "eventInstanceOriginationDateTime": _utc(timezone.now()),
        "eventData": data,
    }
    body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
    return [
        {
            "event_id": message_id,
            "event_type": event_type,
            "body": body,
            "headers": {
                "Content-Type": "application/json",
                "X-Mindbody-Signature": sign(body, account.webhook_secret),
            },
        }
    ]


urlpatterns = [
    path("public/v6/usertoken/issue", issue_token, name="mindbody_issue_token"),
    path("public/v6/usertoken/renew", renew_token, name="mindbody_renew_token"),
    path("public/v6/usertoken/revoke", revoke_token, name="mindbody_revoke_token"),
    path("public/v6/site/sites", sites, name="mindbody_sites"),
    path("public/v6/site/activationcode", activation_code, name="mindbody_activation_code"),
    path("public/v6/site/locations", locations, name="mindbody_locations"),
    path("public/v6/site/sessiontypes", session_types, name="mindbody_session_types"),
    path("public/v6/staff/staff", staff, name="mindbody_staff"),
    path("public/v6/client/clients", clients, name="mindbody_clients"),
    path(
        "public/v6/appointment/staffappointments",
        staff_appointments,
        name="mindbody_staff_appointments",
    ),
    path("public/v6/appointment/bookableitems", bookable_items, name="mindbody_bookable_items"),
    path("public/v6/appointment/addappointment", add_appointment, name="mindbody_add_appointment"),
    path(
        "public/v6/appointment/updateappointment",
        update_appointment,
        name="mindbody_update_appointment",
    ),
]
