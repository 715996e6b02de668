"""Telling people about suggestions: one digest email per salon per run (here), and messages
straight to clients by email or SMS (rebooking/client_messages.py).

Channels (email built in, SMS from the sms app) are in rebooking/channels.py. Every attempt is
recorded as a Notification (sent / failed / skipped / deferred, with the reason in
``last_error``, never a secret). Nothing is sent inside a transaction or under a row lock: the
rows are claimed and recorded first, committed, and the message goes out after.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from integrations.models import Membership, Salon
from salons.roles import Role

from .channels import CHANNELS, EmailChannel, deliver
from .client_messages import (
    REFILL_OFFERS,
    client_skip_reason,
    in_quiet_hours,
    notify_client,
    notify_clients,
)
from .models import (
    Notification,
    RebookingSettings,
    RebookingSuggestion,
    SuggestionKind,
    SuggestionStatus,
)
from .presenters import best_option, option_rows, slot_label, suggestion_page_url
from .services import rebooking_settings_get

__all__ = [
    "CHANNELS",
    "REFILL_OFFERS",
    "EmailChannel",
    "client_skip_reason",
    "in_quiet_hours",
    "notify_client",
    "notify_clients",
    "notify_digest",
]

logger = logging.getLogger(__name__)

# A failed (or recipient-less) digest is retried by the next run on the same row for this long.
RETRY_WINDOW = timedelta(days=1)
# A digest claimed by a run that has not finished sending after this long is taken to have died
# with it: the next run may send its suggestions.
CLAIM_TTL = timedelta(minutes=10)


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


def _digest_row(salon: Salon, claim_time: datetime) -> Notification:
    """The last digest that failed, had nobody to go to, or was claimed by a run that died
    (retried on the same row), or a new one."""
    retry = (
        Notification.objects.filter(salon=salon, kind=Notification.Kind.DIGEST)
        .filter(
            Q(status__in=[Notification.Status.FAILED, Notification.Status.SKIPPED])
            | Q(status=Notification.Status.PENDING, claimed_at__lt=claim_time - CLAIM_TTL)
        )
        .filter(created_at__gte=claim_time - RETRY_WINDOW)
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


def _digest_claim(salon: Salon, pks: list) -> tuple[Notification, list] | None:
    """In one short transaction: lock the suggestions nobody was told about (skipping those
    another run is sending), and record the digest row with them, PENDING and claimed."""
    claim_time = timezone.now()
    busy = Notification.objects.filter(
        kind=Notification.Kind.DIGEST,
        status=Notification.Status.PENDING,
        claimed_at__gte=claim_time - CLAIM_TTL,
    ).values("suggestions")
    with transaction.atomic():
        pending = list(
            RebookingSuggestion.objects.select_for_update(skip_locked=True)
            .filter(pk__in=pks, salon=salon, notified_at__isnull=True, status=SuggestionStatus.OPEN)
            .exclude(pk__in=busy)
            .select_related("salon")
            .order_by("created_at", "pk")
        )
        if not pending:
            return None
        rebooking = rebooking_settings_get(salon=salon)
        notification = _digest_row(salon, claim_time)
        count = len(pending)
        notification.recipients = digest_recipients(salon=salon, rebooking=rebooking)
        notification.subject = (
            f"{count} new rebooking suggestion{'s' if count != 1 else ''} for {salon.name}"
        )[:300]
        if notification.recipients:
            notification.status = Notification.Status.PENDING
            notification.claimed_at = claim_time
        else:
            notification.status = Notification.Status.SKIPPED
            notification.last_error = (
                "No recipient: the chosen people have no email address. Choose “These "
                "addresses” in the rebooking settings or add an email to their accounts."
            )
        notification.save()
        notification.suggestions.add(*pending)
    return notification, pending


def notify_digest(*, salon: Salon, suggestions, now: datetime | None = None) -> Notification | None:
    """ONE email to the salon listing the given suggestions that nobody was told about yet.

    Returns None when there is nothing new (a re-run sends nothing). The digest is recorded and
    committed first, then sent with no transaction or lock held; the suggestions are marked
    notified only when it went out. A failed digest is retried by the next run.
    """
    now = now or timezone.now()
    claimed = _digest_claim(salon, [getattr(s, "pk", s) for s in suggestions])
    if claimed is None:
        return None
    notification, pending = claimed
    if notification.status == Notification.Status.SKIPPED:
        return notification
    context = {
        "salon": salon,
        "items": [digest_item(s) for s in pending],
        "count": len(pending),
        "page_url": suggestion_page_url(salon, absolute_base=django_settings.SALONSYNC_PUBLIC_URL),
        "settings_url": django_settings.SALONSYNC_PUBLIC_URL.rstrip("/")
        + reverse("rebooking_settings", kwargs={"slug": salon.slug}),
    }
    deliver(notification, context, now=now)
    if notification.status == Notification.Status.SENT:
        RebookingSuggestion.objects.filter(pk__in=[s.pk for s in pending]).update(notified_at=now)
    return notification
