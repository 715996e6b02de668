"""The demo's client outbox: the demo's email backend records what it sends (and still prints
it), and /sandbox/outbox/ lists the emails with their booking links and the client messages not
sent, with the reason; login required."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from rebooking.models import Notification
from sandbox.models import OutboxEmail
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PUBLIC = "http://demo.test"
BODY = (
    "Hi Ann,\n\nBook it in one tap:\n"
    f"{PUBLIC}/r/eyJzIjoxfQ:1abc:sig/\n\n"
    f"No more of these emails: {PUBLIC}/r/unsubscribe/eyJpIjoxfQ:sig/\n"
    "Elsewhere: https://example.com/not-ours\n"
)


@pytest.fixture
def demo_mail(settings):
    settings.EMAIL_BACKEND = "sandbox.outbox.EmailBackend"
    settings.SALONSYNC_PUBLIC_URL = PUBLIC
    return settings


def test_the_demo_backend_records_each_email_and_still_prints_it(demo_mail, capsys):
    sent = mail.get_connection().send_messages(
        [EmailMessage("Time for a cut?", BODY, "salon@example.com", ["ann@example.com"])]
    )
    assert sent == 1
    (email,) = OutboxEmail.objects.all()
    assert (email.to, email.subject, email.body) == (["ann@example.com"], "Time for a cut?", BODY)
    assert "Time for a cut?" in capsys.readouterr().out


def test_the_outbox_lists_the_emails_with_their_links(demo_mail, client, salon):
    EmailMessage("Time for a cut?", BODY, "s@example.com", ["ann@example.com"]).send()
    Notification.objects.create(
        salon=salon,
        kind=Notification.Kind.CLIENT,
        recipients=["bob@example.com"],
        customer_ref="c-2",
        subject="x",
        status=Notification.Status.SKIPPED,
        last_error="The client has not opted in to email.",
    )
    assert client.get("/sandbox/outbox/").status_code == 302  # login first
    client.force_login(make_user("frontdesk"))
    html = client.get("/sandbox/outbox/").content.decode()
    assert 'data-to="ann@example.com"' in html and "Time for a cut?" in html
    assert f'href="{PUBLIC}/r/eyJzIjoxfQ:1abc:sig/" data-testid="book-link"' in html
    assert f'href="{PUBLIC}/r/unsubscribe/eyJpIjoxfQ:sig/" data-testid="unsubscribe-link"' in html
    assert 'href="https://example.com/not-ours"' not in html  # only this server's links
    assert "bob@example.com" in html and "has not opted in to email" in html
    assert "not recorded here" not in html


def test_without_the_demo_backend_the_page_says_nothing_is_recorded(client, db):
    client.force_login(make_user("frontdesk"))
    html = client.get("/sandbox/outbox/").content.decode()
    assert "not recorded here" in html and 'data-testid="outbox-empty"' in html
    assert client.post("/sandbox/outbox/").status_code == 405
