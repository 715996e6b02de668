import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from integrations.models import Salon
from integrations.money import currency_choices


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class SalonForm(forms.ModelForm):
    class Meta:
        model = Salon
        fields = ["name", "timezone", "currency"]
        # A searchable list: the browser filters the <datalist> as the owner types ("york"
        # finds America/New_York); the model's validator rejects anything not in zoneinfo.
        widgets = {
            "timezone": forms.TextInput(
                attrs={"list": "timezones", "autocomplete": "off", "spellcheck": "false"}
            )
        }
        error_messages = {"timezone": {"required": "Choose the salon's time zone."}}
        labels = {"timezone": "Time zone"}
        help_texts = {
            "timezone": "Type part of a place to search the list (e.g. “york” or “London”). "
            "Appointment times and dates are shown in it."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_field = Salon._meta.get_field("currency")
        self.fields["currency"] = forms.ChoiceField(
            choices=currency_choices(self.instance.currency if self.instance else ""),
            required=False,
            label="Currency",
            help_text=model_field.help_text,
        )

    def clean_timezone(self) -> str:
        value = (self.cleaned_data.get("timezone") or "").strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                f"“{value}” is not a time zone we know. Pick one from the list, "
                "e.g. America/New_York or Europe/London."
            )
        return value

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A salon needs a name.")
        return name

    @staticmethod
    def timezone_choices() -> list[tuple[str, str]]:
        """Every zoneinfo name, region-first order (Africa/…, America/…, …, then the legacy
        aliases such as US/Eastern), each with its current UTC offset as the label."""
        return [
            (name, _offset_label(name))
            for name in sorted(zoneinfo.available_timezones(), key=_zone_order)
        ]


def _zone_order(name: str) -> tuple[int, str]:
    region = name.split("/", 1)[0]
    canonical = "/" in name and region not in {"Etc", "US", "Brazil", "Canada", "Chile", "Mexico"}
    return (0 if canonical else 1, name)


def _offset_label(name: str) -> str:
    from datetime import datetime

    offset = datetime.now(zoneinfo.ZoneInfo(name)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"
