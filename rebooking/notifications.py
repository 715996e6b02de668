"""Telling people about suggestions: one digest email per salon per run, and (when the salon turns
it on) emails straight to clients who opted in.

A Channel sends one Notification and raises on failure; CHANNELS maps ``Notification.channel`` to
its implementation, so SMS is one more class and one more line. Every attempt is recorded as a
Notification (sent / failed / skipped, with the reason in ``last_error``, never a secret).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Protocol

from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from integrations.models import Membership, MirroredCustomer, Salon
from salons.roles import Role

from .extensions import client_block_reason, client_links
from .models import (
    Notification,
    RebookingSettings,
    RebookingSuggestion,
    SuggestionKind,
    SuggestionStatus,
)
from .presenters import best_option, option_rows, slot_label, suggestion_page_url
from .selectors import customer_map
from .services import rebooking_settings_get

logger = logging.getLogger(__name__)

# A failed (or recipient-less) digest is retried by the next run on the same row for this long.
RETRY_WINDOW = timedelta(days=1)
ERROR_LIMIT = 500
# A freed slot is offered to this many of the clients due for it; the first to book it wins.
REFILL_OFFERS = 3


class Channel(Protocol):
    def send(self, notification: Notification, context: dict) -> None:
        """Deliver ``notification`` (rendered from ``context``); raise on failure."""


class EmailChannel:
    """django.core.mail with a text and an HTML part: templates/rebooking/email/<kind>.txt/.html."""

    def send(self, notification: Notification, context: dict) -> None:
        template = f"rebooking/email/{notification.kind}"
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=render_to_string(f"{template}.txt", context),
            from_email=django_settings.DEFAULT_FROM_EMAIL,
            to=list(notification.recipients),
            headers=context.get("headers") or None,
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        message.send(fail_silently=False)


CHANNELS: dict[str, Channel] = {"email": EmailChannel()}


def _safe_error(exc: Exception) -> str:
    """The exception's class and message, with any configured mail secret blanked out."""
    text = f"{type(exc).__name__}: {exc}"
    for secret in (django_settings.EMAIL_HOST_PASSWORD,):
        if secret:
            text = text.replace(secret, "***")
    return text[:ERROR_LIMIT]


def _deliver(notification: Notification, context: dict, *, now: datetime) -> Notification:
    notification.attempts += 1
    try:
        CHANNELS[notification.channel].send(notification, context)
    except Exception as exc:  # any channel failure is recorded, never raised to the caller
        notification.status = Notification.Status.FAILED
        notification.last_error = _safe_error(exc)
        logger.warning(
            "rebooking notification %s (%s, salon %s) failed: %s",
            notification.pk,
            notification.kind,
            notification.salon_id,
            type(exc).__name__,
        )
    else:
        notification.status = Notification.Status.SENT
        notification.sent_at = now
        notification.last_error = ""
    notification.save(update_fields=["status", "attempts", "last_error", "sent_at"])
    return notification


# -- digest to the salon ------------------------------------------------------------------------
def digest_recipients(*, salon: Salon, rebooking: RebookingSettings) -> list[str]:
    """The addresses RebookingSettings.notify chooses: owners', owners' and managers', or the
    custom list."""
    if rebooking.notify == RebookingSettings.Recipients.CUSTOM:
        return rebooking.notify_email_list()
    roles = [Role.OWNER]
    if rebooking.notify == RebookingSettings.Recipients.OWNERS_AND_MANAGERS:
        roles.append(Role.MANAGER)
    emails = (
        Membership.objects.filter(salon=salon, role__in=roles, user__is_active=True)
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))


def _digest_row(salon: Salon) -> Notification:
    """The last digest that failed or had nobody to go to (retried on the same row), or a new
    one."""
    retry = (
        Notification.objects.filter(
            salon=salon,
            kind=Notification.Kind.DIGEST,
            status__in=[Notification.Status.FAILED, Notification.Status.SKIPPED],
            created_at__gte=timezone.now() - RETRY_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    return retry or Notification(salon=salon, kind=Notification.Kind.DIGEST, channel="email")


def digest_item(suggestion: RebookingSuggestion) -> dict:
    best = best_option(suggestion)
    if suggestion.kind == SuggestionKind.REFILL:
        who = f"Freed slot {slot_label(suggestion)}".strip()
    else:
        who = suggestion.customer_name or "A client"
    return {
        "suggestion": suggestion,
        "who": who,
        "kind": suggestion.get_kind_display(),
        "best": best,
        "more": max(len(option_rows(suggestion)) - 1, 0),
    }


def notify_digest(*, salon: Salon, suggestions, now: datetime | None = None) -> Notification | None:
    """ONE email to the salon listing the given suggestions that nobody was told about yet.

    Returns None when there is nothing new (a re-run sends nothing). Suggestions are marked
    notified only when the email went out; a failed digest is retried by the next run.
    """
    now = now or timezone.now()
    pks = [getattr(s, "pk", s) for s in suggestions]
    with transaction.atomic():
        pending = list(
            RebookingSuggestion.objects.select_for_update(skip_locked=True)
            .filter(pk__in=pks, salon=salon, notified_at__isnull=True, status=SuggestionStatus.OPEN)
            .select_related("salon")
            .order_by("created_at", "pk")
        )
        if not pending:
            return None
        rebooking = rebooking_settings_get(salon=salon)
        notification = _digest_row(salon)
        count = len(pending)
        notification.recipients = digest_recipients(salon=salon, rebooking=rebooking)
        notification.subject = (
            f"{count} new rebooking suggestion{'s' if count != 1 else ''} for {salon.name}"
        )[:300]
        if not notification.recipients:
            notification.status = Notification.Status.SKIPPED
            notification.last_error = (
                "No recipient: the chosen people have no email address. Choose “These "
                "addresses” in the rebooking settings or add an email to their accounts."
            )
            notification.save()
            notification.suggestions.add(*pending)
            return notification
        notification.status = Notification.Status.PENDING
        notification.save()
        notification.suggestions.add(*pending)
        context = {
            "salon": salon,
            "items": [digest_item(s) for s in pending],
            "count": count,
            "page_url": suggestion_page_url(
                salon, absolute_base=django_settings.SALONSYNC_PUBLIC_URL
            ),
            "settings_url": django_settings.SALONSYNC_PUBLIC_URL.rstrip("/")
            + reverse("rebooking_settings", kwargs={"slug": salon.slug}),
        }
        _deliver(notification, context, now=now)
        if notification.status == Notification.Status.SENT:
            RebookingSuggestion.objects.filter(pk__in=[s.pk for s in pending]).update(
                notified_at=now
            )
    return notification


# -- messages to clients ------------------------------------------------------------------------
def in_quiet_hours(moment: time, start: time, end: time) -> bool:
    """Quiet from ``start`` until ``end`` (which may be the next morning)."""
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def _sent_today(salon: Salon, now: datetime) -> int:
    local = now.astimezone(salon.tz)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return Notification.objects.filter(
        salon=salon,
        kind=Notification.Kind.CLIENT,
        status=Notification.Status.SENT,
        sent_at__gte=day_start,
        sent_at__lt=day_start + timedelta(days=1),
    ).count()


def client_skip_reason(
    *, rebooking: RebookingSettings, salon: Salon, customer: MirroredCustomer, now: datetime
) -> str:
    """Why a client message must not go out now ("" when it may)."""
    if not rebooking.client_messages:
        return "Client messages are turned off in the rebooking settings."
    if customer.email_opt_in is not True:
        return "The client has not opted in to email."
    if not customer.email.strip():
        return "The client has no email address."
    blocked = client_block_reason(
        integration=customer.integration, customer_ref=customer.platform_id
    )
    if blocked:
        return blocked
    local = now.astimezone(salon.tz)
    if in_quiet_hours(local.time(), rebooking.quiet_hours_start, rebooking.quiet_hours_end):
        return (
            f"Quiet hours ({rebooking.quiet_hours_start:%H:%M}–{rebooking.quiet_hours_end:%H:%M} "
            f"{salon.timezone}); it is {local:%H:%M} there."
        )
    if _sent_today(salon, now) >= rebooking.daily_cap:
        return f"The daily cap of {rebooking.daily_cap} client messages is reached."
    return ""


def notify_client(
    *,
    suggestion: RebookingSuggestion,
    customer: MirroredCustomer,
    now: datetime | None = None,
) -> Notification:
    """Email the client about the suggestion when the salon's rules allow it; otherwise record a
    skipped Notification with the reason. A client already emailed about it is not emailed
    again (the earlier Notification is returned)."""
    now = now or timezone.now()
    salon = suggestion.salon
    for earlier in suggestion.notifications.filter(
        kind=Notification.Kind.CLIENT, status=Notification.Status.SENT
    ):
        if customer.email and customer.email in earlier.recipients:
            return earlier
    rebooking = rebooking_settings_get(salon=salon)
    service = suggestion.service_name or "appointment"
    notification = Notification(
        salon=salon,
        kind=Notification.Kind.CLIENT,
        channel="email",
        recipients=[customer.email] if customer.email else [],
        subject=f"{salon.name}: time for your next {service.lower()}?"[:300],
    )
    reason = client_skip_reason(rebooking=rebooking, salon=salon, customer=customer, now=now)
    if reason:
        notification.status = Notification.Status.SKIPPED
        notification.last_error = reason
        notification.save()
        notification.suggestions.add(suggestion)
        return notification
    notification.save()
    notification.suggestions.add(suggestion)
    if suggestion.kind == SuggestionKind.REFILL:
        when = [slot_label(suggestion)] if suggestion.slot_start else []
    else:
        when = [row.label for row in option_rows(suggestion) if not row.taken][:3]
    links = client_links(suggestion=suggestion, customer=customer)
    context = {
        "salon": salon,
        "first_name": customer.first_name or "there",
        "service": suggestion.service_name,
        "provider": suggestion.provider_name,
        "when": when,
        "is_refill": suggestion.kind == SuggestionKind.REFILL,
        "book_url": links.book_url,
        "unsubscribe_url": links.unsubscribe_url,
        # RFC 8058 one-click unsubscribe: mail providers POST to the URL.
        "headers": {
            "List-Unsubscribe": f"<{links.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if links.unsubscribe_url
        else None,
    }
    return _deliver(notification, context, now=now)


def notify_clients(*, suggestions, now: datetime | None = None) -> list[Notification]:
    """The client emails for new suggestions, when the salon emails clients: the client of a
    cancellation or an overdue suggestion, and the first REFILL_OFFERS clients due for a freed
    slot (each with a link of their own; the first to book wins). Each email still obeys
    ``client_skip_reason``."""
    sent: list[Notification] = []
    for suggestion in suggestions:
        if suggestion.status != SuggestionStatus.OPEN:
            continue
        rebooking = rebooking_settings_get(salon=suggestion.salon)
        if not rebooking.client_messages:
            continue
        if suggestion.kind == SuggestionKind.REFILL:
            refs = [
                o.get("customer")
                for o in (suggestion.options or [])[:REFILL_OFFERS]
                if isinstance(o, dict) and o.get("customer")
            ]
        else:
            refs = [suggestion.customer_ref] if suggestion.customer_ref else []
        customers = customer_map(integration=suggestion.integration, customer_refs=refs)
        for ref in refs:
            if ref in customers:
                sent.append(notify_client(suggestion=suggestion, customer=customers[ref], now=now))
    return sent
