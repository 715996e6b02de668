"""Writes on integrations: connect (test first, save only on success), update, disconnect."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .adapters.errors import ConfigurationError, IntegrationError
from .adapters.registry import get_adapter_class
from .booking import BookingService
from .models import Integration, IntegrationStatus, Salon, derive_account_key
from .money import normalize_currency

logger = logging.getLogger(__name__)


class ConnectError(Exception):
    """Connecting failed; ``message`` is for the owner, ``field`` the form field to blame."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


@dataclass(frozen=True)
class ConnectOutcome:
    integration: Integration
    account_name: str
    message: str


def _split_fields(platform: str, values: dict[str, str]) -> tuple[dict, dict]:
    cls = get_adapter_class(platform)
    credentials = {f.name: values[f.name] for f in cls.credential_fields if values.get(f.name)}
    account = {f.name: values[f.name] for f in cls.account_fields if values.get(f.name)}
    return credentials, account


def integration_connect(
    *,
    salon: Salon,
    platform: str,
    values: dict[str, str],
    options: dict | None = None,
    integration: Integration | None = None,
) -> ConnectOutcome:
    """Test the credentials against the platform; save the integration only if they work.

    ``integration`` given: reconnect it (new credentials replace the old ones on success).
    """
    try:
        get_adapter_class(platform)
    except ConfigurationError as exc:
        raise ConnectError(str(exc), field="platform") from None
    credentials, account = _split_fields(platform, values)
    if integration is None:
        key = derive_account_key(platform, account)
        existing = Integration.objects.filter(platform=platform, account_key=key).first()
        if existing is not None and not (
            existing.salon_id == salon.pk and existing.status == IntegrationStatus.DISABLED
        ):
            raise ConnectError(
                "This platform account is already connected to SalonSync.", code="conflict"
            )
        # A salon reconnecting an account it disconnected gets its old row (and history) back.
        integration = existing or Integration(salon=salon, platform=platform)
        if options is not None:
            integration.options = options
    elif integration.platform != platform:
        raise ConnectError("An integration cannot change platform.", field="platform")
    if integration.pk and not integration._state.adding:
        # Keep saved secrets the owner left blank (write-only fields show "saved", not values).
        credentials = {**integration.credentials, **credentials}
    candidate = Integration(
        salon=salon, platform=platform, account=account, options=integration.options
    )
    candidate.credentials = credentials
    try:
        service = BookingService(candidate)
        result = service.test_connection()
    except ConfigurationError as exc:
        raise ConnectError(str(exc)) from None
    except IntegrationError as exc:
        raise ConnectError(_plain_words(exc), code=exc.code) from None
    if not result.ok:
        raise ConnectError(result.message or "The platform did not accept the connection.")

    integration.account = account
    integration.credentials = credentials
    integration.access_token = candidate.access_token
    integration.token_expires_at = candidate.token_expires_at
    integration.account_name = result.account_name[:200]
    # What the test learnt about this connection (Vagaro: write access) steers the adapter.
    integration.options = {**(integration.options or {}), **dict(result.facts)}
    integration.status = IntegrationStatus.CONNECTED
    integration.consecutive_failures = 0
    integration.last_error = ""
    try:
        with transaction.atomic():
            integration.save()
            service.record_calls_for(integration)
    except IntegrityError:
        raise ConnectError(
            "This platform account is already connected to SalonSync.", code="conflict"
        ) from None
    _fill_salon_currency(salon, result.currency)
    message = result.message or f"Connected to {result.account_name or integration.platform_name}."
    return ConnectOutcome(integration, result.account_name, message)


def _fill_salon_currency(salon: Salon, currency: str) -> None:
    """The platform's currency becomes the salon's unless the owner already chose one."""
    code = normalize_currency(currency)
    if code and not salon.currency:
        salon.currency = code
        salon.save(update_fields=["currency"])


def integration_disconnect(*, integration: Integration) -> None:
    """Forget the credentials and stop syncing; the mirror and history stay."""
    integration.credentials = {}
    integration.access_token = ""
    integration.token_expires_at = None
    integration.status = IntegrationStatus.DISABLED
    integration.save()


def _plain_words(exc: IntegrationError) -> str:
    from .adapters import errors

    name = exc.platform.title() if exc.platform else "The platform"
    if isinstance(exc, errors.AuthenticationError):
        return f"{name} did not accept these credentials. Check them and try again."
    if isinstance(exc, errors.RateLimitError):
        return f"{name} is busy right now (rate limited). Try again in a minute."
    if isinstance(exc, errors.TransientError):
        return f"{name} could not be reached or had a temporary problem. Try again shortly."
    if isinstance(exc, errors.NotFoundError):
        return f"{name} has no account with these ids. Check the ids and try again."
    return f"{name} refused the connection: {exc.message}"
