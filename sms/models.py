"""A salon's text-message sender (its Twilio account) and the clients who texted STOP."""

from __future__ import annotations

import uuid

from django.db import models
from fernet_fields import EncryptedTextField


class SmsSender(models.Model):
    """The salon's Twilio account. The auth token is Fernet-encrypted like the platform
    credentials (integrations/models/integration.py) and write-only: no page shows it back.
    ``webhook_key`` names the salon in the webhook URLs Twilio calls (it is not a secret: every
    request is verified with the auth token)."""

    salon = models.OneToOneField(
        "integrations.Salon", on_delete=models.CASCADE, related_name="sms_sender"
    )
    enabled = models.BooleanField("Send text messages to clients", default=False)
    account_sid = models.CharField("Account SID", max_length=64, blank=True)
    _auth_token = EncryptedTextField(db_column="auth_token", blank=True, default="")
    from_number = models.CharField("From number", max_length=20, blank=True)
    messaging_service_sid = models.CharField("Messaging service SID", max_length=64, blank=True)
    webhook_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Text messages of {self.salon}"

    @property
    def auth_token(self) -> str:
        return self._auth_token or ""

    @auth_token.setter
    def auth_token(self, value: str) -> None:
        self._auth_token = value or ""

    @property
    def is_ready(self) -> bool:
        return bool(
            self.enabled
            and self.account_sid
            and self.auth_token
            and (self.from_number or self.messaging_service_sid)
        )


class SmsStop(models.Model):
    """A phone number that texted an opt-out keyword to the salon (STOP ...), or opted back in
    (START ...). Kept by number, as Twilio keeps its own block list."""

    salon = models.ForeignKey("integrations.Salon", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    stopped = models.BooleanField(default=True)
    keyword = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["salon", "phone"], name="sms_stop_once_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.phone}: {'stopped' if self.stopped else 'opted back in'}"
