"""Forms of the sandbox's front desk and control page."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.db.models import Q

from . import faults
from .models import Account, Fault, Platform


class FaultForm(forms.Form):
    platform = forms.ChoiceField(choices=Platform.choices)
    kind = forms.ChoiceField(choices=Fault.Kind.choices)
    value = forms.IntegerField(
        min_value=0,
        required=False,
        initial=0,
        help_text="; ".join(f"{kind}: {unit}" for kind, unit in faults.UNITS.items()),
    )
    remaining = forms.IntegerField(
        min_value=1,
        required=False,
        help_text="Requests (or changes) affected; empty: until removed.",
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            faults.validate(
                data["platform"], data["kind"], data.get("value"), data.get("remaining")
            )
        except faults.FaultError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


def client_queryset(account: Account, query: str = ""):
    clients = account.clients.filter(active=True).order_by("last_name", "first_name", "pk")
    for word in query.split()[:4]:
        clients = clients.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
    return clients


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.last_name}, {obj.first_name} · {obj.email or obj.phone}"


class SlotSearchForm(forms.Form):
    """The GET half of booking: who, what, with whom, which day -> the open slots."""

    q = forms.CharField(label="Find a client", required=False, max_length=100)
    client = ClientChoiceField(queryset=None, required=False, empty_label="Choose a client")
    service = forms.ModelChoiceField(queryset=None, required=False, empty_label="Choose a service")
    provider = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any provider")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)

    def __init__(self, account: Account, *args, **kwargs):
        super().__init__(*args, **kwargs)
        query = (self.data.get("q") or "").strip() if self.is_bound else ""
        self.fields["client"].queryset = client_queryset(account, query)
        self.fields["service"].queryset = account.services.filter(active=True).order_by(
            "category", "name"
        )
        self.fields["provider"].queryset = account.providers.filter(active=True).order_by(
            "first_name"
        )


class BookForm(forms.Form):
    """The POST half: one chosen slot ("<provider pk>|<ISO start>") for a client and service."""

    client = forms.ModelChoiceField(queryset=None, error_messages={"required": "Choose a client."})
    service = forms.ModelChoiceField(
        queryset=None, error_messages={"required": "Choose a service."}
    )
    slot = forms.CharField(error_messages={"required": "Choose one of the open times."})

    def __init__(self, account: Account, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["client"].queryset = account.clients.filter(active=True)
        self.fields["service"].queryset = account.services.filter(active=True)

    def clean_slot(self):
        provider_pk, _, start = self.cleaned_data["slot"].partition("|")
        try:
            provider = self.account.providers.get(pk=int(provider_pk), active=True)
            when = datetime.fromisoformat(start)
        except (ValueError, self.account.providers.model.DoesNotExist):
            raise forms.ValidationError("That is not one of the open times.") from None
        if when.tzinfo is None:
            raise forms.ValidationError("That is not one of the open times.")
        self.cleaned_data["provider"] = provider
        self.cleaned_data["start"] = when
        return self.cleaned_data["slot"]


class WebhookUrlForm(forms.Form):
    """Where the account's webhooks go, as set in the platform's own webhook settings (Vagaro:
    the URL SalonSync's integration page shows). Empty: none are sent."""

    webhook_url = forms.URLField(required=False, max_length=500, assume_scheme="https")


class VagaroSettingsForm(forms.Form):
    """A Vagaro business's API settings in the sandbox (docs/platforms/vagaro.md §2.1, §2.7,
    §2.8)."""

    region = forms.RegexField(
        regex=r"^[a-z]{2}[0-9]{2}$",
        max_length=16,
        error_messages={"invalid": "The region is a code such as us02."},
    )
    write_access = forms.BooleanField(required=False, label="Write access granted")
    wall_clock_read_times = forms.BooleanField(
        required=False, label="Read times are wall-clock digits with a Z"
    )


class PhorestSettingsForm(forms.Form):
    """A Phorest business's behaviour in the sandbox (docs/platforms/phorest.md §2.5, §7.7,
    §7.8)."""

    online_booking = forms.BooleanField(required=False, label="Uses Phorest online booking")
    appointment_reads_404 = forms.BooleanField(
        required=False, label="Reading an appointment by id answers 404"
    )
    cancel_answers_empty = forms.BooleanField(
        required=False, label="A cancel answers 200 with no body"
    )
