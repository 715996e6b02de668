"""Texts to clients through Twilio (HTTP mocked with responses): consent from the platform
record, the STOP line, the status callback, errors recorded without the auth token."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import responses
from django.core import mail

from rebooking.models import Notification
from rebooking.notifications import notify_client
from rebooking.services import rebooking_settings_get
from sms.channel import STOP_LINE
from sms.models import SmsStop

from .conftest import (
    DAYTIME,
    MESSAGES_URL,
    PUBLIC,
    TOKEN,
    make_customer,
    make_suggestion,
    twilio_message,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def allowed(salon):
    rebooking = rebooking_settings_get(salon=salon)
    rebooking.client_messages = True
    rebooking.save()


def texting_customer(integration, **fields):
    values = {"phone": "(212) 555-0142", "sms_opt_in": True, "email_opt_in": True}
    values.update(fields)
    return make_customer(integration, **values)


@responses.activate
def test_a_client_who_agreed_to_texts_gets_one_ending_with_stop(sender, integration):
    responses.post(MESSAGES_URL, json=twilio_message(), status=201)
    suggestion = make_suggestion(integration)
    sent = notify_client(suggestion=suggestion, customer=texting_customer(integration), now=DAYTIME)
    assert sent.status == Notification.Status.SENT and sent.channel == "sms"
    assert sent.recipients == ["+12125550142"] and sent.customer_ref == "cust-1"
    assert sent.provider_ref == "SM" + "a" * 32 and sent.delivery_status == "queued"
    assert not mail.outbox  # one channel per message
    (call,) = responses.calls
    form = parse_qs(call.request.body)
    assert form["To"] == ["+12125550142"] and form["From"] == ["+15550001111"]
    body = form["Body"][0]
    assert body.endswith("\n" + STOP_LINE)
    assert body.startswith("Alpha Hair: hi Ann, time for your next cut & finish?")
    assert f"{PUBLIC}/r/" in body  # the booking link
    assert form["StatusCallback"] == [f"{PUBLIC}/webhooks/sms/twilio/{sender.webhook_key}/status/"]


@responses.activate
def test_a_refused_text_is_recorded_without_the_auth_token(sender, integration):
    responses.post(
        MESSAGES_URL,
        status=400,
        json={"code": 21610, "message": f"blocked; token {TOKEN}", "status": 400},
    )
    failed = notify_client(
        suggestion=make_suggestion(integration), customer=texting_customer(integration), now=DAYTIME
    )
    assert failed.status == Notification.Status.FAILED
    assert "error 21610" in failed.last_error and TOKEN not in failed.last_error


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        pytest.param({"sms_opt_in": None}, "email", id="sms-consent-unknown-email-instead"),
        pytest.param({"sms_opt_in": False}, "email", id="sms-declined-email-instead"),
        pytest.param({"phone": "555-0142"}, "email", id="number-not-textable"),
    ],
)
@responses.activate
def test_no_text_without_consent_or_a_number(sender, integration, fields, channel):
    sent = notify_client(
        suggestion=make_suggestion(integration),
        customer=texting_customer(integration, **fields),
        now=DAYTIME,
    )
    assert sent.channel == channel and sent.status == Notification.Status.SENT
    assert not responses.calls and len(mail.outbox) == 1


@responses.activate
def test_no_evidence_of_consent_means_no_message(sender, integration):
    # Vagaro documents no consent field: both flags stay unknown (docs/messaging.md).
    customer = texting_customer(integration, sms_opt_in=None, email_opt_in=None)
    skipped = notify_client(suggestion=make_suggestion(integration), customer=customer, now=DAYTIME)
    assert skipped.status == Notification.Status.SKIPPED
    assert "not opted in to text messages" in skipped.last_error
    assert "not opted in to email" in skipped.last_error
    assert not responses.calls and not mail.outbox


@responses.activate
def test_a_number_that_texted_stop_is_not_texted(sender, integration, salon):
    SmsStop.objects.create(salon=salon, phone="+12125550142", stopped=True, keyword="STOP")
    sent = notify_client(
        suggestion=make_suggestion(integration),
        customer=texting_customer(integration, email_opt_in=False),
        now=DAYTIME,
    )
    assert sent.status == Notification.Status.SKIPPED
    assert "replied STOP" in sent.last_error and not responses.calls


@responses.activate
def test_a_sender_turned_off_sends_email(sender, integration):
    sender.enabled = False
    sender.save()
    sent = notify_client(
        suggestion=make_suggestion(integration), customer=texting_customer(integration), now=DAYTIME
    )
    assert sent.channel == "email" and not responses.calls
