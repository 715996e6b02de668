"""The demo's client outbox: the emails SalonSync sent, kept in the database (OutboxEmail) as
well as printed, and what the outbox page shows of them: who got what, the links in it, and the
client messages that were held back or not sent, with the reason.

``EmailBackend`` is the demo's email backend (salonsync/conf/local.py, only while the sandbox is
on and no EMAIL_URL is set); production never uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

from .models import OutboxEmail

SHOWN = 50
# The links a message carries: the public URL's own, up to the first space.
_LINK = re.compile(r"https?://\S+")


class EmailBackend(ConsoleBackend):
    """Django's console backend that also records each message for the outbox page."""

    def send_messages(self, email_messages):
        OutboxEmail.objects.bulk_create(
            OutboxEmail(
                sender=str(message.from_email)[:300],
                to=[str(address) for address in message.recipients()],
                subject=str(message.subject)[:300],
                body=str(message.body),
            )
            for message in email_messages or []
        )
        return super().send_messages(email_messages)


@dataclass(frozen=True)
class OutboxLink:
    url: str
    kind: str  # "book", "unsubscribe" or "other"


@dataclass(frozen=True)
class OutboxRow:
    email: OutboxEmail
    links: list[OutboxLink]


def _kind(url: str) -> str:
    if "/r/unsubscribe/" in url:
        return "unsubscribe"
    return "book" if "/r/" in url else "other"


def outbox_rows(limit: int = SHOWN) -> list[OutboxRow]:
    """The latest emails, newest first, with the links of this server each one carries."""
    public = settings.SALONSYNC_PUBLIC_URL.rstrip("/")
    rows = []
    for email in OutboxEmail.objects.all()[:limit]:
        links = [
            OutboxLink(url, _kind(url))
            for url in dict.fromkeys(_LINK.findall(email.body))
            if url.startswith(public)
        ]
        rows.append(OutboxRow(email, links))
    return rows


def held_back(limit: int = 20):
    """Client messages not sent (waiting for quiet hours, skipped, failed), with the reason."""
    from rebooking.models import Notification

    return (
        Notification.objects.filter(
            kind__in=[Notification.Kind.CLIENT, Notification.Kind.GONE],
            status__in=[
                Notification.Status.DEFERRED,
                Notification.Status.SKIPPED,
                Notification.Status.FAILED,
            ],
        )
        .select_related("salon")
        .order_by("-created_at", "-pk")[:limit]
    )
