"""The losers of a freed slot, through the real accept path: client A books the slot from the
link of the email notify_clients sent (the real view, rebooking.accept's claim, the platform call,
the refill_gone task after commit), client B who was offered it is emailed that it has gone, and
B's link then says so kindly (410, no booking button) and books nothing if B taps anyway."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rebooking.client_messages import notify_clients
from rebooking.models import Notification, SuggestionKind, SuggestionStatus
from rebooking.services import rebooking_settings_get

from .conftest import SLOT_0, make_customer, make_suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def messaging(salon):
    """Client messages on, and quiet hours away from the moment the test runs (the gone email is
    sent at the real now, by the task)."""
    rebooking = rebooking_settings_get(salon=salon)
    local = timezone.now().astimezone(salon.tz)
    rebooking.client_messages = True
    rebooking.quiet_hours_start = (local + timedelta(hours=3)).time().replace(microsecond=0)
    rebooking.quiet_hours_end = (local + timedelta(hours=4)).time().replace(microsecond=0)
    rebooking.save()
    return rebooking


def _link(email) -> str:
    return re.search(r"http://[^/\s]+(/r/[^/\s]+/)", email.body).group(1)


def test_the_second_client_hears_it_has_gone_and_their_link_books_nothing(
    messaging, integration, availability, booking, django_capture_on_commit_callbacks
):
    for ref, first in (("cust-7", "Rita"), ("cust-8", "Omar")):
        make_customer(integration, platform_id=ref, first_name=first, email=f"{ref}@example.com")
    refill = make_suggestion(integration, kind=SuggestionKind.REFILL)
    notify_clients(suggestions=[refill])
    offers = {email.to[0]: _link(email) for email in mail.outbox}
    assert set(offers) == {"cust-7@example.com", "cust-8@example.com"}
    mail.outbox.clear()
    rita, omar = Client(), Client()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booked = rita.post(offers["cust-7@example.com"], {"do": "book", "option": "0"}, follow=True)
    assert "You're booked" in html_lib.unescape(booked.content.decode())
    assert len(callbacks) == 1  # the refill_gone task, queued once the booking was recorded
    [request] = booking.booked
    assert (request.customer_id, request.start) == ("cust-7", SLOT_0)
    refill.refresh_from_db()
    assert (refill.status, refill.booking_option) == (SuggestionStatus.ACCEPTED, 0)

    # B is told, once, on the channel of the offer; A is not.
    (gone,) = Notification.objects.filter(kind=Notification.Kind.GONE)
    assert (gone.customer_ref, gone.status, gone.channel) == ("cust-8", "sent", "email")
    (email,) = mail.outbox
    assert email.to == ["cust-8@example.com"] and "Hi Omar" in email.body
    assert "has just been booked by someone else" in email.body

    # B's link: a kind page, and a tap books nothing.
    page = omar.get(offers["cust-8@example.com"])
    assert page.status_code == 410
    text = html_lib.unescape(page.content.decode())
    assert "Sorry, this time has gone" in text and "Someone else booked" in text
    assert 'class="opening"' not in text
    with django_capture_on_commit_callbacks(execute=True):
        late = omar.post(offers["cust-8@example.com"], {"do": "book", "option": "1"}, follow=True)
    assert late.status_code == 410 and len(booking.booked) == 1
    assert Notification.objects.filter(kind=Notification.Kind.GONE).count() == 1
    assert len(mail.outbox) == 1
