"""SMS as a rebooking channel (registered in apps.py): rendered from
templates/rebooking/sms/<kind>.txt, always ending with the opt-out line, sent through Twilio
with a status callback so delivery is recorded on the Notification."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from .models import SmsSender
from .phone import to_e164
from .twilio_client import sms_send

STOP_LINE = "Reply STOP to opt out"


def sender_for(salon) -> SmsSender | None:
    return SmsSender.objects.filter(salon=salon).first()


def sms_body(kind: str, context: dict) -> str:
    text = " ".join(render_to_string(f"rebooking/sms/{kind}.txt", context).split())
    return f"{text}\n{STOP_LINE}"


def status_callback_url(sender: SmsSender) -> str:
    path = reverse("sms_twilio_status", kwargs={"key": sender.webhook_key})
    return settings.SALONSYNC_PUBLIC_URL.rstrip("/") + path


class SmsChannel:
    def ready(self, salon) -> bool:
        sender = sender_for(salon)
        return sender is not None and sender.is_ready

    def address_for(self, customer, salon) -> str:
        return to_e164(customer.phone, salon_timezone=salon.timezone)

    def send(self, notification, context: dict) -> None:
        sender = sender_for(notification.salon)
        if sender is None or not sender.is_ready:
            raise LookupError("Text messages are not set up for this salon.")
        (to,) = notification.recipients
        notification.provider_ref = sms_send(
            sender=sender,
            to=to,
            body=sms_body(notification.kind, context),
            status_callback=status_callback_url(sender),
        )
        notification.delivery_status = "queued"
        notification.save(update_fields=["provider_ref", "delivery_status"])
