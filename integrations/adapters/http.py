"""The one HTTP layer every adapter shares.

A requests session per adapter; connect/read timeouts; retries (tenacity) with exponential backoff
and jitter for idempotent calls on connection errors, 5xx and 429, honouring Retry-After and
bounded in attempts and total time; a single token refresh on a 401; and a reporter hook that
receives every attempt (operation, method, path without query string, status, duration, error).

Non-idempotent calls (bookings) are retried only when the platform cannot have acted on them: a 429,
or a failure to connect at all. A read timeout on a booking is raised, never blindly repeated.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_exponential_jitter

from .errors import AuthenticationError, IntegrationError, RateLimitError, TransientError
from .types import CallRecord

logger = logging.getLogger(__name__)

USER_AGENT = "SalonSync/0.1 (+https://salonsync.app)"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    max_total_seconds: float = 30.0
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    # A Retry-After longer than this is not waited for in-process: the caller (a Celery task)
    # reschedules instead of holding a worker.
    max_retry_after: float = 30.0


@dataclass(frozen=True)
class HttpFailure:
    """What went wrong with one call, handed to the adapter's ``handle_error``."""

    status: int | None = None
    body: Any = None  # parsed JSON when the answer was JSON, else None
    headers: dict[str, str] = field(default_factory=dict)
    exception: BaseException | None = None


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def quote_id(value: str) -> str:
    """Platform ids go into paths URL-encoded (Vagaro's ids hold '=', '/' and '+')."""
    return quote(str(value), safe="")


@dataclass(frozen=True)
class _Call:
    operation: str
    method: str
    path: str
    params: Any
    json_body: Any
    authenticated: bool
    headers: dict[str, str]


class _NotSent(TransientError):
    """The request never reached the platform (could not connect): safe to retry any method."""


class HttpClient:
    """Session, retries and reporting for one adapter instance."""

    def __init__(
        self,
        *,
        platform: str,
        base_url: str,
        error_mapper: Callable[[HttpFailure], IntegrationError],
        headers: Callable[[], dict[str, str]] | None = None,
        refresh_auth: Callable[[], bool] | None = None,
        reporter: Callable[[CallRecord], None] | None = None,
        before_send: Callable[[str, str], None] | None = None,
        timeout: tuple[float, float] = (5.0, 20.0),
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self.error_mapper = error_mapper
        self.headers = headers or dict
        self.refresh_auth = refresh_auth
        self.reporter = reporter
        self.before_send = before_send
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    # -- public ---------------------------------------------------------------------------------
    def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        idempotent: bool | None = None,
        authenticated: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send one logical call (with its retries) and return the parsed JSON (None if empty)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        attempt_no = 0

        def attempt() -> Any:
            nonlocal attempt_no
            attempt_no += 1
            call = _Call(operation, method, path, params, json_body, authenticated, headers or {})
            return self._send_with_refresh(call, attempt_no)

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts)
            | stop_after_delay(self.retry.max_total_seconds),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: self._should_retry(exc, idempotent)),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(attempt)

    @contextmanager
    def single_attempt(self) -> Iterator[None]:
        """Calls inside make one attempt each: for a read that is only a bonus (evidence), whose
        failure costs nothing and must not hold the caller through backoff."""
        kept = self.retry
        self.retry = replace(kept, max_attempts=1)
        try:
            yield
        finally:
            self.retry = kept

    # -- internals ------------------------------------------------------------------------------
    def _should_retry(self, exc: BaseException, idempotent: bool) -> bool:
        if isinstance(exc, RateLimitError):
            return exc.retry_after is None or exc.retry_after <= self.retry.max_retry_after
        if isinstance(exc, _NotSent):
            return True
        return idempotent and isinstance(exc, TransientError)

    def _wait(self, retry_state) -> float:
        backoff = wait_exponential_jitter(
            multiplier=self.retry.backoff_initial,
            max=self.retry.backoff_max,
            jitter=self.retry.backoff_initial,
        )(retry_state)
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        return max(backoff, retry_after) if retry_after is not None else backoff

    def _send_with_refresh(self, call: _Call, attempt_no: int) -> Any:
        # Built outside the try: a token endpoint refusing the credentials is raised as it is,
        # not mistaken for an expired token.
        auth = self.headers() if call.authenticated else {}
        try:
            return self._send(call, auth, attempt_no)
        except AuthenticationError:
            # One refresh per logical call: a token may have expired early or been revoked.
            if call.authenticated and self.refresh_auth is not None and self.refresh_auth():
                return self._send(call, self.headers(), attempt_no)
            raise

    def _send(self, call: _Call, auth: dict[str, str], attempt_no: int) -> Any:
        operation, method, path = call.operation, call.method, call.path
        url = f"{self.base_url}/{path.lstrip('/')}"
        headers = {**auth, **call.headers}
        if self.before_send is not None:
            self.before_send(self.platform, operation)
        started = time.monotonic()
        status: int | None = None
        error: IntegrationError | None = None
        try:
            response = self.session.request(
                method,
                url,
                params=call.params,
                json=call.json_body,
                headers=headers,
                timeout=self.timeout,
            )
            status = response.status_code
            body = _parse_body(response)
            if status >= 400:
                error = self.error_mapper(
                    HttpFailure(status=status, body=body, headers=dict(response.headers))
                )
                raise error
            if body is _UNREADABLE:
                error = TransientError(
                    "The platform sent an answer that is not JSON.",
                    platform=self.platform,
                    status_code=status,
                )
                raise error
            return body
        except requests.ConnectionError as exc:
            # ConnectTimeout is a ConnectionError too; a connect failure means nothing was sent.
            sent = not isinstance(exc, requests.ConnectTimeout) and _was_sent(exc)
            cls = TransientError if sent else _NotSent
            error = cls("Could not reach the platform.", platform=self.platform)
            raise error from None
        except requests.Timeout:
            error = TransientError("The platform did not answer in time.", platform=self.platform)
            raise error from None
        except requests.RequestException:
            error = TransientError("The request to the platform failed.", platform=self.platform)
            raise error from None
        finally:
            self._report(
                CallRecord(
                    operation=operation,
                    method=method,
                    path="/" + path.lstrip("/").split("?", 1)[0],
                    status=status,
                    duration_ms=round((time.monotonic() - started) * 1000, 1),
                    error_code=error.code if error else "",
                    attempt=attempt_no,
                )
            )

    def _report(self, record: CallRecord) -> None:
        if self.reporter is None:
            return
        try:
            self.reporter(record)
        except Exception:  # a broken reporter must never break a platform call
            logger.exception("call reporter failed for %s %s", record.method, record.path)


_UNREADABLE = object()


def _parse_body(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return _UNREADABLE if response.status_code < 400 else None


def _was_sent(exc: requests.ConnectionError) -> bool:
    """Best effort: urllib3 reports refused/unresolvable connections as NewConnectionError."""
    text = repr(exc)
    return not any(
        marker in text for marker in ("NewConnectionError", "NameResolutionError", "ConnectTimeout")
    )
