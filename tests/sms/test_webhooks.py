"""Twilio's webhooks: verified with X-Twilio-Signature (RequestValidator), STOP/START replies set
whether the number may be texted, delivery callbacks recorded; bad input is a 4xx, never a 500."""

from __future__ import annotations

import uuid

import pytest

from rebooking.models import Notification
from sms.models import SmsStop
from sms.services import reply_keyword

from .conftest import signed_post

pytestmark = pytest.mark.django_db


def inbound(sender) -> str:
    return f"/webhooks/sms/twilio/{sender.webhook_key}/inbound/"


def status_path(sender) -> str:
    return f"/webhooks/sms/twilio/{sender.webhook_key}/status/"


def reply(body: str, **extra) -> dict:
    return {
        "From": "+12125550142",
        "To": "+15550001111",
        "Body": body,
        "MessageSid": "SMx",
        **extra,
    }


@pytest.mark.parametrize("word", ["STOP", "stop", " Unsubscribe ", "QUIT", "end", "STOPALL"])
def test_an_opt_out_keyword_stops_texts_to_that_number(client, sender, salon, word):
    response = signed_post(client, inbound(sender), reply(word))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert SmsStop.objects.get(salon=salon, phone="+12125550142").stopped is True


def test_start_lifts_the_stop(client, sender, salon):
    signed_post(client, inbound(sender), reply("STOP"))
    signed_post(client, inbound(sender), reply("start"))
    assert SmsStop.objects.get(salon=salon, phone="+12125550142").stopped is False


def test_advanced_opt_out_type_wins_and_other_texts_change_nothing(client, sender, salon):
    signed_post(client, inbound(sender), reply("Please cancel me"))
    assert not SmsStop.objects.exists()  # only a one-word keyword counts
    signed_post(client, inbound(sender), reply("ARRET", OptOutType="STOP"))
    assert SmsStop.objects.get(salon=salon).stopped is True


def test_reply_keyword():
    assert reply_keyword("yes") == "start" and reply_keyword("stop please") == ""


@pytest.mark.parametrize(
    ("how", "status"),
    [
        pytest.param({"signature": None}, 403, id="unsigned"),
        pytest.param({"signature": "bm90IHRoZSBzaWduYXR1cmU="}, 403, id="wrong-signature"),
        pytest.param({"token": "another-token"}, 403, id="signed-with-another-token"),
    ],
)
def test_unverified_requests_are_refused(client, sender, how, status):
    if how.get("signature", "") is None:
        response = client.post(inbound(sender), reply("STOP"))
    else:
        response = signed_post(client, inbound(sender), reply("STOP"), **how)
    assert response.status_code == status
    assert not SmsStop.objects.exists()


def test_a_tampered_body_is_refused(client, sender):
    from twilio.request_validator import RequestValidator

    from .conftest import PUBLIC, TOKEN

    good = RequestValidator(TOKEN).compute_signature(PUBLIC + inbound(sender), reply("START"))
    response = client.post(inbound(sender), reply("STOP"), HTTP_X_TWILIO_SIGNATURE=good)
    assert response.status_code == 403 and not SmsStop.objects.exists()


def test_unknown_key_get_and_missing_fields(client, sender):
    assert (
        signed_post(
            client, f"/webhooks/sms/twilio/{uuid.uuid4()}/inbound/", reply("STOP")
        ).status_code
        == 404
    )
    assert client.post("/webhooks/sms/twilio/not-a-uuid/inbound/", reply("STOP")).status_code == 404
    assert client.get(inbound(sender)).status_code == 405
    assert signed_post(client, inbound(sender), {"Body": "STOP"}).status_code == 400
    assert signed_post(client, status_path(sender), {"MessageSid": "SM1"}).status_code == 400
    response = client.post(
        inbound(sender), "{not json", content_type="application/json", HTTP_X_TWILIO_SIGNATURE="x"
    )
    assert response.status_code == 403


def test_delivery_status_is_recorded_in_order(client, sender, salon):
    message = Notification.objects.create(
        salon=salon,
        kind=Notification.Kind.CLIENT,
        channel="sms",
        recipients=["+12125550142"],
        subject="x",
        status=Notification.Status.SENT,
        provider_ref="SM123",
        delivery_status="queued",
    )
    assert (
        signed_post(
            client, status_path(sender), {"MessageSid": "SM123", "MessageStatus": "delivered"}
        ).status_code
        == 204
    )
    message.refresh_from_db()
    assert message.delivery_status == "delivered"
    # A late "sent" callback does not move it back.
    signed_post(client, status_path(sender), {"MessageSid": "SM123", "MessageStatus": "sent"})
    message.refresh_from_db()
    assert message.delivery_status == "delivered"
    # Another salon's message id, or an unknown one: answered, nothing changed.
    assert (
        signed_post(
            client, status_path(sender), {"MessageSid": "SM999", "MessageStatus": "failed"}
        ).status_code
        == 204
    )


def test_an_undelivered_text_keeps_the_error_code(client, sender, salon):
    message = Notification.objects.create(
        salon=salon, kind="client", channel="sms", subject="x", status="sent", provider_ref="SM7"
    )
    signed_post(
        client,
        status_path(sender),
        {"MessageSid": "SM7", "MessageStatus": "undelivered", "ErrorCode": "30003"},
    )
    message.refresh_from_db()
    assert message.delivery_status == "undelivered"
    assert message.last_error == "Twilio: the message was undelivered, error 30003."
