"""Vagaro Open API (v2) adapter.

Vagaro documents its webhooks publicly and its REST API only to approved developers, so the REST
shapes here follow the webhook vocabulary (appointmentId, customerId, serviceProviderId,
businessId, startTime, endTime, bookingStatus) and every unconfirmed reading is one constant or one
``config.options`` key: PATHS for paths, the paging/auth/scope settings below. Reference:
docs/platforms/vagaro.md. Where this adapter still differs from the REST evidence of
docs/platforms/vagaro.md §2 is listed in docs/platforms/vagaro.md §5 (issue 18).

Paging (one scheme for every list): query ``pageNumber`` (1-based) and ``pageSize``; a page shorter
than ``pageSize`` is the last; ``totalPages`` is honoured when the answer carries it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import ConnectGuide, Field, PlatformAdapter, daterange_chunks
from .errors import AuthenticationError, IntegrationError, NotFoundError, ValidationError
from .http import HttpFailure, quote_id
from .types import (
    Appointment,
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
    CallAllowance,
    Capabilities,
    ConnectionResult,
    Customer,
    Location,
    Provider,
    Service,
    Slot,
    Token,
    WebhookAuth,
)

logger = logging.getLogger(__name__)

# Every REST path, relative to the base URL (which carries the region, e.g. .../us02).
PATHS: dict[str, str] = {
    "token": "api/v2/merchants/generate-access-token",
    "business": "api/v2/businesses/{business_id}",
    "locations": "api/v2/locations",
    "appointments": "api/v2/appointments",
    "appointment": "api/v2/appointments/{appointment_id}",
    "cancel": "api/v2/appointments/{appointment_id}/cancel",
    "availability": "api/v2/appointments/availability",
    "customers": "api/v2/customers",
    "customer": "api/v2/customers/{customer_id}",
    "services": "api/v2/services",
    "service": "api/v2/services/{service_id}",
    "employees": "api/v2/employees",
    "employee": "api/v2/employees/{provider_id}",
}

# UNCONFIRMED readings, each overridable through config.options[<key>].
DEFAULT_SCOPE = "read write"  # options["scope"]
# Seconds a token lives when the token answer does not say; options["token_lifetime"].
DEFAULT_TOKEN_LIFETIME = 3600
DEFAULT_PAGE_SIZE = 100  # options["page_size"]
# How the token travels: "both" sends `accessToken: <t>` (Vagaro's API explorer field) and
# `Authorization: Bearer <t>`; "access_token" or "bearer" sends one. options["auth_header"]
DEFAULT_AUTH_HEADER = "both"
PAGE_PARAM, PAGE_SIZE_PARAM = "pageNumber", "pageSize"
MAX_RANGE_DAYS = 31  # longest window per appointment/availability request (we chunk)
MAX_PAGES = 10_000  # a runaway-paging fuse

STATUS_MAP: dict[str, AppointmentStatus] = {
    "Awaiting Confirmation": AppointmentStatus.REQUESTED,
    "Need Acceptance": AppointmentStatus.REQUESTED,
    "Accepted": AppointmentStatus.CONFIRMED,
    "Confirmed": AppointmentStatus.CONFIRMED,
    "Ready to Start": AppointmentStatus.ARRIVED,
    "Service In Progress": AppointmentStatus.ARRIVED,
    "Show": AppointmentStatus.COMPLETED,
    "Service Complete": AppointmentStatus.COMPLETED,
    "No Show": AppointmentStatus.NO_SHOW,
    "Cancel": AppointmentStatus.CANCELLED,
    "Deleted": AppointmentStatus.CANCELLED,
    "Denied": AppointmentStatus.CANCELLED,
    # Staff time off, not a client visit: cancelled so it never holds or suggests a rebooking;
    # callers tell it apart with is_staff_time_off() (the raw status is kept).
    "PersonalOff": AppointmentStatus.CANCELLED,
}
STAFF_TIME_OFF = "PersonalOff"

# Keys under which a list answer may carry its items (bare lists and `data: [...]` work too).
# fmt: off
_LIST_KEYS = ("items", "results", "appointments", "customers", "services", "employees",
              "serviceProviders", "locations", "businesses", "slots", "availability")
# fmt: on


def is_staff_time_off(appointment: Appointment) -> bool:
    """True for Vagaro's PersonalOff blocks, which are normalized as cancelled."""
    return appointment.raw.get("bookingStatus") == STAFF_TIME_OFF


class VagaroAdapter(PlatformAdapter):
    platform = "vagaro"
    display_name = "Vagaro"
    # The business's API plan includes 5,000 calls a month, then $0.002 a call
    # (docs/platforms/vagaro.md §1.1).
    call_allowance = CallAllowance(5000, "month")
    capabilities = Capabilities(
        webhooks=WebhookAuth.URL_TOKEN,
        can_cancel=True,
        can_book=True,
        filters=frozenset({"service", "provider", "location", "customer"}),
        max_range_days=None,  # the adapter splits long ranges itself
    )
    base_url_setting = "VAGARO_API_URL"
    default_base_url = "https://api.vagaro.com/us02"
    credential_fields = (
        Field("client_id", "Client ID"),
        Field("client_secret", "Client secret key", secret=True),
        Field(
            "webhook_token",
            "Webhook verification token",
            secret=True,
            required=False,
            help_text="Shown by Vagaro when the webhook is created.",
        ),
    )
    account_fields = (
        Field("business_id", "Business ID"),
        Field("business_group_id", "Business group ID", required=False),
    )
    # What the connect page tells the owner (docs/platforms/vagaro.md §1).
    connect_guide = ConnectGuide(
        summary="Client ID and secret from Vagaro's Developer settings, plus your business ID.",
        where="Vagaro: Settings > Developers > APIs & Webhooks",
        steps=(
            "Sign in to Vagaro as the business owner and open Settings > Developers > "
            "APIs & Webhooks (vagaro.com/setting/developers/apisandwebhooks).",
            "If APIs are not enabled yet, send Vagaro's request form there; access is usually "
            "granted in about two days.",
            "Copy the Client ID and the Client Secret Key shown there into the form below.",
            "Your Business ID is shown on the same page; a multi-location group also has a "
            "Business Group ID (optional).",
            "After connecting, create a webhook in Vagaro pointing at the URL SalonSync shows you "
            "and paste the verification token Vagaro gives you on the re-authenticate form.",
        ),
        fields={
            "client_id": "Settings > Developers > APIs & Webhooks, “Client ID”.",
            "client_secret": "Same page, “Client Secret Key”. Treated as a password.",
            "webhook_token": "Optional now: shown by Vagaro when you create the webhook.",
            "business_id": "Same page; one per location.",
            "business_group_id": "Only for multi-location groups.",
        },
    )
    status_map = STATUS_MAP
    default_status = AppointmentStatus.BOOKED

    # -- auth -----------------------------------------------------------------------------------
    def _option(self, key: str, default: Any) -> Any:
        value = self.config.options.get(key)
        return default if value in (None, "") else value

    @property
    def business_id(self) -> str:
        return self.config.account["business_id"]

    def _fetch_token(self, current: Token | None) -> Token:
        # Vagaro has no refresh grant: a new token is issued from the client credentials.
        try:
            body = self.http.request(
                "generate_access_token",
                "POST",
                PATHS["token"],
                json_body={
                    "clientId": self.config.credentials["client_id"],
                    "clientSecretKey": self.config.credentials["client_secret"],
                    "scope": self._option("scope", DEFAULT_SCOPE),
                },
                idempotent=True,  # issuing a token twice is harmless
                authenticated=False,
            )
        except (ValidationError, NotFoundError) as exc:
            # A 400/404 from the token endpoint means the credentials were not accepted.
            raise AuthenticationError(
                exc.message,
                platform=self.platform,
                status_code=exc.status_code,
                platform_code=exc.platform_code,
            ) from None
        failure = _envelope_failure(body)
        data = _unwrap(body)
        access = _first(data, "access_token", "accessToken", "token")
        if failure is not None or not isinstance(access, str):
            raise AuthenticationError(
                "Vagaro did not issue an access token for these credentials.",
                platform=self.platform,
                status_code=failure.status if failure else None,
            )
        try:
            seconds = float(_first(data, "expires_in", "expiresIn"))
        except (TypeError, ValueError):
            seconds = 0.0
        if seconds <= 0:
            seconds = float(self._option("token_lifetime", DEFAULT_TOKEN_LIFETIME))
        return Token(access_token=access, expires_at=datetime.now(UTC) + timedelta(seconds=seconds))

    def auth_headers(self, token: Token | None) -> dict[str, str]:
        if token is None:
            return {}
        style = self._option("auth_header", DEFAULT_AUTH_HEADER)
        headers = {}
        if style in ("both", "access_token"):
            headers["accessToken"] = token.access_token
        if style in ("both", "bearer"):
            headers["Authorization"] = f"Bearer {token.access_token}"
        return headers

    def _call(self, operation: str, method: str, path: str, **kwargs: Any) -> Any:
        """One platform call. Vagaro wraps answers in {status, responseCode, message, data} and
        may report a failure inside a 200: map it like an HTTP error, refreshing once on 401."""
        body = self.http.request(operation, method, path, **kwargs)
        failure = _envelope_failure(body)
        if failure is not None and isinstance(self.handle_error(failure), AuthenticationError):
            self.authenticate(force=True)  # once, as http.py does for an HTTP 401
            body = self.http.request(operation, method, path, **kwargs)
            failure = _envelope_failure(body)
        if failure is not None:
            raise self.handle_error(failure)
        return body

    def _get_one(self, operation: str, path: str, kind: str, params: dict | None = None) -> Any:
        data = _unwrap(self._call(operation, "GET", path, params=params))
        if isinstance(data, list) and len(data) == 1:
            data = data[0]
        if not isinstance(data, Mapping) or not data:
            raise NotFoundError("Vagaro has no such record.", platform=self.platform)
        return self.normalize(data, kind)

    def _pages(self, operation: str, path: str, params: dict[str, Any]) -> Iterator[Mapping]:
        size = int(self._option("page_size", DEFAULT_PAGE_SIZE))
        previous: list | None = None
        for number in range(1, MAX_PAGES + 1):
            query = {**params, PAGE_PARAM: number, PAGE_SIZE_PARAM: size}
            body = self._call(operation, "GET", path, params=query)
            items = self._items(body)
            if items == previous:  # the platform ignored pageNumber: stop, do not loop
                logger.warning("vagaro: %s repeated page %d, stopping", operation, number)
                return
            yield from items
            total_pages = _meta(body, "totalPages")
            if len(items) < size or (total_pages is not None and number >= total_pages):
                return
            previous = items

    def _items(self, body: Any) -> list[Mapping]:
        data = _unwrap(body)
        if data is None and isinstance(body, Mapping):
            data = []  # `data: null` is an empty page
        elif isinstance(data, Mapping):
            data = next((data[k] for k in _LIST_KEYS if isinstance(data.get(k), list)), None)
        if not isinstance(data, list):
            raise ValidationError(
                "Vagaro sent a list this integration cannot read.", platform=self.platform
            )
        return [item for item in data if isinstance(item, Mapping)]

    # -- connection -----------------------------------------------------------------------------
    def test_connection(self) -> ConnectionResult:
        path = PATHS["business"].format(business_id=quote_id(self.business_id))
        try:
            data = _unwrap(self._call("test_connection", "GET", path))
        except NotFoundError:
            return ConnectionResult(ok=False, message="Vagaro has no business with this ID.")
        location = self.normalize(data, "location") if isinstance(data, Mapping) else None
        return ConnectionResult(
            ok=True,
            account_name=location.name if location else "",
            timezone=location.timezone if location else "",
            # No currency: UNCONFIRMED whether Vagaro's business record states one (none of the
            # public sources we read shows such a field), so the owner picks it in settings.
            message="Connected to Vagaro.",
        )

    # -- reads ----------------------------------------------------------------------------------
    def get_availability(
        self, start_date: date, end_date: date, filters: AvailabilityFilters | None = None
    ) -> list[Slot]:
        filters = filters or AvailabilityFilters()
        slots: list[Slot] = []
        for first, last in daterange_chunks(start_date, end_date, MAX_RANGE_DAYS):
            params: list[tuple[str, Any]] = [
                ("businessId", filters.location_id or self.business_id),
                ("startDate", first.isoformat()),
                ("endDate", last.isoformat()),
            ]
            params += [("serviceId", s) for s in filters.service_ids]
            params += [("serviceProviderId", p) for p in filters.provider_ids]
            body = self._call("get_availability", "GET", PATHS["availability"], params=params)
            slots += [self.normalize(item, "slot") for item in self._items(body)]
        return slots

    def get_customer(self, customer_id: str) -> Customer:
        path = PATHS["customer"].format(customer_id=quote_id(customer_id))
        return self._get_one("get_customer", path, "customer", {"businessId": self.business_id})

    def get_service(self, service_id: str) -> Service:
        path = PATHS["service"].format(service_id=quote_id(service_id))
        return self._get_one("get_service", path, "service", {"businessId": self.business_id})

    def get_provider(self, provider_id: str) -> Provider:
        path = PATHS["employee"].format(provider_id=quote_id(provider_id))
        return self._get_one("get_provider", path, "provider", {"businessId": self.business_id})

    def get_appointment(self, appointment_id: str) -> Appointment:
        path = PATHS["appointment"].format(appointment_id=quote_id(appointment_id))
        params = {"businessId": self.business_id}
        return self._get_one("get_appointment", path, "appointment", params)

    def get_customer_appointments(
        self, customer_id: str, filters: AppointmentFilters | None = None
    ) -> list[Appointment]:
        filters = filters or AppointmentFilters()
        params: dict[str, Any] = {
            "businessId": filters.location_id or self.business_id,
            "customerId": customer_id,
        }
        if filters.start_date:
            params["startDate"] = filters.start_date.isoformat()
        if filters.end_date:
            params["endDate"] = filters.end_date.isoformat()
        pages = self._pages("get_customer_appointments", PATHS["appointments"], params)
        return [self.normalize(item, "appointment") for item in pages]

    def iter_appointments(self, start_date: date, end_date: date) -> Iterator[Appointment]:
        for first, last in daterange_chunks(start_date, end_date, MAX_RANGE_DAYS):
            params = {
                "businessId": self.business_id,
                "startDate": first.isoformat(),
                "endDate": last.isoformat(),
            }
            for item in self._pages("list_appointments", PATHS["appointments"], params):
                yield self.normalize(item, "appointment")

    def iter_customers(self, changed_since: datetime | None = None) -> Iterator[Customer]:
        # No documented changed-since filter: read all and keep those changed (or undated).
        params = {"businessId": self.business_id}
        for item in self._pages("list_customers", PATHS["customers"], params):
            customer = self.normalize(item, "customer")
            changed = customer.updated_at
            if changed_since is None or changed is None or changed >= changed_since:
                yield customer

    def iter_services(self) -> Iterator[Service]:
        params = {"businessId": self.business_id}
        for item in self._pages("list_services", PATHS["services"], params):
            yield self.normalize(item, "service")

    def iter_providers(self) -> Iterator[Provider]:
        params = {"businessId": self.business_id}
        for item in self._pages("list_providers", PATHS["employees"], params):
            yield self.normalize(item, "provider")

    def iter_locations(self) -> Iterator[Location]:
        group = self.config.account.get("business_group_id")
        params = {"businessGroupId": group} if group else {"businessId": self.business_id}
        for item in self._pages("list_locations", PATHS["locations"], params):
            yield self.normalize(item, "location")

    # -- writes ---------------------------------------------------------------------------------
    def book_appointment(self, details: BookingRequest) -> Appointment:
        start = self.local_datetime(details.start).astimezone(UTC)
        payload: dict[str, Any] = {
            "businessId": details.location_id or self.business_id,
            "customerId": details.customer_id,
            "serviceId": details.service_id,
            "serviceProviderId": details.provider_id,
            "startTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if details.notes:
            payload["notes"] = details.notes
        body = self._call(
            "book_appointment", "POST", PATHS["appointments"], json_body=payload, idempotent=False
        )
        return self._appointment_from_write(body)

    def cancel_appointment(self, appointment_id: str, *, late: bool = False) -> Appointment:
        # Vagaro has no late-cancel status; ``late`` is ours to record. Cancelling twice leaves
        # the same state, so the call may be retried.
        path = PATHS["cancel"].format(appointment_id=quote_id(appointment_id))
        body = self._call(
            "cancel_appointment",
            "POST",
            path,
            json_body={"businessId": self.business_id, "appointmentId": appointment_id},
            idempotent=True,
        )
        return self._appointment_from_write(body, fallback_id=appointment_id)

    def _appointment_from_write(self, body: Any, fallback_id: str = "") -> Appointment:
        """A write answers with the appointment, or only its id: then read it back."""
        data = _unwrap(body)
        if isinstance(data, Mapping) and data.get("startTime") and data.get("endTime"):
            return self.normalize(data, "appointment")
        found = data.get("appointmentId") if isinstance(data, Mapping) else data
        appointment_id = found if isinstance(found, str) and found else fallback_id
        if not appointment_id:
            raise ValidationError("Vagaro did not return the appointment.", platform=self.platform)
        return self.get_appointment(appointment_id)

    # -- normalization --------------------------------------------------------------------------
    def normalize_appointment(self, data: Mapping[str, Any]) -> Appointment:
        return Appointment(
            platform_id=str(self.require(data, "appointmentId")),
            status=self.map_status(data.get("bookingStatus")),
            start=self.local_datetime(self.require(data, "startTime")),
            end=self.local_datetime(self.require(data, "endTime")),
            customer_id=_text(data.get("customerId")),
            service_id=_text(data.get("serviceId")),
            provider_id=_text(data.get("serviceProviderId")),
            location_id=_text(data.get("businessId")),
            service_name=_text(data.get("serviceTitle")),
            price=_decimal(data.get("amount")),
            created_at=self._optional_time(data, "createdDate", "createdAt"),
            updated_at=self._optional_time(data, "modifiedDate", "updatedDate", "updatedAt"),
            notes=_text(data.get("notes")),
            raw=dict(data),
        )

    def normalize_customer(self, data: Mapping[str, Any]) -> Customer:
        business_ids = data.get("businessIds")
        # A customer removed from the business stays in Vagaro; its businessIds lose ours.
        active = self.business_id in business_ids if isinstance(business_ids, list) else True
        phone = next(
            (data[k] for k in ("mobilePhone", "dayPhone", "nightPhone") if data.get(k)), ""
        )
        return Customer(
            platform_id=str(self.require(data, "customerId")),
            first_name=_text(_first(data, "customerFirstName", "firstName")),
            last_name=_text(_first(data, "customerLastName", "lastName")),
            email=_text(data.get("email")),
            phone=_text(phone),
            created_at=self._optional_time(data, "createdDate", "createdAt"),
            updated_at=self._optional_time(data, "modifiedDate", "updatedDate", "updatedAt"),
            active=active,
            raw=dict(data),
        )

    def normalize_service(self, data: Mapping[str, Any]) -> Service:
        duration = _first(data, "duration", "durationMinutes", "serviceDuration")
        return Service(
            platform_id=str(self.require(data, "serviceId")),
            name=_text(_first(data, "serviceTitle", "serviceName", "name")),
            category=_text(_first(data, "categoryName", "serviceCategory", "category")),
            duration_minutes=int(duration) if duration not in (None, "") else None,
            price=_decimal(_first(data, "price", "amount")),
            active=_first(data, "isActive", "active") is not False,
            raw=dict(data),
        )

    def normalize_provider(self, data: Mapping[str, Any]) -> Provider:
        pid = _first(data, "serviceProviderId", "employeeId")
        if pid in (None, ""):
            raise ValidationError(
                "The platform's answer lacks serviceProviderId.", platform=self.platform
            )
        full = f"{_text(data.get('firstName'))} {_text(data.get('lastName'))}".strip()
        name = full or _text(_first(data, "serviceProviderName", "employeeName", "name"))
        return Provider(
            platform_id=str(pid),
            name=name,
            active=_first(data, "isActive", "active") is not False,
            raw=dict(data),
        )

    def normalize_location(self, data: Mapping[str, Any]) -> Location:
        zone = _text(_first(data, "timeZone", "timezone", "ianaTimeZone"))
        try:
            ZoneInfo(zone)  # keep only IANA names; Vagaro may use Windows-style names
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", too long
            zone = ""
        return Location(
            platform_id=str(self.require(data, "businessId")),
            name=_text(_first(data, "businessName", "name")),
            timezone=zone,
            raw=dict(data),
        )

    def normalize_slot(self, data: Mapping[str, Any]) -> Slot:
        return Slot(
            start=self.local_datetime(self.require(data, "startTime")),
            end=self.local_datetime(self.require(data, "endTime")),
            provider_id=_text(data.get("serviceProviderId")),
            service_id=_text(data.get("serviceId")),
            location_id=_text(data.get("businessId")),
            raw=dict(data),
        )

    def _optional_time(self, data: Mapping[str, Any], *keys: str) -> datetime | None:
        value = _first(data, *keys)
        return self.local_datetime(value) if isinstance(value, str) and value else None

    # -- errors ---------------------------------------------------------------------------------
    def error_details(self, body: Any) -> tuple[str, str]:
        """Vagaro's envelope: {status, responseCode, message, data}. Only the short message and
        code are kept, never the rest of the body."""
        if not isinstance(body, Mapping):
            return "", ""
        message = _first(body, "message", "errorMessage", "error_description", "error")
        code = _first(body, "responseCode", "errorCode", "code")
        message = message if isinstance(message, str) else ""
        return message.strip()[:160], _text(code)[:40]

    def error_class_for_code(self, platform_code: str) -> type[IntegrationError] | None:
        # Vagaro publishes no error-code table; the HTTP (or envelope) status decides.
        return None


# -- module helpers ----------------------------------------------------------------------------
def _first(data: Any, *keys: str) -> Any:
    if not isinstance(data, Mapping):
        return None
    return next((data[k] for k in keys if data.get(k) not in (None, "")), None)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _unwrap(body: Any) -> Any:
    """The `data` member of Vagaro's envelope, or the body itself when it is not wrapped."""
    if isinstance(body, Mapping) and "data" in body:
        return body["data"]
    return body


def _envelope_failure(body: Any) -> HttpFailure | None:
    """An error reported inside a 2xx answer ({"status": 401, ...}), as an HttpFailure."""
    if not isinstance(body, Mapping):
        return None
    status = body.get("status")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, int) and not isinstance(status, bool) and status >= 400:
        return HttpFailure(status=status, body=body)
    return None


def _meta(body: Any, key: str) -> int | None:
    for holder in (body, _unwrap(body)):
        value = holder.get(key) if isinstance(holder, Mapping) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
