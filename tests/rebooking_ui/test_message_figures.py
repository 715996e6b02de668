"""The owner's client-message figures: sent, opened (the link opened), booked from the link or
on the platform within a few days in the same category, and revenue won back, per channel, with
a server-rendered chart."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.models import MirroredAppointment, MirroredService
from rebooking.models import Notification, SuggestionStatus
from rebooking.selectors_messages import CREDIT_DAYS, message_figures
from selfbook.links import book_token

from .conftest import make_customer, make_suggestion

pytestmark = pytest.mark.django_db


def sent_message(salon, suggestion, *, channel="email", ref="cust-1", ago=timedelta(days=2)):
    message = Notification.objects.create(
        salon=salon,
        kind=Notification.Kind.CLIENT,
        channel=channel,
        recipients=["x"],
        subject="s",
        status=Notification.Status.SENT,
        customer_ref=ref,
    )
    Notification.objects.filter(pk=message.pk).update(sent_at=timezone.now() - ago)
    message.suggestions.add(suggestion)
    message.refresh_from_db()
    return message


def appointment(integration, *, created, service="svc-color", ref="cust-1", price="80.00"):
    return MirroredAppointment.objects.create(
        integration=integration,
        platform_id=f"apt-{service}-{created.timestamp()}",
        status="booked",
        start=created + timedelta(days=7),
        end=created + timedelta(days=7, hours=1),
        customer_ref=ref,
        service_ref=service,
        price=Decimal(price),
        platform_created_at=created,
    )


def by_channel(salon):
    since = timezone.now() - timedelta(days=30)
    return {row.channel: row for row in message_figures(salon=salon, since=since)}


def test_link_and_platform_bookings_are_credited_per_channel(salon, integration):
    for ref, category in (("svc-cut", "Hair Cut"), ("svc-color", "Colour"), ("svc-c2", "Colour")):
        MirroredService.objects.create(
            integration=integration, platform_id=ref, name=ref, category=category
        )
    by_link = make_suggestion(integration, revenue=Decimal("45.00"))
    by_link.status, by_link.booking_option = SuggestionStatus.ACCEPTED, 0
    by_link.save()
    sent_message(salon, by_link, channel="sms")
    # Texted about colour; booked a colour (another service, same category) on the platform.
    colour = make_suggestion(integration, service_ref="svc-color", customer_ref="cust-2")
    texted = sent_message(salon, colour, channel="sms", ref="cust-2")
    appointment(
        integration, created=texted.sent_at + timedelta(hours=5), service="svc-c2", ref="cust-2"
    )
    # Emailed about a cut: a colour booking (another category) and a cut booked too late.
    cut = make_suggestion(integration, customer_ref="cust-3")
    emailed = sent_message(salon, cut, ref="cust-3", ago=timedelta(days=10))
    appointment(integration, created=emailed.sent_at + timedelta(hours=1), ref="cust-3")
    appointment(
        integration,
        created=emailed.sent_at + timedelta(days=CREDIT_DAYS + 1),
        service="svc-cut",
        ref="cust-3",
    )
    Notification.objects.filter(pk=emailed.pk).update(opened_at=timezone.now())
    rows = by_channel(salon)
    assert (rows["sms"].sent, rows["sms"].booked, rows["sms"].revenue) == (2, 2, Decimal("125.00"))
    assert (rows["email"].sent, rows["email"].opened, rows["email"].booked) == (1, 1, 0)


def test_a_booking_decided_by_staff_is_not_the_messages(salon, integration, owner):
    suggestion = make_suggestion(integration, revenue=Decimal("45.00"))
    suggestion.status, suggestion.booking_option, suggestion.decided_by = "accepted", 0, owner
    suggestion.save()
    sent_message(salon, suggestion)
    assert by_channel(salon)["email"].booked == 0


def test_opening_the_link_marks_the_message_opened(client, salon, integration, monkeypatch):
    monkeypatch.setattr("selfbook.selectors.availability_list", lambda **kw: [])
    make_customer(integration)
    suggestion = make_suggestion(integration)
    message = sent_message(salon, suggestion)
    token = book_token(suggestion_id=suggestion.pk, customer_ref="cust-1")
    assert client.get(f"/r/{token}/").status_code == 200
    message.refresh_from_db()
    assert message.opened_at is not None


def test_the_suggestions_page_shows_the_chart(client, owner, salon, integration):
    sent_message(salon, make_suggestion(integration), channel="sms")
    client.force_login(owner)
    html = client.get("/salons/alpha/rebooking/").content.decode()
    assert 'data-testid="message-chart"' in html
    assert 'data-testid="bar-sms-sent"' in html and 'width="220"' in html
    assert "<script" not in html.split('data-testid="message-figures"')[1].split("</section>")[0]


def test_a_booking_with_no_price_is_counted_apart_not_as_nothing_won(
    client, owner, salon, integration
):
    """Mindbody's appointments carry no price: the booking is credited, its value shown unknown."""
    suggestion = make_suggestion(integration, revenue=None)
    suggestion.status, suggestion.booking_option = SuggestionStatus.ACCEPTED, 0
    suggestion.save()
    sent_message(salon, suggestion)
    row = by_channel(salon)["email"]
    assert (row.booked, row.revenue, row.unpriced) == (1, Decimal(0), 1)
    client.force_login(owner)
    html = client.get("/salons/alpha/rebooking/").content.decode()
    assert "+ 1 booking with no price on the platform" in html
