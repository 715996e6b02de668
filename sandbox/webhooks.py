"""The sandbox's webhook sender: the platform's webhooks for a change, stored as WebhookDelivery
rows and POSTed to the account's webhook URL exactly as built (the signature covers those bytes),
retried on non-2xx on the platform's own schedule.

Each platform module in ``sandbox.platforms`` provides ``build_webhooks(account, kind, obj)`` ->
[{"event_id", "event_type", "body" (str), "headers" (dict)}] and ``RETRY_SCHEDULE`` (the delays
between attempts: timedeltas or seconds). Faults: duplicate_webhooks sends every delivery twice
(same event id); reorder_webhooks holds a change's deliveries until the next change's have been
sent (or, when no change follows, until HOLD passes), so a booking and its cancellation arrive
cancellation-first.
"""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta

import requests
from django.db.models import F
from django.utils import timezone

from .models import Account, Fault, WebhookDelivery

logger = logging.getLogger(__name__)

SESSION = requests.Session()  # module-level so tests can mount a transport on it
TIMEOUT_SECONDS = 10
HOLD = timedelta(seconds=60)  # how long reorder_webhooks holds a delivery at most
State = WebhookDelivery.State


def platform_module(platform: str):
    """The emulator module of a platform (tests replace this lookup with a fake)."""
    return importlib.import_module(f"sandbox.platforms.{platform}")


def _delay(step) -> timedelta:
    """A RETRY_SCHEDULE step: a timedelta, or a number of seconds."""
    return step if isinstance(step, timedelta) else timedelta(seconds=step)


def queue_for_change(account: Account, kind: str, obj) -> None:
    """Build the platform's webhook(s) for a change, store them and deliver them."""
    if not account.webhook_url:
        return
    module = platform_module(account.platform)
    build = getattr(module, "build_webhooks", None)
    items = build(account, kind, obj) if build else []
    if not items:
        return
    from . import faults

    copies = 2 if faults.take(account.platform, Fault.Kind.DUPLICATE_WEBHOOKS) else 1
    reorder = faults.take(account.platform, Fault.Kind.REORDER_WEBHOOKS) is not None
    held = list(
        WebhookDelivery.objects.filter(
            account=account, state=State.PENDING, attempts=0, next_attempt_at__isnull=False
        ).order_by("-pk")
    )
    created = []
    for item in items:
        for _ in range(copies):
            created.append(
                WebhookDelivery.objects.create(
                    account=account,
                    event_id=item["event_id"],
                    event_type=item["event_type"],
                    url=account.webhook_url,
                    body=item["body"],
                    headers=dict(item.get("headers") or {}),
                    # Held deliveries wait; retry_due_webhooks sends them if nothing follows.
                    next_attempt_at=timezone.now() + HOLD if reorder and not held else None,
                )
            )
    if reorder and not held:
        logger.info("sandbox webhooks: holding %s deliveries (reorder fault)", len(created))
        return
    if reorder:
        created.reverse()
    ids = [d.pk for d in created] + [d.pk for d in held]
    from .tasks import deliver_webhook_task, deliver_webhooks_task

    if len(ids) == 1:
        deliver_webhook_task.delay(ids[0])
    else:
        deliver_webhooks_task.delay(ids)  # one task, so the order holds with a real worker


def deliver(delivery_id: int) -> str | None:
    """One attempt at one delivery; returns its new state (None when it was not due)."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.state in (State.DELIVERED, State.GAVE_UP):
        return None
    # Claim the attempt: a retry sweep and a task racing for one row send it only once.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, state__in=[State.PENDING, State.RETRYING]
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return None
    attempt = delivery.attempts + 1
    status, error = None, ""
    try:
        response = SESSION.post(
            delivery.url,
            data=delivery.body.encode("utf-8"),
            headers=delivery.headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,  # platforms do not follow redirects with a webhook
        )
        status = response.status_code
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    now = timezone.now()
    fields = {"last_status": status, "last_error": error}
    if status is not None and 200 <= status < 300:
        fields.update(state=State.DELIVERED, delivered_at=now, next_attempt_at=None)
    else:
        schedule = list(getattr(platform_module(delivery.account.platform), "RETRY_SCHEDULE", []))
        if attempt <= len(schedule):
            fields.update(state=State.RETRYING, next_attempt_at=now + _delay(schedule[attempt - 1]))
        else:
            fields.update(state=State.GAVE_UP, next_attempt_at=None)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    # Never the body or the headers: they carry signatures and client data.
    logger.info(
        "sandbox webhook %s %s attempt %s -> %s %s",
        delivery.event_type,
        delivery.event_id,
        attempt,
        status or error.split(":")[0],
        fields["state"],
    )
    return fields["state"]


def due_deliveries(now=None, *, every_waiting: bool = False):
    """Deliveries whose next attempt is due (retrying, or held by reorder_webhooks);
    ``every_waiting`` takes them all, due or not (the control page's "send now")."""
    waiting = WebhookDelivery.objects.filter(
        state__in=[State.RETRYING, State.PENDING], next_attempt_at__isnull=False
    )
    if not every_waiting:
        waiting = waiting.filter(next_attempt_at__lte=now or timezone.now())
    return waiting.order_by("next_attempt_at", "pk")


def retry_due_webhooks(now=None, *, every_waiting: bool = False) -> int:
    """Send the due deliveries (see due_deliveries); how many were attempted."""
    ids = list(due_deliveries(now, every_waiting=every_waiting).values_list("pk", flat=True))
    return sum(deliver(pk) is not None for pk in ids)
