"""The connect / re-authenticate form, built from an adapter's credential and account fields,
and the per-platform guide telling the owner what to paste and where to find it."""

from __future__ import annotations

import re

from django import forms

from .adapters.base import ConnectGuide, Field, setting_value
from .adapters.errors import ConfigurationError
from .adapters.registry import get_adapter_class
from .models import Integration

MAX_VALUE_LENGTH = 500
# Identifiers (``*_id`` fields) never contain whitespace; a platform's own rule for a value is
# declared on its adapter's Field (``pattern``, ``pattern_message``).
_NO_SPACE = re.compile(r"^\S+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def guide_for(platform: str) -> ConnectGuide:
    """The platform's connect guide, declared by its adapter (``connect_guide``)."""
    try:
        return get_adapter_class(platform).connect_guide
    except ConfigurationError:  # not a registered platform
        return ConnectGuide(summary="", where="", steps=())


class TimezoneDecisionForm(forms.Form):
    """The owner's answer to a platform's time zone proposal: use it, or keep the salon's."""

    zone = forms.CharField(max_length=64)
    decision = forms.ChoiceField(choices=[("use", "Use it"), ("keep", "Keep the salon's")])


class IntegrationSettingsForm(forms.Form):
    """The owner's choices for one integration: one field per ``owner_settings`` entry of its
    adapter, showing the saved value (or the default)."""

    def __init__(self, *args, integration: Integration, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        adapter = get_adapter_class(integration.platform)
        for spec in adapter.owner_settings:
            self.fields[spec.name] = forms.ChoiceField(
                label=spec.label,
                choices=list(spec.choices),
                initial=setting_value(adapter, integration.options, spec.name),
                widget=forms.RadioSelect,
                help_text=spec.help_text,
                error_messages={
                    "required": f"Choose one: {spec.label.lower()}.",
                    "invalid_choice": "Choose one of the options listed.",
                },
            )


class CredentialForm(forms.Form):
    """One field per adapter Field. Secret fields are password inputs whose value is never
    rendered back. With ``integration`` (re-authentication), credentials are write-only: a blank
    credential keeps the saved value, and account ids are pre-filled (they are not secret)."""

    def __init__(
        self,
        *args,
        platform: str,
        integration: Integration | None = None,
        account_only: bool = False,
        **kwargs,
    ) -> None:
        """``account_only``: just the account ids (Mindbody's activation link needs the site id
        and nothing else)."""
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
        self.credential_names = [] if account_only else [f.name for f in adapter.credential_fields]
        self.account_names = [f.name for f in adapter.account_fields]
        for f in adapter.credential_fields:
            if not account_only:
                self.fields[f.name] = self._field(f, guide, keep_saved=f.name in saved)
        for f in adapter.account_fields:
            self.fields[f.name] = self._field(f, guide, keep_saved=False)
        if adapter.regions and not account_only:
            # The platform's host differs by region; the integration keeps the one chosen
            # (docs/platforms/phorest.md §1.2). One saved without a region shows the default.
            saved_region = (integration.options or {}).get("region") if integration else ""
            self.fields["region"] = forms.ChoiceField(
                label="Region",
                choices=[(key, region.choice) for key, region in adapter.regions.items()],
                initial=saved_region or next(iter(adapter.regions)),
                required=False,
                help_text=f"Where {adapter.display_name} hosts your business: EU for the UK, "
                f"Ireland and Europe; US for the United States, Canada and Australia. "
                f"{adapter.display_name} support can tell you.",
                error_messages={"invalid_choice": "Choose one of the regions listed."},
            )

    def _field(self, spec: Field, guide: ConnectGuide, *, keep_saved: bool) -> forms.CharField:
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
        adapter = get_adapter_class(self.platform)
        specs = {f.name: f for f in (*adapter.credential_fields, *adapter.account_fields)}
        secret_names = {f.name for f in adapter.credential_fields if f.secret}
        for name, value in list(cleaned.items()):
            if not value or name not in specs:
                continue
            label = self.fields[name].label
            if _CONTROL.search(value):
                self.add_error(
                    name, f"The {label.lower()} contains a line break or control character."
                )
            elif name.endswith("_id") and name not in secret_names and not _NO_SPACE.match(value):
                self.add_error(name, f"The {label.lower()} cannot contain spaces.")
            elif (
                specs.get(name) and specs[name].pattern and not re.match(specs[name].pattern, value)
            ):
                self.add_error(name, specs[name].pattern_message or f"Check the {label.lower()}.")
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

    @property
    def region_field(self) -> forms.BoundField | None:
        """The regional-host choice (Phorest). Vagaro's region is an account field, shown with
        the account fields: never twice."""
        if "region" in self.account_names:
            return None
        return self["region"] if "region" in self.fields else None
