"""A salon's connection to a booking platform, and the log of calls made through it."""

from __future__ import annotations

import json
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from fernet_fields import EncryptedTextField

from .tenancy import Salon


class IntegrationStatus(models.TextChoices):
    """One owner-facing word per state; no two that read alike (the values stay for the API)."""

    PENDING = "pending", "Not set up"  # created, credentials never accepted
    CONNECTED = "connected", "Connected"
    NEEDS_REAUTH = "needs_reauth", "Needs re-authentication"  # the platform refuses them now
    ERROR = "error", "Failing"  # calls keep failing; SalonSync retries
    DISABLED = "disabled", "Disconnected"  # the owner disconnected it; credentials forgotten


def validate_platform(value: str) -> None:
    from ..adapters.registry import platform_keys

    if value not in platform_keys():
        raise ValidationError(f"{value!r} is not a platform SalonSync supports.")


class Integration(models.Model):
    """A salon's connection to one booking platform account.

    Credentials and the cached access token are Fernet-encrypted (FERNET_KEYS, never SECRET_KEY)
    and write-only: pages, admin and API show that a value is saved, never the value.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    salon = models.ForeignKey(Salon, on_delete=models.CASCADE, related_name="integrations")
    platform = models.CharField(max_length=32, validators=[validate_platform])
    status = models.CharField(
        max_length=16, choices=IntegrationStatus.choices, default=IntegrationStatus.PENDING
    )
    # The platform account's identifiers (not secret): Mindbody site_id, Vagaro business_id,
    # Phorest business_id and branch_id.
    account = models.JSONField(default=dict, blank=True)
    # The main identifier, for routing webhooks (Mindbody's eventData.siteId) and uniqueness.
    account_key = models.CharField(max_length=128, editable=False)
    _credentials = EncryptedTextField(db_column="credentials", default="{}")
    _access_token = EncryptedTextField(db_column="access_token", blank=True, default="")
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # Platform options (e.g. a regional base URL, page size); never secrets.
    options = models.JSONField(default=dict, blank=True)
    account_name = models.CharField(max_length=200, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    # Incremental sync resumes from here: the platform change time the last sync reached.
    sync_cursor = models.DateTimeField(null=True, blank=True)
    # Where an interrupted backfill resumes (platforms read per customer: {"page": n, ...}).
    sync_checkpoint = models.JSONField(default=dict, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["salon__name", "platform", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "account_key"], name="one_integration_per_platform_account"
            )
        ]
        indexes = [models.Index(fields=["salon", "status"])]

    def __str__(self) -> str:
        return f"{self.salon} — {self.platform_name} {self.account_key}"

    def save(self, *args, **kwargs):
        self.account_key = derive_account_key(self.platform, self.account)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "account" in update_fields:
            kwargs["update_fields"] = {*update_fields, "account_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("integration_detail", kwargs={"slug": self.salon.slug, "pk": self.pk})

    @property
    def platform_name(self) -> str:
        from ..adapters.registry import get_adapter_class

        try:
            return get_adapter_class(self.platform).display_name
        except Exception:
            return self.platform

    # -- write-only secrets ----------------------------------------------------------------------
    @property
    def credentials(self) -> dict[str, str]:
        try:
            value = json.loads(self._credentials or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @credentials.setter
    def credentials(self, value: dict[str, str]) -> None:
        self._credentials = json.dumps(value, sort_keys=True)

    @property
    def saved_credential_names(self) -> list[str]:
        """Which credentials are saved (for 'saved' badges), never their values."""
        return sorted(name for name, value in self.credentials.items() if value)

    @property
    def access_token(self) -> str:
        return self._access_token or ""

    @access_token.setter
    def access_token(self, value: str) -> None:
        self._access_token = value or ""


def derive_account_key(platform: str, account: dict) -> str:
    """The account's main id: site id, business id, or business/branch for Phorest."""
    account = account or {}
    if account.get("branch_id"):
        return f"{account.get('business_id', '')}/{account['branch_id']}"
    for key in ("site_id", "business_id"):
        if account.get(key):
            return str(account[key])
    return json.dumps(account, sort_keys=True)[:128]


class ApiCall(models.Model):
    """One call to a platform: for ConnectionStatus's error rate and latency, and for operators.
    Holds no credentials: the path is stored without its query string."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="api_calls")
    operation = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.FloatField()
    error_code = models.CharField(max_length=32, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["integration", "created_at"])]
        verbose_name = "API call"  # not Django's "api call"

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status or self.error_code}"

    @property
    def ok(self) -> bool:
        return not self.error_code
