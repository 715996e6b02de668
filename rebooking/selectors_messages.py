"""What client messages won back, per channel: the owner's figures and chart.

A message is credited with a booking when its suggestion was booked from the client's link
(accepted with no member deciding it, rebooking/accept.py via selfbook), or when the client
booked on the platform within CREDIT_DAYS of the message an appointment in the same service
category (the mirror's appointments, created after the message was sent). Credit is worked out
when the figures are read, from the mirror, so a booking synced late still counts. Revenue is the
suggestion's estimate, or the platform appointment's price when the mirror has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from integrations.adapters.types import ENDED_STATUSES
from integrations.models import MirroredAppointment, MirroredService, Salon

from .models import Notification, SuggestionStatus

CREDIT_DAYS = 3
CHANNEL_LABELS = {"email": "Email", "sms": "Text"}


@dataclass
class ChannelFigures:
    channel: str
    label: str
    sent: int = 0
    opened: int = 0
    booked: int = 0
    revenue: Decimal = Decimal(0)
    # Bookings credited whose value is not known: the platform gave the mirror no price and the
    # suggestion has no estimate (Mindbody's appointments carry none). Shown, never counted as 0.
    unpriced: int = 0


def _category(integration_id, service_ref: str, cache: dict) -> str:
    key = (integration_id, service_ref)
    if key not in cache:
        service = MirroredService.objects.filter(
            integration_id=integration_id, platform_id=service_ref
        ).first()
        cache[key] = (service.category or service.name) if service else service_ref
    return cache[key]


def _platform_booking(message: Notification, suggestion, cache: dict) -> MirroredAppointment | None:
    """The client's own booking on the platform within CREDIT_DAYS of the message, in the
    suggestion's category."""
    if not message.sent_at or not message.customer_ref:
        return None
    wanted = _category(suggestion.integration_id, suggestion.service_ref, cache)
    found = (
        MirroredAppointment.objects.filter(
            integration_id=suggestion.integration_id,
            customer_ref=message.customer_ref,
            platform_created_at__gte=message.sent_at,
            platform_created_at__lte=message.sent_at + timedelta(days=CREDIT_DAYS),
            deleted=False,
        )
        .exclude(status__in=ENDED_STATUSES)
        .order_by("platform_created_at")
    )
    for appointment in found:
        if _category(suggestion.integration_id, appointment.service_ref, cache) == wanted:
            return appointment
    return None


def _link_booked(message: Notification, suggestion) -> bool:
    if suggestion.status != SuggestionStatus.ACCEPTED or suggestion.decided_by_id is not None:
        return False
    options = suggestion.options or []
    index = suggestion.booking_option
    if suggestion.customer_ref:
        return suggestion.customer_ref == message.customer_ref
    return (
        index is not None
        and index < len(options)
        and (options[index].get("customer") == message.customer_ref)
    )


def message_figures(*, salon: Salon, since: datetime) -> list[ChannelFigures]:
    """Client messages sent since ``since``: sent, opened, booked and revenue won back, per
    channel (every installed channel listed, even at zero)."""
    figures = {name: ChannelFigures(name, label) for name, label in CHANNEL_LABELS.items()}
    messages = (
        Notification.objects.filter(
            salon=salon,
            kind=Notification.Kind.CLIENT,
            status=Notification.Status.SENT,
            sent_at__gte=since,
        )
        .prefetch_related("suggestions")
        .order_by("sent_at", "pk")
    )
    cache: dict = {}
    credited: set[tuple] = set()  # one booking credits one message
    for message in messages:
        row = figures.setdefault(
            message.channel, ChannelFigures(message.channel, message.channel.title())
        )
        row.sent += 1
        row.opened += message.opened_at is not None
        for suggestion in message.suggestions.all():
            key, value = None, None
            if _link_booked(message, suggestion):
                key, value = ("link", suggestion.pk), suggestion.revenue
            else:
                appointment = _platform_booking(message, suggestion, cache)
                if appointment is not None:
                    key = ("platform", appointment.pk)
                    value = (
                        appointment.price if appointment.price is not None else suggestion.revenue
                    )
            if key is not None and key not in credited:
                credited.add(key)
                row.booked += 1
                if value is None:
                    row.unpriced += 1
                else:
                    row.revenue += value
                break
    return list(figures.values())


def chart_rows(rows: list[ChannelFigures], *, width: int = 220) -> list[dict]:
    """Bar lengths (px) for the server-rendered SVG chart: sent, opened and booked per channel
    on one scale (the largest count is ``width``)."""
    top = max([r.sent for r in rows] + [1])
    return [
        {
            "row": r,
            "bars": [
                (name, count, round(width * count / top))
                for name, count in (("sent", r.sent), ("opened", r.opened), ("booked", r.booked))
            ],
        }
        for r in rows
    ]
