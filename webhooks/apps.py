from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Platform webhooks"

    def ready(self) -> None:
        # Routing caches in this process follow integration changes at once (other processes
        # within their TTL). Cache invalidation is what signals are for here.
        from django.db.models import Q
        from django.db.models.signals import post_delete, post_save

        from integrations.models import Integration
        from integrations.retention import keep
        from integrations.status_extras import register

        from .models import FINAL_STATUSES, WebhookEvent, WebhookStatus
        from .platforms import forget_routes
        from .selectors import integration_webhook_stats

        # The status page shows the last 24 hours of deliveries (integrations/detail.html).
        register("webhook_stats", integration_webhook_stats)

        post_save.connect(forget_routes, sender=Integration, dispatch_uid="webhook-routes-save")
        post_delete.connect(forget_routes, sender=Integration, dispatch_uid="webhook-routes-del")
        # Deliveries still to be processed (or retried) are never pruned.
        keep(
            WebhookEvent,
            date_field="received_at",
            setting="RETENTION_WEBHOOK_EVENTS_DAYS",
            only=Q(status__in=FINAL_STATUSES),
        )
        # Rejected deliveries need no secret to send: they are kept for a shorter while.
        keep(
            WebhookEvent,
            date_field="received_at",
            setting="RETENTION_REJECTED_WEBHOOK_DAYS",
            only=Q(status=WebhookStatus.REJECTED),
            name="webhooks.WebhookEvent (rejected)",
        )
