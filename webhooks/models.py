"""Every webhook delivery, stored before it is acknowledged (rejected ones too, for forensics)."""

from __future__ import annotations

from django.db import models


class WebhookStatus(models.TextChoices):
    RECEIVED = "received", "Received"  # stored; not yet handed to the broker
    QUEUED = "queued", "Queued"  # handed to the broker
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"  # valid, but an event type SalonSync does not use
    FAILED = "failed", "Failed"  # will be retried
    DEAD = "dead", "Dead"  # retries exhausted or a permanent error: needs a person
    REJECTED = "rejected", "Rejected"  # failed verification or unreadable: never processed


FINAL_STATUSES = frozenset(
    {WebhookStatus.PROCESSED, WebhookStatus.IGNORED, WebhookStatus.DEAD, WebhookStatus.REJECTED}
)
# Deliveries that went wrong: the health check's "webhooks failing" (integrations/health.py).
PROBLEM_STATUSES = frozenset({WebhookStatus.REJECTED, WebhookStatus.FAILED, WebhookStatus.DEAD})


class WebhookEvent(models.Model):
    platform = models.CharField(max_length=32)
    integration = models.ForeignKey(
        "integrations.Integration",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_events",
    )
    # The platform's id for this delivery (Mindbody messageId, Vagaro id): the idempotency key.
    external_id = models.CharField(max_length=200, blank=True)
    event_type = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    headers = models.JSONField(default=dict)  # scrubbed: no signature or auth values
    body = models.BinaryField()  # the raw bytes, exactly as received (a rejected one: the start)
    # The body's length as received; a rejected delivery keeps only its first
    # REJECTED_BODY_BYTES (webhooks/services.py). Null on rows stored before it was recorded.
    body_length = models.PositiveIntegerField(null=True, blank=True)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    verified = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=WebhookStatus.choices, default=WebhookStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    PROBLEM_STATUSES = PROBLEM_STATUSES  # read by the health check through the app registry

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # A forged delivery can never block the real one: rejected rows are outside the key.
            models.UniqueConstraint(
                fields=["platform", "integration", "external_id"],
                condition=models.Q(verified=True),
                name="webhook_event_once",
            )
        ]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["integration", "received_at"]),
        ]

    def __str__(self) -> str:
        label = self.external_id or self.pk
        return f"{self.platform} {self.event_type or '?'} {label} ({self.status})"

    @property
    def body_text(self) -> str:
        return bytes(self.body).decode("utf-8", errors="replace")
