"""Celery tasks of the sandbox's webhook sender (in-process when there is no broker)."""

from celery import shared_task

from . import webhooks


@shared_task(name="sandbox.deliver_webhook")
def deliver_webhook_task(delivery_id: int) -> str | None:
    return webhooks.deliver(delivery_id)


@shared_task(name="sandbox.deliver_webhooks")
def deliver_webhooks_task(delivery_ids: list[int]) -> int:
    """Several deliveries in this order (one task, so a worker pool cannot reorder them)."""
    return sum(webhooks.deliver(pk) is not None for pk in delivery_ids)


@shared_task(name="sandbox.retry_due_webhooks")
def retry_due_webhooks() -> int:
    """Periodic (beat, every minute): the retries and held deliveries that are due."""
    return webhooks.retry_due_webhooks()
