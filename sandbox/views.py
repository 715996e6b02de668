"""The sandbox's own pages (demo and tests only; any logged-in user): the accounts and their
credentials, a front desk per account that books and cancels through the calendar (which fires
the platform's webhook), and the control page for faults and webhook deliveries."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from salonsync.demo_beat import poll_delay_text

from . import calendar, data, faults, outbox, webhooks
from .forms import (
    BookForm,
    FaultForm,
    PhorestSettingsForm,
    SlotSearchForm,
    VagaroSettingsForm,
    WebhookUrlForm,
)
from .models import (
    ACTIVE,
    Account,
    Appointment,
    Client,
    Fault,
    Platform,
    Provider,
    Service,
    Status,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

# Where each adapter is pointed (see sandbox/urls.py) and what the connect form calls the
# account's fields. Vagaro's path ends in the business's own region (docs/platforms/vagaro.md
# §2.1), filled in per account.
BASE_URLS = {
    Platform.VAGARO: ("VAGARO_API_URL", "/sandbox/vagaro"),
    Platform.MINDBODY: ("MINDBODY_API_URL", "/sandbox/mindbody"),
    Platform.PHOREST: (
        "PHOREST_API_URL",
        "/sandbox/phorest/third-party-api-server/api/business",
    ),
}
# Phorest's US/Canada/Australia region (docs/platforms/phorest.md §1.2): a business whose region
# is "us" answers there.
PHOREST_US_BASE_URL = (
    "PHOREST_US_API_URL",
    "/sandbox/phorest-us/third-party-api-server/api/business",
)
LABELS = {
    Platform.MINDBODY: {
        "account_id": "Site ID",
        "username": "Staff username",
        "password": "Staff password",
        "webhook_secret": "Webhook signature key",
    },
    Platform.VAGARO: {
        "account_id": "Business ID",
        "api_region": "Region",
        "username": "Client ID",
        "password": "Client secret",
        "webhook_secret": "Webhook verification token",
    },
    Platform.PHOREST: {
        "account_id": "Business ID",
        "branch_id": "Branch ID",
        "username": "API username",
        "password": "API password",
    },
}
UPCOMING_DAYS = 14


def _counts(model, **filters) -> dict[int, int]:
    rows = model.objects.filter(**filters).values("account").annotate(n=Count("pk"))
    return {row["account"]: row["n"] for row in rows}


@login_required
def index(request: HttpRequest):
    accounts = list(Account.objects.order_by("platform", "account_id"))
    now = timezone.now()
    counts = {
        "providers": _counts(Provider),
        "services": _counts(Service),
        "clients": _counts(Client),
        "appointments": _counts(Appointment, deleted=False),
        "upcoming": _counts(Appointment, deleted=False, status__in=ACTIVE, start__gte=now),
    }
    origin = request.build_absolute_uri("/").rstrip("/")
    rows = []
    for account in accounts:
        setting, path = BASE_URLS[account.platform]
        if account.platform == Platform.PHOREST and account.api_region == "us":
            setting, path = PHOREST_US_BASE_URL
        # (label, value, data-testid), e.g. sandbox-vagaro-region
        credentials = [
            (label, getattr(account, name), f"sandbox-{account.platform}-{slugify(label)}")
            for name, label in LABELS[account.platform].items()
            if getattr(account, name)
        ]
        rows.append(
            {
                "account": account,
                "credentials": credentials,
                "base_url": (setting, origin + path.format(region=account.api_region)),
                "counts": {name: per.get(account.pk, 0) for name, per in counts.items()},
            }
        )
    return render(request, "sandbox/index.html", {"rows": rows})


@login_required
@require_http_methods(["POST"])
def webhook_url(request: HttpRequest, pk: int):
    """Set where an account's webhooks go (the platform's webhook settings). Phorest sends none."""
    account = get_object_or_404(Account, pk=pk)
    if account.platform == Platform.PHOREST:
        messages.error(request, "Phorest sends no webhooks: SalonSync polls it.")
        return redirect("sandbox_index")
    form = WebhookUrlForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That is not a valid URL: " + " ".join(form.errors["webhook_url"]))
        return redirect("sandbox_index")
    account.webhook_url = form.cleaned_data["webhook_url"]
    account.save(update_fields=["webhook_url"])
    if account.webhook_url:
        messages.success(
            request, f"{account.name} now sends its webhooks to {account.webhook_url}."
        )
    else:
        messages.info(request, f"{account.name} sends no webhooks now.")
    return redirect("sandbox_index")


@login_required
@require_http_methods(["POST"])
def vagaro_settings(request: HttpRequest, pk: int):
    """A Vagaro business's API settings: its region (docs/platforms/vagaro.md §2.1), whether it
    has write access (§2.7) and how its read answers write times (§2.8)."""
    account = get_object_or_404(Account, pk=pk, platform=Platform.VAGARO)
    form = VagaroSettingsForm(request.POST)
    if not form.is_valid():
        errors = " ".join(e for field in form.errors.values() for e in field)
        messages.error(request, f"Not saved: {errors}")
        return redirect("sandbox_index")
    for name, value in form.cleaned_data.items():
        setattr(account, name, value)
    account.save(update_fields=list(form.cleaned_data))
    messages.success(request, f"{account.name}: API settings saved.")
    return redirect("sandbox_index")


@login_required
@require_http_methods(["POST"])
def phorest_settings(request: HttpRequest, pk: int):
    """A Phorest business's sandbox switches: whether it uses online booking (§2.5, §7.8) and
    whether its appointment reads by id answer 404 (docs/platforms/phorest.md §7.7)."""
    account = get_object_or_404(Account, pk=pk, platform=Platform.PHOREST)
    form = PhorestSettingsForm(request.POST)
    form.is_valid()  # two optional check boxes: any post is valid
    for name, value in form.cleaned_data.items():
        setattr(account, name, value)
    account.save(update_fields=list(form.cleaned_data))
    messages.success(request, f"{account.name}: Phorest settings saved.")
    return redirect("sandbox_index")


@login_required
@require_http_methods(["GET", "POST"])
def mindbody_activation(request: HttpRequest, pk: int):
    """A Mindbody site's approval of SalonSync's developer account: where the ActivationLink of
    GET site/activationcode leads (Mindbody's "Manage Credentials screen",
    docs/platforms/mindbody.md §1.2, §7.15), and the sandbox's switch to undo it. POST
    ``activated`` "1" approves, "0" withdraws (to show an owner's first step)."""
    account = get_object_or_404(Account, pk=pk, platform=Platform.MINDBODY)
    if request.method == "GET":
        return render(
            request,
            "sandbox/mindbody_activation.html",
            {"account": account, "code": str(request.GET.get("code", ""))[:40]},
        )
    wanted = request.POST.get("activated")
    if wanted not in ("0", "1"):
        messages.error(request, "Choose to approve SalonSync or to withdraw the approval.")
        return redirect("sandbox_index")
    account.activated = wanted == "1"
    account.save(update_fields=["activated"])
    if account.activated:
        messages.success(
            request,
            f"{account.name} (site {account.account_id}) has approved SalonSync. Back in "
            f"SalonSync, check again.",
        )
    else:
        messages.info(
            request,
            f"{account.name} (site {account.account_id}) has not activated SalonSync now: its "
            f"API answers DeniedAccess until it is approved with the activation link.",
        )
    return redirect("sandbox_index")


def _webhook_note(account: Account, since_pk: int) -> str:
    """What happened to the webhook of the change just made, for the front desk's message."""
    if account.platform == Platform.PHOREST:
        return (
            "Phorest sends no webhooks: SalonSync polls Phorest and sees this change "
            f"{poll_delay_text()}."
        )
    if not account.webhook_url:
        return "No webhook URL is set for this account, so no webhook was sent."
    sent = list(WebhookDelivery.objects.filter(account=account, pk__gt=since_pk).order_by("pk"))
    if not sent:
        return "No webhook was sent for this change."
    parts = []
    for delivery in sent:
        if delivery.state == WebhookDelivery.State.PENDING and delivery.next_attempt_at:
            state = "held back (out-of-order fault)"
        elif delivery.state == WebhookDelivery.State.PENDING:
            state = "queued for the worker"
        else:
            state = delivery.get_state_display().lower()
            if delivery.last_status:
                state += f" (HTTP {delivery.last_status})"
            elif delivery.last_error:
                state += f" ({delivery.last_error.split(':')[0]})"
        parts.append(f"{delivery.event_type} → {state}")
    return f"Webhook sent to {account.webhook_url}: " + "; ".join(parts) + "."


def _last_delivery_pk() -> int:
    return WebhookDelivery.objects.aggregate(last=Max("pk"))["last"] or 0


def _open_slots(account: Account, search: SlotSearchForm):
    """The chosen day's open times for the chosen service, grouped by provider."""
    if not search.is_valid():
        return None
    service, day = search.cleaned_data.get("service"), search.cleaned_data.get("day")
    if service is None or day is None:
        return None
    provider = search.cleaned_data.get("provider")
    slots = calendar.open_slots(
        account, day, day, services=[service], providers=[provider] if provider else None
    )
    grouped: dict[Provider, list] = {}
    for slot in slots:
        grouped.setdefault(slot.provider, []).append(slot)
    return list(grouped.items())


@login_required
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest, platform: str, pk: int):
    account = get_object_or_404(Account, pk=pk, platform=platform)
    tz = ZoneInfo(account.timezone)
    book_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "cancel":
            return _cancel(request, account)
        if action != "book":
            messages.error(request, "Unknown action.")
            return redirect(request.path)
        book_form = BookForm(account, request.POST)
        if book_form.is_valid():
            done = _book(request, account, book_form)
            if done is not None:
                return done
        search = SlotSearchForm(account, request.POST)
    else:
        initial = request.GET.copy()
        initial.setdefault("day", timezone.now().astimezone(tz).date().isoformat())
        search = SlotSearchForm(account, initial)
    today = timezone.now().astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    upcoming = (
        account.appointments.filter(
            deleted=False, start__gte=today, start__lt=today + timedelta(days=UPCOMING_DAYS)
        )
        .select_related("client", "provider", "service")
        .order_by("start")[:200]
    )
    return render(
        request,
        "sandbox/desk.html",
        {
            "account": account,
            "search": search,
            "book_form": book_form,
            "slot_groups": _open_slots(account, search),
            "upcoming": upcoming,
            "active": ACTIVE,
            "upcoming_days": UPCOMING_DAYS,
            "poll_delay": poll_delay_text(),
        },
    )


def _book(request: HttpRequest, account: Account, form: BookForm):
    """Book through the calendar; a refusal becomes a form error (None: re-render)."""
    client, service = form.cleaned_data["client"], form.cleaned_data["service"]
    provider, start = form.cleaned_data["provider"], form.cleaned_data["start"]
    since = _last_delivery_pk()
    ext_id = data.new_ext_id(account.platform, "appointment")
    while account.appointments.filter(ext_id=ext_id).exists():
        ext_id = data.new_ext_id(account.platform, "appointment")
    try:
        appointment = calendar.book(
            client=client, provider=provider, service=service, start=start, ext_id=ext_id
        )
    except calendar.CalendarError as exc:
        form.add_error(None, exc.message)
        return None
    local = appointment.start.astimezone(ZoneInfo(account.timezone))
    messages.success(
        request,
        f"Booked {service} for {client} with {provider} on {local:%a %d %b %Y at %H:%M}. "
        + _webhook_note(account, since),
    )
    return redirect(request.path)


def _cancel(request: HttpRequest, account: Account):
    appointment = get_object_or_404(
        account.appointments.select_related("client"), pk=request.POST.get("appointment") or 0
    )
    since = _last_delivery_pk()
    try:
        calendar.cancel(appointment)
    except calendar.CalendarError as exc:
        messages.error(request, exc.message)
        return redirect(request.path)
    kind = "Late-cancelled" if appointment.status == Status.LATE_CANCELLED else "Cancelled"
    messages.success(
        request,
        f"{kind} {appointment.client}'s appointment {appointment.ext_id}. "
        + _webhook_note(account, since),
    )
    return redirect(request.path)


@login_required
@require_http_methods(["GET", "POST"])
def control(request: HttpRequest):
    form = FaultForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "set_fault":
            form = FaultForm(request.POST)
            if form.is_valid():
                fault = faults.set_fault(
                    form.cleaned_data["platform"],
                    form.cleaned_data["kind"],
                    form.cleaned_data.get("value") or 0,
                    form.cleaned_data.get("remaining"),
                )
                messages.success(request, f"Fault set: {fault}.")
                return redirect("sandbox_control")
        elif action == "remove_fault":
            removed, _ = Fault.objects.filter(pk=request.POST.get("fault") or 0).delete()
            messages.success(request, "Fault removed." if removed else "That fault was gone.")
            return redirect("sandbox_control")
        elif action == "clear_faults":
            count = faults.clear_faults(request.POST.get("platform") or None)
            messages.success(request, f"Removed {count} fault(s).")
            return redirect("sandbox_control")
        elif action == "send_retries":
            count = webhooks.retry_due_webhooks(every_waiting=True)
            messages.success(request, f"Sent {count} waiting webhook delivery(ies) now.")
            return redirect("sandbox_control")
        else:
            messages.error(request, "Unknown action.")
            return redirect("sandbox_control")
    active = Fault.objects.order_by("platform", "kind")
    deliveries = WebhookDelivery.objects.select_related("account").defer("body", "headers")[:50]
    waiting = webhooks.due_deliveries(every_waiting=True).count()
    return render(
        request,
        "sandbox/control.html",
        {
            "form": form,
            "faults": active,
            "units": faults.UNITS,
            "deliveries": deliveries,
            "waiting": waiting,
            "json_url": reverse("sandbox_control_faults"),
        },
    )


@login_required
@require_http_methods(["GET"])
def client_outbox(request: HttpRequest):
    """What the demo's clients were sent (sandbox/outbox.py), their links to open."""
    context = {"rows": outbox.outbox_rows(), "held": outbox.held_back()}
    context["recording"] = settings.EMAIL_BACKEND == "sandbox.outbox.EmailBackend"
    return render(request, "sandbox/outbox.html", context)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@csrf_exempt  # a JSON endpoint for scripts and tests; it still needs a logged-in session
@require_http_methods(["GET", "POST", "DELETE"])
def control_faults(request: HttpRequest):
    """GET lists faults (?platform=), POST {"platform","kind","value","remaining"} sets one,
    DELETE clears (optional platform and kind, in the query string or a JSON body)."""
    if not request.user.is_authenticated:
        return _error(401, "not_authenticated", "Log in to change the sandbox's faults.")
    payload = {}
    if request.body and request.content_type != "application/json":
        # A form post from another site cannot send application/json without a CORS preflight,
        # so this keeps the CSRF-exempt endpoint safe for a logged-in demo user.
        return _error(415, "unsupported_media_type", "Send the body as application/json.")
    if request.body:
        try:
            payload = json.loads(request.body)
        except ValueError:
            return _error(400, "invalid", "The body must be JSON.")
        if not isinstance(payload, dict):
            return _error(400, "invalid", "The body must be a JSON object.")
    if request.method == "POST":
        try:
            fault = faults.set_fault(
                payload.get("platform"),
                payload.get("kind"),
                payload.get("value", 0),
                payload.get("remaining"),
            )
        except faults.FaultError as exc:
            return _error(400, "invalid", str(exc))
        return JsonResponse({"fault": faults.as_dict(fault)}, status=201)
    platform = request.GET.get("platform") or payload.get("platform") or None
    kind = request.GET.get("kind") or payload.get("kind") or None
    if platform is not None and platform not in Platform.values:
        return _error(400, "invalid", f"platform must be one of {', '.join(Platform.values)}.")
    if kind is not None and kind not in Fault.Kind.values:
        return _error(400, "invalid", f"kind must be one of {', '.join(Fault.Kind.values)}.")
    if request.method == "DELETE":
        return JsonResponse({"deleted": faults.clear_faults(platform, kind)})
    listed = Fault.objects.order_by("platform", "kind")
    if platform:
        listed = listed.filter(platform=platform)
    if kind:
        listed = listed.filter(kind=kind)
    return JsonResponse({"faults": [faults.as_dict(f) for f in listed]})
