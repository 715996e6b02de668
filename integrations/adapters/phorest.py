"""Phorest third-party API adapter (reference: docs/platforms/phorest.md).

HTTP Basic with a ``global/<email>`` username, no token. Every path is scoped by business and most
by branch; a SalonSync location is a Phorest branch. Phorest sends no webhooks: changes are found by
polling ``iter_changed_appointments``.

Times (docs/platforms/phorest.md §5): availability and bookings speak UTC instants (``...Z``);
appointment reads carry ``appointmentDate`` plus wall-clock ``startTime``/``endTime`` in the
branch's zone, so those are read in ``branch.timeZone`` (looked up once per adapter) or the
salon's zone.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..money import normalize_currency
from .base import (
    AdapterConfig,
    ConnectGuide,
    Field,
    PlatformAdapter,
    Region,
    Setting,
    daterange_chunks,
    parse_iso_datetime,
)
from .errors import IntegrationError, NotFoundError, ValidationError
from .http import quote_id
from .types import (
    Appointment,
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
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

# Every path, relative to {host}/third-party-api-server/api/business. {b}: business, {br}: branch.
PATHS = {
    "branches": "{b}/branch",
    "staff_list": "{b}/branch/{br}/staff",
    "staff": "{b}/branch/{br}/staff/{id}",
    "services": "{b}/branch/{br}/service",
    "service": "{b}/branch/{br}/service/{id}",
    "clients": "{b}/client",
    "client": "{b}/client/{id}",
    "appointments": "{b}/branch/{br}/appointment",
    "appointment": "{b}/branch/{br}/appointment/{id}",
    "cancel": "{b}/branch/{br}/appointment/cancel",
    "availability": "{b}/branch/{br}/appointments/availability",  # plural, as documented
    "booking": "{b}/branch/{br}/booking",
}
# The gateways of docs/platforms/phorest.md §1.2 (which of the two names per region is preferred
# is UNCONFIRMED; the api-gateway ones are those of the reference pages and live code). There is
# no AU gateway: Australian salons are on the US one.
EU_URL = "https://api-gateway-eu.phorest.com/third-party-api-server/api/business"
US_URL = "https://api-gateway-us.phorest.com/third-party-api-server/api/business"
MAX_RANGE_DAYS = 31  # "Max date range allowed is 31 days" on appointment lists
PAGE_SIZE = 100  # documented maximum 200 for staff; unconfirmed elsewhere

# How far around an appointment's known date the list is searched when the read by id 404s
# (docs/platforms/phorest.md §7.7): a day each side, as the date may be read in another zone.
LIST_SEARCH_DAYS = 1

# activationState says whether the appointment holds its time; state says how far it got.
ACTIVATION_STATES: dict[str, AppointmentStatus | None] = {
    "ACTIVE": None,  # read ``state``
    "RESERVED": AppointmentStatus.REQUESTED,  # a hold, not yet activated
    "CANCELED": AppointmentStatus.CANCELLED,  # Phorest's spelling (one L)
    "CANCELLED": AppointmentStatus.CANCELLED,
}
BOOKING_STATUSES = {"ACTIVE": AppointmentStatus.BOOKED, "RESERVED": AppointmentStatus.REQUESTED}
# Error codes from the booking error list (docs/platforms/phorest.md §2.6); all mean "this slot
# cannot be booked".
REFUSAL_CODES = frozenset(
    {
        "SLOT_UNAVAILABLE",
        "STAFF_NOT_WORKING",
        "STAFF_UNQUALIFIED",
        "STAFF_REQUESTED",
        "STAFF_DOUBLE_BOOKED",
        "CLIENT_ALREADY_BOOKED_THIS_TIME",
    }
)
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{2,80}$")


class PhorestAdapter(PlatformAdapter):
    platform = "phorest"
    display_name = "Phorest"
    capabilities = Capabilities(
        webhooks=WebhookAuth.NONE,
        can_cancel=True,
        can_book=True,
        filters=frozenset({"service", "provider", "location", "customer", "changed_since"}),
        max_range_days=MAX_RANGE_DAYS,
    )
    base_url_setting = "PHOREST_API_URL"
    default_base_url = EU_URL
    # The host differs by region; each integration keeps its own (docs/platforms/phorest.md §1.2,
    # §7.9). An integration saved before regions existed has none and uses PHOREST_API_URL.
    regions = {
        "eu": Region("EU", "EU (UK, Ireland, Europe)", "PHOREST_API_URL", EU_URL),
        "us": Region("US/CA/AU", "US, Canada or Australia", "PHOREST_US_API_URL", US_URL),
    }
    credential_fields = (
        Field("username", "API username (global/…)", help_text="Issued by Phorest support."),
        Field("password", "API password", secret=True),
    )
    account_fields = (Field("business_id", "Business ID"), Field("branch_id", "Branch ID"))
    # What the connect page tells the owner (docs/platforms/phorest.md §1).
    connect_guide = ConnectGuide(
        summary="API credentials issued by Phorest support, plus your business and branch IDs.",
        where="Phorest: API credentials are issued by Phorest support",
        steps=(
            "Phorest does not show API credentials in its settings: ask Phorest support, from an "
            "email address linked to your business and quoting your Phorest account number, "
            "for third-party API access for SalonSync.",
            "They send an API username that starts with “global/” (e.g. "
            "global/you@salon.com), a password, your Business ID and your Branch ID.",
            "Paste them below exactly as sent, including the “global/” prefix.",
        ),
        fields={
            "username": "Starts with “global/”, e.g. global/you@salon.com.",
            "password": "The API password from Phorest support. Treated as a password.",
            "business_id": "Sent by Phorest support with the credentials.",
            "branch_id": "Sent by Phorest support; one per salon location.",
        },
        note="Phorest sends no webhooks: SalonSync keeps your appointments current by polling.",
    )
    # SalonSync books for the salon (the owner accepts a suggestion), so by default it searches
    # the salon's own calendar; Phorest's online-booking rules are the owner's choice
    # (isOnlineAvailability, docs/platforms/phorest.md §2.5, §7.16).
    owner_settings = (
        Setting(
            "availability",
            "Openings SalonSync offers",
            choices=(
                (
                    "salon",
                    "The salon's calendar: every working staff member, as the front desk books",
                ),
                ("online", "Only what Phorest Online Booking offers your clients"),
            ),
            default="salon",
            help_text="Choose online booking only if your Phorest online booking shows the "
            "staff and services you want suggested; a salon without it would get no openings.",
        ),
    )
    uses_token = False
    # ``state`` values. BOOKED/CHECKED_IN/PAID are seen in live code; the rest are listed by one
    # low-weight source only (docs/platforms/phorest.md §2.4) and mapped in case they exist. How
    # Phorest marks a no-show is UNCONFIRMED: that source's ``NO_SHOW`` is read as one, and any
    # state not listed here reads as REQUESTED (held, not booked), never as BOOKED.
    status_map = {
        "BOOKED": AppointmentStatus.BOOKED,
        "CHECKED_IN": AppointmentStatus.ARRIVED,
        "PAID": AppointmentStatus.COMPLETED,
        "ARRIVED": AppointmentStatus.ARRIVED,
        "STARTED": AppointmentStatus.ARRIVED,
        "COMPLETED": AppointmentStatus.COMPLETED,
        "NO_SHOW": AppointmentStatus.NO_SHOW,
        "CANCELLED": AppointmentStatus.CANCELLED,
    }
    default_status = AppointmentStatus.REQUESTED

    def initialize(self, config: AdapterConfig) -> None:
        super().initialize(config)
        self.business_id = str(config.account["business_id"])
        self.branch_id = str(config.account["branch_id"])
        self.options: Mapping[str, Any] = config.options
        self._zones: dict[str, ZoneInfo] = {}
        self._zones_loaded = False
        if config.options.get("branch_timezone"):
            self._zones[self.branch_id] = self._zone(config.options["branch_timezone"])
            self._zones_loaded = True

    # -- auth -----------------------------------------------------------------------------------
    def auth_headers(self, token: Token | None) -> dict[str, str]:
        # Built by hand: requests' HTTPBasicAuth encodes latin-1, Phorest passwords may not be.
        pair = f"{self.config.credentials['username']}:{self.config.credentials['password']}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}

    def test_connection(self) -> ConnectionResult:
        for location in self.iter_locations():
            if location.platform_id == self.branch_id:
                return ConnectionResult(
                    ok=True,
                    account_name=location.name,
                    timezone=location.timezone,
                    # The branch's currencyCode (GET /{businessId}/branch); see
                    # docs/currency-and-dates.md.
                    currency=normalize_currency(location.raw.get("currencyCode")),
                    # Kept in the options, so syncs read wall-clock times without listing the
                    # branches every run (only the daily and full syncs read catalogs).
                    facts={"branch_timezone": location.timezone} if location.timezone else {},
                )
        return ConnectionResult(ok=False, message="This business has no branch with that ID.")

    # -- reads ----------------------------------------------------------------------------------
    def get_availability(
        self, start_date: date, end_date: date, filters: AvailabilityFilters | None = None
    ) -> list[Slot]:
        filters = filters or AvailabilityFilters()
        if not filters.service_ids:
            raise ValidationError(
                "Phorest needs a service to search availability.", platform=self.platform
            )
        branch = filters.location_id or self.branch_id
        self._load_zones()  # day boundaries are the branch's midnights
        zone = self.branch_zone(branch)
        staff_choices: tuple[str, ...] = filters.provider_ids or ("",)
        days = int(self.options.get("availability_window_days", 7))
        slots: list[Slot] = []
        for first, last in daterange_chunks(start_date, end_date, days):
            window = (
                _utc_z(datetime.combine(first, time(), zone)),
                _utc_z(datetime.combine(last + timedelta(days=1), time(), zone)),
            )
            # One client, one service per request: several serviceSelections would ask for a
            # back-to-back multi-service booking, not alternatives.
            for service_id in filters.service_ids:
                for staff_id in staff_choices:
                    slots += self._availability(branch, window, service_id, staff_id)
        return sorted(slots, key=lambda s: (s.start, s.provider_id))

    def _availability(self, branch, window, service_id: str, staff_id: str) -> list[Slot]:
        selection = {"serviceId": service_id} | ({"staffId": staff_id} if staff_id else {})
        body = {
            "startTime": window[0],
            "endTime": window[1],
            "isOnlineAvailability": self.setting("availability") == "online",
            "clientServiceSelections": [{"serviceSelections": [selection]}],
        }
        answer = self.http.request(
            "get_availability",
            "POST",
            self._path("availability", br=branch),
            json_body=body,
            idempotent=True,  # a search: safe to repeat
        )
        entries = answer.get("data") if isinstance(answer, dict) else answer
        slots = []
        for entry in entries or []:
            slot = self.normalize(entry, "slot")
            if staff_id and (slot.provider_id != staff_id or _alternative(entry)):
                continue  # Phorest may offer someone else than the person asked for
            slots.append(replace(slot, location_id=branch))
        return slots

    def get_customer(self, customer_id: str) -> Customer:
        data = self.http.request("get_customer", "GET", self._path("client", obj=customer_id))
        return self.normalize(data, "customer")

    def get_service(self, service_id: str) -> Service:
        data = self.http.request("get_service", "GET", self._path("service", obj=service_id))
        return self.normalize(data, "service")

    def get_provider(self, provider_id: str) -> Provider:
        data = self.http.request("get_provider", "GET", self._path("staff", obj=provider_id))
        return self.normalize(data, "provider")

    def get_appointment(self, appointment_id: str) -> Appointment:
        """By id; where that 404s (some tenants do for existing appointments,
        docs/platforms/phorest.md §7.7) the list is searched around the date SalonSync knows
        (``remember_appointment``). Without a known date there is no cheap search, so the
        NotFoundError is passed on."""
        try:
            data = self.http.request(
                "get_appointment", "GET", self._path("appointment", obj=appointment_id)
            )
        except NotFoundError:
            found = self._search_list(appointment_id)
            if found is None:
                raise
            return found
        self._load_zones()
        return self.normalize(data, "appointment")

    def _search_list(self, appointment_id: str) -> Appointment | None:
        known = self.known_appointment(appointment_id)
        if known is None:
            return None
        self._load_zones()
        day = known.start.astimezone(self.branch_zone(self.branch_id)).date()
        params = {"fetch_canceled": "true", "fetch_deleted": "true"}
        if known.customer_id:  # fewer rows; re-checked below (§7.1)
            params["client_id"] = known.customer_id
        first, last = day - timedelta(days=LIST_SEARCH_DAYS), day + timedelta(days=LIST_SEARCH_DAYS)
        for raw in self._appointment_rows(first, last, self.branch_id, params):
            if str(raw.get("appointmentId")) == str(appointment_id):
                return self.normalize(raw, "appointment")
        return None

    def get_customer_appointments(
        self, customer_id: str, filters: AppointmentFilters | None = None
    ) -> list[Appointment]:
        filters = filters or AppointmentFilters()
        branch = filters.location_id or self.branch_id
        self._load_zones()
        today = datetime.now(self.branch_zone(branch)).date()
        start = filters.start_date or today - timedelta(
            days=int(self.options.get("history_days", 180))
        )
        end = filters.end_date or today + timedelta(days=int(self.options.get("future_days", 180)))
        # ``client_id`` (snake_case): ``clientId`` is silently ignored and returns every client's
        # appointments, so the answer is re-filtered here as well (docs/platforms/phorest.md §7.1).
        found = []
        for raw in self._appointment_rows(start, end, branch, {"client_id": customer_id}):
            if str(raw.get("clientId")) != str(customer_id):
                logger.warning("phorest: appointment list ignored the client filter; dropped a row")
                continue
            found.append(self.normalize(raw, "appointment"))
        return sorted(found, key=lambda a: a.start)

    def iter_appointments(self, start_date: date, end_date: date) -> Iterator[Appointment]:
        for raw in self._appointment_rows(start_date, end_date, self.branch_id, {}):
            yield self.normalize(raw, "appointment")

    def iter_changed_appointments(self, since: datetime) -> Iterator[Appointment]:
        """Appointments updated at or after ``since``, in date windows around today.

        Phorest filters by update time only inside a from_date/to_date window, so the windows run
        from ``changed_past_days`` (1) before the earlier of ``since`` and today to
        ``changed_future_days`` (60) ahead. Every 31 days more is one more call each 15 minutes:
        the salon day of bench/api_budget.py costs 509 calls with 31 back and 90 ahead, 319 with
        1 and 60. A change outside the window (a visit marked paid days later, a booking more
        than 60 days out) is read by the nightly reconciliation (30 days back, 90 ahead).
        The filter's name is disputed (docs/platforms/phorest.md §2.4): both spellings are sent by
        default (Phorest ignores unknown parameters), and rows are re-checked on ``updatedAt``
        here, so either reading stays correct.
        """
        if since.tzinfo is None:
            since = since.replace(tzinfo=self.tz)
        self._load_zones()
        zone = self.branch_zone(self.branch_id)
        today = datetime.now(zone).date()
        first = min(since.astimezone(zone).date(), today)
        first -= timedelta(days=int(self.options.get("changed_past_days", 1)))
        last = today + timedelta(days=int(self.options.get("changed_future_days", 60)))
        stamp = _utc_z(since)
        names = self.options.get("updated_filter", "both")
        params: dict[str, Any] = {"fetch_deleted": "true"}
        if names in ("both", "updated_after"):
            params["updated_after"] = stamp
        if names in ("both", "updated_from"):
            params["updated_from"] = stamp
        for raw in self._appointment_rows(first, last, self.branch_id, params):
            updated = _instant(raw.get("updatedAt"))
            if updated is not None and updated < since:
                continue
            yield self.normalize(raw, "appointment")

    def _appointment_rows(self, start, end, branch, extra) -> Iterator[dict]:
        self._load_zones()
        for first, last in daterange_chunks(start, end, MAX_RANGE_DAYS):
            params = {
                "from_date": first.isoformat(),
                "to_date": last.isoformat(),  # inclusive
                "fetch_canceled": "true",  # cancellations are what rebooking feeds on
                **extra,
            }
            path = self._path("appointments", br=branch)
            yield from self._paged("list_appointments", path, "appointments", params)

    def iter_customers(self, changed_since: datetime | None = None) -> Iterator[Customer]:
        params = {"updatedAfter": _utc_z(changed_since)} if changed_since else {}
        for raw in self._paged("list_customers", self._path("clients"), "clients", params):
            yield self.normalize(raw, "customer")

    def iter_services(self) -> Iterator[Service]:
        for raw in self._paged("list_services", self._path("services"), "services", {}):
            yield self.normalize(raw, "service")

    def iter_providers(self) -> Iterator[Provider]:
        for raw in self._paged("list_providers", self._path("staff_list"), "staffs", {}):
            # One tenant listed staff of other branches here (docs/platforms/phorest.md §7.8).
            if raw.get("branchId") and str(raw["branchId"]) != self.branch_id:
                continue
            yield self.normalize(raw, "provider")

    def iter_locations(self) -> Iterator[Location]:
        for raw in self._paged("list_locations", self._path("branches"), "branches", {}):
            location = self.normalize(raw, "location")
            if location.timezone:  # the branch's word is fresher than a saved option
                self._zones[location.platform_id] = self._zone(location.timezone)
            yield location

    # -- writes ---------------------------------------------------------------------------------
    def book_appointment(self, details: BookingRequest) -> Appointment:
        branch = details.location_id or self.branch_id
        start = self.local_datetime(details.start, self.branch_zone(branch))
        schedule = {
            "serviceId": details.service_id,
            "staffId": details.provider_id,
            "startTime": _utc_z(start),  # bookings are UTC (support article)
        }
        body: dict[str, Any] = {
            "clientId": details.customer_id,
            "bookingStatus": self.options.get("booking_status", "ACTIVE"),
            "clientAppointmentSchedules": [
                {"clientId": details.customer_id, "serviceSchedules": [schedule]}
            ],
        }
        if details.notes:
            body["note"] = details.notes
        # Never force_selected_time (it double-books) and never retry: Phorest has no
        # idempotency key, so a timed-out booking may exist; the caller re-reads first.
        answer = self.http.request(
            "book_appointment",
            "POST",
            self._path("booking", br=branch),
            json_body=body,
            idempotent=False,
        )
        return self._booked(answer, details, branch, start)

    def _booked(self, answer: Any, details: BookingRequest, branch: str, start: datetime):
        answer = answer if isinstance(answer, dict) else {}
        booking_id = str(answer.get("bookingId") or "")
        schedules = [
            s
            for group in answer.get("clientAppointmentSchedules") or []
            for s in group.get("serviceSchedules") or []
        ]
        sched = schedules[0] if schedules else {}
        appointment_id = sched.get("appointmentId") or booking_id
        if not sched.get("appointmentId"):
            # The booking exists; failing now would invite a duplicate. Keep what we have.
            logger.warning("phorest: booking answer without appointmentId (booking %s)", booking_id)
        begin = parse_iso_datetime(sched["startTime"]) if sched.get("startTime") else start
        finish = parse_iso_datetime(sched["endTime"]) if sched.get("endTime") else begin
        return Appointment(
            platform_id=str(appointment_id),
            status=BOOKING_STATUSES.get(answer.get("bookingStatus"), AppointmentStatus.BOOKED),
            start=begin,
            end=finish,
            customer_id=str(answer.get("clientId") or details.customer_id),
            service_id=str(sched.get("serviceId") or details.service_id),
            provider_id=str(sched.get("staffId") or details.provider_id),
            location_id=branch,
            price=_decimal(sched.get("price")),
            notes=details.notes,
            raw=answer,
        )

    def cancel_appointment(self, appointment_id: str, *, late: bool = False) -> Appointment:
        """Cancel, then re-read. A 2xx answer is the cancellation: when the re-read finds nothing
        (by id and list both, §7.7), the result is built from what SalonSync knew. Phorest records
        no late flag: ``late`` only labels the result."""
        answer = self.http.request(
            "cancel_appointment",
            "POST",
            self._path("cancel"),
            params={"appointment_id": appointment_id},
            idempotent=False,
        )
        rows = _embedded(answer, "appointments") if isinstance(answer, dict) else []
        if isinstance(answer, dict) and answer.get("appointmentId"):
            rows = [answer]
        mine = [r for r in rows if str(r.get("appointmentId")) == str(appointment_id)]
        if mine:
            self._load_zones()
            appointment = self.normalize(mine[0], "appointment")
        else:
            try:
                appointment = self.get_appointment(appointment_id)
            except NotFoundError:
                appointment = self._cancelled_as_known(appointment_id)
        status = AppointmentStatus.LATE_CANCELLED if late else AppointmentStatus.CANCELLED
        return replace(appointment, status=status)

    def _cancelled_as_known(self, appointment_id: str) -> Appointment:
        """Phorest accepted the cancellation but returns the appointment by no read."""
        logger.warning("phorest: cancelled %s, but no read returns it", appointment_id)
        known = self.known_appointment(appointment_id)
        if known is not None:
            return known
        # Nothing known but the id: the times are the cancellation's, not the appointment's.
        now = datetime.now(UTC)
        return Appointment(
            platform_id=str(appointment_id),
            status=AppointmentStatus.CANCELLED,
            start=now,
            end=now,
            location_id=self.branch_id,
        )

    # -- normalization --------------------------------------------------------------------------
    def normalize_appointment(self, data: Mapping[str, Any]) -> Appointment:
        branch = str(data.get("branchId") or self.branch_id)
        zone = UTC if self.options.get("appointment_times") == "utc" else self.branch_zone(branch)
        day = date.fromisoformat(self.require(data, "appointmentDate"))
        start_clock = time.fromisoformat(self.require(data, "startTime"))
        start = self.local_datetime(datetime.combine(day, start_clock), zone)
        if data.get("endTime"):
            end_clock = time.fromisoformat(data["endTime"])
            # One appointmentDate for both ends: an end before the start is the next day.
            end_day = day + timedelta(days=1) if end_clock < start_clock else day
            end = self.local_datetime(datetime.combine(end_day, end_clock), zone)
        else:
            end = start + timedelta(minutes=int(data.get("duration") or 0))
        return Appointment(
            platform_id=str(self.require(data, "appointmentId")),
            status=self.appointment_status(data),
            start=start,
            end=end,
            customer_id=str(data.get("clientId") or ""),
            service_id=str(data.get("serviceId") or ""),
            provider_id=str(data.get("staffId") or ""),
            location_id=branch,
            service_name=data.get("serviceName") or "",
            price=_decimal(data.get("price")),
            created_at=_instant(data.get("createdAt")),
            updated_at=_instant(data.get("updatedAt")),
            notes=str(data.get("notes") or ""),
            raw=dict(data),
        )

    def appointment_status(self, data: Mapping[str, Any]) -> AppointmentStatus:
        if data.get("deleted"):
            return AppointmentStatus.CANCELLED
        activation = data.get("activationState")
        if activation is not None and activation not in ACTIVATION_STATES:
            logger.warning("phorest: unknown activationState %r, reading state", activation)
        if ACTIVATION_STATES.get(activation) is not None:
            return ACTIVATION_STATES[activation]
        status = self.map_status(data.get("state"))
        if activation is not None and activation not in ACTIVATION_STATES:
            # An unknown activationState could be a no-show or a hold: never read as booked.
            return AppointmentStatus.REQUESTED if status.is_active else status
        if status is AppointmentStatus.BOOKED and data.get("confirmed") is True:
            return AppointmentStatus.CONFIRMED
        return status

    def normalize_customer(self, data: Mapping[str, Any]) -> Customer:
        return Customer(
            platform_id=str(self.require(data, "clientId")),
            first_name=data.get("firstName") or "",
            last_name=data.get("lastName") or "",
            email=data.get("email") or "",
            phone=data.get("mobile") or data.get("landLine") or "",
            created_at=_instant(data.get("createdAt")),
            updated_at=_instant(data.get("updatedAt")),
            active=not (
                data.get("archived") or data.get("deleted") or data.get("mergedToClientId")
            ),
            email_opt_in=data.get("emailMarketingConsent"),
            sms_opt_in=data.get("smsMarketingConsent"),
            raw=dict(data),
        )

    def normalize_service(self, data: Mapping[str, Any]) -> Service:
        online = data.get("internetServiceCategories") or []
        duration = data.get("duration")
        return Service(
            platform_id=str(self.require(data, "serviceId")),
            name=data.get("name") or data.get("internetName") or "",
            category=(online[0].get("name") if online else "") or data.get("categoryName") or "",
            duration_minutes=int(duration) if duration is not None else None,
            price=_decimal(data.get("price")),
            active=not data.get("archived"),
            raw=dict(data),
        )

    def normalize_provider(self, data: Mapping[str, Any]) -> Provider:
        name = f"{data.get('firstName') or ''} {data.get('lastName') or ''}".strip()
        return Provider(
            platform_id=str(self.require(data, "staffId")),
            name=name,
            # SalonSync books for the salon, so staff hidden from online bookings stay active;
            # archived staff and staff off the appointment screen are not bookable at all
            # (docs/platforms/phorest.md §7.8). ``raw["hideFromOnlineBookings"]`` and
            # ``online_bookable`` keep the online flag for client-facing pages.
            active=not (
                data.get("archived") or data.get("deleted") or data.get("hideFromAppointmentScreen")
            ),
            online_bookable=not data.get("hideFromOnlineBookings"),
            raw=dict(data),
        )

    def normalize_location(self, data: Mapping[str, Any]) -> Location:
        return Location(
            platform_id=str(self.require(data, "branchId")),
            name=data.get("name") or "",
            timezone=data["timeZone"] if isinstance(data.get("timeZone"), str) else "",
            raw=dict(data),
        )

    def normalize_slot(self, data: Mapping[str, Any]) -> Slot:
        schedules = [
            s for c in data.get("clientSchedules") or [] for s in c.get("serviceSchedules") or []
        ]
        first = schedules[0] if schedules else {}
        start = parse_iso_datetime(data.get("startTime") or first["startTime"])
        ends = [parse_iso_datetime(s["endTime"]) for s in schedules if s.get("endTime")]
        return Slot(
            start=self.local_datetime(start, UTC),  # Phorest sends Z; a bare time is UTC too
            end=self.local_datetime(max(ends) if ends else start, UTC),  # never naive
            provider_id=str(first.get("staffId") or ""),
            service_id=str(first.get("serviceId") or ""),
            location_id=self.branch_id,
            raw=dict(data),
        )

    # -- errors ---------------------------------------------------------------------------------
    def error_details(self, body: Any) -> tuple[str, str]:
        """Body: {"statusCode", "id", "detail", "errorCode"}; ``detail`` is a code or a message."""
        if isinstance(body, list) and body and isinstance(body[0], dict):
            body = body[0]
        if not isinstance(body, dict):
            return "", ""
        detail = str(body.get("detail") or body.get("message") or "")[:120]
        code = str(body.get("errorCode") or "") or (detail if _CODE.match(detail) else "")
        if detail and code and detail != code:
            return f"{detail} ({code})", code
        return detail or code, code

    def error_class_for_code(self, platform_code: str) -> type[IntegrationError] | None:
        return ValidationError if platform_code in REFUSAL_CODES else None

    # -- helpers --------------------------------------------------------------------------------
    def _path(self, name: str, *, br: str | None = None, obj: str = "") -> str:
        return PATHS[name].format(
            b=quote_id(self.business_id), br=quote_id(br or self.branch_id), id=quote_id(obj)
        )

    def _paged(self, operation: str, path: str, key: str, params: dict) -> Iterator[dict]:
        """Zero-based ``page`` until totalPages; ``_embedded`` as an object or a bare list."""
        size = int(self.options.get("page_size", PAGE_SIZE))
        page = 0
        while True:
            body = self.http.request(
                operation, "GET", path, params={**params, "size": size, "page": page}
            )
            if isinstance(body, list):  # a bare array: no paging information
                yield from body
                return
            if body is None:
                return
            if not isinstance(body, dict):
                raise ValidationError(
                    "Phorest sent a list this integration cannot read.", platform=self.platform
                )
            rows = _embedded(body, key)
            yield from rows
            # Our own counter, not the echoed number: a server ignoring ``page`` cannot loop us.
            page += 1
            if not rows or page >= int((body.get("page") or {}).get("totalPages", 1)):
                return

    def learned_facts(self) -> dict[str, Any]:
        # A branch that moved zone (or an integration connected before the zone was kept) is
        # corrected by the nightly catalog read.
        zone = self._zones.get(self.branch_id)
        return {"branch_timezone": zone.key} if zone is not None else {}

    def branch_zone(self, branch_id: str) -> ZoneInfo:
        """The branch's zone when known (branch list or options), else the salon's."""
        return self._zones.get(branch_id, self.tz)

    def _load_zones(self) -> None:
        """Learn branch time zones once per adapter, before reading wall-clock times."""
        if self._zones_loaded or self.options.get("appointment_times") == "utc":
            return
        self._zones_loaded = True
        for _ in self.iter_locations():
            pass

    def _zone(self, name: str) -> ZoneInfo:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):  # OSError: "America"
            logger.warning("phorest: unknown branch time zone %r, using the salon's", name)
            return self.tz


def _embedded(body: Mapping[str, Any], key: str) -> list[dict]:
    embedded = body.get("_embedded")
    if isinstance(embedded, list):  # older spec versions
        return embedded
    if isinstance(embedded, dict):
        return list(embedded.get(key) or [])
    return []


def _alternative(entry: Mapping[str, Any]) -> bool:
    return any(
        s.get("alternativeStaffMember")
        for c in entry.get("clientSchedules") or []
        for s in c.get("serviceSchedules") or []
    )


def _utc_z(value: datetime) -> str:
    """UTC with milliseconds and Z, as live integrations send (e.g. 2026-01-01T10:00:00.000Z)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = parse_iso_datetime(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # documented as UTC


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
