"""The webhook store: record (before answering), enqueue on commit, process once, sweep, replay."""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.utils import timezone

from integrations.adapters import errors
from integrations.adapters.types import Event, EventKind
from integrations.booking import BookingService
from integrations.events import EventService
from integrations.mirror_guard import RecordRefused
from integrations.models import Integration
from salonsync.client_ip import client_ip
from salonsync.safe_json import has_unstorable_text, loads_limited

from .models import FINAL_STATUSES, WebhookEvent, WebhookStatus
from .platforms import WEBHOOK_PLATFORMS
from .platforms.base import credible_time

logger = logging.getLogger(__name__)

# Retry delays for processing failures (seconds), by attempt number; the last one repeats.
RETRY_DELAYS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
# An event left in received/queued this long was lost by the broker: the sweeper re-enqueues it.
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500
# A rejected delivery is kept for forensics, but anyone can send one: only its headers and the
# start of its body are stored (with the body's length), so junk costs us little.
REJECTED_BODY_BYTES = 4096
# Failures that another attempt would meet again: the payload, or what the database makes of it.
# A DataError is PostgreSQL refusing a value (NUL in text, a number out of range), not an outage.
PERMANENT_ERRORS = (DataError, UnicodeError, OverflowError, RecursionError)


class StaleRoute(DatabaseError):
    """The integration a cached route points at was deleted: answered 503, retried."""


class Unprocessable(Exception):
    """A stored payload that can never be processed: the event is dead at once, with this reason
    (a replay after a fix tries again)."""


@dataclass(frozen=True)
class Recorded:
    event: WebhookEvent
    duplicate: bool


def webhook_record_rejected(
    *, platform: str, request, reason: str, integration: Integration | None = None
) -> WebhookEvent:
    """Keep a rejected delivery for forensics (never processed): its scrubbed headers and the
    first REJECTED_BODY_BYTES of its body."""
    return _record_unprocessed(platform, request, reason, integration, WebhookStatus.REJECTED)


def webhook_rejected_allowed(request) -> bool:
    """Whether a delivery about to be rejected may still be recorded: False once its address has
    had WEBHOOK_REJECTED_PER_MINUTE rejected this minute (the caller answers 429, storing
    nothing). Rejected requests need no secret, so without this anyone could fill the table."""
    limit = settings.WEBHOOK_REJECTED_PER_MINUTE
    if limit <= 0:
        return True
    address = _remote_ip(request) or "unknown"
    key = f"webhooks:rejected:{address}:{int(time.time() // 60)}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except Exception:  # a cache outage must not cost a delivery its answer
        logger.warning("webhook throttle unavailable; recording the rejected delivery")
        return True
    if count == limit + 1:  # once a minute per address, not once per dropped request
        logger.warning(
            "over %s rejected webhook deliveries this minute from %s: the rest are answered 429 "
            "and not stored",
            limit,
            address,
        )
    return count <= limit


def webhook_record_unserved(*, platform: str, request, reason: str) -> WebhookEvent:
    """Keep a verified delivery no integration serves, as ignored (never processed)."""
    return _record_unprocessed(platform, request, reason, None, WebhookStatus.IGNORED)


def _record_unprocessed(platform, request, reason, integration, status) -> WebhookEvent:
    body = request.body
    if status == WebhookStatus.REJECTED:
        body = body[:REJECTED_BODY_BYTES]
    with transaction.atomic():
        return WebhookEvent.objects.create(
            platform=platform,
            integration=integration,
            headers=WEBHOOK_PLATFORMS[platform].scrub_headers(request),
            body=body,
            body_length=len(request.body),
            remote_ip=_remote_ip(request),
            verified=status == WebhookStatus.IGNORED,
            status=status,
            last_error=reason[:500],
            processed_at=timezone.now() if status == WebhookStatus.IGNORED else None,
        )


def webhook_record(
    *, platform: str, request, integration: Integration, payload: dict[str, Any]
) -> Recorded:
    """Store a verified delivery in its own transaction; a repeat of the same event id is a
    duplicate (the unique constraint decides, so concurrent repeats are safe)."""
    handler = WEBHOOK_PLATFORMS[platform]
    external_id = handler.event_id(payload)
    try:
        # One autocommit INSERT (a single statement is atomic): stored before we answer, with no
        # BEGIN/COMMIT round trips. It is marked queued up front; if the publish below fails the
        # sweeper re-enqueues it, as it does any event left received or queued.
        # Inside an outer transaction (tests, a caller's atomic block) a savepoint keeps a
        # duplicate's IntegrityError from breaking it.
        guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
        with guard:
            event = WebhookEvent.objects.create(
                platform=platform,
                integration=integration,
                external_id=external_id[:200],
                event_type=handler.event_type(payload),
                # Only a credible time: an unreadable or far-off one stays in the body alone.
                occurred_at=credible_time(handler.occurred_at(payload), timezone.now()),
                headers=handler.scrub_headers(request),
                body=request.body,
                body_length=len(request.body),
                remote_ip=_remote_ip(request),
                verified=True,
                status=WebhookStatus.QUEUED,
            )
    except IntegrityError:
        existing = WebhookEvent.objects.filter(
            platform=platform, integration=integration, external_id=external_id, verified=True
        ).first()
        if existing is None:
            # Not a duplicate: the routed integration is gone (a stale route). The platform
            # retries the 503; by then the route is read again.
            handler.forget_routes()
            raise StaleRoute("the routed integration no longer exists") from None
        return Recorded(existing, duplicate=True)
    transaction.on_commit(lambda: webhook_enqueue(event=event, mark_queued=False))
    return Recorded(event, duplicate=False)


def webhook_enqueue(
    *, event: WebhookEvent, countdown: int | None = None, mark_queued: bool = True
) -> bool:
    """Hand the event to the broker. A broker that is down loses nothing: the event stays
    'received' and the sweeper enqueues it later."""
    from .tasks import process_webhook_task

    try:
        process_webhook_task.apply_async((event.pk,), countdown=countdown)
    except Exception:
        logger.warning(
            "webhook %s not enqueued (broker down?); the sweeper will", event.pk, exc_info=True
        )
        return False
    if mark_queued:
        WebhookEvent.objects.filter(pk=event.pk, status=WebhookStatus.RECEIVED).update(
            status=WebhookStatus.QUEUED
        )
    return True


def webhook_process(*, event_id: int) -> str:
    """Process one stored event exactly once; returns its status afterwards.

    Two steps, so no transaction is open while the platform is called
    (integrations/platform_calls.py): first the payload is parsed and any hint completed by
    reading the platform (reads only, harmless if a duplicate task does them too); then, with the
    row locked, the mirror writes and the status change commit together, so a duplicate task
    (sweeper, redelivery) finds it final and does nothing.
    """
    event = (
        WebhookEvent.objects.select_related("integration__salon")
        .defer("occurred_at")  # unused here; a row stored by older code may hold one unreadable
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return "locked"
    if event.status in FINAL_STATUSES:
        return event.status
    try:
        completed = _read(event)
    except Exception as exc:  # every failure is recorded on the event
        failure = exc
        return _locked(event_id, lambda locked: _fail(locked, failure))
    return _locked(event_id, lambda locked: _write(locked, completed))


def _locked(event_id: int, step) -> str:
    """Run ``step`` on the event with its row locked, unless it is final or locked elsewhere."""
    with transaction.atomic():
        event = (
            WebhookEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("integration__salon")
            .defer("occurred_at")
            .filter(pk=event_id)
            .first()
        )
        if event is None:
            return "locked"
        if event.status in FINAL_STATUSES:
            return event.status
        event.attempts += 1
        return step(event)


def _read(event: WebhookEvent) -> list[Event]:
    """The event's normalized events, hints completed from the platform (no transaction)."""
    integration = event.integration
    payload = _payload(event)
    service = BookingService(integration)
    platform = WEBHOOK_PLATFORMS[event.platform]
    completed = [
        EventService.complete(
            integration=integration,
            # The platform's time orders the event only if credible; else the receipt's does.
            event=replace(
                normalized,
                occurred_at=credible_time(normalized.occurred_at, event.received_at)
                or event.received_at,
            ),
            service=service,
        )
        for normalized in platform.parse(payload, integration)
        if normalized.kind != EventKind.UNKNOWN
    ]
    try:
        platform.learn(completed, integration, service)
    except Exception:  # evidence is a bonus: the event itself is fine
        logger.warning("webhook %s: learning from it failed", event.pk, exc_info=True)
    return completed


def _payload(event: WebhookEvent) -> dict[str, Any]:
    """The stored body as JSON; Unprocessable when no attempt could ever use it."""
    try:
        payload = loads_limited(bytes(event.body))
    except ValueError as exc:  # only rows stored before the view read bodies this way
        raise Unprocessable(f"The body cannot be read as JSON: {exc}") from None
    if has_unstorable_text(payload):
        raise Unprocessable(
            "The payload holds a NUL character or an unpaired surrogate, which cannot be stored."
        )
    return payload


def _write(event: WebhookEvent, completed: list[Event]) -> str:
    try:
        with transaction.atomic():
            used = False
            for normalized in completed:
                applied = EventService.apply(integration=event.integration, event=normalized)
                used = used or not applied.ignored
    except Exception as exc:
        return _fail(event, exc)
    event.status = WebhookStatus.PROCESSED if used else WebhookStatus.IGNORED
    event.last_error = ""
    event.next_attempt_at = None
    event.processed_at = timezone.now()
    event.save(
        update_fields=["status", "attempts", "last_error", "next_attempt_at", "processed_at"]
    )
    return event.status


def _fail(event: WebhookEvent, exc: Exception) -> str:
    if isinstance(exc, (Unprocessable, RecordRefused)):
        return _failed(event, exc, permanent=True)
    if isinstance(exc, PERMANENT_ERRORS):
        logger.warning("webhook %s cannot be processed: %s", event.pk, type(exc).__name__)
        return _failed(event, exc, permanent=True)
    if isinstance(exc, errors.RETRYABLE_ERRORS):
        return _failed(event, exc, permanent=False)
    if isinstance(exc, errors.IntegrationError):
        # Not found / refused / unreadable: retrying cannot help; a person should look.
        return _failed(event, exc, permanent=isinstance(exc, errors.ValidationError))
    # A bug or an outage: keep the event, retry, then dead.
    logger.error("webhook %s processing failed", event.pk, exc_info=exc)
    return _failed(event, exc, permanent=False)


def _failed(event: WebhookEvent, exc: Exception, *, permanent: bool) -> str:
    dead = permanent or event.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    event.status = WebhookStatus.DEAD if dead else WebhookStatus.FAILED
    # Our own messages only: another exception's text may quote the payload.
    if isinstance(exc, (errors.IntegrationError, Unprocessable, RecordRefused)):
        event.last_error = str(exc)[:500]
    elif isinstance(exc, PERMANENT_ERRORS):
        event.last_error = f"{type(exc).__name__}: a value that cannot be stored; not retried."
    else:
        event.last_error = type(exc).__name__
    delay = RETRY_DELAYS[min(event.attempts, len(RETRY_DELAYS)) - 1]
    event.next_attempt_at = None if dead else timezone.now() + timedelta(seconds=delay)
    event.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    if dead:
        logger.error("webhook %s is dead after %s attempts", event.pk, event.attempts)
    return event.status


def webhook_sweep(*, now: datetime | None = None) -> int:
    """Enqueue events the broker never got (received/queued for too long) and failed events
    whose retry is due. Bounded; idempotent (processing a final event is a no-op)."""
    now = now or timezone.now()
    stale = WebhookEvent.objects.filter(
        status__in=[WebhookStatus.RECEIVED, WebhookStatus.QUEUED],
        received_at__lt=now - SWEEP_AFTER,
    )
    due = WebhookEvent.objects.filter(status=WebhookStatus.FAILED, next_attempt_at__lte=now)
    ids = list(stale.values_list("pk", flat=True)[:SWEEP_BATCH])
    ids += list(due.values_list("pk", flat=True)[: SWEEP_BATCH - len(ids)])
    for pk in ids:
        webhook_enqueue(event=WebhookEvent(pk=pk))
    return len(ids)


def webhook_replay(*, events) -> int:
    """Reprocess chosen events (admin action, replay_webhooks): rejected ones never."""
    ids = list(events.exclude(status=WebhookStatus.REJECTED).values_list("pk", flat=True))
    WebhookEvent.objects.filter(pk__in=ids).update(
        status=WebhookStatus.RECEIVED, attempts=0, next_attempt_at=None, last_error=""
    )
    for pk in ids:
        webhook_enqueue(event=WebhookEvent(pk=pk))
    return len(ids)


def _remote_ip(request) -> str | None:
    """The sender's address as TRUSTED_PROXIES decides (behind a proxy REMOTE_ADDR is the proxy,
    the same for every sender: one stranger's junk would throttle every platform's retries)."""
    return client_ip(request)
