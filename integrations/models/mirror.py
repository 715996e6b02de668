"""The normalized mirror of each integration's platform data, filled by webhooks and syncs.

Relations are by platform id (``customer_ref`` ...), not foreign keys: rows arrive in any order
from webhooks and paged syncs, and a bulk upsert of one page must not depend on another.
``version_at`` is the time of the newest information applied to a row (the event's own time, or
the moment it was read from the platform); older information never overwrites newer.
"""

from __future__ import annotations

from django.db import models

from ..adapters.types import AppointmentStatus
from .integration import Integration


class MirrorRow(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    platform_id = models.CharField(max_length=128)
    raw = models.JSONField(default=dict, blank=True)
    version_at = models.DateTimeField(null=True, blank=True)
    mirrored_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def _unique(name: str) -> list[models.UniqueConstraint]:
    return [models.UniqueConstraint(fields=["integration", "platform_id"], name=name)]


class MirroredCustomer(MirrorRow):
    first_name = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)
    email_opt_in = models.BooleanField(null=True)
    sms_opt_in = models.BooleanField(null=True)
    platform_created_at = models.DateTimeField(null=True, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    # The platform's permanent id where platform_id is editable (Mindbody's UniqueId).
    stable_id = models.CharField(max_length=64, blank=True, default="")
    # Set when this record was merged into another (or its id changed): the platform id it lives
    # on as. The row stays as a tombstone so a late event for the old id cannot bring it back.
    merged_into = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        constraints = _unique("mirror_customer_once")
        indexes = [
            models.Index(
                fields=["integration", "stable_id"],
                condition=~models.Q(stable_id=""),
                name="mirror_customer_stable",
            )
        ]
        verbose_name = "customer"

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.platform_id

    @property
    def name(self) -> str:
        return str(self)


class MirroredService(MirrorRow):
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=200, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = _unique("mirror_service_once")
        verbose_name = "service"

    def __str__(self) -> str:
        return self.name


class MirroredProvider(MirrorRow):
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    # Offered by the platform's own online booking (Provider.online_bookable; None: not said).
    online_bookable = models.BooleanField(null=True)

    class Meta:
        constraints = _unique("mirror_provider_once")
        verbose_name = "provider"

    def __str__(self) -> str:
        return self.name


class MirroredLocation(MirrorRow):
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = _unique("mirror_location_once")
        verbose_name = "location"

    def __str__(self) -> str:
        return self.name


class MirroredAppointment(MirrorRow):
    status = models.CharField(
        max_length=16, choices=[(s.value, s.value) for s in AppointmentStatus]
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    customer_ref = models.CharField(max_length=128, blank=True)
    service_ref = models.CharField(max_length=128, blank=True)
    provider_ref = models.CharField(max_length=128, blank=True)
    location_ref = models.CharField(max_length=128, blank=True)
    service_name = models.CharField(max_length=200, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    platform_created_at = models.DateTimeField(null=True, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    # Gone from the platform (deleted event, or missing from a reconciliation window).
    deleted = models.BooleanField(default=False)

    class Meta:
        constraints = _unique("mirror_appointment_once")
        indexes = [
            models.Index(fields=["integration", "start"]),
            models.Index(fields=["integration", "customer_ref", "start"]),
            models.Index(fields=["integration", "status", "start"]),
        ]
        verbose_name = "appointment"

    def __str__(self) -> str:
        return f"{self.platform_id} {self.start:%Y-%m-%d %H:%M} {self.status}"


class SyncRun(models.Model):
    """One sync of one integration: what it did and how long it took (shown on ConnectionStatus)."""

    class Kind(models.TextChoices):
        INCREMENTAL = "incremental", "Incremental"
        RECONCILE = "reconcile", "Reconciliation"
        FULL = "full", "Full resync"

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"appointments": n, "customers": n, "created": n, "updated": n, "deleted": n, "events": n}
    counts = models.JSONField(default=dict, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["integration", "started_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sync of {self.integration} ({self.state})"
