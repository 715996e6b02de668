"""The client email carries the booking link (and one-click unsubscribe); a freed slot is offered
to the first few clients due for it, each with a link of their own; an unsubscribed client is
not emailed again."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client

from rebooking.models import Notification, SuggestionKind
from rebooking.notifications import REFILL_OFFERS, notify_client, notify_clients
from rebooking.services import rebooking_settings_get
from selfbook.models import ClientOptOut

from .conftest import make_customer, make_suggestion

pytestmark = pytest.mark.django_db

PUBLIC = "https://app.salonsync.example"
DAYTIME = datetime(2030, 6, 1, 15, 0, tzinfo=UTC)  # 11:00 in New York: outside quiet hours


@pytest.fixture(autouse=True)
def emails_on(settings, salon):
    settings.SALONSYNC_PUBLIC_URL = PUBLIC
    rebooking = rebooking_settings_get(salon=salon)
    rebooking.client_messages = True
    rebooking.save()


def link_in(body: str, kind: str = "") -> str:
    prefix = f"{PUBLIC}/r/{kind}"
    return re.search(re.escape(prefix) + r"[^\s\"<>]+/", body).group(0)


def test_the_email_links_to_the_clients_page_and_offers_one_click_unsubscribe(
    integration, availability, booking
):
    suggestion = make_suggestion(integration)
    customer = make_customer(integration)
    notification = notify_client(suggestion=suggestion, customer=customer, now=DAYTIME)
    assert notification.status == Notification.Status.SENT
    [email] = mail.outbox
    html = email.alternatives[0][0]
    book = link_in(email.body)
    assert book in html and "Book it in one tap" in email.body
    unsubscribe = link_in(email.body, "unsubscribe/")
    assert email.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The link opens the client's page.
    page = Client().get(book.removeprefix(PUBLIC))
    assert page.status_code == 200 and 'data-testid="opening-0"' in page.content.decode()


def test_one_click_unsubscribe_stops_the_emails(integration, availability, booking):
    suggestion = make_suggestion(integration)
    customer = make_customer(integration)
    notify_client(suggestion=suggestion, customer=customer, now=DAYTIME)
    unsubscribe = link_in(mail.outbox[0].body, "unsubscribe/").removeprefix(PUBLIC)
    strict = Client(enforce_csrf_checks=True)
    # Opening the link asks first (a link scanner unsubscribes nobody) ...
    assert 'data-testid="unsubscribe-confirm"' in strict.get(unsubscribe).content.decode()
    assert not ClientOptOut.objects.exists()
    # ... the mail provider's one-click POST carries no CSRF token, and works.
    response = strict.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and b'data-testid="unsubscribed"' in response.content
    strict.post(unsubscribe)  # twice is fine
    assert ClientOptOut.objects.filter(customer_ref="cust-1").count() == 1
    later = make_suggestion(integration)
    skipped = notify_client(suggestion=later, customer=customer, now=DAYTIME)
    assert skipped.status == Notification.Status.SKIPPED
    assert skipped.last_error == "The client unsubscribed from SalonSync's messages."
    assert len(mail.outbox) == 1


def test_a_tampered_unsubscribe_link_gets_a_clear_page(client):
    response = client.post("/r/unsubscribe/nonsense/")
    assert response.status_code == 400 and b"This link doesn" in response.content
    assert not ClientOptOut.objects.exists()


def test_a_freed_slot_is_offered_to_the_first_few_due_clients_each_with_their_link(
    integration, availability, booking
):
    options = [
        {"customer": f"cust-{i}", "name": f"Client {i}", "due": "2030-05-20", "score": 1 - i / 10}
        for i in range(REFILL_OFFERS + 1)
    ]
    for i in range(REFILL_OFFERS + 1):
        make_customer(integration, platform_id=f"cust-{i}", email=f"c{i}@example.com")
    suggestion = make_suggestion(integration, kind=SuggestionKind.REFILL, options=options)
    sent = notify_clients(suggestions=[suggestion], now=DAYTIME)
    assert [n.recipients for n in sent] == [[f"c{i}@example.com"] for i in range(REFILL_OFFERS)]
    links = {tuple(m.to): link_in(m.body) for m in mail.outbox}
    assert len(set(links.values())) == REFILL_OFFERS  # a link of their own each
    assert "the first to book it gets it" in mail.outbox[0].body
    page = Client().get(links[("c1@example.com",)].removeprefix(PUBLIC)).content.decode()
    assert 'data-testid="opening-1"' in page  # Client 1 is option 1


def test_no_client_email_while_the_salon_does_not_email_clients(
    salon, integration, availability, booking
):
    rebooking = rebooking_settings_get(salon=salon)
    rebooking.client_messages = False
    rebooking.save()
    make_customer(integration)
    assert notify_clients(suggestions=[make_suggestion(integration)], now=DAYTIME) == []
    assert mail.outbox == [] and not Notification.objects.exists()
