"""Mindbody Public API v6 adapter (staff user token). Its webhooks: webhooks/platforms/mindbody.py.

Reference: docs/platforms/mindbody.md and Mindbody's v6 Swagger spec. Every call carries
the app's developer ``Api-Key`` and the business's ``SiteId``; staff-only reads and all writes add
a staff user token. Appointment and availability times are site-local wall-clock times without an
offset: they are read in the salon's zone, and an explicit ``Z``/offset wins when present.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from ..money import normalize_currency
from .base import (
    AdapterConfig,
    ConnectGuide,
    Field,
    PlatformAdapter,
    Setting,
    daterange_chunks,
    parse_iso_datetime,
)
from .errors import (
    AuthenticationError,
    ConfigurationError,
    IntegrationError,
    NotActivated,
    NotFoundError,
    RateLimitError,
    TransientError,
    UnknownAccount,
    ValidationError,
)
from .http import HttpFailure
from .types import (
    Activation,
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

# Every vendor path in one place (base URL comes from AdapterConfig.base_url).
PATHS = {
    "issue_token": "/public/v6/usertoken/issue",
    "renew_token": "/public/v6/usertoken/renew",
    "bookable_items": "/public/v6/appointment/bookableitems",
    "staff_appointments": "/public/v6/appointment/staffappointments",
    "add_appointment": "/public/v6/appointment/addappointment",
    "update_appointment": "/public/v6/appointment/updateappointment",
    "clients": "/public/v6/client/clients",
    "session_types": "/public/v6/site/sessiontypes",
    "staff": "/public/v6/staff/staff",
    "locations": "/public/v6/site/locations",
    "sites": "/public/v6/site/sites",
    "activation_code": "/public/v6/site/activationcode",
}

# UNCONFIRMED whether "Bearer" is required; options["auth_scheme"] = "" sends the bare token.
AUTH_SCHEME = "Bearer"
PAGE_SIZE = 200  # UNCONFIRMED documented maximum; options["page_size"] overrides
AVAILABILITY_WINDOW_DAYS = (
    7  # bookableitems slows down on wide ranges (SDK), so ask a week at a time
)
SESSION_TYPES_PER_CALL = 10  # ...and on many session types
CUSTOMER_HISTORY_DAYS = 365  # staffappointments defaults to today only: widen when no dates given
# Reading one appointment by id still needs a window that holds it (the date filter applies to
# ids too: docs/platforms/mindbody.md §7.13): two years back to one year ahead.
LOOKUP_DAYS_BACK, LOOKUP_DAYS_AHEAD = 730, 365

# Error.Code values (docs/platforms/mindbody.md §4); codes not listed fall back to the HTTP status.
# fmt: off
AUTH_CODES = (
    "DeniedAccess", "InvalidLoginCredentials", "InvalidStaffCredentials", "InvalidUserCredentials",
    "InvalidSourceCredentials", "InvalidUserAccessLevel", "InvalidSiteId",
)
NOT_FOUND_CODES = (
    "ClientNotFound", "StaffMemberNotFound", "SessionTypeNotFound", "ItemNotFound",
    "ResourceDoesNotExist", "ClassScheduleNotFound", "ClassVisitNotFound", "RelatedClientNotFound",
    "SaleIdNotFound",
)
VALIDATION_CODES = (  # request and booking-rule refusals
    "InvalidParameter", "MissingRequiredFields", "ValidationFailed", "InvalidLocation",
    "InvalidResource", "ClientIsAlreadyBooked", "InvalidBookingTime",
    "SchedulingRestrictionsViolated", "SchedulingWindowViolated", "StaffIsNotATrainer",
    "StaffIsInactive", "ServiceDoesNotPayForAppointment", "PaymentRequired", "ClientIsSuspended",
    "InvalidStaffAndProviderId",
)
# fmt: on
ERROR_CODES: dict[str, type[IntegrationError]] = {
    **dict.fromkeys(AUTH_CODES, AuthenticationError),
    **dict.fromkeys(NOT_FOUND_CODES, NotFoundError),
    **dict.fromkeys(VALIDATION_CODES, ValidationError),
    "TooManyRequests": RateLimitError,
    "SQLDBMaintenance": TransientError,
    "Unknown": TransientError,
    # An unknown site is told apart from a wrong login (docs/platforms/mindbody.md §4, §7.15).
    "InvalidSiteId": UnknownAccount,
}
# What GET site/activationcode answers may be a link; only a web link is shown to the owner.
_WEB_LINK = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)

# Public API Appointment.Status enum (Swagger definition Appointment.Status).
STATUS_MAP: dict[str, AppointmentStatus] = {
    "None": AppointmentStatus.BOOKED,  # no status set: the appointment is on the books
    "Requested": AppointmentStatus.REQUESTED,
    "Booked": AppointmentStatus.BOOKED,
    "Confirmed": AppointmentStatus.CONFIRMED,
    "Arrived": AppointmentStatus.ARRIVED,
    "Completed": AppointmentStatus.COMPLETED,
    "NoShow": AppointmentStatus.NO_SHOW,
    "Cancelled": AppointmentStatus.CANCELLED,
    "LateCancelled": AppointmentStatus.LATE_CANCELLED,
}


def _sid(value: Any) -> str:
    return "" if value is None else str(value)


def _int_id(value: str, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"Mindbody {what} ids are numbers.", platform="mindbody") from None


class MindbodyAdapter(PlatformAdapter):
    platform = "mindbody"
    display_name = "Mindbody"
    # Calls are metered per site and day; past the allowance they are billed, not refused
    # (1,000 a day by both sources; UNCONFIRMED and changing: docs/platforms/mindbody.md §4).
    call_allowance = CallAllowance(1000, "day")
    capabilities = Capabilities(
        webhooks=WebhookAuth.SIGNED,
        filters=frozenset({"service", "provider", "location", "customer"}),
    )
    base_url_setting = "MINDBODY_API_URL"
    default_base_url = "https://api.mindbodyonline.com"
    credential_fields = (
        Field("username", "Staff username"),
        Field("password", "Password", secret=True),
    )
    account_fields = (
        Field(
            "site_id",
            "Site ID",
            help_text="Your Mindbody site ID (-99 is Mindbody's sandbox).",
            # Mindbody site ids are whole numbers (-99 is the sandbox).
            pattern=r"^-?\d{1,10}$",
            pattern_message=(
                "A Mindbody site ID is a whole number, e.g. 123456 (or -99 for Mindbody's sandbox)."
            ),
        ),
    )
    settings_options = {"api_key": "MINDBODY_API_KEY"}  # the app's developer key
    # addappointment's SendEmail (default false) and ApplyPayment (default true), decided by the
    # salon rather than left to Mindbody's defaults (docs/platforms/mindbody.md §7.5).
    owner_settings = (
        Setting(
            "send_email",
            "Booking confirmation",
            choices=(
                ("yes", "Mindbody emails the client its booking confirmation"),
                ("no", "No email from Mindbody"),
            ),
            default="yes",
            help_text="Mindbody sends it only to a client with an email address, and only if "
            "your site's automatic emails are set up.",
        ),
        Setting(
            "apply_payment",
            "Paying for a booking",
            choices=(
                ("no", "Booked unpaid: checked out at the front desk as usual"),
                ("yes", "Paid from a pass or package the client holds, as online bookings are"),
            ),
            default="no",
        ),
    )
    needs_activation = True  # docs/platforms/mindbody.md §1.2, §7.15
    # What the connect page tells the owner (docs/platforms/mindbody.md §1.2, §1.3, §1.4, §7.15).
    connect_guide = ConnectGuide(
        summary="A staff login with access to appointments, plus your Mindbody site ID.",
        where="Mindbody: your business's staff login and site ID",
        steps=(
            "Your Site ID is the number Mindbody gives your business (it appears as "
            "“studioid” in your Mindbody booking links). Mindbody's sandbox site is -99.",
            "Approve SalonSync once: type the Site ID below and choose “Get my activation "
            "link”; the site owner opens the link (it logs in to Mindbody) and approves "
            "SalonSync. No staff login works until this is done.",
            "Use the username and password of a Mindbody staff member (owner or manager) with "
            "the permissions listed here; a dedicated “SalonSync” staff login is best.",
        ),
        fields={
            "username": "The staff member's Mindbody login (often an email address).",
            "password": "That staff member's Mindbody password. Treated as a password.",
            "site_id": "A whole number, e.g. 123456; -99 is Mindbody's sandbox.",
        },
        # Mindbody's permission values (v6 Swagger StaffPermissionGroup, GET
        # staff/staffpermissions) for the calls SalonSync makes with the staff token: reading
        # staff appointments and clients, addappointment, updateappointment with Execute
        # "cancel" (docs/platforms/mindbody.md §1.3, §2.2, §2.3). Which call checks which
        # permission is UNCONFIRMED; an owner or manager login has them all.
        permissions=(
            "View appointment schedule (ViewAppointmentSchedule)",
            "View appointment details (ViewAppointmentDetails)",
            "Book appointments for other staff members (BookAppointmentsForOtherStaffMembers)",
            "Change appointment details (ChangeAppointmentDetails)",
            "Cancel appointments (CancelAppointments)",
            "View all clients and their profiles (ViewAllClients, ViewClientProfileScreen)",
        ),
    )
    status_map: ClassVar[Mapping[str, AppointmentStatus]] = STATUS_MAP
    default_status = AppointmentStatus.BOOKED

    # -- construction & auth --------------------------------------------------------------------
    def initialize(self, config: AdapterConfig) -> None:
        super().initialize(config)
        # The developer key belongs to the app; the service layer passes MINDBODY_API_KEY here.
        self.api_key = config.credentials.get("api_key") or config.options.get("api_key")
        if not self.api_key:
            raise ConfigurationError("Mindbody needs the app's API key (MINDBODY_API_KEY).")
        self.site_id = str(config.account["site_id"])
        self.auth_scheme = config.options.get("auth_scheme", AUTH_SCHEME)
        self.page_size = int(config.options.get("page_size", PAGE_SIZE))

    def _site_headers(self) -> dict[str, str]:
        return {"Api-Key": self.api_key, "SiteId": self.site_id}

    def _authorization(self, token: Token) -> str:
        return f"{self.auth_scheme} {token.access_token}".strip()

    def auth_headers(self, token: Token | None) -> dict[str, str]:
        headers = self._site_headers()
        if token is not None:
            headers["Authorization"] = self._authorization(token)
        return headers

    def _fetch_token(self, current: Token | None) -> Token:
        still_valid = current is not None and (
            current.expires_at is None or current.expires_at > datetime.now(UTC)
        )
        if still_valid:
            try:
                return self._renew_token(current)
            except (AuthenticationError, ValidationError):
                # Renewal cap reached or token revoked: issue a new one.
                logger.info("mindbody: token renewal refused, issuing a new token")
        return self._issue_token()

    def _token_call(self, operation: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        # Unauthenticated (no recursion into authenticate(), no refresh on a 401) with explicit
        # headers. Issuing or renewing twice is harmless, so these POSTs may be retried.
        return self.http.request(
            operation, "POST", path, idempotent=True, authenticated=False, headers=headers, **kwargs
        )

    def _issue_token(self) -> Token:
        body = {
            "Username": self.config.credentials["username"],
            "Password": self.config.credentials["password"],
        }
        try:
            answer = self._token_call(
                "issue_token", PATHS["issue_token"], self._site_headers(), json_body=body
            )
        except UnknownAccount:
            raise
        except (AuthenticationError, ValidationError, NotFoundError) as exc:
            kwargs = {
                "platform": self.platform,
                "status_code": exc.status_code,
                "platform_code": exc.platform_code,
            }
            # No token is sent here, so DeniedAccess cannot be about one: the site has not
            # activated SalonSync (docs/platforms/mindbody.md §4, §7.15; its HTTP status is
            # UNCONFIRMED, so the code decides). Every other refusal is the staff login.
            if exc.platform_code == "DeniedAccess":
                raise NotActivated("This site has not activated SalonSync yet.", **kwargs) from None
            raise AuthenticationError(
                "Mindbody refused the staff username or password.", **kwargs
            ) from None
        return self._token_from(answer, None)

    def _renew_token(self, current: Token) -> Token:
        headers = {**self._site_headers(), "Authorization": self._authorization(current)}
        answer = self._token_call("renew_token", PATHS["renew_token"], headers)
        return self._token_from(answer, current)

    def _token_from(self, answer: Any, current: Token | None) -> Token:
        # UNCONFIRMED renew shape: read AccessToken/Expires, keep the current token if none sent.
        answer = answer if isinstance(answer, dict) else {}
        access = answer.get("AccessToken") or (current.access_token if current else "")
        expires = answer.get("Expires")
        if not access or not expires:
            raise AuthenticationError("Mindbody issued no usable token.", platform=self.platform)
        expires_at = parse_iso_datetime(expires)
        if expires_at.tzinfo is None:  # "Token expiration in UTC"
            expires_at = expires_at.replace(tzinfo=UTC)
        return Token(access_token=access, expires_at=expires_at)

    def test_connection(self) -> ConnectionResult:
        self.authenticate()
        answer = self.http.request(
            "test_connection", "GET", PATHS["sites"], params={"request.siteIds": [self.site_id]}
        )
        sites = (answer or {}).get("Sites") or [{}]
        site = sites[0]
        # Site.TimeZone may be a Windows zone name (UNCONFIRMED); only an IANA name is passed on.
        zone = site.get("TimeZone") or ""
        return ConnectionResult(
            ok=True,
            account_name=site.get("Name") or f"Mindbody site {self.site_id}",
            timezone=zone if "/" in zone else "",
            # Site.CurrencyIsoCode: "The currency ISO code for the site" (Public API v6 swagger).
            currency=normalize_currency(site.get("CurrencyIsoCode")),
        )

    def activation(self) -> Activation:
        """GET site/activationcode: the code and link with which the site's owner approves
        SalonSync; Api-Key and SiteId only (docs/platforms/mindbody.md §1.2, §7.15; the v6 Swagger
        lists no SiteId parameter on it, UNCONFIRMED: it is sent as on every site call)."""
        answer = self.http.request(
            "activation_code",
            "GET",
            PATHS["activation_code"],
            authenticated=False,
            headers=self._site_headers(),
        )
        answer = answer if isinstance(answer, dict) else {}
        code = answer.get("ActivationCode") if isinstance(answer.get("ActivationCode"), str) else ""
        link = answer.get("ActivationLink") if isinstance(answer.get("ActivationLink"), str) else ""
        link = link.strip() if _WEB_LINK.match(link.strip()) else ""
        if not code.strip() and not link:
            raise ValidationError(
                "Mindbody sent no activation code for this site.", platform=self.platform
            )
        return Activation(code=code.strip()[:200], link=link[:1000])

    # -- paging ---------------------------------------------------------------------------------
    def _paged(self, operation: str, path: str, key: str, params: dict[str, Any]) -> Iterator[dict]:
        offset = 0
        while True:
            page = {**params, "request.limit": self.page_size, "request.offset": offset}
            answer = self.http.request(operation, "GET", path, params=page) or {}
            items = answer.get(key) or []
            yield from items
            paging = answer.get("PaginationResponse") or {}
            size = paging.get("PageSize", len(items))
            total = paging.get("TotalResults")
            if not items or not size or total is None or offset + size >= total:
                return
            offset += size

    def _one(self, operation: str, path: str, key: str, params: dict[str, Any], what: str) -> dict:
        answer = self.http.request(operation, "GET", path, params=params) or {}
        items = answer.get(key) or []
        if not items:
            raise NotFoundError(f"Mindbody has no such {what}.", platform=self.platform)
        return items[0]

    # -- reads ----------------------------------------------------------------------------------
    def get_availability(
        self, start_date: date, end_date: date, filters: AvailabilityFilters | None = None
    ) -> list[Slot]:
        filters = filters or AvailabilityFilters()
        # bookableitems requires session type ids: default to every appointment-type service.
        type_ids = list(filters.service_ids) or [s.platform_id for s in self.iter_services()]
        durations: dict[str, int | None] = {}
        slots: list[Slot] = []
        for i in range(0, len(type_ids), SESSION_TYPES_PER_CALL):
            for first, last in daterange_chunks(start_date, end_date, AVAILABILITY_WINDOW_DAYS):
                params: dict[str, Any] = {
                    "request.sessionTypeIds": type_ids[i : i + SESSION_TYPES_PER_CALL],
                    "request.startDate": first.isoformat(),
                    "request.endDate": last.isoformat(),
                }
                if filters.provider_ids:
                    params["request.staffIds"] = list(filters.provider_ids)
                if filters.location_id:
                    params["request.locationIds"] = [filters.location_id]
                for item in self._paged(
                    "get_availability", PATHS["bookable_items"], "Availabilities", params
                ):
                    slots.extend(self._slice(item, durations))
        return sorted(slots, key=lambda s: (s.start, s.provider_id))

    def _slice(self, item: dict, durations: dict[str, int | None]) -> list[Slot]:
        """Cut one bookable window into slots of the session type's length."""
        window = self.normalize(item, "slot")
        session = item.get("SessionType") or {}
        # A staff member's own length for this session type wins over the default.
        minutes = session.get("StaffTimeLength") or session.get("DefaultTimeLength")
        if not minutes and window.service_id:
            if window.service_id not in durations:
                durations[window.service_id] = self.get_service(window.service_id).duration_minutes
            minutes = durations[window.service_id]
        if not minutes:
            return [window]
        length = timedelta(minutes=int(minutes))
        # Step in UTC so a window crossing a DST change yields real (not wall-clock) hours.
        cursor = window.start.astimezone(UTC)
        end = window.end.astimezone(UTC)
        last_start = end - length
        if item.get("BookableEndDateTime"):
            last_start = min(last_start, self.local_datetime(item["BookableEndDateTime"]))
        starts = []
        while cursor <= last_start:
            starts.append(cursor)
            cursor += length
        # Any start up to the last is bookable: a window whose length is not a multiple of the
        # session's also offers its last start, or its final stretch (a freed 17:00 in a window
        # opening at 11:30) would never be offered.
        if starts and starts[-1] < last_start:
            starts.append(last_start)
        return [
            Slot(
                start=start.astimezone(self.tz),
                end=(start + length).astimezone(self.tz),
                provider_id=window.provider_id,
                service_id=window.service_id,
                location_id=window.location_id,
                raw=window.raw,
            )
            for start in starts
        ]

    def get_customer(self, customer_id: str) -> Customer:
        params = {"request.clientIDs": [customer_id], "request.includeInactive": "true"}
        raw = self._one("get_customer", PATHS["clients"], "Clients", params, "client")
        return self.normalize(raw, "customer")

    def get_service(self, service_id: str) -> Service:
        # sessiontypes has no id filter: page through all of them.
        for raw in self._paged("get_service", PATHS["session_types"], "SessionTypes", {}):
            if _sid(raw.get("Id")) == str(service_id):
                return self.normalize(raw, "service")
        raise NotFoundError("Mindbody has no such session type.", platform=self.platform)

    def get_provider(self, provider_id: str) -> Provider:
        params = {"request.staffIds": [provider_id]}
        raw = self._one("get_provider", PATHS["staff"], "StaffMembers", params, "staff member")
        return self.normalize(raw, "provider")

    def get_appointment(self, appointment_id: str) -> Appointment:
        today = datetime.now(self.tz).date()
        params = {
            "request.appointmentIds": [appointment_id],
            "request.startDate": (today - timedelta(days=LOOKUP_DAYS_BACK)).isoformat(),
            "request.endDate": (today + timedelta(days=LOOKUP_DAYS_AHEAD)).isoformat(),
        }
        raw = self._one(
            "get_appointment", PATHS["staff_appointments"], "Appointments", params, "appointment"
        )
        return self.normalize(raw, "appointment")

    def get_customer_appointments(
        self, customer_id: str, filters: AppointmentFilters | None = None
    ) -> list[Appointment]:
        filters = filters or AppointmentFilters()
        today = datetime.now(self.tz).date()
        start = filters.start_date or today - timedelta(days=CUSTOMER_HISTORY_DAYS)
        end = filters.end_date or today + timedelta(days=CUSTOMER_HISTORY_DAYS)
        params: dict[str, Any] = {"request.clientId": customer_id}
        if filters.location_id:
            params["request.locationIds"] = [filters.location_id]
        return list(self._appointments("get_customer_appointments", start, end, params))

    def iter_appointments(self, start_date: date, end_date: date) -> Iterator[Appointment]:
        return self._appointments("iter_appointments", start_date, end_date, {})

    def _appointments(
        self, operation: str, start: date, end: date, params: dict[str, Any]
    ) -> Iterator[Appointment]:
        params = {
            **params,
            "request.startDate": start.isoformat(),
            "request.endDate": end.isoformat(),
        }
        for raw in self._paged(operation, PATHS["staff_appointments"], "Appointments", params):
            yield self.normalize(raw, "appointment")

    # iter_changed_appointments: the v6 spec has no modified-since filter on staffappointments
    # (only clients, classes and class visits have request.lastModifiedDate), so the base
    # class's UnsupportedOperation stands; webhooks plus date-range syncs keep appointments current.

    def iter_customers(self, changed_since: datetime | None = None) -> Iterator[Customer]:
        params: dict[str, Any] = {"request.includeInactive": "true"}
        if changed_since is not None:
            # LastModifiedDateTime is UTC, so the filter is sent in UTC.
            since = changed_since.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
            params["request.lastModifiedDate"] = since + "Z"
        for raw in self._paged("iter_customers", PATHS["clients"], "Clients", params):
            yield self.normalize(raw, "customer")

    def iter_services(self) -> Iterator[Service]:
        for raw in self._paged("iter_services", PATHS["session_types"], "SessionTypes", {}):
            # Classes and enrollments cannot be booked with addappointment.
            if raw.get("Type") in (None, "Appointment"):
                yield self.normalize(raw, "service")

    def iter_providers(self) -> Iterator[Provider]:
        params = {"request.filters": ["AppointmentInstructor"]}
        for raw in self._paged("iter_providers", PATHS["staff"], "StaffMembers", params):
            yield self.normalize(raw, "provider")

    def iter_locations(self) -> Iterator[Location]:
        for raw in self._paged("iter_locations", PATHS["locations"], "Locations", {}):
            yield self.normalize(raw, "location")

    # -- writes ---------------------------------------------------------------------------------
    def book_appointment(self, details: BookingRequest) -> Appointment:
        location_id = details.location_id or self.config.account.get("location_id", "")
        if not location_id:
            locations = list(self.iter_locations())
            if len(locations) != 1:
                raise ValidationError(
                    "Mindbody needs a location for this booking.", platform=self.platform
                )
            location_id = locations[0].platform_id
        body: dict[str, Any] = {
            "ClientId": details.customer_id,
            "LocationId": _int_id(location_id, "location"),
            "SessionTypeId": _int_id(details.service_id, "session type"),
            "StaffId": _int_id(details.provider_id, "staff"),
            "StartDateTime": self.to_local_naive(details.start),
            # Both decided explicitly (docs/platforms/mindbody.md §7.5): Mindbody's defaults are
            # no email and paying from the client's pass. The salon's own automatic emails go out
            # unless it turned them off here; a pass is used only when the salon says so.
            "SendEmail": self.setting("send_email") == "yes",
            "ApplyPayment": self.setting("apply_payment") == "yes",
        }
        if details.notes:
            body["Notes"] = details.notes
        if details.idempotency_key:
            body["PartnerExternalId"] = details.idempotency_key
        answer = self.http.request(
            "book_appointment", "POST", PATHS["add_appointment"], json_body=body, idempotent=False
        )
        return self.normalize(self.require(answer or {}, "Appointment"), "appointment")

    def cancel_appointment(self, appointment_id: str, *, late: bool = False) -> Appointment:
        body = {
            "AppointmentId": _int_id(appointment_id, "appointment"),
            "Execute": "latecancel" if late else "cancel",
        }
        # Cancelling twice cannot double anything, so a lost answer may be retried.
        answer = self.http.request(
            "cancel_appointment",
            "POST",
            PATHS["update_appointment"],
            json_body=body,
            idempotent=True,
        )
        raw = (answer or {}).get("Appointment")
        return self.normalize(raw, "appointment") if raw else self.get_appointment(appointment_id)

    # -- normalization --------------------------------------------------------------------------
    def _utc(self, value: str | None) -> datetime | None:
        """A documented-UTC field (LastModifiedDateTime, Expires)."""
        return self.local_datetime(value, UTC) if value else None

    def _local(self, value: str | None) -> datetime | None:
        return self.local_datetime(value) if value else None

    def normalize_appointment(self, data: Mapping[str, Any]) -> Appointment:
        start = self.local_datetime(self.require(data, "StartDateTime"))
        end = self._local(data.get("EndDateTime")) or start + timedelta(
            minutes=int(data.get("Duration") or 0)
        )
        return Appointment(
            platform_id=_sid(self.require(data, "Id")),
            status=self.map_status(data.get("Status")),
            start=start,
            end=end,
            customer_id=_sid(data.get("ClientId")),
            service_id=_sid(data.get("SessionTypeId")),
            provider_id=_sid(data.get("StaffId") or (data.get("Staff") or {}).get("Id")),
            location_id=_sid(data.get("LocationId")),
            notes=data.get("Notes") or "",
            raw=dict(data),
        )

    def normalize_customer(self, data: Mapping[str, Any]) -> Customer:
        # Id (business-editable, used by every API call) is the platform id; UniqueId (permanent)
        # is the stable id the mirror follows an Id change by (docs/platforms/mindbody.md §7.2).
        return Customer(
            platform_id=_sid(self.require(data, "Id")),
            first_name=data.get("FirstName") or "",
            last_name=data.get("LastName") or "",
            email=data.get("Email") or "",
            phone=data.get("MobilePhone") or data.get("HomePhone") or data.get("WorkPhone") or "",
            created_at=self._local(data.get("CreationDate")),
            updated_at=self._utc(data.get("LastModifiedDateTime")),
            active=data.get("Active", True) is not False,
            email_opt_in=data.get("SendPromotionalEmails"),
            sms_opt_in=data.get("SendPromotionalTexts"),
            stable_id=_sid(data.get("UniqueId")),
            raw=dict(data),
        )

    def normalize_service(self, data: Mapping[str, Any]) -> Service:
        minutes = data.get("DefaultTimeLength")  # UNCONFIRMED unit: minutes
        return Service(
            platform_id=_sid(self.require(data, "Id")),
            name=data.get("Name") or "",
            category=data.get("Category") or "",
            duration_minutes=int(minutes) if minutes else None,
            raw=dict(data),
        )

    def normalize_provider(self, data: Mapping[str, Any]) -> Provider:
        name = (
            data.get("DisplayName")
            or data.get("Name")
            or f"{data.get('FirstName') or ''} {data.get('LastName') or ''}".strip()
        )
        ended = self._local(data.get("EmploymentEnd"))
        return Provider(
            platform_id=_sid(self.require(data, "Id")),
            name=name,
            active=ended is None or ended > datetime.now(UTC),
            raw=dict(data),
        )

    def normalize_location(self, data: Mapping[str, Any]) -> Location:
        # Locations carry no zone; the salon's zone applies.
        return Location(
            platform_id=_sid(self.require(data, "Id")), name=data.get("Name") or "", raw=dict(data)
        )

    def normalize_slot(self, data: Mapping[str, Any]) -> Slot:
        """One Availability (bookable window) as a single Slot; get_availability slices it."""
        return Slot(
            start=self.local_datetime(self.require(data, "StartDateTime")),
            end=self.local_datetime(self.require(data, "EndDateTime")),
            provider_id=_sid((data.get("Staff") or {}).get("Id")),
            service_id=_sid((data.get("SessionType") or {}).get("Id")),
            location_id=_sid((data.get("Location") or {}).get("Id")),
            raw=dict(data),
        )

    # -- errors ---------------------------------------------------------------------------------
    def handle_error(self, error: HttpFailure) -> IntegrationError:
        mapped = super().handle_error(error)
        # The token endpoint sometimes answers "Please try again" (UNCONFIRMED, seen by [MZ]).
        if type(mapped) is ValidationError and "please try again" in mapped.message.lower():
            return TransientError(
                mapped.message,
                platform=self.platform,
                status_code=mapped.status_code,
                platform_code=mapped.platform_code,
            )
        return mapped

    def error_details(self, body: Any) -> tuple[str, str]:
        error = body.get("Error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return "", ""
        message = error.get("Message") if isinstance(error.get("Message"), str) else ""
        code = error.get("Code") if isinstance(error.get("Code"), str) else ""
        return message[:200], code[:80]

    def error_class_for_code(self, platform_code: str) -> type[IntegrationError] | None:
        return ERROR_CODES.get(platform_code)
