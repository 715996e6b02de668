"""The connect / re-authenticate form, built from an adapter's credential and account fields,
and the per-platform guide telling the owner what to paste and where to find it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms

from .adapters.base import Field
from .adapters.registry import get_adapter_class
from .models import Integration

MAX_VALUE_LENGTH = 500
# Identifiers (``*_id`` fields) never contain whitespace;
# Mindbody site ids are whole numbers (-99 is the sandbox).
_NO_SPACE = re.compile(r"^\S+$")
_PATTERNS: dict[tuple[str, str], tuple[re.Pattern[str], str]] = {
    ("mindbody", "site_id"): (
        re.compile(r"^-?\d{1,10}$"),
        "A Mindbody site ID is a whole number, e.g. 123456 (or -99 for Mindbody's sandbox).",
    ),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class PlatformGuide:
    summary: str  # one line on the platform card
    where: str  # where in the platform the owner finds the values
    steps: tuple[str, ...]
    fields: dict[str, str] = field(default_factory=dict)  # field name -> where to find it
    note: str = ""


# From docs/platforms/vagaro.md §1, docs/platforms/mindbody.md §1.2, §1.3, §1.4, §7.15
# and docs/platforms/phorest.md §1.
GUIDES: dict[str, PlatformGuide] = {
    "vagaro": PlatformGuide(
        summary="Client ID and secret from Vagaro's Developer settings, plus your business ID.",
        where="Vagaro: Settings > Developers > APIs & Webhooks",
        steps=(
            "Sign in to Vagaro as the business owner and open Settings > Developers > "
            "APIs & Webhooks (vagaro.com/setting/developers/apisandwebhooks).",
            "If APIs are not enabled yet, send Vagaro's request form there; access is usually "
            "granted in about two days.",
            "Copy the Client ID and the Client Secret Key shown there into the form below.",
            "Your Business ID is shown on the same page; a multi-location group also has a "
            "Business Group ID (optional).",
            "After connecting, create a webhook in Vagaro pointing at the URL SalonSync shows you "
            "and paste the verification token Vagaro gives you on the re-authenticate form.",
        ),
        fields={
            "client_id": "Settings > Developers > APIs & Webhooks, “Client ID”.",
            "client_secret": "Same page, “Client Secret Key”. Treated as a password.",
            "webhook_token": "Optional now: shown by Vagaro when you create the webhook.",
            "business_id": "Same page; one per location.",
            "business_group_id": "Only for multi-location groups.",
        },
    ),
    "mindbody": PlatformGuide(
        summary="A staff login with access to appointments, plus your Mindbody site ID.",
        where="Mindbody: your business's staff login and site ID",
        steps=(
            "Use the username and password of a Mindbody staff member (owner or manager) who can "
            "see and book appointments; a dedicated “SalonSync” staff login is best.",
            "Your Site ID is the number Mindbody gives your business (it appears as "
            "“studioid” in your Mindbody booking links). Mindbody's sandbox site is -99.",
            "Mindbody requires the site owner to approve SalonSync once, with an activation link "
            "or code; if the test says the site is not activated, approve it and try again.",
        ),
        fields={
            "username": "The staff member's Mindbody login (often an email address).",
            "password": "That staff member's Mindbody password. Treated as a password.",
            "site_id": "A whole number, e.g. 123456; -99 is Mindbody's sandbox.",
        },
    ),
    "phorest": PlatformGuide(
        summary="API credentials issued by Phorest support, plus your business and branch IDs.",
        where="Phorest: API credentials are issued by Phorest support",
        steps=(
            "Phorest does not show API credentials in its settings: ask Phorest support, from an "
            "email address linked to your business and quoting your Phorest account number, "
            "for third-party API access for SalonSync.",
            "They send an API username that starts with “global/” (e.g. "
            "global/you@salon.com), a password, your Business ID and your Branch ID.",
            "Paste them below exactly as sent, including the “global/” prefix.",
        ),
        fields={
            "username": "Starts with “global/”, e.g. global/you@salon.com.",
            "password": "The API password from Phorest support. Treated as a password.",
            "business_id": "Sent by Phorest support with the credentials.",
            "branch_id": "Sent by Phorest support; one per salon location.",
        },
        note="Phorest sends no webhooks: SalonSync keeps your appointments current by polling.",
    ),
}


def guide_for(platform: str) -> PlatformGuide:
    return GUIDES.get(platform) or PlatformGuide(summary="", where="", steps=())


class CredentialForm(forms.Form):
    """One field per adapter Field. Secret fields are password inputs whose value is never
    rendered back. With ``integration`` (re-authentication), credentials are write-only: a blank
    credential keeps the saved value, and account ids are pre-filled (they are not secret)."""

    def __init__(
        self, *args, platform: str, integration: Integration | None = None, **kwargs
    ) -> None:
        self.platform = platform
        self.integration = integration
        adapter = get_adapter_class(platform)
        saved = set(integration.saved_credential_names) if integration else set()
        self.saved_names = saved
        guide = guide_for(platform)
        initial = kwargs.setdefault("initial", {})
        if integration is not None:
            for f in adapter.account_fields:
                if integration.account.get(f.name):
                    initial.setdefault(f.name, str(integration.account[f.name]))
        super().__init__(*args, **kwargs)
        self.credential_names = [f.name for f in adapter.credential_fields]
        self.account_names = [f.name for f in adapter.account_fields]
        for f in adapter.credential_fields:
            self.fields[f.name] = self._field(f, guide, keep_saved=f.name in saved)
        for f in adapter.account_fields:
            self.fields[f.name] = self._field(f, guide, keep_saved=False)

    def _field(self, spec: Field, guide: PlatformGuide, *, keep_saved: bool) -> forms.CharField:
        help_text = guide.fields.get(spec.name) or spec.help_text
        if keep_saved:
            help_text = f"Saved. Leave blank to keep it. {help_text}".strip()
        attrs = {"autocomplete": "off", "spellcheck": "false"}
        if spec.secret:
            attrs["autocomplete"] = "new-password"
            widget: forms.Widget = forms.PasswordInput(attrs=attrs, render_value=False)
        else:
            widget = forms.TextInput(attrs=attrs)
        return forms.CharField(
            label=spec.label,
            required=spec.required and not keep_saved,
            max_length=MAX_VALUE_LENGTH,
            strip=True,
            help_text=help_text,
            widget=widget,
            error_messages={
                "required": f"Enter the {spec.label.lower()}.",
                "max_length": (
                    f"That is longer than any {spec.label.lower()} "
                    f"(at most {MAX_VALUE_LENGTH} characters). Check what was pasted."
                ),
            },
        )

    def clean(self):
        cleaned = super().clean()
        secret_names = {
            f.name for f in get_adapter_class(self.platform).credential_fields if f.secret
        }
        for name, value in list(cleaned.items()):
            if not value:
                continue
            label = self.fields[name].label
            if _CONTROL.search(value):
                self.add_error(
                    name, f"The {label.lower()} contains a line break or control character."
                )
            elif name.endswith("_id") and name not in secret_names and not _NO_SPACE.match(value):
                self.add_error(name, f"The {label.lower()} cannot contain spaces.")
            elif (self.platform, name) in _PATTERNS:
                pattern, message = _PATTERNS[(self.platform, name)]
                if not pattern.match(value):
                    self.add_error(name, message)
        return cleaned

    def values(self) -> dict[str, str]:
        """What integration_connect takes: blank credentials are left out (keep saved)."""
        return {name: value for name, value in self.cleaned_data.items() if value}

    @property
    def credential_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.credential_names]

    @property
    def account_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.account_names]
