"""Integration issues: problems the health check opens and resolves on explicit thresholds."""

from __future__ import annotations

from django.db import models

from .integration import Integration


class IntegrationIssue(models.Model):
    class Kind(models.TextChoices):
        AUTH_FAILING = "auth_failing", "Authentication failing"
        CALLS_FAILING = "calls_failing", "Platform calls failing"
        WEBHOOKS_FAILING = "webhooks_failing", "Webhooks failing or silent"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    opened_at = models.DateTimeField(auto_now_add=True)
    # The last time the health check saw the condition; resolved 24 h after it stops.
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    details = models.CharField(max_length=500, blank=True)
    notified_open_at = models.DateTimeField(null=True, blank=True)
    notified_resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # At most one open issue of a kind per integration: alerts once, never a storm.
            models.UniqueConstraint(
                fields=["integration", "kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_issue_per_kind",
            )
        ]

    def __str__(self) -> str:
        state = "resolved" if self.resolved_at else "open"
        return f"{self.get_kind_display()} on {self.integration} ({state})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
