"""What Twilio tells SalonSync: a client's opt-out or opt-in reply, and a message's delivery.

Keywords are Twilio's defaults for long codes and toll-free numbers
(https://help.twilio.com/articles/223134027): the whole message, one word, any case. A Messaging
Service with Advanced Opt-Out names the type itself in ``OptOutType`` (STOP / START / HELP), which
wins when present.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from rebooking.models import Notification

from .models import SmsSender, SmsStop

OPT_OUT = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "STOP ALL"}
)
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
# Twilio's message statuses in the order a message moves through them; a late callback for an
# earlier state never overwrites a later one (callbacks can arrive out of order).
# https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
STATUS_ORDER = {
    s: i
    for i, s in enumerate(
        ["accepted", "scheduled", "queued", "sending", "sent", "delivered", "read"]
    )
}
FINAL_FAILURES = {"failed", "undelivered", "canceled"}


def reply_keyword(body: str, opt_out_type: str = "") -> str:
    """ "stop", "start" or "" for a client's reply."""
    kind = (opt_out_type or "").strip().upper()
    if kind in ("STOP", "START"):
        return kind.lower()
    word = " ".join((body or "").split()).upper()
    if word in OPT_OUT:
        return "stop"
    if word in OPT_IN:
        return "start"
    return ""


def sms_reply_record(*, sender: SmsSender, phone: str, body: str, opt_out_type: str = "") -> str:
    """Record a STOP (no more texts to this number from the salon) or a START (the STOP is
    lifted; the platform's consent is still needed to text them). Returns the keyword kind."""
    kind = reply_keyword(body, opt_out_type)
    if not kind:
        return ""
    values = {"stopped": kind == "stop", "keyword": " ".join(body.split()).upper()[:20]}
    try:
        with transaction.atomic():
            SmsStop.objects.update_or_create(salon=sender.salon, phone=phone, defaults=values)
    except IntegrityError:  # a concurrent delivery of the same reply created it
        SmsStop.objects.filter(salon=sender.salon, phone=phone).update(**values)
    return kind


def is_stopped(*, salon, phone: str) -> bool:
    return SmsStop.objects.filter(salon=salon, phone=phone, stopped=True).exists()


def sms_status_record(
    *, sender: SmsSender, message_sid: str, status: str, error_code: str = ""
) -> bool:
    """Record a delivery status on the salon's Notification with this Message SID; False when
    there is none (not ours, or pruned)."""
    status = status.strip().lower()[:32]
    notification = Notification.objects.filter(
        salon=sender.salon, channel="sms", provider_ref=message_sid
    ).first()
    if notification is None:
        return False
    current = notification.delivery_status
    if current in FINAL_FAILURES or (
        status in STATUS_ORDER and STATUS_ORDER.get(current, -1) > STATUS_ORDER[status]
    ):
        return True
    notification.delivery_status = status
    fields = ["delivery_status"]
    if status in FINAL_FAILURES:
        code = f", error {error_code}" if error_code.isdigit() else ""
        notification.last_error = f"Twilio: the message was {status}{code}."
        fields.append("last_error")
    notification.save(update_fields=fields)
    return True
