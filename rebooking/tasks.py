"""Celery tasks: each loads ids and calls a service; idempotent (dedupe keys), acks_late."""

from celery import shared_task
from django.db import DatabaseError

from integrations.adapters.errors import RETRYABLE_ERRORS


def _notify(salon, suggestions) -> None:
    if not suggestions:
        return
    from .notifications import notify_clients, notify_digest

    notify_digest(salon=salon, suggestions=suggestions)
    notify_clients(suggestions=suggestions)


@shared_task(
    name="rebooking.on_cancellation",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRYABLE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=6,
)
def rebook_on_cancellation_task(integration_id: str, appointment_ref: str) -> int:
    from integrations.models import Integration

    from .services import suggestions_for_cancellation

    integration = Integration.objects.select_related("salon").filter(pk=integration_id).first()
    if integration is None:
        return 0
    made = suggestions_for_cancellation(integration=integration, appointment_ref=appointment_ref)
    _notify(integration.salon, made)
    return len(made)


@shared_task(name="rebooking.overdue_scan_all")
def overdue_scan_all_task() -> int:
    from integrations.models import IntegrationStatus, Salon

    ids = list(
        Salon.objects.filter(integrations__status=IntegrationStatus.CONNECTED)
        .distinct()
        .values_list("pk", flat=True)
    )
    for pk in ids:
        overdue_scan_task.delay(pk)
    return len(ids)


@shared_task(
    name="rebooking.overdue_scan",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRYABLE_ERRORS,
    retry_backoff=60,
    max_retries=3,
)
def overdue_scan_task(salon_id: int) -> int:
    from integrations.models import Salon

    from .services import overdue_scan

    salon = Salon.objects.filter(pk=salon_id).first()
    if salon is None:
        return 0
    made = overdue_scan(salon=salon)
    _notify(salon, made)
    return len(made)


@shared_task(name="rebooking.expire_suggestions")
def expire_suggestions_task() -> int:
    from .services import suggestions_expire

    return suggestions_expire()


@shared_task(
    name="rebooking.refresh_rhythms",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    max_retries=5,
)
def refresh_rhythms_task(integration_id: str, customer_refs: list[str] | None) -> int:
    """Recompute stored rhythms (``None``: the whole integration); idempotent, rows replaced."""
    from integrations.models import Integration

    from .rhythm_store import rhythms_refresh

    if not Integration.objects.filter(pk=integration_id).exists():
        return 0
    return rhythms_refresh(integration_id=integration_id, customer_refs=customer_refs)


@shared_task(
    name="rebooking.backtest",
    acks_late=True,
    reject_on_worker_lost=True,
    # Several replays of a year of history: longer than the default limits (the broker's
    # visibility timeout, 1 h by default, stays above the hard limit).
    soft_time_limit=1500,
    time_limit=1560,
)
def backtest_task(run_id: int) -> str:
    """Run a queued BacktestRun; one already running, done or failed is left alone."""
    from .backtest.service import backtest_run

    run = backtest_run(run_id=run_id)
    return run.status if run is not None else "skipped"


@shared_task(name="rebooking.settle_stale_bookings")
def settle_stale_bookings_task() -> int:
    """Claims whose request died are settled by looking the booking up (rebooking/accept.py)."""
    from .accept import suggestions_settle_stale

    return suggestions_settle_stale()


@shared_task(name="rebooking.send_deferred_messages")
def send_deferred_messages_task() -> int:
    """Client messages held back by quiet hours go out once they end (client_messages.py)."""
    from .client_messages import deferred_send

    return deferred_send()


@shared_task(
    name="rebooking.refill_gone",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    max_retries=3,
)
def refill_gone_task(suggestion_id: int) -> int:
    """A freed slot was booked: the other clients offered it are told it has gone (once each)."""
    from .client_messages import refill_gone_notify
    from .models import RebookingSuggestion

    suggestion = (
        RebookingSuggestion.objects.select_related("salon", "integration")
        .filter(pk=suggestion_id)
        .first()
    )
    return len(refill_gone_notify(suggestion=suggestion)) if suggestion else 0
