"""PlatformAdapter: the one interface every booking platform implements.

A platform module subclasses PlatformAdapter, declares its class attributes (``platform``,
``capabilities``, credential and account fields, base URL setting) and fills in the abstract
steps. Everything shared lives here and in ``http.py``: construction from an integration's config,
token caching and refresh ahead of expiry, status-code to error mapping, paging helpers and
time-zone handling.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import (
    AuthenticationError,
    ConfigurationError,
    IntegrationError,
    NotFoundError,
    RateLimitError,
    TransientError,
    UnsupportedOperation,
    ValidationError,
)
from .http import HttpClient, HttpFailure, RetryPolicy, parse_retry_after
from .types import (
    Activation,
    Appointment,
    AppointmentFilters,
    AppointmentStatus,
    AvailabilityFilters,
    BookingRequest,
    CallAllowance,
    CallRecord,
    Capabilities,
    ConnectionResult,
    Customer,
    Location,
    Provider,
    Service,
    Slot,
    Token,
)

logger = logging.getLogger(__name__)

# Refresh a cached token this long before it expires, so a call never races the expiry.
TOKEN_REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Field:
    """A credential or account field the connect form asks for.

    ``pattern`` (a regular expression the whole value must match) and ``pattern_message`` (what
    the form says when it does not) are the platform's own rule for the value, if it has one."""

    name: str
    label: str
    secret: bool = False
    required: bool = True
    help_text: str = ""
    pattern: str = ""
    pattern_message: str = ""


@dataclass(frozen=True)
class ConnectGuide:
    """What the connect page tells an owner: what to paste and where to find it."""

    summary: str  # one line on the platform card
    where: str  # where in the platform the owner finds the values
    steps: tuple[str, ...]
    fields: Mapping[str, str] = field(default_factory=dict)  # field name -> where to find it
    note: str = ""
    # What the login must be allowed to do on the platform (shown as a list on the connect page).
    permissions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Region:
    """One of a platform's regional hosts (Phorest: docs/platforms/phorest.md §1.2). An
    integration's ``options["region"]`` picks one; its base URL is ``setting`` when set, else
    ``default_url``."""

    label: str  # short, in messages: "EU", "US/CA/AU"
    choice: str  # on the connect form
    setting: str  # the Django setting that overrides the URL (the sandbox points it at itself)
    default_url: str


@dataclass(frozen=True)
class Setting:
    """A per-integration choice the owner sees and may change on the integration's page, saved
    in ``Integration.options[name]``; ``default`` applies until they choose (and to any value
    that is not one of ``choices``)."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...]  # (saved value, what the page says)
    default: str
    help_text: str = ""


@dataclass
class AdapterConfig:
    """Everything an adapter needs, built from an Integration (or by hand in tests)."""

    base_url: str
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)
    account: Mapping[str, str] = field(default_factory=dict)  # site id, business/branch ids
    timezone: str = "UTC"  # the salon's IANA zone: used when the platform gives no zone
    token: Token | None = field(default=None, repr=False)
    on_token: Callable[[Token], None] | None = None  # persist a refreshed token
    reporter: Callable[[CallRecord], None] | None = None  # record each platform call
    # Called with (platform, operation) before every attempt: BookingService checks that no
    # database transaction is open (integrations/platform_calls.py).
    before_send: Callable[[str, str], None] | None = None
    timeout: tuple[float, float] = (5.0, 20.0)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] | None = None  # tests inject a fake clock
    options: Mapping[str, Any] = field(default_factory=dict)  # platform-specific extras
    # False only for calls made before the owner typed credentials (Mindbody's activation link).
    credentials_required: bool = True


class PlatformAdapter(ABC):
    platform: ClassVar[str]
    display_name: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    base_url_setting: ClassVar[str]  # e.g. "VAGARO_API_URL"
    default_base_url: ClassVar[str]
    credential_fields: ClassVar[tuple[Field, ...]] = ()
    account_fields: ClassVar[tuple[Field, ...]] = ()
    # Platform status string -> normalized status; unknown values fall back to the default.
    status_map: ClassVar[Mapping[str, AppointmentStatus]] = {}
    default_status: ClassVar[AppointmentStatus] = AppointmentStatus.BOOKED
    uses_token: ClassVar[bool] = True
    # What the platform includes before calls cost the salon (None: no published allowance).
    call_allowance: ClassVar[CallAllowance | None] = None
    # Adapter option -> the Django setting that supplies it when the integration sets none
    # (e.g. Mindbody's app-wide developer key: {"api_key": "MINDBODY_API_KEY"}).
    settings_options: ClassVar[Mapping[str, str]] = {}
    connect_guide: ClassVar[ConnectGuide] = ConnectGuide(summary="", where="", steps=())
    # Regional hosts, when the platform has several (key -> Region; the first is the default).
    regions: ClassVar[Mapping[str, Region]] = {}
    # True where the business must approve SalonSync before any login works (``activation``).
    needs_activation: ClassVar[bool] = False
    # Choices the owner makes per integration (integrations/settings_pages.py shows them).
    owner_settings: ClassVar[tuple[Setting, ...]] = ()

    def __init__(self, config: AdapterConfig) -> None:
        self.initialize(config)

    # -- construction & auth --------------------------------------------------------------------
    def initialize(self, config: AdapterConfig) -> None:
        self.config = config
        missing = [
            f.label
            for f in self.credential_fields
            if f.required and config.credentials_required and not config.credentials.get(f.name)
        ]
        missing += [
            f.label for f in self.account_fields if f.required and not config.account.get(f.name)
        ]
        if missing:
            raise ConfigurationError(f"{self.display_name} needs: {', '.join(missing)}.")
        try:
            self.tz = ZoneInfo(config.timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(f"Unknown time zone {config.timezone!r}.") from exc
        self._token: Token | None = config.token
        self._known: dict[str, Appointment] = {}
        extra = {"sleep": config.sleep} if config.sleep else {}
        self.http = HttpClient(
            platform=self.platform,
            base_url=config.base_url,
            error_mapper=self.handle_error,
            headers=self._request_headers,
            refresh_auth=self._refresh_after_401 if self.uses_token else None,
            reporter=config.reporter,
            before_send=config.before_send,
            timeout=config.timeout,
            retry=config.retry,
            **extra,
        )

    def authenticate(self, *, force: bool = False) -> Token | None:
        """Return a valid token, fetching a new one when missing, expiring soon or forced."""
        if not self.uses_token:
            return None
        token = self._token
        fresh_enough = (
            token is not None
            and token.access_token
            and (token.expires_at is None or token.expires_at - TOKEN_REFRESH_MARGIN > _now())
        )
        if fresh_enough and not force:
            return token
        token = self._fetch_token(current=None if force else token)
        self._token = token
        if self.config.on_token is not None:
            self.config.on_token(token)
        return token

    def _refresh_after_401(self) -> bool:
        self.authenticate(force=True)
        return True

    def _request_headers(self) -> dict[str, str]:
        token = self.authenticate() if self.uses_token else None
        return self.auth_headers(token)

    @abstractmethod
    def auth_headers(self, token: Token | None) -> dict[str, str]:
        """Headers that authenticate one request."""

    def _fetch_token(self, current: Token | None) -> Token:
        """Issue (or renew ``current``) an access token. Platforms with tokens override this."""
        raise UnsupportedOperation("This platform does not use tokens.", platform=self.platform)

    def learned_facts(self) -> dict[str, Any]:
        """Facts this adapter's reads established that the integration keeps in its options
        (as ConnectionResult.facts at connect), so a catalog read refreshes them."""
        return {}

    def setting(self, name: str) -> str:
        """The owner's choice for one of ``owner_settings``, or its default."""
        return setting_value(type(self), self.config.options, name)

    def remember_appointment(self, appointment: Appointment) -> None:
        """What SalonSync already holds for an appointment (its mirror row), told before a call
        about it. A platform whose read by id is unreliable can search a list around its date or
        answer from it (Phorest, docs/platforms/phorest.md §7.7); the others need not use it."""
        self._known[appointment.platform_id] = appointment

    def known_appointment(self, appointment_id: str) -> Appointment | None:
        return self._known.get(str(appointment_id))

    @classmethod
    def capabilities_for(cls, options: Mapping[str, Any]) -> Capabilities:
        """What a connection with these options can do: the class's capabilities unless a
        per-connection fact (saved from ConnectionResult.facts) narrows them. A classmethod so
        pages can ask without building an adapter (no credentials, no calls)."""
        return cls.capabilities

    def connection_capabilities(self) -> Capabilities:
        return self.capabilities_for(self.config.options)

    @abstractmethod
    def test_connection(self) -> ConnectionResult:
        """A cheap authenticated read. Raises AuthenticationError when credentials are wrong."""

    def activation(self) -> Activation:
        """The code and link with which the business approves SalonSync (``needs_activation``
        platforms); needs the account ids only, no credentials."""
        raise UnsupportedOperation(
            f"{self.display_name} has no activation step.", platform=self.platform
        )

    # -- reads ----------------------------------------------------------------------------------
    @abstractmethod
    def get_availability(
        self, start_date: date, end_date: date, filters: AvailabilityFilters | None = None
    ) -> list[Slot]: ...

    @abstractmethod
    def get_customer(self, customer_id: str) -> Customer: ...

    @abstractmethod
    def get_service(self, service_id: str) -> Service: ...

    @abstractmethod
    def get_provider(self, provider_id: str) -> Provider: ...

    @abstractmethod
    def get_appointment(self, appointment_id: str) -> Appointment: ...

    @abstractmethod
    def get_customer_appointments(
        self, customer_id: str, filters: AppointmentFilters | None = None
    ) -> list[Appointment]: ...

    @abstractmethod
    def iter_appointments(self, start_date: date, end_date: date) -> Iterator[Appointment]:
        """Every appointment starting in [start_date, end_date], page by page."""

    def iter_changed_appointments(self, since: datetime) -> Iterator[Appointment]:
        """Appointments changed since ``since``; platforms without a changed-since filter raise."""
        raise UnsupportedOperation(
            f"{self.display_name} cannot list appointments by change time.", platform=self.platform
        )

    @abstractmethod
    def iter_customers(self, changed_since: datetime | None = None) -> Iterator[Customer]: ...

    def customer_pages(self, start_page: int = 1) -> Iterator[tuple[int, list[Customer]]]:
        """Customers one platform page at a time, as (page number, customers), from
        ``start_page``: a backfill checkpoints the number and resumes at the next page."""
        raise UnsupportedOperation(
            f"{self.display_name} cannot list customers page by page.", platform=self.platform
        )

    @abstractmethod
    def iter_services(self) -> Iterator[Service]: ...

    @abstractmethod
    def iter_providers(self) -> Iterator[Provider]: ...

    @abstractmethod
    def iter_locations(self) -> Iterator[Location]: ...

    # -- writes ---------------------------------------------------------------------------------
    @abstractmethod
    def book_appointment(self, details: BookingRequest) -> Appointment: ...

    def cancel_appointment(self, appointment_id: str, *, late: bool = False) -> Appointment:
        raise UnsupportedOperation(
            f"{self.display_name} cannot cancel appointments through its API.",
            platform=self.platform,
        )

    # -- normalization --------------------------------------------------------------------------
    def normalize(self, data: Mapping[str, Any], kind: str) -> Any:
        """Turn one raw platform object into its normalized type (kind: 'appointment', ...)."""
        method = getattr(self, f"normalize_{kind}", None)
        if method is None:
            raise UnsupportedOperation(f"Cannot normalize {kind!r}.", platform=self.platform)
        try:
            return method(data)
        except IntegrationError:
            raise
        # ArithmeticError: OverflowError (a huge duration, inf) and decimal.InvalidOperation.
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            raise ValidationError(
                f"The platform sent a {kind} this integration cannot read ({type(exc).__name__}).",
                platform=self.platform,
            ) from None

    def map_status(self, value: Any) -> AppointmentStatus:
        status = self.status_map.get(value) if isinstance(value, str) else None
        if status is None:
            logger.warning(
                "%s: unknown appointment status %r, treated as %s",
                self.platform,
                value,
                self.default_status,
            )
            return self.default_status
        return status

    # -- errors ---------------------------------------------------------------------------------
    def handle_error(self, error: HttpFailure) -> IntegrationError:
        """Map one failed call to a normalized error: by HTTP status, refined by the body."""
        message, platform_code = self.error_details(error.body)
        kwargs = {
            "platform": self.platform,
            "status_code": error.status,
            "platform_code": platform_code,
        }
        by_code = self.error_class_for_code(platform_code)
        if error.status == 429 or by_code is RateLimitError:
            return RateLimitError(
                message or "The platform is rate limiting us.",
                retry_after=parse_retry_after(error.headers.get("Retry-After")),
                **kwargs,
            )
        cls = by_code or _STATUS_ERRORS.get(error.status or 0)
        if cls is None:
            cls = TransientError if (error.status or 500) >= 500 else ValidationError
        return cls(message or _DEFAULT_MESSAGES[cls], **kwargs)

    def error_details(self, body: Any) -> tuple[str, str]:
        """(human message, platform error code) from an error body. Platforms override."""
        return "", ""

    def error_class_for_code(self, platform_code: str) -> type[IntegrationError] | None:
        """A platform's own error code can say more than its HTTP status. Platforms override."""
        return None

    # -- helpers for subclasses -----------------------------------------------------------------
    def local_datetime(self, value: str | datetime, tz: ZoneInfo | None = None) -> datetime:
        """Parse an ISO datetime; a value without an offset is wall-clock time in ``tz``.

        ``fold=0`` resolves the repeated hour at a DST fall-back to its first occurrence; a
        non-existent spring-forward time is shifted forward by the zone's rules on conversion.
        """
        parsed = value if isinstance(value, datetime) else parse_iso_datetime(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz or self.tz)
        return parsed

    def to_local_naive(self, value: datetime, tz: ZoneInfo | None = None) -> str:
        """A wall-clock string in the salon's zone, for platforms that take no offset."""
        return value.astimezone(tz or self.tz).replace(tzinfo=None).isoformat(timespec="seconds")

    def require(self, data: Mapping[str, Any], key: str) -> Any:
        value = data.get(key)
        if value in (None, ""):
            raise ValidationError(f"The platform's answer lacks {key}.", platform=self.platform)
        return value


_STATUS_ERRORS: dict[int, type[IntegrationError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ValidationError,
    422: ValidationError,
}
_DEFAULT_MESSAGES: dict[type[IntegrationError], str] = {
    ValidationError: "The platform refused the request.",
    AuthenticationError: "The platform rejected the credentials.",
    NotFoundError: "The platform has no such record.",
    TransientError: "The platform had a temporary failure.",
    RateLimitError: "The platform is rate limiting us.",
    UnsupportedOperation: "The platform cannot do this.",
}


def setting_value(
    adapter_class: type[PlatformAdapter], options: Mapping[str, Any] | None, name: str
) -> str:
    """An owner setting's saved value when it is one of its choices, else its default. A
    function of the class and options, so pages can read it without building an adapter."""
    spec = next(s for s in adapter_class.owner_settings if s.name == name)
    value = (options or {}).get(name)
    return value if value in {choice for choice, _ in spec.choices} else spec.default


def parse_iso_datetime(value: str) -> datetime:
    """ISO 8601 with an optional 'Z' and optional fraction of any length."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def _now() -> datetime:
    return datetime.now(UTC)


def daterange_chunks(start: date, end: date, days: int) -> Iterator[tuple[date, date]]:
    """Split [start, end] (inclusive) into windows of at most ``days`` days."""
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + timedelta(days=days - 1))
        yield cursor, stop
        cursor = stop + timedelta(days=1)
