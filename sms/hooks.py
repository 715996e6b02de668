"""The sms app's contributions to rebooking (registered in apps.py): a number that texted STOP
is not texted, and the settings page shows the text-message panel."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from rebooking.extensions import SettingsPanel
from salons.roles import Action

from .forms import SmsSenderForm
from .models import SmsSender
from .services import is_stopped


def client_block_for(*, integration, customer_ref: str, channel: str = "email", address="", **_):
    if channel == "sms" and address and is_stopped(salon=integration.salon, phone=address):
        return "The client replied STOP to the salon's text messages."
    return ""


def settings_panel_for(*, salon, membership) -> SettingsPanel:
    sender = SmsSender.objects.filter(salon=salon).first() or SmsSender(salon=salon)
    base = settings.SALONSYNC_PUBLIC_URL.rstrip("/")
    return SettingsPanel(
        "sms/panel.html",
        {
            "form": SmsSenderForm(instance=sender),
            "sender": sender,
            "can_edit": membership.can(Action.EDIT_SALON),
            "inbound_url": base + reverse("sms_twilio_inbound", kwargs={"key": sender.webhook_key})
            if sender.pk
            else "",
        },
    )
