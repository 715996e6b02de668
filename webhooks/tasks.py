from celery import shared_task

from salonsync.publish import PublishOnceTask

from .services import webhook_process, webhook_sweep


# Published once, without retries (PublishOnceTask): a broker that is down must not hold up the
# platform's answer, and the sweeper re-queues any stored event the broker never got.
@shared_task(
    name="webhooks.process", base=PublishOnceTask, acks_late=True, reject_on_worker_lost=True
)
def process_webhook_task(event_id: int) -> str:
    """Idempotent: a redelivered or duplicated task finds the event final and does nothing.
    A failed event is retried by the sweeper when its next_attempt_at is due (one mechanism,
    stored in the database, so retries survive a broker restart)."""
    return webhook_process(event_id=event_id)


@shared_task(name="webhooks.sweep")
def sweep_webhooks_task() -> int:
    return webhook_sweep()
