"""REST API plumbing: one error shape for every failure, {"error": {"code", "message"}}."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from integrations.adapters.errors import ConfigurationError

logger = logging.getLogger(__name__)

_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "unsupported_media_type",
    429: "throttled",
}

# A dependency that is down (the database; Redis behind a cache, lock or throttle; the broker a
# call enqueues on) is the service's own temporary failure: 503 with Retry-After, not a 500 that
# reads as a bug.
_UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerUnavailable,
)
RETRY_AFTER_SECONDS = 30


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            text = _flatten(value)
            parts.append(text if key == "non_field_errors" else f"{key}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    return str(detail)


def error_response(code: str, message: str, http_status: int, **extra) -> Response:
    body = {"error": {"code": code, "message": message, **extra}}
    return Response(body, status=http_status)


def exception_handler(exc, context):

    if isinstance(exc, _UNAVAILABLE):
        # The driver's message (host, port, user) goes to the log only.
        logger.error("API: a dependency is unavailable (%s)", type(exc).__name__, exc_info=exc)
        response = error_response(
            "unavailable",
            "The service is temporarily unavailable; please retry shortly.",
            status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if isinstance(exc, ConfigurationError):
        # An integration whose saved settings the adapter refuses (e.g. a Vagaro connection
        # without its region): the owner must reconnect it; the message names what is missing.
        return error_response(
            "integration_misconfigured",
            f"{exc} Reconnect this integration to fix it.",
            status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: let Django's 500 handling log it
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    extra = {}
    if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
        extra["fields"] = detail
    code = _CODES.get(response.status_code, "error")
    if response.status_code == status.HTTP_400_BAD_REQUEST and not extra:
        code = "invalid"
    response.data = {"error": {"code": code, "message": _flatten(detail), **extra}}
    return response


def not_found(request, exception=None):
    """404s under /api/ keep the API's error shape; pages get the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "not_found", "message": "Not found."}}, status=404)
    return page_not_found(request, exception)
