"""The sandbox's own tables: a fake business per platform with its calendar, clients, tokens,
injected faults and outgoing webhook deliveries. Platform-neutral; each emulator in platforms/
renders these rows in its vendor's documented shapes."""

from __future__ import annotations

from django.db import models


class Platform(models.TextChoices):
    VAGARO = "vagaro", "Vagaro"
    MINDBODY = "mindbody", "Mindbody"
    PHOREST = "phorest", "Phorest"


class Status(models.TextChoices):
    """Internal appointment states; each emulator maps them to its vendor's vocabulary."""

    REQUESTED = "requested"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    NO_SHOW = "no_show"


ACTIVE = (Status.REQUESTED, Status.BOOKED, Status.CONFIRMED, Status.ARRIVED)


# Where a business lives when its account names no region: Vagaro's demo region, Phorest's EU.
DEFAULT_REGIONS = {"vagaro": "us02", "phorest": "eu"}


class Account(models.Model):
    """One business on one platform (a Mindbody site, a Vagaro business, a Phorest branch)."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    account_id = models.CharField(max_length=64)  # site id, business id
    branch_id = models.CharField(max_length=64, blank=True)  # Phorest only
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="America/New_York")
    # Fake credentials the emulator accepts (Mindbody staff login, Vagaro client id/secret,
    # Phorest global/ user). Demo values, not secrets of anyone's.
    username = models.CharField(max_length=200)
    password = models.CharField(max_length=200)
    webhook_url = models.URLField(max_length=500, blank=True)
    # Mindbody's messageSignatureKey or Vagaro's verification token.
    webhook_secret = models.CharField(max_length=200, blank=True)
    # The business's region: Vagaro's API base URL code (docs/platforms/vagaro.md §2.1; its
    # credentials and tokens work on that region only), Phorest's "eu" or "us" platform
    # (docs/platforms/phorest.md §1.2). Empty: the platform's default (api_region).
    region = models.CharField(max_length=16, blank=True, default="")
    # Vagaro only (§2.7 of the same page): write access is not granted to every account
    # (UNCONFIRMED how it shows; the emulator refuses to issue write tokens when off).
    write_access = models.BooleanField(
        default=True, help_text="Vagaro: the account may get 'write access' tokens (book, cancel)."
    )
    # Vagaro only (§2.8, UNCONFIRMED): read answers' times are the studio's wall clock with a Z.
    wall_clock_read_times = models.BooleanField(
        default=False,
        help_text="Vagaro: read answers write local wall-clock times with a Z (not true UTC).",
    )
    # Mindbody only: whether the site has approved SalonSync's developer account (its activation
    # link or code, docs/platforms/mindbody.md §1.2, §7.15). On for the demo; the sandbox page
    # turns it off to show the owner's first step.
    activated = models.BooleanField(default=True)
    # Phorest only: whether the salon uses Phorest online booking. Off, its staff are hidden from
    # online bookings and an availability search with isOnlineAvailability finds nothing
    # (docs/platforms/phorest.md §2.5, §7.8; the flag's exact rules are UNCONFIRMED).
    online_booking = models.BooleanField(
        default=True, help_text="Phorest: the salon takes bookings through Phorest online booking."
    )
    # Phorest only: GET appointment by id answers 404, as it always did on one US tenant
    # (docs/platforms/phorest.md §7.7).
    appointment_reads_404 = models.BooleanField(
        default=False, help_text="Phorest: reading an appointment by its id answers 404."
    )
    # Phorest only: what the cancel answers is UNCONFIRMED (docs/platforms/phorest.md §2.4). By
    # default the cancelled appointments, as its sibling appointment/confirm does; on, an empty
    # 200, so a client must read the appointment back.
    cancel_answers_empty = models.BooleanField(
        default=False, help_text="Phorest: the cancel answers 200 with no body."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "account_id"], name="sandbox_account_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.account_id} ({self.name})"

    @property
    def api_region(self) -> str:
        """The region the business's API answers in: its own, or the platform's default."""
        return self.region or DEFAULT_REGIONS.get(self.platform, "")


class Provider(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="providers")
    ext_id = models.CharField(max_length=64)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    # {"0": ["09:00", "17:00"], ...}: weekday (Monday=0) -> local opening and closing time.
    working_hours = models.JSONField(default=dict)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "ext_id"], name="sandbox_provider_once")
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Service(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="services")
    ext_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=100)
    duration_minutes = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "ext_id"], name="sandbox_service_once")
        ]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="clients")
    ext_id = models.CharField(max_length=64)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email_opt_in = models.BooleanField(default=True)
    sms_opt_in = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Mindbody's UniqueId: fixed once, while ext_id (its Id) stays editable (permanent_number).
    unique_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "ext_id"], name="sandbox_client_once")
        ]
        indexes = [models.Index(fields=["account", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def permanent_number(self) -> int:
        """The client's number that never changes (Mindbody's UniqueId, "system-generated,
        unchangeable", docs/platforms/mindbody.md §7.2): its first numeric id, else the row's."""
        if self.unique_id is None:
            digits = self.ext_id.lstrip("-").isdigit()
            self.unique_id = int(self.ext_id) if digits else self.pk
        return self.unique_id


class Appointment(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="appointments")
    ext_id = models.CharField(max_length=64)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="appointments")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    deleted = models.BooleanField(default=False)
    notes = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()  # when the booking was made
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "ext_id"], name="sandbox_appointment_once")
        ]
        indexes = [
            models.Index(fields=["account", "start"]),
            models.Index(fields=["account", "updated_at"]),
            models.Index(fields=["provider", "start"]),
        ]

    def __str__(self) -> str:
        return f"{self.ext_id} {self.start:%Y-%m-%d %H:%M} {self.status}"

    @property
    def holds_time(self) -> bool:
        return not self.deleted and self.status in ACTIVE


class Token(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=128, unique=True)
    # Vagaro: the one scope the token was issued for (docs/platforms/vagaro.md §2.2).
    scope = models.CharField(max_length=32, blank=True)
    expires_at = models.DateTimeField()
    renewals = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token for {self.account} until {self.expires_at:%Y-%m-%d %H:%M}"


class Fault(models.Model):
    """A fault injected into one platform's emulator (control page or /sandbox/control/faults)."""

    class Kind(models.TextChoices):
        RATE_LIMIT = "rate_limit", "429 with Retry-After"
        SERVER_ERROR = "server_error", "5xx answers"
        LATENCY = "latency", "Added latency"
        TIMEOUT = "timeout", "No answer in time"
        EXPIRE_TOKENS = "expire_tokens", "Tokens expire early"
        DUPLICATE_WEBHOOKS = "duplicate_webhooks", "Webhooks delivered twice"
        REORDER_WEBHOOKS = "reorder_webhooks", "Webhooks delivered out of order"

    platform = models.CharField(max_length=16, choices=Platform.choices)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # Seconds (Retry-After, timeout), milliseconds (latency) or an HTTP status (server_error).
    value = models.PositiveIntegerField(default=0)
    remaining = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many more requests it affects; empty: until removed."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.platform}: {self.get_kind_display()}"


class WebhookDelivery(models.Model):
    """One webhook the sandbox sends (and retries) as the platform would."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        RETRYING = "retrying"
        GAVE_UP = "gave_up"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    body = models.TextField()  # the exact bytes sent (signatures are computed over them)
    headers = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        verbose_name_plural = "webhook deliveries"  # Django's default only appends "s"

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.state})"


class OutboxEmail(models.Model):
    """An email SalonSync sent while the demo ran (sandbox/outbox.py's email backend), so the
    demo shows what the salon's clients got and their links can be opened. Stored in the
    database, not in memory: seed_demo, the server and its tasks are separate processes."""

    sender = models.CharField(max_length=300)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} to {', '.join(self.to)}"
