"""Vagaro Open API (v2) adapter. Its webhooks: webhooks/platforms/vagaro.py.

Reference: docs/platforms/vagaro.md. The REST side follows §2 of that page, which rests on what
public code calling the live API agrees on (Vagaro shows its REST reference only to approved
merchants); what is still UNCONFIRMED is one constant or one ``config.options`` key, and §5 says
how this module follows the page.

- Every call goes to ``{VAGARO_API_URL}/{region}/api/v2/``; the region is part of each connection
  (§2.1), so the setting is the root without it.
- A token has exactly one scope (§2.2): the ``read access`` token is the base class's persisted
  token; the ``write access`` token is issued on demand for a booking or a cancellation.
- Answers are an envelope ``{status, responseCode, message, data}``; ``responseCode`` 1000 is
  success and anything else a failure, even inside an HTTP 2xx (§2.3).
- Reads are POST with a JSON body; paging is ``pageNumber`` (from 1) and ``pageSize`` in the query
  string (§2.3). There is no appointment list by date: only by customer or by id (§2.5).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import (
    TOKEN_REFRESH_MARGIN,
    AdapterConfig,
    ConnectGuide,
    Field,
    PlatformAdapter,
    parse_iso_datetime,
)
from .errors import (
    AuthenticationError,
    ConfigurationError,
    IntegrationError,
    NotFoundError,
    UnsupportedOperation,
    ValidationError,
    WriteAccessDenied,
)
from .http import HttpClient, HttpFailure, quote_id
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

# Paths relative to {root}/{region}/api/v2/ (docs/platforms/vagaro.md §2.2-§2.7).
PATHS: dict[str, str] = {
    "token": "merchants/generate-access-token",
    "access_levels": "merchants/access-levels",
    "locations": "locations",
    "customers": "customers",
    "employees": "employees",
    "services": "services",
    "appointments": "appointments",
    "availability": "appointments/availability",
    "create": "appointments/create",
    "delete": "appointments/delete/{appointment_id}",
}

# One scope per token (docs/platforms/vagaro.md §2.2).
READ_SCOPE = "read access"
WRITE_SCOPE = "write access"
# The code in the business's own Vagaro address (§2.1). The regions probed when a token is
# refused: us01..us05 are the ones listed by digit2ai/RinglyPro-CRM/docs/VAGARO_QUICK_START.md.
REGION_PATTERN = r"^[A-Za-z]{2}\d{2}$"
KNOWN_REGIONS = ("us01", "us02", "us03", "us04", "us05")

# Envelope codes (§2.3). No other code is published: every other one is a failure whose class
# comes from the envelope's HTTP-like `status` (401/403: authentication, 404: not found, 429,
# 5xx), else ValidationError. Auth is deliberately never guessed from the message text.
SUCCESS_CODE = 1000
ERROR_CODES: dict[str, type[IntegrationError]] = {"1051": ValidationError}

DEFAULT_TOKEN_LIFETIME = 3600  # seconds, when the token answer states no expires_in (§2.2)
PAGE_PARAM, PAGE_SIZE_PARAM = "pageNumber", "pageSize"
MAX_PAGE_SIZE = 100  # the largest pageSize seen live (§2.3); options["page_size"] may lower it
MAX_PAGES = 10_000  # a runaway-paging fuse
# Availability is one date per call (§2.6), and the business pays per call beyond 5,000 a month
# (§1.1): one search may span at most this many dates.
AVAILABILITY_MAX_DATES = 14
# options["read_times"]: how the `...Z` times of read answers are read (§2.8, UNCONFIRMED).
# "utc": as stated; "local": the digits are the salon's wall-clock time and the Z is dropped.
READ_TIMES = ("utc", "local")

STATUS_MAP: dict[str, AppointmentStatus] = {
    # Webhook vocabulary (docs/platforms/vagaro.md §3.4).
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
    # Read-answer vocabulary (§2.8); "Confirmed" and "No Show" are shared with the webhooks'.
    "Pending": AppointmentStatus.REQUESTED,
    "Checked In": AppointmentStatus.ARRIVED,
    "In Progress": AppointmentStatus.ARRIVED,
    "Completed": AppointmentStatus.COMPLETED,
    "Cancelled": AppointmentStatus.CANCELLED,
}
STAFF_TIME_OFF = "PersonalOff"
# The read answers' status key is UNCONFIRMED: bookingStatus (the webhooks' name) first.
STATUS_KEYS = ("bookingStatus", "appointmentStatus", "status")

# Keys under which a list answer may carry its items (a bare list and `data: [...]` work too;
# one live client reads `services`, `employees` or `serviceProviders` at the top level).
# fmt: off
_LIST_KEYS = ("items", "results", "appointments", "customers", "services", "employees",
              "serviceProviders", "locations", "businesses", "accessLevels")
# fmt: on
_ACCESS_LEVEL_KEYS = ("accessLevel", "accessLevelName", "name", "scope", "permission", "title")


def is_staff_time_off(appointment: Appointment) -> bool:
    """True for Vagaro's PersonalOff blocks, which are normalized as cancelled."""
    return appointment.raw.get("bookingStatus") == STAFF_TIME_OFF


def api_base(root: str, region: str) -> str:
    """``{root}/{region}/api/v2`` (docs/platforms/vagaro.md §2.1)."""
    return f"{root.rstrip('/')}/{region.lower()}/api/v2"


class VagaroAdapter(PlatformAdapter):
    platform = "vagaro"
    display_name = "Vagaro"
    # The business's API plan includes 5,000 calls a month, then $0.002 a call
    # (docs/platforms/vagaro.md §1.1).
    call_allowance = CallAllowance(5000, "month")
    # What Vagaro can do for an account with write access; connection_capabilities() narrows
    # booking and cancelling to the connections where it was granted (§2.7).
    capabilities = Capabilities(
        webhooks=WebhookAuth.URL_TOKEN,
        can_cancel=True,
        can_book=True,
        filters=frozenset({"service", "provider", "location", "customer"}),
        max_range_days=AVAILABILITY_MAX_DATES,
        appointments_by_date=False,  # only by customer or by id (§2.5)
    )
    base_url_setting = "VAGARO_API_URL"  # the root; the region is added per connection
    default_base_url = "https://api.vagaro.com"
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
        Field(
            "region",
            "Region",
            pattern=REGION_PATTERN,
            pattern_message="A Vagaro region is two letters and two digits, e.g. us02.",
            help_text="The code at the start of your Vagaro address: us02 in https://us02.vagaro.com/…",
        ),
        Field("business_id", "Business ID"),
        Field("business_group_id", "Business group ID", required=False),
    )
    # What the connect page tells the owner (docs/platforms/vagaro.md §1, §2.1).
    connect_guide = ConnectGuide(
        summary="Your Vagaro region, the client ID and secret from Vagaro's Developer settings, "
        "and your business ID.",
        where="Vagaro: Settings > Developers > APIs & Webhooks",
        steps=(
            "Sign in to Vagaro as the business owner and look at the address in your browser: "
            "it starts with your region, e.g. https://us02.vagaro.com/… means region us02.",
            "Open Settings > Developers > APIs & Webhooks "
            "(vagaro.com/setting/developers/apisandwebhooks).",
            "If APIs are not enabled yet, send Vagaro's request form there; access is usually "
            "granted in about two days.",
            "Copy the Client ID and the Client Secret Key shown there into the form below.",
            "Your Business ID is shown on the same page; a multi-location group also has a "
            "Business Group ID (optional).",
            "Booking through SalonSync needs write access, which Vagaro does not grant to every "
            "account: the connection test says whether yours has it.",
            "After connecting, create a webhook in Vagaro pointing at the URL SalonSync shows you "
            "and paste the verification token Vagaro gives you on the re-authenticate form.",
        ),
        fields={
            "region": "The code in your own Vagaro address: https://us02.vagaro.com/… → us02.",
            "client_id": "Settings > Developers > APIs & Webhooks, “Client ID”.",
            "client_secret": "Same page, “Client Secret Key”. Treated as a password.",
            "webhook_token": "Optional now: shown by Vagaro when you create the webhook.",
            "business_id": "Same page; one per location.",
            "business_group_id": "Only for multi-location groups.",
        },
    )
    status_map = STATUS_MAP
    # An unknown status holds the time but is neither "booked" nor a cancellation (§2.8).
    default_status = AppointmentStatus.REQUESTED

    # -- construction & auth --------------------------------------------------------------------
    def initialize(self, config: AdapterConfig) -> None:
        region = str(config.account.get("region") or "").strip().lower()
        if region and not re.fullmatch(REGION_PATTERN, region):
            raise ConfigurationError("A Vagaro region is two letters and two digits, e.g. us02.")
        self.api_root = config.base_url
        self.region = region
        if region:  # without one, the base class reports the missing Region
            config = dataclasses.replace(config, base_url=api_base(config.base_url, region))
        super().initialize(config)
        self.read_times = self._option("read_times", "utc")
        if self.read_times not in READ_TIMES:
            raise ConfigurationError("Vagaro's read_times option is 'utc' or 'local'.")
        self.page_size = max(1, min(int(self._option("page_size", MAX_PAGE_SIZE)), MAX_PAGE_SIZE))
        # The write token lives on this instance only: Integration stores one token (the read
        # one), writes are rare, and a stored row then never carries booking rights.
        self._write_token: Token | None = None

    def _option(self, key: str, default: Any) -> Any:
        value = self.config.options.get(key)
        return default if value in (None, "") else value

    @property
    def business_id(self) -> str:
        return self.config.account["business_id"]

    @classmethod
    def capabilities_for(cls, options: Mapping[str, Any]) -> Capabilities:
        # Write access is granted per account (§2.7): the core saves test_connection's facts
        # into options; anything but a confirmed True offers no booking.
        allowed = options.get("write_access") is True
        return dataclasses.replace(cls.capabilities, can_book=allowed, can_cancel=allowed)

    def auth_headers(self, token: Token | None) -> dict[str, str]:
        # `accessToken`, not Authorization: Bearer (§2.3).
        return {"accessToken": token.access_token} if token is not None else {}

    def _fetch_token(self, current: Token | None) -> Token:
        # No refresh token (§2.2): a new one is issued from the client credentials.
        return self._issue_token(READ_SCOPE)

    def _issue_token(self, scope: str, http: HttpClient | None = None) -> Token:
        """POST merchants/generate-access-token for one scope (§2.2). Raises AuthenticationError
        when Vagaro issues none."""
        try:
            body = (http or self.http).request(
                "issue_token",
                "POST",
                PATHS["token"],
                json_body={
                    "clientId": self.config.credentials["client_id"],
                    "clientSecretKey": self.config.credentials["client_secret"],
                    "scope": scope,
                },
                idempotent=True,  # issuing a token twice is harmless
                authenticated=False,
            )
        except (AuthenticationError, ValidationError, NotFoundError) as exc:
            raise self._refused(exc.status_code, exc.platform_code) from None
        data = _unwrap(body)
        access = data.get("access_token") if isinstance(data, Mapping) else None
        if self._envelope_error(body) is not None or not isinstance(access, str) or not access:
            _, code = self.error_details(body)
            raise self._refused(None, code)
        try:
            seconds = float(data.get("expires_in"))
        except (TypeError, ValueError):
            seconds = 0.0
        if not 0 < seconds < 10**7:  # missing, nonsense or infinite: the documented hour
            seconds = DEFAULT_TOKEN_LIFETIME
        return Token(access_token=access, expires_at=datetime.now(UTC) + timedelta(seconds=seconds))

    def _refused(self, status: int | None, code: str) -> AuthenticationError:
        return AuthenticationError(
            "Vagaro did not accept this client ID and secret key.",
            platform=self.platform,
            status_code=status,
            platform_code=code,
        )

    def _write_access_token(self, *, force: bool = False) -> str:
        token = self._write_token
        fresh = (
            token is not None
            and token.expires_at is not None
            and token.expires_at - TOKEN_REFRESH_MARGIN > datetime.now(UTC)
        )
        if force or not fresh:
            try:
                token = self._issue_token(WRITE_SCOPE)
            except AuthenticationError as exc:
                raise _write_denied(exc) from None
            self._write_token = token
        return token.access_token

    def _client(self, base_url: str) -> HttpClient:
        """A client for another region, reporting its calls like any other."""
        extra = {"sleep": self.config.sleep} if self.config.sleep else {}
        return HttpClient(
            platform=self.platform,
            base_url=base_url,
            error_mapper=self.handle_error,
            reporter=self.config.reporter,
            before_send=self.config.before_send,
            timeout=self.config.timeout,
            retry=self.config.retry,
            **extra,
        )

    # -- calls ----------------------------------------------------------------------------------
    def _post(self, operation: str, path: str, body: Any, params: dict | None = None) -> Any:
        """One read: POST with a JSON body (§2.3). A failure inside a 2xx is raised like an HTTP
        error; an authentication failure there renews the read token once, as http.py does for
        an HTTP 401."""
        kwargs: dict[str, Any] = {"params": params, "json_body": body, "idempotent": True}
        answer = self.http.request(operation, "POST", path, **kwargs)
        error = self._envelope_error(answer)
        if isinstance(error, AuthenticationError):
            self.authenticate(force=True)
            answer = self.http.request(operation, "POST", path, **kwargs)
            error = self._envelope_error(answer)
        if error is not None:
            raise error
        return answer

    def _write(self, operation: str, path: str, body: Any, *, idempotent: bool) -> Any:
        """One booking or cancelling call with the write token (§2.7). A refusal for lack of
        access (the write token refused, or the call refused twice with a fresh write token) is
        WriteAccessDenied. A 401 means Vagaro did nothing, so one retry is safe even for a
        booking."""
        try:
            return self._write_once(operation, path, body, idempotent, force=False)
        except AuthenticationError:
            pass
        try:
            return self._write_once(operation, path, body, idempotent, force=True)
        except AuthenticationError as exc:
            raise _write_denied(exc) from None

    def _write_once(self, operation, path, body, idempotent: bool, *, force: bool) -> Any:
        answer = self.http.request(
            operation,
            "POST",
            path,
            json_body=body,
            idempotent=idempotent,
            authenticated=False,  # never the read token
            headers={"accessToken": self._write_access_token(force=force)},
        )
        error = self._envelope_error(answer)
        if error is not None:
            raise error
        return answer

    def _envelope_error(self, body: Any) -> IntegrationError | None:
        """The failure an envelope reports, or None (§2.3). responseCode decides; an answer
        without one fails only when its `status` is an HTTP-like failure."""
        if not isinstance(body, Mapping):
            return None
        code, status = _int(body.get("responseCode")), _int(body.get("status"))
        if code == SUCCESS_CODE or (code is None and (status is None or status < 400)):
            return None
        message, platform_code = self.error_details(body)
        cls = self.error_class_for_code(platform_code)
        if cls is None and status is not None and status >= 400:
            return self.handle_error(HttpFailure(status=status, body=body))
        return (cls or ValidationError)(
            message or "Vagaro refused the request.",
            platform=self.platform,
            platform_code=platform_code,
        )

    def _pages(
        self, operation: str, path: str, body: Mapping[str, Any], start_page: int = 1
    ) -> Iterator[tuple[int, list[Mapping]]]:
        """(page number, records) from ``start_page``; a short page is the last, and
        ``totalPages`` is honoured when the answer carries it (§2.3)."""
        previous: list | None = None
        for number in range(max(1, start_page), max(1, start_page) + MAX_PAGES):
            params = {PAGE_PARAM: number, PAGE_SIZE_PARAM: self.page_size}
            try:
                answer = self._post(operation, path, dict(body), params=params)
            except NotFoundError:
                # UNCONFIRMED how "nothing (more) to list" is answered: a not-found ends the list.
                return
            items = self._records(answer)
            if not items:
                return
            if items == previous:  # the platform ignored pageNumber: stop, do not loop
                logger.warning("vagaro: %s repeated page %d, stopping", operation, number)
                return
            yield number, items
            total_pages = _meta(answer, "totalPages")
            if len(items) < self.page_size or (total_pages is not None and number >= total_pages):
                return
            previous = items

    def _records(self, answer: Any) -> list[Mapping]:
        data = _unwrap(answer)
        if data is None:
            return []  # `data: null`: nothing
        if isinstance(data, Mapping):
            listed = next((data[k] for k in _LIST_KEYS if isinstance(data.get(k), list)), None)
            data = listed if listed is not None else [data]  # one record, unwrapped
        if not isinstance(data, list):
            raise ValidationError(
                "Vagaro sent a list this integration cannot read.", platform=self.platform
            )
        return [item for item in data if isinstance(item, Mapping)]

    def _one(self, operation: str, path: str, body: dict, key: str, wanted: str) -> Mapping:
        """The record whose ``key`` is ``wanted`` in the answer to one read posting its id."""
        for record in self._records(self._post(operation, path, body)):
            if _text(record.get(key)) == wanted:
                return record
        raise NotFoundError(f"Vagaro has no such {operation[4:]}.", platform=self.platform)

    # -- connection -----------------------------------------------------------------------------
    def test_connection(self) -> ConnectionResult:
        try:
            self.authenticate()
        except AuthenticationError as exc:
            found = self._region_holding_credentials()
            if found:
                return ConnectionResult(
                    ok=False,
                    message=(
                        f"These credentials belong to Vagaro region {found}, not {self.region}. "
                        f"Change the region to {found} (the code in your Vagaro address) and "
                        "connect again."
                    ),
                )
            raise AuthenticationError(
                "Vagaro did not accept this client ID and secret key in any region. Copy them "
                "again from Settings > Developers > APIs & Webhooks.",
                platform=self.platform,
                status_code=exc.status_code,
                platform_code=exc.platform_code,
            ) from None
        locations = list(self.iter_locations())
        ours = next((loc for loc in locations if loc.platform_id == self.business_id), None)
        if ours is None:
            listed = ", ".join(
                f"{loc.name} ({loc.platform_id})" if loc.name else loc.platform_id
                for loc in locations[:10]
            )
            return ConnectionResult(
                ok=False,
                message=f"This Vagaro account has no business {self.business_id}; "
                + (f"it has: {listed}." if listed else "it lists no business at all."),
            )
        levels = self._access_levels()
        write_access = self._probe_write_access()
        name = ours.name or f"Vagaro business {self.business_id}"
        return ConnectionResult(
            ok=True,
            account_name=ours.name,
            timezone=ours.timezone,
            # No currency: UNCONFIRMED whether Vagaro's location record states one (none of the
            # public sources shows such a field), so the owner picks it in settings.
            message=f"Connected to {name} on Vagaro. {_WRITE_MESSAGES[write_access]}",
            facts={"write_access": write_access, "access_levels": levels},
        )

    def _region_holding_credentials(self) -> str:
        """The first other known region where these credentials get a token, or ""."""
        for region in KNOWN_REGIONS:
            if region == self.region:
                continue
            try:
                self._issue_token(READ_SCOPE, http=self._client(api_base(self.api_root, region)))
            except IntegrationError:
                continue
            return region
        return ""

    def _access_levels(self) -> list[str]:
        """What merchants/access-levels says the token may do (§2.4), as short strings; its shape
        is UNCONFIRMED, so any failure or odd shape gives an empty list."""
        try:
            answer = self._post("access_levels", PATHS["access_levels"], {})
        except IntegrationError as exc:
            logger.info("vagaro: access levels not readable (%s)", exc.code)
            return []
        found: list[str] = []
        _collect_levels(_unwrap(answer), found)
        return list(dict.fromkeys(found))[:20]

    def _probe_write_access(self) -> bool | None:
        """Issue a write token (§2.7): issued True, refused False, unknown (network) None."""
        try:
            self._write_access_token(force=True)
        except WriteAccessDenied:
            return False
        except IntegrationError as exc:
            logger.info("vagaro: write access could not be checked (%s)", exc.code)
            return None
        return True

    # -- reads ----------------------------------------------------------------------------------
    def get_availability(
        self, start_date: date, end_date: date, filters: AvailabilityFilters | None = None
    ) -> list[Slot]:
        filters = filters or AvailabilityFilters()
        if not filters.service_ids:
            raise ValidationError(
                "Vagaro needs a service to search availability.", platform=self.platform
            )
        dates = (end_date - start_date).days + 1
        if dates > AVAILABILITY_MAX_DATES:
            raise ValidationError(
                f"Vagaro answers one date per call: search at most {AVAILABILITY_MAX_DATES} days "
                "at a time.",
                platform=self.platform,
            )
        business = filters.location_id or self.business_id
        # Each booking item names a service AND a provider (§2.6): without a provider filter,
        # every active provider is asked (one more listing call).
        providers: tuple[str, ...] = filters.provider_ids or tuple(
            p.platform_id for p in self.iter_providers() if p.active
        )
        slots: list[Slot] = []
        for offset in range(max(dates, 0)):
            day = start_date + timedelta(days=offset)
            # One booking item per call: several would ask for one visit with several services.
            for service_id in filters.service_ids:
                for provider_id in providers:
                    item = {"serviceId": service_id, "serviceProviderId": provider_id}
                    body = {
                        "businessId": business,
                        "appointmentDate": day.isoformat(),
                        "bookingItems": [item],
                    }
                    answer = self._post("get_availability", PATHS["availability"], body)
                    slots += self._slots(answer, day, business, service_id, provider_id)
        return sorted(slots, key=lambda s: (s.start, s.provider_id, s.service_id))

    def _slots(
        self, answer: Any, day: date, business: str, service_id: str, provider_id: str
    ) -> list[Slot]:
        """data[{appointmentDate, items[...], timeSlot["09:00", ...]}] (§2.6) as Slots: one per
        time and item, each flattened into one record for normalize_slot."""
        slots = []
        for entry in self._records(answer):
            times = entry.get("timeSlot")
            items = entry.get("items")
            if not isinstance(times, list) or not isinstance(items, list):
                continue
            for item in items:
                if not isinstance(item, Mapping):
                    continue
                if _text(item.get("serviceId")) not in ("", service_id):
                    continue
                if provider_id and _text(item.get("serviceProviderId")) not in ("", provider_id):
                    continue
                for hhmm in times:
                    record = {
                        "businessId": business,
                        "serviceId": service_id,
                        **item,
                        "appointmentDate": entry.get("appointmentDate") or day.isoformat(),
                        "timeSlot": hhmm,
                    }
                    slots.append(self.normalize(record, "slot"))
        return slots

    def get_customer(self, customer_id: str) -> Customer:
        body = {"businessId": self.business_id, "customerId": customer_id}
        record = self._one("get_customer", PATHS["customers"], body, "customerId", customer_id)
        return self.normalize(record, "customer")

    def get_service(self, service_id: str) -> Service:
        # No by-id filter is documented for services (§2.4): list them and pick.
        for service in self.iter_services():
            if service.platform_id == service_id:
                return service
        raise NotFoundError("Vagaro has no such service.", platform=self.platform)

    def get_provider(self, provider_id: str) -> Provider:
        # No by-id filter is documented for employees (§2.4): list them and pick.
        for provider in self.iter_providers():
            if provider.platform_id == provider_id:
                return provider
        raise NotFoundError("Vagaro has no such provider.", platform=self.platform)

    def get_appointment(self, appointment_id: str) -> Appointment:
        body = {"businessId": self.business_id, "appointmentId": appointment_id}
        record = self._one(
            "get_appointment", PATHS["appointments"], body, "appointmentId", appointment_id
        )
        return self.normalize(record, "appointment")

    def get_customer_appointments(
        self, customer_id: str, filters: AppointmentFilters | None = None
    ) -> list[Appointment]:
        # Vagaro takes no dates here (§2.5): the filter's dates apply to the salon-local start.
        filters = filters or AppointmentFilters()
        body = {"businessId": filters.location_id or self.business_id, "customerId": customer_id}
        found = []
        for _, records in self._pages("get_customer_appointments", PATHS["appointments"], body):
            for record in records:
                appointment = self.normalize(record, "appointment")
                day = appointment.start.astimezone(self.tz).date()
                if filters.start_date and day < filters.start_date:
                    continue
                if filters.end_date and day > filters.end_date:
                    continue
                found.append(appointment)
        return found

    def iter_appointments(self, start_date: date, end_date: date) -> Iterator[Appointment]:
        raise UnsupportedOperation(
            "Vagaro lists appointments only by customer or by id (no list by date): read them "
            "per customer and keep them current with webhooks.",
            platform=self.platform,
        )

    def customer_pages(self, start_page: int = 1) -> Iterator[tuple[int, list[Customer]]]:
        body = {"businessId": self.business_id}
        for number, records in self._pages("list_customers", PATHS["customers"], body, start_page):
            yield number, [self.normalize(record, "customer") for record in records]

    def iter_customers(self, changed_since: datetime | None = None) -> Iterator[Customer]:
        # No documented changed-since filter: read all and keep those changed (or undated).
        for _, customers in self.customer_pages():
            for customer in customers:
                changed = customer.updated_at
                if changed_since is None or changed is None or changed >= changed_since:
                    yield customer

    def iter_services(self) -> Iterator[Service]:
        body = {"businessId": self.business_id}
        for _, records in self._pages("list_services", PATHS["services"], body):
            yield from (self.normalize(record, "service") for record in records)

    def iter_providers(self) -> Iterator[Provider]:
        body = {"businessId": self.business_id}
        for _, records in self._pages("list_providers", PATHS["employees"], body):
            yield from (self.normalize(record, "provider") for record in records)

    def iter_locations(self) -> Iterator[Location]:
        # `locations` with {}: every business id of the account (§2.4).
        for _, records in self._pages("list_locations", PATHS["locations"], {}):
            yield from (self.normalize(record, "location") for record in records)

    # -- writes ---------------------------------------------------------------------------------
    def book_appointment(self, details: BookingRequest) -> Appointment:
        # A JSON array of appointments, the start business-local without an offset,
        # appointmentType "appointment" (§2.7). UNCONFIRMED: the other field names, which follow
        # the webhook vocabulary (§3.4); BookingRequest.notes is not sent (no documented field).
        appointment = {
            "businessId": details.location_id or self.business_id,
            "customerId": details.customer_id,
            "serviceId": details.service_id,
            "serviceProviderId": details.provider_id,
            "startTime": self.to_local_naive(details.start),
            "appointmentType": "appointment",
        }
        answer = self._write("book_appointment", PATHS["create"], [appointment], idempotent=False)
        appointment_id = _created_id(_unwrap(answer))
        if not appointment_id:
            raise ValidationError(
                "Vagaro accepted the booking but named no appointment: check the calendar.",
                platform=self.platform,
            )
        try:
            return self.get_appointment(appointment_id)
        except NotFoundError:
            # Booked but not readable yet: answer what we sent rather than report a failure.
            logger.warning("vagaro: booked appointment not readable yet")
            start = details.start
            return Appointment(
                platform_id=appointment_id,
                status=AppointmentStatus.BOOKED,
                start=start,
                end=start,  # the duration is not known without the read
                customer_id=details.customer_id,
                service_id=details.service_id,
                provider_id=details.provider_id,
                location_id=appointment["businessId"],
                raw={"appointmentId": appointment_id},
            )

    def cancel_appointment(self, appointment_id: str, *, late: bool = False) -> Appointment:
        # Cancelling deletes the appointment (§2.7), so it is read first: the answer is that
        # appointment, cancelled, when it can no longer be read back. Vagaro has no late-cancel
        # status; ``late`` is ours to record.
        before = self.get_appointment(appointment_id)
        path = PATHS["delete"].format(appointment_id=quote_id(appointment_id))
        # Deleting twice leaves the same state, so the call may be retried; a not-found for an
        # appointment read a moment ago is a retried delete that had already worked.
        with contextlib.suppress(NotFoundError):
            self._write("cancel_appointment", path, {}, idempotent=True)
        try:
            after = self.get_appointment(appointment_id)
        except NotFoundError:
            return dataclasses.replace(before, status=AppointmentStatus.CANCELLED)
        if after.status.is_active:
            logger.warning("vagaro: deleted appointment still reads as %s", after.status)
            return dataclasses.replace(after, status=AppointmentStatus.CANCELLED)
        return after

    # -- normalization --------------------------------------------------------------------------
    def normalize_appointment(self, data: Mapping[str, Any]) -> Appointment:
        """An appointment from a read answer: its times per options["read_times"] (§2.8)."""
        return self._appointment(data, self._read_time)

    def normalize_webhook_appointment(self, data: Mapping[str, Any]) -> Appointment:
        """An appointment from a webhook payload, whose times are documented UTC (§3.4)."""
        return self._appointment(data, self._utc_time)

    def _appointment(self, data: Mapping[str, Any], read: Any) -> Appointment:
        status = next((data[k] for k in STATUS_KEYS if isinstance(data.get(k), str)), None)
        return Appointment(
            platform_id=str(self.require(data, "appointmentId")),
            status=self.map_status(status),
            start=read(self.require(data, "startTime")),
            end=read(self.require(data, "endTime")),
            customer_id=_text(data.get("customerId")),
            service_id=_text(data.get("serviceId")),
            provider_id=_text(data.get("serviceProviderId")),
            location_id=_text(data.get("businessId")),
            service_name=_text(data.get("serviceTitle")),
            price=_decimal(data.get("amount")),
            created_at=_optional(read, data, "createdDate", "createdAt"),
            updated_at=_optional(read, data, "modifiedDate", "updatedDate", "updatedAt"),
            notes=_text(data.get("notes")),
            raw=dict(data),
        )

    def _read_time(self, value: Any) -> datetime:
        if self.read_times == "local":
            # Wall-clock digits despite the Z (one live integrator's finding, §2.8).
            return parse_iso_datetime(value).replace(tzinfo=None).replace(tzinfo=self.tz)
        return self.local_datetime(value)

    def _utc_time(self, value: Any) -> datetime:
        return self.local_datetime(value, tz=ZoneInfo("UTC"))

    def normalize_customer(self, data: Mapping[str, Any]) -> Customer:
        business_ids = data.get("businessIds")
        # A customer removed from the business stays in Vagaro; its businessIds lose ours (§3.5).
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
            created_at=_optional(self._read_time, data, "createdDate", "createdAt"),
            updated_at=_optional(self._read_time, data, "modifiedDate", "updatedDate", "updatedAt"),
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
        name = full or _text(_first(data, "serviceProvider", "serviceProviderName", "name"))
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
        """One slot: an availability entry's date and one of its `timeSlot` strings (the
        business's local HH:MM) merged with one of its items, which carries the `duration` in
        minutes (§2.6)."""
        day = date.fromisoformat(str(self.require(data, "appointmentDate"))[:10])
        clock = time.fromisoformat(str(self.require(data, "timeSlot")))
        if clock.tzinfo is not None:
            raise ValueError("a slot time is wall-clock time")
        minutes = int(self.require(data, "duration"))
        if not 0 < minutes <= 24 * 60:
            raise ValueError("duration")
        start = datetime.combine(day, clock, self.tz)
        end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(self.tz)
        return Slot(
            start=start,
            end=end,
            provider_id=_text(data.get("serviceProviderId")),
            service_id=_text(data.get("serviceId")),
            location_id=_text(data.get("businessId")),
            raw=dict(data),
        )

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
        return ERROR_CODES.get(platform_code)


_WRITE_MESSAGES: dict[bool | None, str] = {
    True: "Vagaro allows booking and cancelling for this account.",
    False: "Vagaro has not granted this account write access, so SalonSync can read "
    "appointments but not book or cancel them; ask Vagaro for write access and test again.",
    None: "SalonSync could not check whether Vagaro allows booking for this account; "
    "test the connection again later.",
}


# -- module helpers ----------------------------------------------------------------------------
def _write_denied(exc: IntegrationError) -> WriteAccessDenied:
    return WriteAccessDenied(
        "Vagaro does not let this account book or cancel through its API (no write access).",
        platform="vagaro",
        status_code=exc.status_code,
        platform_code=exc.platform_code,
    )


def _first(data: Any, *keys: str) -> Any:
    if not isinstance(data, Mapping):
        return None
    return next((data[k] for k in keys if data.get(k) not in (None, "")), None)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _optional(read: Any, data: Mapping[str, Any], *keys: str) -> datetime | None:
    value = _first(data, *keys)
    return read(value) if isinstance(value, str) and value else None


def _unwrap(body: Any) -> Any:
    """The `data` member of Vagaro's envelope, or the body itself when it is not wrapped."""
    if isinstance(body, Mapping) and "data" in body:
        return body["data"]
    return body


def _meta(body: Any, key: str) -> int | None:
    for holder in (body, _unwrap(body)):
        value = holder.get(key) if isinstance(holder, Mapping) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _created_id(data: Any) -> str:
    """The new appointment's id from appointments/create's data: a list (one per appointment
    posted) or one object, of records or bare ids (shape UNCONFIRMED, §2.7)."""
    if isinstance(data, list):
        data = data[0] if data else None
    if isinstance(data, Mapping):
        data = _first(data, "appointmentId", "appointmentID", "id")
    return data if isinstance(data, str) else ""


def _collect_levels(value: Any, found: list[str], depth: int = 0) -> None:
    """Short strings naming access levels, from whatever shape access-levels answers."""
    if depth > 3 or len(found) >= 20:
        return
    if isinstance(value, str):
        if value.strip():
            found.append(value.strip()[:60])
    elif isinstance(value, list):
        for item in value:
            _collect_levels(item, found, depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if item is True:
                found.append(str(key)[:60])  # {"readAccess": true, ...}
            elif isinstance(item, str) and key in _ACCESS_LEVEL_KEYS:
                found.append(item.strip()[:60])
            elif isinstance(item, (list, Mapping)):
                _collect_levels(item, found, depth + 1)
