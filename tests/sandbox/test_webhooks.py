"""The webhook sender: exact bytes, the platform's retry schedule, giving up, and the duplicate
and reorder faults. A fake platform module stands in for the emulators' build_webhooks."""

from __future__ import annotations

import json
import logging
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import requests
from django.utils import timezone
from requests.adapters import BaseAdapter

from sandbox import calendar, events, faults, webhooks
from sandbox.models import Account, Client, Provider, Service, WebhookDelivery

HOOK = "http://hooks.test/webhooks/mindbody/"
SECRET_HEADER = "sha256=c2VjcmV0LXNpZ25hdHVyZQ=="
State = WebhookDelivery.State


class Receiver(BaseAdapter):
    """Records what was POSTed; answers with the next status in ``statuses`` (then the last)."""

    def __init__(self, statuses=(200,), error: Exception | None = None) -> None:
        super().__init__()
        self.statuses = list(statuses)
        self.error = error
        self.received: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.received.append(request)
        if self.error is not None:
            raise self.error
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        response = requests.Response()
        response.status_code = status
        response._content = b"{}"
        response.request = request
        response.url = request.url
        return response

    def close(self) -> None:
        pass

    def events(self) -> list[tuple[str, str]]:
        return [(r.headers["X-Event-Type"], r.headers["X-Event-Id"]) for r in self.received]


def build_webhooks(account, kind, obj):
    """Like an emulator's: one delivery per change, signature header, exact body text."""
    body = json.dumps(
        {"eventId": f"evt-{kind}-{obj.pk}", "eventSchemaVersion": 1, "name": "Zoë Ávila",
         "eventData": {"id": obj.pk, "kind": kind}},
        separators=(",", ":"), ensure_ascii=False,
    )  # fmt: skip
    return [
        {
            "event_id": f"evt-{kind}-{obj.pk}",
            "event_type": kind,
            "body": body,
            "headers": {
                "Content-Type": "application/json",
                "X-Mindbody-Signature": SECRET_HEADER,
                "X-Event-Type": kind,
                "X-Event-Id": f"evt-{kind}-{obj.pk}",
            },
        }
    ]


SCHEDULE = [timedelta(minutes=15), timedelta(minutes=30)]


@pytest.fixture
def fake_platform(monkeypatch):
    module = SimpleNamespace(build_webhooks=build_webhooks, RETRY_SCHEDULE=SCHEDULE)
    monkeypatch.setattr(webhooks, "platform_module", lambda platform: module)
    return module


@pytest.fixture
def receiver(monkeypatch):
    receiver = Receiver()
    session = requests.Session()
    session.mount("http://hooks.test", receiver)
    monkeypatch.setattr(webhooks, "SESSION", session)
    return receiver


@pytest.fixture
def account(db):
    return Account.objects.create(
        platform="mindbody",
        account_id="-99",
        name="Sandbox",
        username="u",
        password="p",
        webhook_url=HOOK,
        webhook_secret="k",
    )


def thing(pk: int):
    return SimpleNamespace(pk=pk)


def test_nothing_without_a_webhook_url(account, fake_platform, receiver):
    account.webhook_url = ""
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(1))
    assert not WebhookDelivery.objects.exists() and receiver.received == []


def test_nothing_when_the_platform_sends_none(account, fake_platform, receiver):
    fake_platform.build_webhooks = lambda account, kind, obj: []
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(1))
    assert not WebhookDelivery.objects.exists() and receiver.received == []


def test_the_real_platform_lookup(db):
    from sandbox.platforms import vagaro

    assert webhooks.platform_module("vagaro") is vagaro


def test_delivered_with_the_exact_bytes(account, fake_platform, receiver):
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(7))
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == State.DELIVERED
    assert (delivery.attempts, delivery.last_status, delivery.next_attempt_at) == (1, 200, None)
    assert delivery.delivered_at is not None
    [sent] = receiver.received
    expected = build_webhooks(account, events.APPOINTMENT_CREATED, thing(7))[0]
    assert sent.method == "POST" and sent.url == HOOK
    assert sent.body == expected["body"].encode("utf-8")
    assert "Zoë".encode() in sent.body  # UTF-8, not \u escapes
    assert sent.headers["X-Mindbody-Signature"] == SECRET_HEADER
    assert sent.headers["Content-Type"] == "application/json"
    assert delivery.event_id == "evt-appointment.created-7"


def test_retries_on_the_platform_schedule_then_delivers(account, fake_platform, receiver):
    receiver.statuses = [500, 200]
    before = timezone.now()
    webhooks.queue_for_change(account, events.APPOINTMENT_CANCELLED, thing(3))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (State.RETRYING, 1, 500)
    gap = delivery.next_attempt_at - before
    assert timedelta(minutes=15) <= gap < timedelta(minutes=16)
    assert webhooks.retry_due_webhooks() == 0  # not due yet
    assert webhooks.retry_due_webhooks(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (State.DELIVERED, 2, 200)
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body


def test_gives_up_when_the_schedule_is_exhausted(account, fake_platform, receiver):
    receiver.statuses = [503]
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(4))
    delivery = WebhookDelivery.objects.get()
    before = timezone.now()
    webhooks.retry_due_webhooks(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.state == State.RETRYING  # the second delay of the schedule
    assert timedelta(minutes=30) <= delivery.next_attempt_at - before < timedelta(minutes=31)
    webhooks.retry_due_webhooks(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (State.GAVE_UP, 3, None)
    assert webhooks.retry_due_webhooks(now=timezone.now() + timedelta(days=1)) == 0
    assert len(receiver.received) == 3  # the first attempt and the two scheduled retries


def test_connection_error_and_redirect_count_as_failures(account, fake_platform, receiver):
    receiver.error = requests.ConnectionError("refused")
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(5))
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == State.RETRYING and delivery.last_status is None
    assert delivery.last_error.startswith("ConnectionError")
    receiver.error, receiver.statuses = None, [302]
    webhooks.retry_due_webhooks(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status) == (State.RETRYING, 302)


def test_send_now_from_the_control_page(account, fake_platform, receiver, admin_client):
    receiver.statuses = [500, 200]
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(6))
    page = admin_client.get("/sandbox/control/")
    assert b"appointment.created" in page.content and b"HTTP 500" in page.content
    response = admin_client.post("/sandbox/control/", {"action": "send_retries"}, follow=True)
    assert b"Sent 1 waiting" in response.content
    assert WebhookDelivery.objects.get().state == State.DELIVERED


def test_the_periodic_task(account, fake_platform, receiver):
    from sandbox.tasks import retry_due_webhooks

    receiver.statuses = [500, 200]
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(8))
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert retry_due_webhooks.delay().get() == 1
    assert WebhookDelivery.objects.get().state == State.DELIVERED


def test_duplicate_fault_sends_each_delivery_twice(account, fake_platform, receiver):
    faults.set_fault("mindbody", "duplicate_webhooks", remaining=1)
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(9))
    assert receiver.events() == [("appointment.created", "evt-appointment.created-9")] * 2
    assert receiver.received[0].body == receiver.received[1].body
    assert WebhookDelivery.objects.filter(state=State.DELIVERED).count() == 2
    webhooks.queue_for_change(account, events.APPOINTMENT_UPDATED, thing(9))  # fault used up
    assert len(receiver.received) == 3


def test_reorder_fault_sends_the_later_change_first(account, fake_platform, receiver):
    faults.set_fault("mindbody", "reorder_webhooks")
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(10))
    assert receiver.received == []  # held
    held = WebhookDelivery.objects.get()
    assert held.state == State.PENDING and held.next_attempt_at is not None
    webhooks.queue_for_change(account, events.APPOINTMENT_CANCELLED, thing(10))
    assert receiver.events() == [
        ("appointment.cancelled", "evt-appointment.cancelled-10"),
        ("appointment.created", "evt-appointment.created-10"),
    ]
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {State.DELIVERED}


def test_a_held_delivery_goes_out_when_nothing_follows(account, fake_platform, receiver):
    faults.set_fault("mindbody", "reorder_webhooks", remaining=1)
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(11))
    assert webhooks.retry_due_webhooks() == 0
    assert webhooks.retry_due_webhooks(now=timezone.now() + webhooks.HOLD) == 1
    assert receiver.events() == [("appointment.created", "evt-appointment.created-11")]


def test_calendar_changes_fire_webhooks_after_commit(
    account, fake_platform, receiver, django_capture_on_commit_callbacks
):
    provider = Provider.objects.create(
        account=account,
        ext_id="1",
        first_name="Maya",
        last_name="L",
        working_hours={str(d): ["09:00", "18:00"] for d in range(7)},
    )
    service = Service.objects.create(
        account=account, ext_id="2", name="Cut", category="Cut", duration_minutes=60, price=50
    )
    now = timezone.now()
    client = Client.objects.create(
        account=account, ext_id="3", first_name="Ann", last_name="B", created_at=now,
        updated_at=now,
    )  # fmt: skip
    tz = ZoneInfo(account.timezone)
    day = (now.astimezone(tz) + timedelta(days=3)).date()
    start = datetime.combine(day, time(10), tzinfo=tz)
    faults.set_fault("mindbody", "reorder_webhooks")
    with django_capture_on_commit_callbacks(execute=True):
        booked = calendar.book(
            client=client, provider=provider, service=service, start=start, ext_id="100"
        )
        assert receiver.received == []  # not before the commit
        calendar.cancel(booked)
    assert receiver.events() == [
        ("appointment.cancelled", f"evt-appointment.cancelled-{booked.pk}"),
        ("appointment.created", f"evt-appointment.created-{booked.pk}"),
    ]


def test_never_logs_the_body_or_the_signature(account, fake_platform, receiver, caplog):
    receiver.statuses = [500]
    with caplog.at_level(logging.DEBUG):
        webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(12))
    assert "evt-appointment.created-12" in caplog.text  # it does log the event
    assert SECRET_HEADER not in caplog.text
    assert "Zoë" not in caplog.text and "eventData" not in caplog.text


def test_a_schedule_in_seconds(account, fake_platform, receiver):
    fake_platform.RETRY_SCHEDULE = (30, 60)  # the emulators write theirs in seconds
    receiver.statuses = [500]
    before = timezone.now()
    webhooks.queue_for_change(account, events.APPOINTMENT_CREATED, thing(13))
    delivery = WebhookDelivery.objects.get()
    assert timedelta(seconds=30) <= delivery.next_attempt_at - before < timedelta(seconds=31)
