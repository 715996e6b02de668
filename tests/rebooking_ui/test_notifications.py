"""Notifications: one digest email per salon per run (content, recipients, idempotent re-run,
failures recorded without secrets and retried) and client emails only with consent, outside quiet
hours and under the daily cap (otherwise recorded as skipped with the reason)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail

from rebooking import notifications
from rebooking.models import Notification, RebookingSettings, SuggestionKind, SuggestionStatus
from rebooking.notifications import (
    CHANNELS,
    in_quiet_hours,
    notify_client,
    notify_digest,
)
from rebooking.services import rebooking_settings_get
from tests.factories import make_member

from .conftest import make_customer, make_suggestion

pytestmark = pytest.mark.django_db

PUBLIC = "https://app.salonsync.example"
# 15:00 UTC on a June Tuesday is 11:00 in New York: outside the default quiet hours (20:00-09:00).
DAYTIME = datetime(2030, 6, 4, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.SALONSYNC_PUBLIC_URL = PUBLIC + "/"


@pytest.fixture
def owner_with_email(owner):
    owner.email = "olivia@alpha.example"
    owner.save()
    return owner


@pytest.fixture
def three(integration):
    return [
        make_suggestion(integration, customer_name="Ann Client"),
        make_suggestion(integration, customer_name="Bea Brown", reason="Bea is 3 weeks overdue."),
        make_suggestion(integration, kind=SuggestionKind.REFILL),
    ]


class Boom:
    def __init__(self, text: str):
        self.text = text

    def send(self, notification, context):
        raise ConnectionRefusedError(self.text)


# -- digest -------------------------------------------------------------------------------------
def test_one_digest_lists_every_new_suggestion(salon, owner_with_email, three):
    notification = notify_digest(salon=salon, suggestions=three)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["olivia@alpha.example"]
    assert email.subject == "3 new rebooking suggestions for Alpha Hair"
    html = email.alternatives[0][0]
    link = f"{PUBLIC}/salons/alpha/rebooking/"
    for body in (email.body, html):
        assert "Ann Client" in body and "Bea Brown" in body
        assert "Freed slot Tue, Jun 4, 2030, 10:30 AM" in body and "Rita Refill" in body
        assert "Bea is 3 weeks overdue." in body
        assert "Cut &amp; Finish" in body if body is html else "Cut & Finish" in body
        assert "Best option: " in body and "Tue, Jun 4, 2030, 10:30 AM" in body
        assert link in body
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1 and notification.sent_at is not None
    assert notification.kind == Notification.Kind.DIGEST
    assert notification.recipients == ["olivia@alpha.example"]
    assert set(notification.suggestions.all()) == set(three)
    for suggestion in three:
        suggestion.refresh_from_db()
        assert suggestion.notified_at is not None


def test_rerun_sends_nothing(salon, owner_with_email, three):
    notify_digest(salon=salon, suggestions=three)
    assert notify_digest(salon=salon, suggestions=three) is None
    assert len(mail.outbox) == 1
    fresh = make_suggestion(three[0].integration, customer_name="New Nia")
    notify_digest(salon=salon, suggestions=[*three, fresh])
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "1 new rebooking suggestion for Alpha Hair"
    assert "New Nia" in mail.outbox[1].body and "Ann Client" not in mail.outbox[1].body
    assert Notification.objects.count() == 2


def test_only_open_suggestions_of_this_salon(
    salon, owner_with_email, integration, foreign_integration
):
    mine = make_suggestion(integration, customer_name="Mine")
    decided = make_suggestion(
        integration, customer_name="Decided", status=SuggestionStatus.DISMISSED
    )
    foreign = make_suggestion(foreign_integration, customer_name="Foreign")
    notify_digest(salon=salon, suggestions=[mine, decided, foreign])
    body = mail.outbox[0].body
    assert "Mine" in body and "Decided" not in body and "Foreign" not in body
    foreign.refresh_from_db()
    assert foreign.notified_at is None


def test_recipients_follow_the_settings(salon, owner_with_email, manager, integration):
    manager.email = "max@alpha.example"
    manager.save()
    make_member(salon, "nomail", "owner")  # an owner without an address is left out
    rebooking = rebooking_settings_get(salon=salon)
    notify_digest(salon=salon, suggestions=[make_suggestion(integration)])
    assert mail.outbox[-1].to == ["olivia@alpha.example"]

    rebooking.notify = RebookingSettings.Recipients.OWNERS_AND_MANAGERS
    rebooking.save()
    notify_digest(salon=salon, suggestions=[make_suggestion(integration)])
    assert mail.outbox[-1].to == ["max@alpha.example", "olivia@alpha.example"]

    rebooking.notify = RebookingSettings.Recipients.CUSTOM
    rebooking.notify_emails = "front@alpha.example\nbooks@alpha.example"
    rebooking.save()
    notify_digest(salon=salon, suggestions=[make_suggestion(integration)])
    assert mail.outbox[-1].to == ["front@alpha.example", "books@alpha.example"]


def test_no_recipient_is_recorded_as_skipped(salon, owner, integration):
    suggestion = make_suggestion(integration)
    notification = notify_digest(salon=salon, suggestions=[suggestion])
    assert notification.status == Notification.Status.SKIPPED
    assert "No recipient" in notification.last_error
    assert not mail.outbox
    suggestion.refresh_from_db()
    assert suggestion.notified_at is None


def test_failure_is_recorded_without_secrets_and_retried_on_the_same_row(
    salon, owner_with_email, three, monkeypatch, settings
):
    settings.EMAIL_HOST_PASSWORD = "smtp-pa55-Do-Not-Leak"
    monkeypatch.setitem(CHANNELS, "email", Boom("login smtp-pa55-Do-Not-Leak refused"))
    failed = notify_digest(salon=salon, suggestions=three)
    assert failed.status == Notification.Status.FAILED
    assert failed.attempts == 1 and failed.sent_at is None
    assert "ConnectionRefusedError" in failed.last_error
    assert "smtp-pa55-Do-Not-Leak" not in failed.last_error
    for suggestion in three:
        suggestion.refresh_from_db()
        assert suggestion.notified_at is None

    monkeypatch.setitem(CHANNELS, "email", notifications.EmailChannel())
    retried = notify_digest(salon=salon, suggestions=three)
    assert retried.pk == failed.pk
    assert retried.status == Notification.Status.SENT
    assert retried.attempts == 2 and retried.last_error == ""
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_channels_are_a_registry():
    assert isinstance(CHANNELS["email"], notifications.EmailChannel)


# -- client messages ----------------------------------------------------------------------------
@pytest.fixture
def allowed(salon):
    rebooking = rebooking_settings_get(salon=salon)
    rebooking.client_messages = True
    rebooking.save()
    return rebooking


def test_client_email_goes_out_when_allowed(allowed, integration):
    suggestion = make_suggestion(integration)
    customer = make_customer(integration)
    notification = notify_client(suggestion=suggestion, customer=customer, now=DAYTIME)
    assert notification.status == Notification.Status.SENT
    assert notification.kind == Notification.Kind.CLIENT
    (email,) = mail.outbox
    assert email.to == ["ann@example.com"]
    assert email.subject == "Alpha Hair: time for your next cut & finish?"
    assert "Hi Ann" in email.body and "Tue, Jun 4, 2030, 10:30 AM" in email.body
    assert "/salons/" not in email.body  # no staff link in a client's email
    assert email.alternatives[0][1] == "text/html"
    # The same client is not emailed twice about the same suggestion.
    again = notify_client(suggestion=suggestion, customer=customer, now=DAYTIME)
    assert again.pk == notification.pk and len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        pytest.param({"client_messages": False}, "turned off", id="setting-off"),
        pytest.param({"opt_in": False}, "not opted in", id="opted-out"),
        pytest.param({"opt_in": None}, "not opted in", id="consent-unknown"),
        pytest.param({"email": ""}, "no email address", id="no-address"),
    ],
)
def test_client_email_needs_the_setting_and_consent(allowed, integration, setup, reason):
    if "client_messages" in setup:
        allowed.client_messages = setup["client_messages"]
        allowed.save()
    customer = make_customer(
        integration,
        email_opt_in=setup.get("opt_in", True),
        email=setup.get("email", "ann@example.com"),
    )
    notification = notify_client(
        suggestion=make_suggestion(integration), customer=customer, now=DAYTIME
    )
    assert notification.status == Notification.Status.SKIPPED
    assert reason in notification.last_error
    assert not mail.outbox


@pytest.mark.parametrize(
    ("utc_hour", "quiet"),
    [(0, True), (12, True), (13, False), (23, False), (1, True), (14, False)],
)
def test_client_email_respects_quiet_hours_in_salon_time(allowed, integration, utc_hour, quiet):
    # New York is UTC-4 in June: 00 UTC = 20:00 (quiet), 12 UTC = 08:00 (quiet), 13 UTC = 09:00.
    now = datetime(2030, 6, 4, utc_hour, 0, tzinfo=UTC)
    notification = notify_client(
        suggestion=make_suggestion(integration), customer=make_customer(integration), now=now
    )
    if quiet:
        assert notification.status == Notification.Status.DEFERRED
        assert "Quiet hours (20:00–09:00 America/New_York)" in notification.last_error
        # Deferred to 09:00 New York time (13:00 UTC) the same or the next morning.
        assert notification.deliver_after.astimezone(UTC).hour == 13
        assert notification.deliver_after > now
        assert notification.deliver_after - now <= timedelta(hours=13)
        assert not mail.outbox
    else:
        assert notification.status == Notification.Status.SENT


def test_quiet_hours_within_one_day():
    assert in_quiet_hours(time(13, 0), time(12, 0), time(14, 0))
    assert not in_quiet_hours(time(14, 0), time(12, 0), time(14, 0))
    assert in_quiet_hours(time(23, 0), time(20, 0), time(9, 0))
    assert not in_quiet_hours(time(9, 0), time(20, 0), time(9, 0))


def test_client_email_stops_at_the_daily_cap(allowed, integration):
    allowed.daily_cap = 2
    allowed.save()
    results = []
    for i in range(3):
        customer = make_customer(integration, platform_id=f"c{i}", email=f"c{i}@example.com")
        suggestion = make_suggestion(integration, customer_ref=f"c{i}")
        results.append(
            notify_client(
                suggestion=suggestion, customer=customer, now=DAYTIME + timedelta(minutes=i)
            )
        )
    assert [n.status for n in results] == ["sent", "sent", "skipped"]
    assert "daily cap of 2" in results[2].last_error
    assert len(mail.outbox) == 2
