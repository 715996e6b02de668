"""Messages straight to clients, by email or SMS, and only when courteous.

A client is messaged when the salon turned client messages on, on one channel whose consent the
client's platform record gives (``email_opt_in`` / ``sms_opt_in`` as the adapters read them, see
docs/messaging.md: no evidence of consent means no message), not more than the salon's cap per
client in any 7 days nor its daily cap, and never during quiet hours in the salon's time zone:
a message due then is recorded DEFERRED and sent when they end (``deferred_send``). A client due
for several services gets one message (``notify_clients`` groups them). When a freed slot is
booked, the other clients it was offered to are told it has gone (``refill_gone_notify``).
Every message is recorded before it is sent, and sent with no transaction open.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from integrations.models import MirroredCustomer, Salon

from .channels import CHANNELS, deliver
from .extensions import client_block_reason, client_links
from .models import (
    Notification,
    RebookingSettings,
    RebookingSuggestion,
    SuggestionKind,
    SuggestionStatus,
)
from .presenters import option_rows, slot_label
from .selectors import customer_map
from .services import rebooking_settings_get

# A freed slot is offered to this many of the clients due for it; the first to book it wins.
REFILL_OFFERS = 3
CAP_WINDOW = timedelta(days=7)
DEFERRED_BATCH = 100
# SMS first when the salon set it up and the client allows it, else email.
CHANNEL_ORDER = ("sms", "email")


def in_quiet_hours(moment: time, start: time, end: time) -> bool:
    """Quiet from ``start`` until ``end`` (which may be the next morning)."""
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def quiet_hours_over(*, salon: Salon, rebooking: RebookingSettings, now: datetime) -> datetime:
    """When the quiet hours that ``now`` falls in end (salon time)."""
    local = now.astimezone(salon.tz)
    end = datetime.combine(local.date(), rebooking.quiet_hours_end, tzinfo=salon.tz)
    if end <= local:
        end += timedelta(days=1)
    return end


def _consents(customer: MirroredCustomer, channel: str) -> bool:
    flag = customer.sms_opt_in if channel == "sms" else customer.email_opt_in
    return flag is True


def client_channel(*, salon: Salon, customer: MirroredCustomer) -> tuple[str, str, str]:
    """(channel, address, "") for the channel this client may be messaged on, or ("", "", why
    not)."""
    reasons = []
    for name in CHANNEL_ORDER:
        channel = CHANNELS.get(name)
        if channel is None or not channel.ready(salon):
            continue
        label = "text messages" if name == "sms" else "email"
        if not _consents(customer, name):
            reasons.append(f"The client has not opted in to {label}.")
            continue
        address = channel.address_for(customer, salon)
        if not address:
            reasons.append(
                "The client has no mobile number SalonSync can text."
                if name == "sms"
                else "The client has no email address."
            )
            continue
        blocked = client_block_reason(
            integration=customer.integration,
            customer_ref=customer.platform_id,
            channel=name,
            address=address,
        )
        if blocked:
            reasons.append(blocked)
            continue
        return name, address, ""
    return "", "", " ".join(reasons) or "No channel is set up to reach clients."


def _sent_since(salon: Salon, since: datetime, until: datetime, **filters) -> int:
    return Notification.objects.filter(
        salon=salon,
        kind=Notification.Kind.CLIENT,
        status=Notification.Status.SENT,
        sent_at__gte=since,
        sent_at__lt=until,
        **filters,
    ).count()


def cap_reason(
    *, rebooking: RebookingSettings, salon: Salon, customer_ref: str, now: datetime
) -> str:
    """Why the caps stop a client message now ("" when they do not)."""
    if _sent_since(salon, now - CAP_WINDOW, now, customer_ref=customer_ref) >= rebooking.client_cap:
        return f"The client had {rebooking.client_cap} message(s) in the last 7 days (the cap)."
    local = now.astimezone(salon.tz)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if _sent_since(salon, day_start, day_start + timedelta(days=1)) >= rebooking.daily_cap:
        return f"The daily cap of {rebooking.daily_cap} client messages is reached."
    return ""


def client_skip_reason(
    *, rebooking: RebookingSettings, salon: Salon, customer: MirroredCustomer, now: datetime
) -> str:
    """Why a client message must not go out at all ("" when it may; quiet hours only defer)."""
    if not rebooking.client_messages:
        return "Client messages are turned off in the rebooking settings."
    _name, _address, reason = client_channel(salon=salon, customer=customer)
    return reason or cap_reason(
        rebooking=rebooking, salon=salon, customer_ref=customer.platform_id, now=now
    )


def _quiet_note(salon: Salon, rebooking: RebookingSettings, now: datetime) -> str:
    local = now.astimezone(salon.tz)
    return (
        f"Quiet hours ({rebooking.quiet_hours_start:%H:%M}–{rebooking.quiet_hours_end:%H:%M} "
        f"{salon.timezone}); it was {local:%H:%M} there, so it waits until they end."
    )


def _is_quiet(salon: Salon, rebooking: RebookingSettings, now: datetime) -> bool:
    local = now.astimezone(salon.tz).time()
    return in_quiet_hours(local, rebooking.quiet_hours_start, rebooking.quiet_hours_end)


def _earlier(suggestion: RebookingSuggestion, customer: MirroredCustomer) -> Notification | None:
    live = [Notification.Status.SENT, Notification.Status.DEFERRED, Notification.Status.PENDING]
    for earlier in suggestion.notifications.filter(kind=Notification.Kind.CLIENT, status__in=live):
        if earlier.customer_ref == customer.platform_id or (
            customer.email and customer.email in earlier.recipients
        ):
            return earlier
    return None


def client_context(
    *, notification: Notification, suggestion: RebookingSuggestion, customer, also=()
) -> dict:
    """What the client templates (email/<kind>, sms/<kind>) are rendered from."""
    if suggestion.kind == SuggestionKind.REFILL:
        when = [slot_label(suggestion)] if suggestion.slot_start else []
    else:
        when = [row.label for row in option_rows(suggestion) if not row.taken][:3]
    links = client_links(suggestion=suggestion, customer=customer)
    unsubscribe = links.unsubscribe_url
    return {
        "salon": suggestion.salon,
        "first_name": customer.first_name or "there",
        "service": suggestion.service_name,
        "provider": suggestion.provider_name,
        "also": [s.service_name for s in also if s.service_name],
        "when": when,
        "is_refill": suggestion.kind == SuggestionKind.REFILL,
        "book_url": links.book_url if notification.kind == Notification.Kind.CLIENT else "",
        "unsubscribe_url": unsubscribe,
        # RFC 8058 one-click unsubscribe: mail providers POST to the URL.
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if unsubscribe and notification.channel == "email"
        else None,
    }


def notify_client(
    *,
    suggestion: RebookingSuggestion,
    customer: MirroredCustomer,
    now: datetime | None = None,
    also=(),
) -> Notification:
    """Message the client about ``suggestion`` (and the other suggestions ``also`` due for them,
    in the same message) when the salon's rules allow it; otherwise record a skipped
    Notification with the reason, or a deferred one during quiet hours. A client already
    messaged about it is not messaged again (the earlier Notification is returned)."""
    now = now or timezone.now()
    salon = suggestion.salon
    earlier = _earlier(suggestion, customer)
    if earlier is not None:
        return earlier
    rebooking = rebooking_settings_get(salon=salon)
    service = suggestion.service_name or "appointment"
    channel, address, reason = client_channel(salon=salon, customer=customer)
    notification = Notification(
        salon=salon,
        kind=Notification.Kind.CLIENT,
        channel=channel or "email",
        recipients=[address] if address else ([customer.email] if customer.email else []),
        customer_ref=customer.platform_id,
        subject=f"{salon.name}: time for your next {service.lower()}?"[:300],
    )
    if not rebooking.client_messages:
        reason = "Client messages are turned off in the rebooking settings."
    reason = reason or cap_reason(
        rebooking=rebooking, salon=salon, customer_ref=customer.platform_id, now=now
    )
    if reason:
        notification.status = Notification.Status.SKIPPED
        notification.last_error = reason
    elif _is_quiet(salon, rebooking, now):
        notification.status = Notification.Status.DEFERRED
        notification.deliver_after = quiet_hours_over(salon=salon, rebooking=rebooking, now=now)
        notification.last_error = _quiet_note(salon, rebooking, now)
    notification.save()
    notification.suggestions.add(suggestion, *also)
    if notification.status != Notification.Status.PENDING:
        return notification
    context = client_context(
        notification=notification, suggestion=suggestion, customer=customer, also=also
    )
    return deliver(notification, context, now=now)


def _offered_refs(suggestion: RebookingSuggestion) -> list[str]:
    if suggestion.kind == SuggestionKind.REFILL:
        return [
            o.get("customer")
            for o in (suggestion.options or [])[:REFILL_OFFERS]
            if isinstance(o, dict) and o.get("customer")
        ]
    return [suggestion.customer_ref] if suggestion.customer_ref else []


def notify_clients(*, suggestions, now: datetime | None = None) -> list[Notification]:
    """The client messages for new suggestions, when the salon messages clients: the client of a
    cancellation or an overdue suggestion, and the first REFILL_OFFERS clients due for a freed
    slot (each with a link of their own; the first to book wins). A client due for several
    services gets one message, about the most valuable, naming the others."""
    per_client: dict[tuple, list[RebookingSuggestion]] = {}
    refills: list[RebookingSuggestion] = []
    for suggestion in suggestions:
        if suggestion.status != SuggestionStatus.OPEN:
            continue
        if not rebooking_settings_get(salon=suggestion.salon).client_messages:
            continue
        if suggestion.kind == SuggestionKind.REFILL:
            refills.append(suggestion)
        elif suggestion.customer_ref:
            key = (suggestion.integration_id, suggestion.customer_ref)
            per_client.setdefault(key, []).append(suggestion)
    sent: list[Notification] = []
    for (_integration_id, ref), group in per_client.items():
        group.sort(key=lambda s: (-(s.revenue or 0), s.created_at, s.pk))
        first = group[0]
        customer = customer_map(integration=first.integration, customer_refs=[ref]).get(ref)
        if customer is not None:
            sent.append(notify_client(suggestion=first, customer=customer, now=now, also=group[1:]))
    for suggestion in refills:
        refs = _offered_refs(suggestion)
        customers = customer_map(integration=suggestion.integration, customer_refs=refs)
        for ref in refs:
            if ref in customers:
                sent.append(notify_client(suggestion=suggestion, customer=customers[ref], now=now))
    return sent


def deferred_send(*, now: datetime | None = None) -> int:
    """Send the messages quiet hours held back, now that they are over (beat runs it every
    15 minutes). Each is claimed by one conditional UPDATE, so two workers never send it twice,
    and checked again: its suggestion still open, the client still allowed, the caps."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        status=Notification.Status.DEFERRED, deliver_after__lte=now
    ).order_by("deliver_after", "pk")[:DEFERRED_BATCH]
    count = 0
    for notification in due.select_related("salon"):
        claimed = Notification.objects.filter(
            pk=notification.pk, status=Notification.Status.DEFERRED
        ).update(status=Notification.Status.PENDING, last_error="")
        if claimed:
            notification.status = Notification.Status.PENDING
            count += _send_deferred_one(notification, now) == Notification.Status.SENT
    return count


def _skip(notification: Notification, reason: str) -> str:
    notification.status = Notification.Status.SKIPPED
    notification.last_error = reason[:500]
    notification.save(update_fields=["status", "last_error"])
    return notification.status


def _send_deferred_one(notification: Notification, now: datetime) -> str:
    salon = notification.salon
    suggestions = list(notification.suggestions.select_related("salon", "integration"))
    primary = next((s for s in suggestions if s.status == SuggestionStatus.OPEN), None)
    if notification.kind == Notification.Kind.GONE:
        primary = suggestions[0] if suggestions else None
    if primary is None:
        return _skip(notification, "The suggestion was decided before quiet hours ended.")
    customer = customer_map(
        integration=primary.integration, customer_refs=[notification.customer_ref]
    ).get(notification.customer_ref)
    if customer is None:
        return _skip(notification, "The client is no longer on the platform.")
    rebooking = rebooking_settings_get(salon=salon)
    channel, address, reason = client_channel(salon=salon, customer=customer)
    if not reason and channel != notification.channel:
        reason = f"The client can no longer be reached by {notification.channel}."
    if not reason and notification.kind == Notification.Kind.CLIENT:
        reason = cap_reason(
            rebooking=rebooking, salon=salon, customer_ref=customer.platform_id, now=now
        )
    if not rebooking.client_messages:
        reason = "Client messages are turned off in the rebooking settings."
    if reason:
        return _skip(notification, reason)
    notification.recipients = [address]
    notification.save(update_fields=["recipients"])
    also = [s for s in suggestions if s.pk != primary.pk and s.status == SuggestionStatus.OPEN]
    context = client_context(
        notification=notification, suggestion=primary, customer=customer, also=also
    )
    return deliver(notification, context, now=now).status


def refill_gone_notify(*, suggestion: RebookingSuggestion, now: datetime | None = None) -> list:
    """The freed slot is booked: tell the other clients it was offered to (on the channel their
    offer went by) that it has gone. Offers still waiting for quiet hours are dropped instead.
    Once per client; quiet hours apply, the caps do not (it answers a message they had)."""
    now = now or timezone.now()
    if suggestion.kind != SuggestionKind.REFILL or suggestion.status != SuggestionStatus.ACCEPTED:
        return []
    options = suggestion.options or []
    index = suggestion.booking_option
    winner = options[index].get("customer") if index is not None and index < len(options) else ""
    offers = suggestion.notifications.filter(kind=Notification.Kind.CLIENT).exclude(
        customer_ref__in=["", winner]
    )
    offers.filter(status=Notification.Status.DEFERRED).update(
        status=Notification.Status.SKIPPED, last_error="The slot was booked by another client."
    )
    told = set(
        suggestion.notifications.filter(kind=Notification.Kind.GONE).values_list(
            "customer_ref", flat=True
        )
    )
    salon = suggestion.salon
    rebooking = rebooking_settings_get(salon=salon)
    customers = customer_map(
        integration=suggestion.integration,
        customer_refs=list(offers.values_list("customer_ref", flat=True)),
    )
    results = []
    for offer in offers.filter(status=Notification.Status.SENT).order_by("pk"):
        customer = customers.get(offer.customer_ref)
        if offer.customer_ref in told or customer is None:
            continue
        told.add(offer.customer_ref)
        gone = Notification(
            salon=salon,
            kind=Notification.Kind.GONE,
            channel=offer.channel,
            recipients=list(offer.recipients),
            customer_ref=offer.customer_ref,
            subject=f"{salon.name}: that {(suggestion.service_name or 'slot').lower()} "
            "opening has gone"[:300],
        )
        if _is_quiet(salon, rebooking, now):
            gone.status = Notification.Status.DEFERRED
            gone.deliver_after = quiet_hours_over(salon=salon, rebooking=rebooking, now=now)
            gone.last_error = _quiet_note(salon, rebooking, now)
        gone.save()
        gone.suggestions.add(suggestion)
        if gone.status == Notification.Status.PENDING:
            context = client_context(notification=gone, suggestion=suggestion, customer=customer)
            deliver(gone, context, now=now)
        results.append(gone)
    return results
