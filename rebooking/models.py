"""Rebooking: each salon's settings, the suggestions the engine makes, and the messages sent."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


def default_fallback_intervals() -> dict[str, int]:
    """Days between visits per service category before a client has enough visits of their own
    (what salons commonly use as rebooking intervals)."""
    return {"Cut": 42, "Colour": 56, "Treatment": 35, "Nails": 21, "Brows": 28, "Lashes": 21}


def _days_per_category(intervals) -> bool:
    return isinstance(intervals, dict) and all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 7 <= v <= 365
        for k, v in intervals.items()
    )


class RebookingSettings(models.Model):
    class Recipients(models.TextChoices):
        OWNERS = "owners", "Owners"
        OWNERS_AND_MANAGERS = "owners_managers", "Owners and managers"
        CUSTOM = "custom", "These addresses"

    salon = models.OneToOneField(
        "integrations.Salon", on_delete=models.CASCADE, related_name="rebooking_settings"
    )
    enabled = models.BooleanField(default=True)
    on_cancellation = models.BooleanField("Suggest on cancellation", default=True)
    lookahead_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="How far ahead to look for openings (1–90 days).",
    )
    suggestions_per_cancellation = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    prefer_same_provider = models.BooleanField(default=True)
    keep_usual_time = models.BooleanField(
        "Keep to the client's usual weekday and time of day", default=True
    )
    overdue_enabled = models.BooleanField("Detect overdue clients", default=True)
    grace_factor = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=1.25,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="A client is overdue after their median gap × this factor (1.00–5.00).",
    )
    min_visits = models.PositiveSmallIntegerField(
        "Visits that make a rhythm",
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(20)],
    )
    fallback_intervals = models.JSONField(
        default=default_fallback_intervals,
        blank=True,
        help_text=(
            "Days between visits per service category to start from, until the salon's own "
            "clients show theirs."
        ),
    )
    # The owner's own interval per category, over what the salon's clients show
    # (rebooking/category_intervals.py); kept apart from fallback_intervals, the named defaults
    # those learned intervals start from, so an untouched default is never taken for a choice.
    interval_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text="Days between visits per category, set by the owner over the learned ones.",
    )
    default_fallback_days = models.PositiveSmallIntegerField(
        default=42, validators=[MinValueValidator(7), MaxValueValidator(365)]
    )
    # 28, not 14 (issue 20): a repeat nudge two weeks after the first was often not needed (a
    # fifth of them booked within 14 days anyway), and at 3,000 clients the repeats took the
    # daily cap from clients lapsing now (bench/rebooking_backtest.py, outreach F1 87.0 -> 88.6 %).
    cooldown_days = models.PositiveSmallIntegerField(
        "Contact cooldown (days)",
        default=28,
        validators=[MaxValueValidator(365)],
        help_text="No client is suggested twice inside this many days.",
    )
    # On by default (issue 20): a client who missed their appointment and has not rebooked is
    # lapsing like any other, and the backtest reached more of the lapses in time with them
    # (outreach recall, 1,000 generated clients: steady 82.1 -> 83.9 %, loose 87.8 -> 89.1 %).
    suggest_after_no_show = models.BooleanField(
        "Suggest clients whose last visit was a no-show", default=True
    )
    quiet_hours_start = models.TimeField(default=time(20, 0))
    quiet_hours_end = models.TimeField(default=time(9, 0))
    daily_cap = models.PositiveSmallIntegerField(
        "Client messages per day (cap)", default=20, validators=[MaxValueValidator(1000)]
    )
    client_cap = models.PositiveSmallIntegerField(
        "Messages per client per 7 days (cap)",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(14)],
        help_text="No client gets more messages than this in any 7 days (1–14).",
    )
    client_messages = models.BooleanField(
        "Email clients directly (only those who opted in)", default=False
    )
    notify = models.CharField(max_length=20, choices=Recipients.choices, default=Recipients.OWNERS)
    notify_emails = models.TextField(
        blank=True, help_text="One address per line (for “These addresses”)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "rebooking settings"
        verbose_name_plural = "rebooking settings"

    def __str__(self) -> str:
        return f"Rebooking settings of {self.salon}"

    def clean(self) -> None:
        errors = {}
        for name in ("fallback_intervals", "interval_overrides"):
            if not _days_per_category(getattr(self, name)):
                errors[name] = 'Give whole days between 7 and 365 per category, e.g. {"Cut": 42}.'
        if self.quiet_hours_start == self.quiet_hours_end:
            errors["quiet_hours_end"] = "Quiet hours must start and end at different times."
        if self.notify == self.Recipients.CUSTOM and not self.notify_email_list():
            errors["notify_emails"] = "Give at least one address, or choose owners."
        if errors:
            raise ValidationError(errors)

    def notify_email_list(self) -> list[str]:
        return [line.strip() for line in self.notify_emails.splitlines() if line.strip()]

    def fallback_days(self, category: str) -> int:
        """The interval for the salon's category name, matched to the keys ("color" and
        "Hair Colour" take Colour's: rebooking/categories.py)."""
        from .categories import interval_for

        return interval_for(self.fallback_intervals, self.default_fallback_days, category)


class SuggestionKind(models.TextChoices):
    CANCELLATION = "cancellation", "Rebook after a cancellation"
    REFILL = "refill", "Fill a freed slot"
    OVERDUE = "overdue", "Overdue client"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    # Claimed by one accept while the platform books it (rebooking/accept.py); ends accepted or
    # back to open, never booked twice.
    BOOKING = "booking", "Booking"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"
    EXPIRED = "expired", "Expired"


class RebookingSuggestion(models.Model):
    salon = models.ForeignKey(
        "integrations.Salon", on_delete=models.CASCADE, related_name="suggestions"
    )
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="suggestions"
    )
    kind = models.CharField(max_length=16, choices=SuggestionKind.choices)
    status = models.CharField(
        max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    # Idempotency: one suggestion per cancelled appointment / freed slot / client-and-day.
    dedupe_key = models.CharField(max_length=300, unique=True)
    customer_ref = models.CharField(max_length=128, blank=True)  # empty for a refill
    customer_name = models.CharField(max_length=200, blank=True)
    service_ref = models.CharField(max_length=128, blank=True)
    service_name = models.CharField(max_length=200, blank=True)
    provider_ref = models.CharField(max_length=128, blank=True)
    provider_name = models.CharField(max_length=200, blank=True)
    source_appointment_ref = models.CharField(max_length=128, blank=True)
    # Ranked options: slots [{start, end, provider, service, score}] or, for a refill, clients
    # [{customer, name, due, score}] for the freed slot in ``slot_start``/``slot_end``.
    options = models.JSONField(default=list)
    slot_start = models.DateTimeField(null=True, blank=True)
    slot_end = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    revenue = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # The engine's ``now`` when it made the suggestion (the cooldown counts from it), which is
    # the clock's except in the backtest, where time is the history's.
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booked_appointment_ref = models.CharField(max_length=128, blank=True)
    # The accept in progress (status "booking"): when it was claimed and which option it books.
    booking_started_at = models.DateTimeField(null=True, blank=True)
    booking_option = models.PositiveSmallIntegerField(null=True, blank=True)
    # Why the last accept did not book (shown on the card until the next attempt).
    last_error = models.CharField(max_length=500, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["salon", "status", "created_at"]),
            models.Index(fields=["integration", "customer_ref", "created_at"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(
                fields=["booking_started_at"],
                name="rebooking_claims",
                condition=models.Q(status=SuggestionStatus.BOOKING),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()}: {self.customer_name or self.service_name} ({self.status})"
        )


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        # Held back by the salon's quiet hours: sent at ``deliver_after`` (rebooking.tasks).
        DEFERRED = "deferred", "Waiting for quiet hours to end"

    class Kind(models.TextChoices):
        DIGEST = "digest", "Digest to the salon"
        CLIENT = "client", "Message to a client"
        GONE = "gone", "Freed slot gone, to a client"

    salon = models.ForeignKey(
        "integrations.Salon", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=16, default="email")
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    suggestions = models.ManyToManyField(
        RebookingSuggestion, related_name="notifications", blank=True
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A client message: whose it is (the per-client cap, opens and credit count by it).
    customer_ref = models.CharField(max_length=128, blank=True)
    deliver_after = models.DateTimeField(null=True, blank=True)
    # The provider's id for the message (Twilio's Message SID) and its latest delivery status
    # from the provider's status callbacks.
    provider_ref = models.CharField(max_length=64, blank=True, db_index=True)
    delivery_status = models.CharField(max_length=32, blank=True)
    # When a run took this digest to send it (another run leaves its suggestions alone).
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the client first opened the link this message carried.
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["salon", "customer_ref", "sent_at"]),
            models.Index(
                fields=["deliver_after"],
                name="rebooking_deferred",
                condition=models.Q(status="deferred"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {', '.join(self.recipients)} ({self.status})"


class ClientRhythm(models.Model):
    """Each client's visit rhythm per service category, stored so a freed slot's refill is an
    index lookup instead of a pass over the salon's whole history.

    Derived data: rebooking.rhythms.rhythms_refresh recomputes a client's rows (with the same
    query the overdue scan runs live) whenever the EventService reports a change to one of their
    appointments, and a full sync or reconciliation rebuilds the integration's rows.
    """

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="+"
    )
    customer_ref = models.CharField(max_length=128)
    category = models.CharField(max_length=200, blank=True)
    visits = models.PositiveIntegerField()
    last_visit = models.DateTimeField()
    last_service_ref = models.CharField(max_length=128, blank=True)
    last_provider_ref = models.CharField(max_length=128, blank=True)
    median_gap = models.FloatField(null=True, blank=True, help_text="Days; none with one visit.")
    # The gap the engine uses once the client has enough visits (rebooking/rhythm_gap.py).
    rhythm_gap = models.FloatField(null=True, blank=True, help_text="Days; none with one visit.")
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "customer_ref", "category"], name="client_rhythm_once"
            )
        ]
        indexes = [models.Index(fields=["integration", "category", "last_provider_ref"])]

    def __str__(self) -> str:
        return f"{self.customer_ref} · {self.category or 'uncategorised'}"


class BacktestRun(models.Model):
    """The owner's backtest (rebooking.backtest.service): the salon's last 12 months replayed with
    its settings, scored against the anchor rules, and a small search for better settings.

    At most one run per salon is queued or running at a time (a partial unique constraint);
    ``updated_at`` is the progress heartbeat, so a run whose worker died can be recognised.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    salon = models.ForeignKey(
        "integrations.Salon", on_delete=models.CASCADE, related_name="backtest_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The scored window (the last 12 months before the run started).
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    # The salon's settings replayed (RebookingSettings values, JSON-ready).
    settings_used = models.JSONField(default=dict, blank=True)
    # Scores of the baseline run: {"rules": {"engine"|"fixed"|"last3": {timing, outreach,
    # refill}}, "appointments", "clients", "cancellations", ...}.
    summary = models.JSONField(default=dict, blank=True)
    # The settings tried: [{"values": {...}, "f1", "precision", "recall", "within_7_days"}].
    candidates = models.JSONField(default=list, blank=True)
    # The best values found for the tuned settings (grace_factor as a string: a Decimal).
    best = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["salon", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["salon"],
                condition=models.Q(status__in=["queued", "running"]),
                name="backtest_one_active_run_per_salon",
            )
        ]

    def __str__(self) -> str:
        return f"Backtest of {self.salon} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
