"""Client messages held by quiet hours go out after them (not dropped), the per-client cap, one
message per client when several services are due, the freed slot's other clients told it has
gone, and the digest sent with no transaction open (record first, send after commit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection

from rebooking.channels import CHANNELS
from rebooking.client_messages import deferred_send, notify_clients, refill_gone_notify
from rebooking.models import Notification, SuggestionKind, SuggestionStatus
from rebooking.notifications import notify_client, notify_digest
from rebooking.services import rebooking_settings_get

from .conftest import make_customer, make_suggestion

pytestmark = pytest.mark.django_db

DAYTIME = datetime(2030, 6, 4, 15, 0, tzinfo=UTC)  # 11:00 in New York
NIGHT = datetime(2030, 6, 5, 2, 0, tzinfo=UTC)  # 22:00 in New York


@pytest.fixture
def allowed(salon):
    rebooking = rebooking_settings_get(salon=salon)
    rebooking.client_messages = True
    rebooking.save()
    return rebooking


def test_a_message_due_in_quiet_hours_goes_out_when_they_end(allowed, integration):
    suggestion = make_suggestion(integration)
    held = notify_client(suggestion=suggestion, customer=make_customer(integration), now=NIGHT)
    assert held.status == Notification.Status.DEFERRED and not mail.outbox
    # Still quiet: nothing goes.
    assert deferred_send(now=held.deliver_after - timedelta(minutes=1)) == 0
    assert not mail.outbox
    assert deferred_send(now=held.deliver_after) == 1
    held.refresh_from_db()
    assert held.status == Notification.Status.SENT and held.attempts == 1
    (email,) = mail.outbox
    assert email.to == ["ann@example.com"] and "Hi Ann" in email.body
    # Sent once: a second sweep finds nothing.
    assert deferred_send(now=held.deliver_after + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1


def test_a_deferred_message_is_dropped_when_its_suggestion_was_decided(allowed, integration):
    suggestion = make_suggestion(integration)
    held = notify_client(suggestion=suggestion, customer=make_customer(integration), now=NIGHT)
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.save()
    assert deferred_send(now=held.deliver_after) == 0
    held.refresh_from_db()
    assert held.status == Notification.Status.SKIPPED
    assert "decided" in held.last_error and not mail.outbox


def test_the_per_client_cap_counts_seven_days(allowed, integration):
    allowed.client_cap = 1
    allowed.save()
    customer = make_customer(integration)
    first = notify_client(suggestion=make_suggestion(integration), customer=customer, now=DAYTIME)
    second = notify_client(
        suggestion=make_suggestion(integration), customer=customer, now=DAYTIME + timedelta(days=3)
    )
    third = notify_client(
        suggestion=make_suggestion(integration), customer=customer, now=DAYTIME + timedelta(days=8)
    )
    assert [first.status, second.status, third.status] == ["sent", "skipped", "sent"]
    assert "last 7 days" in second.last_error
    assert len(mail.outbox) == 2


def test_one_message_when_several_services_are_due(allowed, integration):
    make_customer(integration)
    cut = make_suggestion(integration, kind=SuggestionKind.OVERDUE, revenue=40)
    colour = make_suggestion(
        integration, kind=SuggestionKind.OVERDUE, service_name="Colour", revenue=90
    )
    sent = notify_clients(suggestions=[cut, colour], now=DAYTIME)
    assert len(sent) == 1 and len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "next colour" in body and "also due for: Cut & Finish" in body
    assert set(sent[0].suggestions.values_list("pk", flat=True)) == {cut.pk, colour.pk}


def test_the_other_clients_hear_the_freed_slot_has_gone(allowed, integration):
    for ref, email in (("c1", "c1@example.com"), ("c2", "c2@example.com")):
        make_customer(integration, platform_id=ref, email=email, first_name=ref.upper())
    refill = make_suggestion(
        integration,
        kind=SuggestionKind.REFILL,
        options=[
            {"customer": "c1", "name": "C1", "due": "2030-06-01", "score": 1},
            {"customer": "c2", "name": "C2", "due": "2030-06-01", "score": 1},
        ],
    )
    notify_clients(suggestions=[refill], now=DAYTIME)
    assert sorted(m.to[0] for m in mail.outbox) == ["c1@example.com", "c2@example.com"]
    mail.outbox.clear()
    refill.status, refill.booking_option = SuggestionStatus.ACCEPTED, 0
    refill.save()
    (gone,) = refill_gone_notify(suggestion=refill, now=DAYTIME)
    assert gone.kind == Notification.Kind.GONE and gone.status == Notification.Status.SENT
    (email,) = mail.outbox
    assert email.to == ["c2@example.com"] and "has just been booked" in email.body
    assert "Hi C2" in email.body
    # Told once.
    assert refill_gone_notify(suggestion=refill, now=DAYTIME) == []
    assert len(mail.outbox) == 1


class InTransactionProbe:
    """A channel that notes whether a transaction was open when it was asked to send."""

    def __init__(self):
        self.in_atomic: list[bool] = []

    def ready(self, salon):
        return True

    def address_for(self, customer, salon):
        return customer.email

    def send(self, notification, context):
        self.in_atomic.append(connection.in_atomic_block)
        # The digest row is committed before the send: another connection could read it.
        assert Notification.objects.filter(pk=notification.pk, status="pending").exists()


@pytest.mark.django_db(transaction=True)
def test_the_digest_is_recorded_then_sent_outside_any_transaction(
    salon, owner, integration, monkeypatch
):
    owner.email = "olivia@alpha.example"
    owner.save()
    probe = InTransactionProbe()
    monkeypatch.setitem(CHANNELS, "email", probe)
    suggestion = make_suggestion(integration)
    notification = notify_digest(salon=salon, suggestions=[suggestion])
    assert probe.in_atomic == [False]
    assert notification.status == Notification.Status.SENT
    suggestion.refresh_from_db()
    assert suggestion.notified_at is not None
    # A run that starts while another is sending leaves the claimed suggestions alone.
    suggestion.notified_at = None
    suggestion.save()
    notification.status = Notification.Status.PENDING
    notification.save()
    Notification.objects.filter(pk=notification.pk).update(claimed_at=datetime.now(UTC))
    assert notify_digest(salon=salon, suggestions=[suggestion]) is None
