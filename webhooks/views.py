"""WebhookRouter: the platforms' endpoints. Answers exactly as docs/contract.md §5.

Order: size (413) -> integration from the URL (404) -> verify (401, recorded) -> JSON nested at
most MAX_DEPTH levels (400, recorded) -> integration from the payload (a site no integration
serves: 200, recorded as ignored) -> event id (400) -> store under the unique key (duplicate 200)
-> enqueue on commit -> 202. A rejected delivery keeps its headers and the start of its body;
past WEBHOOK_REJECTED_PER_MINUTE from one address it is answered 429 and not stored. A database
that is down answers 503 so the platform retries. Only these views are CSRF-exempt, and they are
outside any request-wide transaction.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from salonsync.metrics import observe_webhook
from salonsync.safe_json import JSONTooDeep, loads_limited

from .platforms import WEBHOOK_PLATFORMS
from .platforms.base import Rejected, Unserved
from .services import (
    webhook_record,
    webhook_record_rejected,
    webhook_record_unserved,
    webhook_rejected_allowed,
)

logger = logging.getLogger(__name__)


def _answer(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"status": status, "message": message, **extra}, status=status)


OUTCOMES = {
    200: "duplicate",
    202: "accepted",
    400: "bad_request",
    401: "rejected",
    404: "not_found",
    405: "bad_method",
    413: "too_large",
    429: "throttled",  # rejected deliveries past the per-address limit: not stored
    503: "unavailable",
}


def _receive(request, platform: str, **kwargs):
    response = _answer_delivery(request, platform, **kwargs)
    if request.method != "HEAD":
        outcome = getattr(response, "outcome", None)
        observe_webhook(
            platform, outcome or OUTCOMES.get(response.status_code, str(response.status_code))
        )
    return response


def _answer_delivery(request, platform: str, **kwargs):
    if request.method == "HEAD":
        return HttpResponse(status=200)  # Mindbody's subscription check: no body, no signature
    if request.method != "POST":
        response = _answer(405, "Webhooks are delivered with POST.")
        response["Allow"] = "POST, HEAD"
        return response
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > settings.WEBHOOK_MAX_BODY_BYTES:
        return _answer(413, "The body is larger than this endpoint accepts.")
    if len(request.body) > settings.WEBHOOK_MAX_BODY_BYTES:
        return _answer(413, "The body is larger than this endpoint accepts.")
    handler = WEBHOOK_PLATFORMS[platform]
    integration = None
    try:
        integration = handler.integration_from_url(kwargs)
        if not handler.verify(request, integration):
            raise Rejected(401, "Missing or invalid signature.")
        try:
            payload = loads_limited(request.body)
        except JSONTooDeep as exc:
            raise Rejected(400, f"The body is not usable JSON: {exc}") from None
        except ValueError:  # also UnicodeDecodeError
            raise Rejected(400, "The body is not valid JSON.") from None
        if not isinstance(payload, dict):
            raise Rejected(400, "The body must be a JSON object.")
        if integration is None:
            integration = handler.integration_from_payload(payload)
        if not handler.event_id(payload):
            raise Rejected(400, "The event has no id.")
        recorded = webhook_record(
            platform=platform, request=request, integration=integration, payload=payload
        )
    except Rejected as rejected:
        if rejected.status != 404 or integration is not None:
            if not webhook_rejected_allowed(request):
                response = _answer(429, "Too many rejected deliveries; try again later.")
                response["Retry-After"] = "60"
                return response
            try:
                webhook_record_rejected(
                    platform=platform,
                    request=request,
                    reason=rejected.reason,
                    integration=integration,
                )
            except DatabaseError:
                logger.warning("could not record a rejected %s webhook", platform)
        return _answer(rejected.status, rejected.reason)
    except Unserved as unserved:
        try:
            webhook_record_unserved(platform=platform, request=request, reason=unserved.reason)
        except DatabaseError:
            logger.warning("could not record an unserved %s webhook", platform)
        response = _answer(200, unserved.reason)
        response.outcome = "ignored"
        return response
    except DatabaseError:
        logger.exception("%s webhook not stored: database unavailable", platform)
        return _answer(503, "Temporarily unavailable; please retry.")
    if recorded.duplicate:
        return _answer(200, "Already received.", id=recorded.event.pk)
    return _answer(202, "Accepted.", id=recorded.event.pk)


@csrf_exempt
@transaction.non_atomic_requests
def receive(request, platform: str, **kwargs):
    """One platform's endpoint (webhooks/urls.py passes ``platform`` and the URL's kwargs)."""
    return _receive(request, platform, **kwargs)
