"""Fault injection for the emulators. The control page and /sandbox/control/faults set Fault rows
(``set_fault``); every emulator view is wrapped in ``emulated`` and answers through ``intercept``.

Units of ``Fault.value`` per kind:
- rate_limit: the Retry-After seconds (0 means 1).
- server_error: the HTTP status to answer (500-599; 0 means 503).
- latency: MILLISECONDS added before the emulator answers (max 30000).
- timeout: seconds to hang before a 504 (0 means 25, longer than the adapters' 20 s read
  timeout; max 30).
- expire_tokens: applied when set (every token of the platform expires now); a value > 0 also
  caps the lifetime of tokens issued while the fault stands, in seconds (``token_lifetime``).
- duplicate_webhooks, reorder_webhooks: read by webhooks.py; value unused.
``remaining`` counts the requests (or, for webhook faults, the changes) still affected; the row
is deleted when it reaches 0. Empty: until removed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Fault, Platform, Token

logger = logging.getLogger(__name__)

# error_response(status, message, headers) -> the platform's documented error answer
ErrorResponse = Callable[[int, str, dict[str, str]], HttpResponse]

MAX_SLEEP_SECONDS = 30
DEFAULT_TIMEOUT_SECONDS = 25
REQUEST_KINDS = (
    Fault.Kind.LATENCY,
    Fault.Kind.RATE_LIMIT,
    Fault.Kind.SERVER_ERROR,
    Fault.Kind.TIMEOUT,
)
# Latency first (it adds to whatever answer follows), then the answers that replace the real one.
_ORDER = {kind: n for n, kind in enumerate(REQUEST_KINDS)}
UNITS = {
    Fault.Kind.RATE_LIMIT: "Retry-After seconds (0 = 1)",
    Fault.Kind.SERVER_ERROR: "HTTP status 500-599 (0 = 503)",
    Fault.Kind.LATENCY: "milliseconds (max 30000)",
    Fault.Kind.TIMEOUT: "seconds before a 504 (0 = 25, max 30)",
    Fault.Kind.EXPIRE_TOKENS: "new tokens' lifetime in seconds (0 = only expire current ones)",
    Fault.Kind.DUPLICATE_WEBHOOKS: "unused",
    Fault.Kind.REORDER_WEBHOOKS: "unused",
}

sleep = time.sleep  # tests replace it


class FaultError(ValueError):
    """Bad fault settings; the message is shown to the person (or script) who sent them."""


def _int(value, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FaultError(f"{name} must be a whole number.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise FaultError(f"{name} must be a whole number.") from None
    if isinstance(value, float) and value != number:
        raise FaultError(f"{name} must be a whole number.")
    return number


def validate(platform, kind, value=0, remaining=None) -> tuple[str, str, int, int | None]:
    """Checked and normalized (platform, kind, value, remaining); FaultError says what is wrong."""
    if platform not in Platform.values:
        raise FaultError(f"platform must be one of {', '.join(Platform.values)}.")
    if kind not in Fault.Kind.values:
        raise FaultError(f"kind must be one of {', '.join(Fault.Kind.values)}.")
    value = _int(value, "value") or 0
    remaining = _int(remaining, "remaining")
    if value < 0:
        raise FaultError("value must not be negative.")
    if remaining is not None and remaining < 1:
        raise FaultError("remaining must be at least 1 (leave it empty for 'until removed').")
    limits = {
        Fault.Kind.RATE_LIMIT: 3600,
        Fault.Kind.LATENCY: MAX_SLEEP_SECONDS * 1000,
        Fault.Kind.TIMEOUT: MAX_SLEEP_SECONDS,
        Fault.Kind.EXPIRE_TOKENS: 86400,
    }
    if kind in limits and value > limits[kind]:
        raise FaultError(f"value for {kind} must be at most {limits[kind]} ({UNITS[kind]}).")
    if kind == Fault.Kind.SERVER_ERROR and value and not 500 <= value <= 599:
        raise FaultError("value for server_error must be an HTTP status from 500 to 599.")
    return platform, kind, value, remaining


@transaction.atomic
def set_fault(platform, kind, value=0, remaining=None) -> Fault:
    """Set (or replace) one kind of fault on one platform. expire_tokens takes effect now."""
    platform, kind, value, remaining = validate(platform, kind, value, remaining)
    Fault.objects.filter(platform=platform, kind=kind).delete()
    fault = Fault.objects.create(platform=platform, kind=kind, value=value, remaining=remaining)
    if kind == Fault.Kind.EXPIRE_TOKENS:
        expired = Token.objects.filter(account__platform=platform).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        logger.info("sandbox fault: expired %s %s tokens", expired, platform)
    logger.info("sandbox fault set: %s %s value=%s remaining=%s", platform, kind, value, remaining)
    return fault


def clear_faults(platform: str | None = None, kind: str | None = None) -> int:
    faults = Fault.objects.all()
    if platform:
        faults = faults.filter(platform=platform)
    if kind:
        faults = faults.filter(kind=kind)
    deleted, _ = faults.delete()
    return deleted


def as_dict(fault: Fault) -> dict:
    return {
        "id": fault.pk,
        "platform": fault.platform,
        "kind": fault.kind,
        "value": fault.value,
        "unit": UNITS[fault.kind],
        "remaining": fault.remaining,
        "created_at": fault.created_at.isoformat(),
    }


def consume(fault: Fault) -> bool:
    """Use one of a limited fault's remaining hits; False when another request took the last.
    Atomic in the database (F()), so concurrent requests never take more than ``remaining``."""
    if fault.remaining is None:
        return True
    taken = Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(remaining=F("remaining") - 1)
    Fault.objects.filter(pk=fault.pk, remaining=0).delete()
    return bool(taken)


def take(platform: str, kind: str) -> Fault | None:
    """The active fault of ``kind`` on ``platform`` with one hit consumed, or None."""
    for fault in Fault.objects.filter(platform=platform, kind=kind):
        if consume(fault):
            return fault
    return None


def token_lifetime(platform: str, default: timedelta) -> timedelta:
    """How long a token issued now lives: shortened while an expire_tokens fault with a value
    stands (emulators call this when they issue tokens)."""
    fault = Fault.objects.filter(platform=platform, kind=Fault.Kind.EXPIRE_TOKENS).first()
    if fault is None or not fault.value:
        return default
    return min(default, timedelta(seconds=fault.value))


def intercept(request: HttpRequest, platform: str, error_response: ErrorResponse):
    """Apply the platform's active faults to one request: return a response to send instead
    (429 with Retry-After, a 5xx, a 504 after hanging), or None to let the emulator answer
    (after any added latency)."""
    faults = sorted(
        Fault.objects.filter(platform=platform, kind__in=REQUEST_KINDS),
        key=lambda f: (_ORDER[f.kind], f.pk),
    )
    for fault in faults:
        if not consume(fault):
            continue
        if fault.kind == Fault.Kind.LATENCY:
            sleep(min(fault.value, MAX_SLEEP_SECONDS * 1000) / 1000)
        elif fault.kind == Fault.Kind.RATE_LIMIT:
            seconds = str(fault.value or 1)
            return error_response(
                429, "Too many requests (sandbox fault).", {"Retry-After": seconds}
            )
        elif fault.kind == Fault.Kind.SERVER_ERROR:
            return error_response(fault.value or 503, "Server error (sandbox fault).", {})
        elif fault.kind == Fault.Kind.TIMEOUT:
            sleep(min(fault.value or DEFAULT_TIMEOUT_SECONDS, MAX_SLEEP_SECONDS))
            return error_response(504, "Gateway timeout (sandbox fault).", {})
    return None


def emulated(platform: str, error_response: ErrorResponse):
    """Decorator for every emulator view: CSRF-exempt, faults applied first."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            injected = intercept(request, platform, error_response)
            if injected is not None:
                return injected
            return view(request, *args, **kwargs)

        wrapper.csrf_exempt = True
        return wrapper

    return decorator


def token_expired_early(platform: str, token, now) -> bool:
    """The expire_tokens fault, as every emulator reads it: value 0 kills every token issued
    before the fault was set (a fresh one works); value N makes tokens die N seconds after issue."""
    from datetime import timedelta

    for fault in Fault.objects.filter(platform=platform, kind=Fault.Kind.EXPIRE_TOKENS):
        if fault.remaining is not None and fault.remaining <= 0:
            continue
        if fault.value == 0 and token.created_at < fault.created_at:
            return True
        if fault.value and now - token.created_at > timedelta(seconds=fault.value):
            return True
    return False
