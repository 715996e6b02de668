"""The integration's settings: the owner's per-integration choices an adapter declares
(``owner_settings``, e.g. which openings Phorest searches), shown on the status page and saved
here. Thin: the form validates, integration_settings_update saves."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import View

from .forms import IntegrationSettingsForm
from .selectors import integration_get_for_salon
from .services import integration_settings_update
from .views import IntegrationPageMixin


class IntegrationSettingsView(IntegrationPageMixin, View):
    """POST the settings form (owner only, Action.MANAGE_INTEGRATIONS); back to the status
    page with what happened."""

    def get(self, request, *args, **kwargs):
        return redirect(integration_get_for_salon(salon=self.salon, pk=kwargs["pk"]))

    def post(self, request, *args, **kwargs):
        integration = integration_get_for_salon(salon=self.salon, pk=kwargs["pk"])
        form = IntegrationSettingsForm(request.POST, integration=integration)
        if not form.fields:
            messages.error(request, f"{integration.platform_name} has no settings to change.")
        elif not form.is_valid():
            errors = " ".join(e for field in form.errors.values() for e in field)
            messages.error(request, f"Settings not saved: {errors}")
        elif integration_settings_update(
            integration=integration, values=form.cleaned_data, user=request.user
        ):
            messages.success(request, f"{integration.platform_name} settings saved.")
        else:
            messages.info(request, "Nothing changed.")
        return redirect(integration)
