"""BookingService: the application layer's one way to a platform.

It builds the adapter from an Integration through the registry, persists refreshed tokens,
records every platform call as an ApiCall, and turns normalized errors into integration state:
AuthenticationError -> needs_reauth (and one alert to the owners); repeated transient failures ->
error; a success clears both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from salonsync.metrics import observe_api_calls

from .adapters.base import AdapterConfig, PlatformAdapter
from .adapters.errors import (
    RETRYABLE_ERRORS,
    AuthenticationError,
    IntegrationError,
    WriteAccessDenied,
)
from .adapters.registry import base_url_for, get_adapter_class
from .adapters.types import (
    Appointment,
    AppointmentFilters,
    AvailabilityFilters,
    BookingRequest,
    CallRecord,
    Capabilities,
    ConnectionResult,
    Slot,
    Token,
)
from .alerts import alert_owners
from .models import ApiCall, Integration, IntegrationStatus
from .platform_calls import ensure_outside_transaction
from .selectors import mirrored_appointment

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Consecutive transient failures after which an integration shows as in error.
TRANSIENT_FAILURES_FOR_ERROR = 3


def adapter_config_for(integration: Integration, **overrides: Any) -> AdapterConfig:
    options = {**integration.options}
    for option, setting in get_adapter_class(integration.platform).settings_options.items():
        value = getattr(settings, setting, "")
        if value:
            options.setdefault(option, value)
    token = None
    if integration.access_token:
        token = Token(integration.access_token, integration.token_expires_at)
    values: dict[str, Any] = {
        "base_url": options.pop("base_url", "") or base_url_for(integration.platform, options),
        "credentials": integration.credentials,
        "account": integration.account,
        "timezone": integration.salon.timezone,
        "token": token,
        "options": options,
        "before_send": ensure_outside_transaction,
    }
    values.update(overrides)
    return AdapterConfig(**values)


class BookingService:
    def __init__(self, integration: Integration, **config_overrides: Any) -> None:
        self.integration = integration
        self._pending_calls: list[ApiCall] = []
        config = adapter_config_for(
            integration,
            on_token=self._save_token,
            reporter=self._record_call,
            **config_overrides,
        )
        self.adapter: PlatformAdapter = get_adapter_class(integration.platform)(config)

    # -- hooks given to the adapter -------------------------------------------------------------
    def _save_token(self, token: Token) -> None:
        self.integration.access_token = token.access_token
        self.integration.token_expires_at = token.expires_at
        if self.integration._state.adding:
            return  # not saved yet (connect flow): saved with the integration
        self.integration.save(update_fields=["_access_token", "token_expires_at", "updated_at"])

    def _record_call(self, record: CallRecord) -> None:
        self._pending_calls.append(
            ApiCall(
                integration=self.integration,
                operation=record.operation[:64],
                method=record.method[:8],
                path=record.path[:300],
                status=record.status,
                duration_ms=record.duration_ms,
                error_code=record.error_code,
                attempt=record.attempt,
            )
        )

    def _flush_calls(self) -> None:
        if self.integration._state.adding:
            return  # kept until the integration is saved (see record_calls_for)
        calls, self._pending_calls = self._pending_calls, []
        if calls:
            ApiCall.objects.bulk_create(calls)
            observe_api_calls(calls)

    def record_calls_for(self, integration: Integration) -> None:
        """The connect flow tests an unsaved candidate; its calls belong to the saved row."""
        for call in self._pending_calls:
            call.integration = integration
        self.integration = integration
        self._flush_calls()

    # -- the guarded call -------------------------------------------------------------------------
    def run(self, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call an adapter method, recording its platform calls and updating the state."""
        try:
            result = operation(*args, **kwargs)
        except AuthenticationError as exc:
            self._on_auth_failure(exc)
            raise
        except WriteAccessDenied:
            self._on_write_refused()
            raise
        except RETRYABLE_ERRORS as exc:
            self._on_transient_failure(exc)
            raise
        else:
            self._on_success()
            return result
        finally:
            self._flush_calls()

    def _on_success(self) -> None:
        integration = self.integration
        if integration._state.adding:
            return
        recovering = integration.status in (IntegrationStatus.ERROR, IntegrationStatus.NEEDS_REAUTH)
        if integration.consecutive_failures or recovering:
            if recovering:
                integration.status = IntegrationStatus.CONNECTED
            integration.consecutive_failures = 0
            integration.save(update_fields=["status", "consecutive_failures", "updated_at"])

    def _on_auth_failure(self, exc: AuthenticationError) -> None:
        integration = self.integration
        if integration._state.adding:
            return
        first_time = integration.status != IntegrationStatus.NEEDS_REAUTH
        integration.status = IntegrationStatus.NEEDS_REAUTH
        integration.last_error = _safe_message(exc)
        integration.last_error_at = timezone.now()
        integration.save(update_fields=["status", "last_error", "last_error_at", "updated_at"])
        if first_time:
            alert_owners(
                integration,
                subject=f"Reconnect {integration.platform_name} for {integration.salon}",
                body=(
                    f"{integration.platform_name} no longer accepts the credentials SalonSync has "
                    f"for {integration.salon}. Appointments stop syncing until you reconnect.\n\n"
                    f"Reconnect here: {settings.SALONSYNC_PUBLIC_URL}"
                    f"{integration.get_absolute_url()}"
                ),
            )

    def _on_write_refused(self) -> None:
        """The platform refused a write for lack of access: stop offering writes until a
        reconnect finds access again (docs/platforms/vagaro.md §2.7)."""
        integration = self.integration
        if integration._state.adding or (integration.options or {}).get("write_access") is False:
            return
        integration.options = {**(integration.options or {}), "write_access": False}
        integration.save(update_fields=["options", "updated_at"])
        self.adapter.config.options = integration.options

    @property
    def capabilities(self) -> Capabilities:
        """What this connection can do (a platform may narrow it per account)."""
        return self.adapter.connection_capabilities()

    def _on_transient_failure(self, exc: IntegrationError) -> None:
        integration = self.integration
        if integration._state.adding:
            return
        Integration.objects.filter(pk=integration.pk).update(
            consecutive_failures=F("consecutive_failures") + 1,
            last_error=_safe_message(exc),
            last_error_at=timezone.now(),
        )
        integration.refresh_from_db(
            fields=["consecutive_failures", "last_error", "last_error_at", "status"]
        )
        if (
            integration.consecutive_failures >= TRANSIENT_FAILURES_FOR_ERROR
            and integration.status == IntegrationStatus.CONNECTED
        ):
            integration.status = IntegrationStatus.ERROR
            integration.save(update_fields=["status", "updated_at"])

    # -- the operations the application uses ---------------------------------------------------
    def test_connection(self) -> ConnectionResult:
        return self.run(self.adapter.test_connection)

    def availability(
        self, start_date: date, end_date: date, filters: AvailabilityFilters | None = None
    ) -> list[Slot]:
        return self.run(self.adapter.get_availability, start_date, end_date, filters)

    def book(self, details: BookingRequest) -> Appointment:
        return self.run(self.adapter.book_appointment, details)

    def cancel(
        self, appointment_id: str, *, late: bool = False, known: Appointment | None = None
    ) -> Appointment:
        """Cancel on the platform. ``known`` (else the mirror's row) is told to the adapter
        first: Phorest reads a cancelled appointment back by its date when a read by id 404s."""
        if known is None and not self.integration._state.adding:
            known = mirrored_appointment(integration=self.integration, platform_id=appointment_id)
        if known is not None:
            self.adapter.remember_appointment(known)
        return self.run(self.adapter.cancel_appointment, appointment_id, late=late)

    def customer_appointments(
        self, customer_id: str, filters: AppointmentFilters | None = None
    ) -> list[Appointment]:
        return self.run(self.adapter.get_customer_appointments, customer_id, filters)


def _safe_message(exc: IntegrationError) -> str:
    """Adapters build messages without secrets or bodies; this only bounds the length."""
    return str(exc)[:500]
