"""The salon's Twilio sender settings. The auth token field is write-only: left empty it keeps
the saved token, and the page only says that one is saved."""

from __future__ import annotations

import re

from django import forms

from .models import SmsSender
from .phone import to_e164

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


class SmsSenderForm(forms.ModelForm):
    auth_token = forms.CharField(
        label="Auth token",
        required=False,
        strip=True,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="From the Twilio console. Leave empty to keep the saved one.",
    )

    class Meta:
        model = SmsSender
        fields = ["enabled", "account_sid", "from_number", "messaging_service_sid"]
        help_texts = {
            "account_sid": "Starts with AC (the Twilio console's Account Info).",
            "from_number": "Your Twilio number in international form, e.g. +15551234567.",
            "messaging_service_sid": "Starts with MG; used instead of the number when given.",
        }

    @property
    def saved_names(self) -> list[str]:
        return ["auth_token"] if self.instance.auth_token else []

    def clean_account_sid(self) -> str:
        value = self.cleaned_data["account_sid"].strip()
        if value and not ACCOUNT_SID.match(value):
            raise forms.ValidationError("An Account SID is AC followed by 32 letters and digits.")
        return value

    def clean_messaging_service_sid(self) -> str:
        value = self.cleaned_data["messaging_service_sid"].strip()
        if value and not SERVICE_SID.match(value):
            raise forms.ValidationError("A Messaging Service SID is MG followed by 32 characters.")
        return value

    def clean_from_number(self) -> str:
        value = self.cleaned_data["from_number"].strip()
        if value and not value.startswith("+"):
            raise forms.ValidationError("Write the number with + and its country code.")
        number = to_e164(value) if value else ""
        if value and not number:
            raise forms.ValidationError("This is not a phone number in international form.")
        return number

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("enabled") and not self.errors:
            if not cleaned.get("account_sid"):
                self.add_error("account_sid", "Give the Account SID to send text messages.")
            if not (cleaned.get("auth_token") or self.instance.auth_token):
                self.add_error("auth_token", "Give the auth token to send text messages.")
            if not (cleaned.get("from_number") or cleaned.get("messaging_service_sid")):
                self.add_error("from_number", "Give a number or a Messaging Service SID.")
        return cleaned

    def save(self, commit=True):
        sender = super().save(commit=False)
        if self.cleaned_data.get("auth_token"):
            sender.auth_token = self.cleaned_data["auth_token"]
        if commit:
            sender.save()
        return sender
