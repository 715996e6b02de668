"""The integration pages: BookingIntegrationPage (list), PlatformSelector (new / connect),
ConnectionStatus (detail, re-authenticate, disconnect). Server-rendered, no JavaScript needed.

Thin views: reads come from ``selectors``, writes go through ``services``.
Viewing is for every member; connecting, re-authenticating and disconnecting are owner-only
(Action.MANAGE_INTEGRATIONS): others get a notice on GET and 403 on POST.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView, View

from salons.permissions import SalonAccessMixin
from salons.roles import Action

from .adapters.errors import ConfigurationError
from .adapters.registry import get_adapter_class, platform_choices
from .adapters.types import WebhookAuth
from .call_budget import integration_call_budget
from .connection_facts import connection_facts
from .dates import format_clock, format_moment
from .forms import (
    MAX_VALUE_LENGTH,
    CredentialForm,
    IntegrationSettingsForm,
    TimezoneDecisionForm,
    guide_for,
)
from .health import integration_issues_panel
from .models import Integration, IntegrationStatus
from .selectors import (
    ApiCallStats,
    integration_api_stats,
    integration_find_in_salon,
    integration_get_for_salon,
    integration_list_for_salon,
    integration_recent_calls,
    integration_timezone_proposal,
)
from .services import (
    ConnectError,
    StaleProposal,
    integration_activation,
    integration_connect,
    integration_disconnect,
    integration_timezone_decide,
)
from .status_extras import status_extras
from .sync_pages import sync_panel_context, sync_watch_announce

OWNER_ONLY = "Only the salon's owner can connect, re-authenticate or disconnect platforms."

STATUS_HELP: dict[str, str] = {
    IntegrationStatus.PENDING: "No credentials have been accepted yet: connect it to start.",
    IntegrationStatus.CONNECTED: "Connected: SalonSync can read and book appointments.",
    IntegrationStatus.NEEDS_REAUTH: (
        "The platform no longer accepts the saved credentials. Re-authenticate to resume syncing."
    ),
    IntegrationStatus.ERROR: (
        "Repeated failures reaching the platform. SalonSync keeps retrying; see the last error."
    ),
    IntegrationStatus.DISABLED: (
        "Disconnected by the owner: the credentials were forgotten and nothing syncs until it is "
        "reconnected."
    ),
}


def _adapter_class_or_404(platform: str):
    try:
        return get_adapter_class(platform)
    except ConfigurationError:
        raise Http404("No such platform.") from None


def account_rows(integration: Integration) -> list[tuple[str, str]]:
    """(label, value) for the account ids shown on the pages; ids are not secret."""
    try:
        fields = get_adapter_class(integration.platform).account_fields
    except ConfigurationError:
        return [(k, str(v)) for k, v in sorted(integration.account.items())]
    return [
        (f.label, str(integration.account[f.name]))
        for f in fields
        if integration.account.get(f.name)
    ]


@dataclass(frozen=True)
class WebhookInfo:
    kind: str  # WebhookAuth value
    url: str  # empty when the platform sends no webhooks
    text: str


def webhook_info(integration: Integration) -> WebhookInfo:
    base = settings.SALONSYNC_PUBLIC_URL.rstrip("/")
    auth = _adapter_class_or_404(integration.platform).capabilities.webhooks
    name = integration.platform_name
    if auth == WebhookAuth.URL_TOKEN:
        return WebhookInfo(
            auth,
            f"{base}/webhooks/{integration.platform}/{integration.pk}/",
            f"Paste this URL as the webhook endpoint in {name} (its webhook settings), then save "
            f"the verification token {name} shows you on the re-authenticate form below."
            + (
                f" In the demo, paste it under “Webhooks go to” of the {name} business at "
                f"{base}/sandbox/."
                if settings.SANDBOX_ENABLED
                else ""
            ),
        )
    if auth == WebhookAuth.SIGNED:
        return WebhookInfo(
            auth,
            f"{base}/webhooks/{integration.platform}/",
            f"{name} webhooks come through SalonSync's one app-level subscription, which routes "
            f"them to your account by its ID. Nothing to set up in {name}; this is the URL it "
            f"delivers to.",
        )
    return WebhookInfo(
        auth,
        "",
        f"{name} sends no webhooks: this integration is kept current by polling {name} "
        f"regularly, which picks up the same changes.",
    )


def chart_geometry(stats: ApiCallStats, *, width: int = 720, height: int = 160) -> dict:
    """Coordinates for the inline SVG bar chart of calls and errors per hour (no JS)."""
    top, bottom, left = 10, 22, 32
    plot_h = height - top - bottom
    count = len(stats.buckets) or 1
    slot = (width - left) / count
    bar_w = max(slot * 0.7, 1)
    peak = max(stats.max_bucket_calls, 1)
    bars = []
    for i, bucket in enumerate(stats.buckets):
        x = left + i * slot + (slot - bar_w) / 2
        calls_h = plot_h * bucket.calls / peak
        errors_h = plot_h * bucket.errors / peak
        bars.append(
            {
                "x": round(x, 1),
                "w": round(bar_w, 1),
                "calls_y": round(top + plot_h - calls_h, 1),
                "calls_h": round(calls_h, 1),
                "errors_y": round(top + plot_h - errors_h, 1),
                "errors_h": round(errors_h, 1),
                # Buckets are aligned on the salon's clock and carry its zone.
                "label": format_clock(bucket.start, bucket.start.tzinfo),
                "show_label": i % 3 == 0,
                "label_x": round(x + bar_w / 2, 1),
                "title": (
                    f"{format_moment(bucket.start, bucket.start.tzinfo)}: "
                    f"{bucket.calls} call{'s' if bucket.calls != 1 else ''}"
                    f", {bucket.errors} error{'s' if bucket.errors != 1 else ''}"
                ),
                "bucket": bucket,
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "baseline": top + plot_h,
        "peak": stats.max_bucket_calls,
        "label_y": height - 6,
        "bars": bars,
    }


class IntegrationPageMixin(SalonAccessMixin):
    write_action = Action.MANAGE_INTEGRATIONS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.membership.can(Action.MANAGE_INTEGRATIONS)
        context["owner_only_notice"] = OWNER_ONLY
        context["sandbox_enabled"] = settings.SANDBOX_ENABLED  # the demo points at /sandbox/
        return context


class IntegrationListView(IntegrationPageMixin, TemplateView):
    """BookingIntegrationPage: one card per integration with its status and health."""

    template_name = "integrations/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = [
            {
                "integration": integration,
                "account_rows": account_rows(integration),
                "status_help": STATUS_HELP.get(integration.status, ""),
            }
            for integration in integration_list_for_salon(salon=self.salon)
        ]
        connected = {
            card["integration"].platform
            for card in context["cards"]
            if card["integration"].status != IntegrationStatus.DISABLED
        }
        context["to_connect"] = [
            {"key": key, "name": name} for key, name in platform_choices() if key not in connected
        ]
        return context


class PlatformSelectorView(IntegrationPageMixin, TemplateView):
    """PlatformSelector, step 1: choose the platform."""

    template_name = "integrations/new.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["platforms"] = [
            {"key": key, "name": name, "guide": guide_for(key)} for key, name in platform_choices()
        ]
        return context


class IntegrationConnectView(IntegrationPageMixin, FormView):
    """PlatformSelector, step 2: the platform's credential form. Submit = test, then connect."""

    template_name = "integrations/connect.html"
    form_class = CredentialForm
    activation = None  # the platform's activation code and link, once asked for or needed

    @cached_property
    def adapter_class(self):
        return _adapter_class_or_404(self.kwargs["platform"])  # 404 for an unknown platform

    @property
    def platform(self) -> str:
        self.adapter_class  # noqa: B018 - validates the key
        return self.kwargs["platform"]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "platform": self.platform}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.membership.can(Action.MANAGE_INTEGRATIONS):
            for f in form.fields.values():
                f.disabled = True
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            platform=self.platform,
            platform_name=self.adapter_class.display_name,
            guide=guide_for(self.platform),
            needs_activation=self.adapter_class.needs_activation,
        )
        context.setdefault("activation", self.activation)
        return context

    def form_valid(self, form):
        try:
            outcome = integration_connect(
                salon=self.salon, platform=self.platform, values=form.values()
            )
        except ConnectError as exc:
            account = {name: form.cleaned_data.get(name, "") for name in form.account_names}
            existing = (
                integration_find_in_salon(salon=self.salon, platform=self.platform, account=account)
                if exc.code == "conflict"
                else None
            )
            if existing is not None:
                exc = ConnectError(
                    f"This {self.adapter_class.display_name} account is already connected to "
                    f"{self.salon.name} ({existing.account_name or existing.account_key}, "
                    f"{existing.get_status_display().lower()}). Open it from Booking platforms "
                    f"to re-authenticate or reconnect it.",
                    code="conflict",
                )
            self.activation = exc.activation
            _add_connect_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{self.adapter_class.display_name} accepted the credentials. {outcome.message}",
        )
        return HttpResponseRedirect(
            reverse(
                "integration_detail", kwargs={"slug": self.salon.slug, "pk": outcome.integration.pk}
            )
        )


class IntegrationActivationView(IntegrationConnectView):
    """POST the account ids (owner only): the connect page again, with the platform's activation
    link (Mindbody: the site owner approves SalonSync before any staff login works,
    docs/platforms/mindbody.md §7.15). Secrets typed so far are not sent back."""

    def get(self, request, *args, **kwargs):
        return redirect("integration_connect", slug=self.salon.slug, platform=self.platform)

    def post(self, request, *args, **kwargs):
        if not self.adapter_class.needs_activation:
            raise Http404("This platform has no activation step.")
        ids = CredentialForm(request.POST, platform=self.platform, account_only=True)
        error = ""
        if ids.is_valid():
            try:
                self.activation = integration_activation(
                    salon=self.salon, platform=self.platform, values=ids.values()
                )
            except ConnectError as exc:
                error = exc.message
        else:
            error = _first_error(ids)
        plain = [f.name for f in self.adapter_class.credential_fields if not f.secret]
        keep = {
            name: str(request.POST.get(name, ""))[:MAX_VALUE_LENGTH]
            for name in (*ids.account_names, *plain, "region")
        }
        form = CredentialForm(platform=self.platform, initial=keep)
        return self.render_to_response(
            self.get_context_data(form=form, activation_error=error, activation_asked=True)
        )


def _first_error(form) -> str:
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return "check the form."


def _add_connect_error(form: CredentialForm, exc: ConnectError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


class IntegrationDetailView(IntegrationPageMixin, TemplateView):
    """ConnectionStatus: status, account, 24-h API health with a chart, recent calls, webhooks,
    and (for the owner) re-authenticate and disconnect."""

    template_name = "integrations/detail.html"
    reauth_form: CredentialForm | None = None
    activation = None  # a failed re-authentication's activation link (Mindbody)

    def get_integration(self) -> Integration:
        return integration_get_for_salon(salon=self.salon, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        sync_watch_announce(request=request, integration=self.get_integration())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        integration = self.get_integration()
        stats = integration_api_stats(integration=integration)
        form = self.reauth_form
        if form is None and context["can_manage"]:
            form = CredentialForm(platform=integration.platform, integration=integration)
        context.update(
            integration=integration,
            timezone_proposal=integration_timezone_proposal(integration),
            can_choose_timezone=self.membership.can(Action.EDIT_SALON),
            account_rows=account_rows(integration),
            status_help=STATUS_HELP.get(integration.status, ""),
            stats=stats,
            chart=chart_geometry(stats),
            recent_calls=integration_recent_calls(integration=integration),
            budget=integration_call_budget(integration=integration),
            facts=connection_facts(integration),
            settings_form=IntegrationSettingsForm(integration=integration),
            webhook=webhook_info(integration),
            **status_extras(integration),
            issues=integration_issues_panel(integration),
            reauth_form=form,
            activation=self.activation,
            guide=guide_for(integration.platform),
        )
        context.update(
            sync_panel_context(
                integration=integration, can_operate=self.membership.can(Action.OPERATE)
            )
        )
        return context


class IntegrationReauthView(IntegrationDetailView):
    """POST the re-authenticate form (owner only); blank credentials keep the saved ones."""

    def get(self, request, *args, **kwargs):
        return redirect(self.get_integration())

    def post(self, request, *args, **kwargs):
        integration = self.get_integration()
        form = CredentialForm(request.POST, platform=integration.platform, integration=integration)
        if form.is_valid():
            try:
                outcome = integration_connect(
                    salon=self.salon,
                    platform=integration.platform,
                    values=form.values(),
                    integration=integration,
                )
            except ConnectError as exc:
                _add_connect_error(form, exc)
                self.activation = exc.activation
            else:
                messages.success(
                    request,
                    f"{integration.platform_name} accepted the credentials. {outcome.message}",
                )
                return redirect(integration)
        # The form sits far down the page: say so at the top too (its field keeps the detail).
        messages.error(
            request,
            f"{integration.platform_name} credentials not saved: "
            f"{_first_error(form)} See the re-authenticate form below.",
        )
        self.reauth_form = form
        return self.render_to_response(self.get_context_data())


class IntegrationTimezoneView(IntegrationPageMixin, View):
    """POST "use" or "keep" for the platform's time zone (owner and manager: it is a salon
    setting, Action.EDIT_SALON); back to the status page with what happened."""

    write_action = Action.EDIT_SALON

    def get(self, request, *args, **kwargs):
        return redirect(integration_get_for_salon(salon=self.salon, pk=kwargs["pk"]))

    def post(self, request, *args, **kwargs):
        integration = integration_get_for_salon(salon=self.salon, pk=kwargs["pk"])
        form = TimezoneDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose to use the platform's time zone or keep the salon's.")
            return redirect(integration)
        zone, accept = form.cleaned_data["zone"], form.cleaned_data["decision"] == "use"
        try:
            now = integration_timezone_decide(
                integration=integration, zone=zone, accept=accept, user=request.user
            )
        except StaleProposal:
            messages.error(
                request, "That time zone proposal is no longer current; the page shows what is."
            )
            return redirect(integration)
        if accept:
            messages.success(request, f"{self.salon.name} now uses {now}.")
        else:
            messages.success(
                request, f"{self.salon.name} keeps {now}; {zone} will not be proposed again."
            )
        return redirect(integration)


class IntegrationDisconnectView(IntegrationPageMixin, TemplateView):
    """Confirm (GET), then disconnect (POST): forget the credentials, stop syncing."""

    template_name = "integrations/disconnect.html"
    read_action = Action.MANAGE_INTEGRATIONS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["integration"] = integration_get_for_salon(salon=self.salon, pk=self.kwargs["pk"])
        return context

    def post(self, request, *args, **kwargs):
        integration = integration_get_for_salon(salon=self.salon, pk=kwargs["pk"])
        integration_disconnect(integration=integration)
        messages.success(
            request,
            f"{integration.platform_name} disconnected. SalonSync forgot its credentials and "
            f"stopped syncing; past appointments stay.",
        )
        return redirect("integration_list", slug=self.salon.slug)
