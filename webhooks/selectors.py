"""Reads of the webhook store."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from integrations.models import Integration

from .models import WebhookEvent, WebhookStatus


def integration_webhook_stats(integration: Integration) -> dict[str, int]:
    """Webhooks of the last 24 hours: received (verified), rejected, failed or dead, last one."""
    since = timezone.now() - timedelta(hours=24)
    return WebhookEvent.objects.filter(integration=integration, received_at__gte=since).aggregate(
        received=Count("pk", filter=Q(verified=True)),
        rejected=Count("pk", filter=Q(status=WebhookStatus.REJECTED)),
        failed=Count("pk", filter=Q(status__in=[WebhookStatus.FAILED, WebhookStatus.DEAD])),
        last=Max("received_at"),
    )
