"""Writes on integrations: connect (test first, save only on success), update, disconnect."""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .adapters.errors import (
    AuthenticationError,
    ConfigurationError,
    IntegrationError,
    NotActivated,
    UnknownAccount,
)
from .adapters.http import RetryPolicy
from .adapters.registry import base_url_for, get_adapter_class
from .adapters.types import Activation
from .booking import BookingService
from .models import Integration, IntegrationStatus, Salon, derive_account_key
from .money import normalize_currency
from .selectors import PLATFORM_TIMEZONE, TIMEZONE_KEPT
from .sync import sync_request

logger = logging.getLogger(__name__)


class ConnectError(Exception):
    """Connecting failed; ``message`` is for the owner, ``field`` the form field to blame."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        activation: Activation | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        # code "not_activated": how the business approves SalonSync, when the platform said.
        self.activation = activation


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


def _region_options(platform: str, values: dict[str, str], options: dict) -> dict:
    """The region the form chose, into the options (a platform with regional hosts)."""
    region = values.get("region", "")
    if region and region in get_adapter_class(platform).regions:
        return {**options, "region": region}
    return options


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
        cls = get_adapter_class(platform)
    except ConfigurationError as exc:
        raise ConnectError(str(exc), field="platform") from None
    region = (options or {}).get("region")
    if region is not None and region not in cls.regions:
        names = ", ".join(cls.regions) or "none"
        raise ConnectError(f"Unknown region {region!r} (regions: {names}).", field="region")
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
        salon=salon,
        platform=platform,
        account=account,
        options=_region_options(platform, values, dict(integration.options or {})),
    )
    candidate.credentials = credentials
    try:
        service = BookingService(candidate)
        result = service.test_connection()
    except ConfigurationError as exc:
        raise ConnectError(str(exc)) from None
    except NotActivated as exc:
        raise ConnectError(
            _plain_words(exc), code="not_activated", activation=_activation_or_none(candidate)
        ) from None
    except UnknownAccount:
        raise _unknown_account(platform) from None
    except AuthenticationError as exc:
        found_in = _probe_other_region(candidate)
        if found_in is not None:
            raise ConnectError(
                _wrong_region_words(candidate, found_in), code="wrong_region", field="region"
            ) from None
        raise ConnectError(_plain_words(exc), code=exc.code) from None
    except IntegrationError as exc:
        raise ConnectError(_plain_words(exc), code=exc.code) from None
    if not result.ok:
        raise ConnectError(result.message or "The platform did not accept the connection.")

    integration.account = account
    integration.credentials = credentials
    integration.access_token = candidate.access_token
    integration.token_expires_at = candidate.token_expires_at
    integration.account_name = result.account_name[:200]
    # What the test learnt about this connection (Vagaro: write access) steers the adapter; the
    # region it was reached in is kept (docs/platforms/phorest.md §1.2).
    integration.options = _timezone_proposal(
        salon, {**candidate.options, **dict(result.facts)}, result.timezone
    )
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
    if integration.sync_cursor is None:
        # The first sync (on Vagaro the backfill) starts now, not at the next scheduled run: the
        # 15-minute fan-out would leave a new owner looking at an empty mirror.
        sync_request(integration=integration)
    message = result.message or f"Connected to {result.account_name or integration.platform_name}."
    return ConnectOutcome(integration, result.account_name, message)


def _activation_or_none(candidate: Integration) -> Activation | None:
    """The platform's activation code and link for a not-yet-activated account, or None when it
    cannot be had right now (the message then says what to do without it)."""
    try:
        return BookingService(candidate, credentials_required=False).adapter.activation()
    except (ConfigurationError, IntegrationError) as exc:
        logger.info("%s: no activation link (%s)", candidate.platform, getattr(exc, "code", exc))
        return None


def integration_activation(*, salon: Salon, platform: str, values: dict[str, str]) -> Activation:
    """How the business approves SalonSync before any login works (Mindbody: GET
    site/activationcode with the site id only, docs/platforms/mindbody.md §1.2, §7.15)."""
    try:
        cls = get_adapter_class(platform)
    except ConfigurationError as exc:
        raise ConnectError(str(exc), field="platform") from None
    if not cls.needs_activation:
        raise ConnectError(f"{cls.display_name} has no activation step.")
    _credentials, account = _split_fields(platform, values)
    candidate = Integration(salon=salon, platform=platform, account=account)
    try:
        return BookingService(candidate, credentials_required=False).adapter.activation()
    except ConfigurationError as exc:
        raise ConnectError(str(exc)) from None
    except UnknownAccount:
        raise _unknown_account(platform) from None
    except IntegrationError as exc:
        raise ConnectError(
            f"{cls.display_name} did not give an activation link for this account "
            f"({_plain_words(exc)})",
            code=exc.code,
        ) from None


def _unknown_account(platform: str) -> ConnectError:
    """The platform knows no account with the id typed (Mindbody: InvalidSiteId), on that field."""
    cls = get_adapter_class(platform)
    first = next(iter(cls.account_fields), None)
    label = first.label if first else "account ID"
    return ConnectError(
        f"{cls.display_name} has no account with this {label}. Check the {label} and try again.",
        code="unknown_account",
        field=first.name if first else None,
    )


def _other_regions(candidate: Integration) -> list[str]:
    """The platform's other regions whose host differs from the one just tried."""
    cls = get_adapter_class(candidate.platform)
    if not cls.regions or (candidate.options or {}).get("base_url"):
        return []
    tried = base_url_for(candidate.platform, candidate.options)
    current = (candidate.options or {}).get("region") or next(iter(cls.regions))
    return [
        key
        for key in cls.regions
        if key != current and base_url_for(candidate.platform, {"region": key}) != tried
    ]


def _probe_other_region(candidate: Integration) -> str | None:
    """After an authentication failure, try the same credentials once in the platform's other
    region, as an integrator would (the host differs by region: docs/platforms/phorest.md §1.2,
    §7.9): the region they work in, or None. One attempt, no retries; its calls are recorded with
    the connect test's (kept if the connection is saved)."""
    for region in _other_regions(candidate):
        probe = Integration(
            salon=candidate.salon,
            platform=candidate.platform,
            account=candidate.account,
            options={**candidate.options, "region": region},
        )
        probe.credentials = candidate.credentials
        try:
            result = BookingService(probe, retry=RetryPolicy(max_attempts=1)).test_connection()
        except (ConfigurationError, IntegrationError):
            continue
        if result.ok:
            logger.info("%s: credentials refused in one region, accepted in %s", probe, region)
            return region
    return None


def _wrong_region_words(candidate: Integration, found_in: str) -> str:
    cls = get_adapter_class(candidate.platform)
    tried = cls.regions[(candidate.options or {}).get("region") or next(iter(cls.regions))]
    other = cls.regions[found_in]
    return (
        f"{cls.display_name} did not recognise these credentials in the {tried.label} region; "
        f"is your business in the {other.label} region? Choose it under Region and try again."
    )


def _timezone_proposal(salon: Salon, options: dict, zone: str) -> dict:
    """Keep the platform's zone as a proposal while it differs from the salon's and the owner
    has not already kept the salon's zone against it; drop a stale one."""
    options = {k: v for k, v in options.items() if k != PLATFORM_TIMEZONE}
    known = zone in zoneinfo.available_timezones() if zone else False
    if known and zone != salon.timezone and options.get(TIMEZONE_KEPT) != zone:
        options[PLATFORM_TIMEZONE] = zone
    return options


class StaleProposal(Exception):
    """The time zone answered is no longer the one proposed (another tab, a reconnect)."""


def integration_timezone_decide(*, integration: Integration, zone: str, accept: bool, user) -> str:
    """The owner's answer to the platform's time zone: ``accept`` makes it the salon's, else the
    salon keeps its own and this zone is not proposed again. ``zone`` must be the proposal on
    the page (it may have changed since: StaleProposal). Returns the salon's zone afterwards."""
    with transaction.atomic():
        locked = (
            Integration.objects.select_for_update().select_related("salon").get(pk=integration.pk)
        )
        options = dict(locked.options or {})
        proposed = options.get(PLATFORM_TIMEZONE, "")
        if not proposed or proposed != zone or zone not in zoneinfo.available_timezones():
            raise StaleProposal(zone)
        salon = Salon.objects.select_for_update().get(pk=locked.salon_id)
        options.pop(PLATFORM_TIMEZONE)
        before = salon.timezone
        if accept:
            salon.timezone = zone
            salon.save(update_fields=["timezone"])
            options.pop(TIMEZONE_KEPT, None)
        else:
            options[TIMEZONE_KEPT] = zone
        locked.options = options
        locked.save(update_fields=["options", "updated_at"])
    # The project keeps no audit table; a settings change is logged (who, what, from, to).
    logger.info(
        "salon %s time zone %s by user %s: %s -> %s (proposed by %s)",
        salon.slug,
        "changed" if accept else "kept",
        getattr(user, "pk", None),
        before,
        salon.timezone,
        locked.platform,
    )
    integration.options = locked.options
    return salon.timezone


def integration_settings_update(
    *, integration: Integration, values: dict, user, also: frozenset[str] = frozenset()
) -> list[str]:
    """Save the owner's choices for the adapter's ``owner_settings`` (and the option names in
    ``also``, checked by the caller) into the integration's options, merged: what SalonSync
    learned by itself (write access, time readings, proposals) is kept. Returns the names that
    changed."""
    names = {spec.name for spec in get_adapter_class(integration.platform).owner_settings} | also
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        options = dict(locked.options or {})
        changed = [n for n in sorted(names & set(values)) if options.get(n) != values[n]]
        for name in changed:
            options[name] = values[name]
        if changed:
            locked.options = options
            locked.save(update_fields=["options", "updated_at"])
    if changed:  # no audit table: a settings change is logged (who, what, to)
        logger.info(
            "integration %s settings changed by user %s: %s",
            integration.pk,
            getattr(user, "pk", None),
            ", ".join(f"{n}={options[n]}" for n in changed),
        )
    integration.options = locked.options
    return changed


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
    if isinstance(exc, errors.NotActivated):
        return (
            f"This site has not activated SalonSync yet: the site owner must approve SalonSync "
            f"in {name} with its activation link or code, then check again."
        )
    if isinstance(exc, errors.AuthenticationError):
        return f"{name} did not accept these credentials. Check them and try again."
    if isinstance(exc, errors.RateLimitError):
        return f"{name} is busy right now (rate limited). Try again in a minute."
    if isinstance(exc, errors.TransientError):
        return f"{name} could not be reached or had a temporary problem. Try again shortly."
    if isinstance(exc, errors.NotFoundError):
        return f"{name} has no account with these ids. Check the ids and try again."
    return f"{name} refused the connection: {exc.message}"
