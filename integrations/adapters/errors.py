"""Normalized errors: every adapter raises these and nothing else.

Messages are written for people and never carry credentials, tokens or response bodies (which can
hold client PII); callers log ``code``, ``platform`` and ``status_code``.
"""

from __future__ import annotations


class IntegrationError(Exception):
    """Base of every error an adapter raises."""

    code = "integration_error"
    retryable = False

    def __init__(
        self,
        message: str = "",
        *,
        platform: str = "",
        status_code: int | None = None,
        platform_code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__
        self.platform = platform
        self.status_code = status_code
        self.platform_code = platform_code
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f"{self.platform}: " if self.platform else ""
        status = f" (HTTP {self.status_code})" if self.status_code else ""
        return f"{where}{self.message}{status}"


class AuthenticationError(IntegrationError):
    """Credentials rejected: the integration needs the owner to reconnect."""

    code = "authentication_failed"


class NotActivated(AuthenticationError):
    """The business has not yet approved SalonSync's access to its account, so no login can work
    (Mindbody's activation step: docs/platforms/mindbody.md §1.2, §7.15). Its calls are recorded
    as ``authentication_failed`` like every refused login (integrations/health.py)."""


class UnknownAccount(AuthenticationError):
    """The platform has no account with the id given (Mindbody's ``InvalidSiteId``:
    docs/platforms/mindbody.md §4). An AuthenticationError: nothing works until it is fixed."""


class RateLimitError(IntegrationError):
    """The platform throttled us; ``retry_after`` seconds when it said so."""

    code = "rate_limited"
    retryable = True


class TransientError(IntegrationError):
    """5xx, timeouts, connection errors, unreadable answers: worth retrying later."""

    code = "transient"
    retryable = True


# Worth trying again later (Celery's autoretry_for, the sync's re-raise): the one list.
RETRYABLE_ERRORS: tuple[type[IntegrationError], ...] = (RateLimitError, TransientError)


class NotFoundError(IntegrationError):
    code = "not_found"


class ValidationError(IntegrationError):
    """The platform refused the request (slot taken, bad field, business rule)."""

    code = "validation_failed"


class UnsupportedOperation(IntegrationError):
    """The platform cannot do this at all."""

    code = "unsupported"


class WriteAccessDenied(UnsupportedOperation):
    """The account may read but not book or cancel: the platform refused a write token or a
    write call for lack of access (Vagaro grants write access per account). The core records it
    and stops offering booking for this connection."""

    code = "write_access_denied"


class ConfigurationError(Exception):
    """Our own set-up is wrong (missing account id, unknown platform).

    Deliberately not an IntegrationError, so code tolerating platform failures cannot swallow it.
    """


ALL_ERRORS = (
    AuthenticationError,
    RateLimitError,
    TransientError,
    NotFoundError,
    ValidationError,
    UnsupportedOperation,
)
