"""How a message reaches someone: one Channel per medium, registered by name.

Email is built in. SMS is registered by the sms app (sms/apps.py), so rebooking never imports a
provider's library. A channel says whether a salon can use it at all (``ready``), which address of
a client it writes to (``address_for``), and delivers one Notification, raising on failure.
``deliver`` records every attempt on the Notification (sent / failed, the reason in
``last_error``, never a secret).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import Notification

logger = logging.getLogger(__name__)

ERROR_LIMIT = 500


class Channel(Protocol):
    def ready(self, salon) -> bool:
        """Whether the salon has set this channel up."""

    def address_for(self, customer, salon) -> str:
        """The client's address on this channel ("" when they have none usable)."""

    def send(self, notification: Notification, context: dict) -> None:
        """Deliver ``notification`` (rendered from ``context``); raise on failure."""


class EmailChannel:
    """django.core.mail with a text and an HTML part: templates/rebooking/email/<kind>.txt/.html."""

    def ready(self, salon) -> bool:
        return True

    def address_for(self, customer, salon) -> str:
        return (customer.email or "").strip()

    def send(self, notification: Notification, context: dict) -> None:
        template = f"rebooking/email/{notification.kind}"
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=render_to_string(f"{template}.txt", context),
            from_email=django_settings.DEFAULT_FROM_EMAIL,
            to=list(notification.recipients),
            headers=context.get("headers") or None,
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        message.send(fail_silently=False)


CHANNELS: dict[str, Channel] = {"email": EmailChannel()}


def register_channel(name: str, channel: Channel) -> None:
    CHANNELS[name] = channel


def safe_error(exc: Exception) -> str:
    """The exception's class and message, with any configured mail secret blanked out. (Channels
    that hold other secrets raise errors that never carry them: sms/twilio_client.py.)"""
    text = f"{type(exc).__name__}: {exc}"
    for secret in (django_settings.EMAIL_HOST_PASSWORD,):
        if secret:
            text = text.replace(secret, "***")
    return text[:ERROR_LIMIT]


def deliver(notification: Notification, context: dict, *, now: datetime) -> Notification:
    """Send through the notification's channel and record the outcome. Call it with no
    transaction open: a channel is a network call."""
    notification.attempts += 1
    channel = CHANNELS.get(notification.channel)
    try:
        if channel is None:
            raise LookupError(f"No {notification.channel!r} channel is installed.")
        channel.send(notification, context)
    except Exception as exc:  # any channel failure is recorded, never raised to the caller
        notification.status = Notification.Status.FAILED
        notification.last_error = safe_error(exc)
        logger.warning(
            "rebooking notification %s (%s by %s, salon %s) failed: %s",
            notification.pk,
            notification.kind,
            notification.channel,
            notification.salon_id,
            type(exc).__name__,
        )
    else:
        notification.status = Notification.Status.SENT
        notification.sent_at = now
        notification.last_error = ""
    notification.save(update_fields=["status", "attempts", "last_error", "sent_at", "provider_ref"])
    return notification
