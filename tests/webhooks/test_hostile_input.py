"""Hostile input at the webhook endpoints (issue 21, W1–W4 and the NUL byte): every signed body is
answered with a deliberate status and stored without a 500; a payload that can never be processed
goes dead at once; no event time can freeze the mirror; rejected junk is bounded and pruned."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from integrations.models import MirroredCustomer
from integrations.retention import prune_old_rows
from salonsync.safe_json import MAX_DEPTH
from tests.webhooks.conftest import mindbody_event, signed_mindbody, vagaro_event, vagaro_post
from webhooks.models import WebhookEvent, WebhookStatus
from webhooks.services import REJECTED_BODY_BYTES, webhook_process

pytestmark = pytest.mark.django_db(transaction=True)

# What the attack run sent: the latest and the earliest times ISO 8601 can write, whose UTC value
# Python cannot hold.
UNREADABLE_TIMES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]


def deep_text(levels: int) -> str:
    """``levels`` nested arrays as text (json.dumps itself recurses, so it cannot write them)."""
    return "[" * levels + "1" + "]" * levels


@pytest.fixture
def client_500():
    """A client that shows a 500 as an answer rather than raising the view's exception."""
    return Client(raise_request_exception=False)


def _mindbody_client_updated(**changes) -> dict:
    return mindbody_event("event_client_updated", **changes)


def _process_all() -> list[WebhookEvent]:
    for pk in WebhookEvent.objects.values_list("pk", flat=True):
        webhook_process(event_id=pk)
    return list(WebhookEvent.objects.order_by("pk"))


# -- W1: JSON nested a thousand deep ------------------------------------------------------------
def _with_deep_field(payload: dict, levels: int) -> bytes:
    text = json.dumps({**payload, "extra": "PLACEHOLDER"})
    return text.replace('"PLACEHOLDER"', deep_text(levels)).encode()


def test_deeply_nested_signed_mindbody_body_is_400_and_recorded(client_500, mindbody_integration):
    body = _with_deep_field(_mindbody_client_updated(), 1000)
    response = signed_mindbody(client_500, None, body=body)
    assert response.status_code == 400, response.content
    assert "nested" in response.json()["message"]
    event = WebhookEvent.objects.get()
    assert event.status == WebhookStatus.REJECTED and "nested" in event.last_error


def test_deeply_nested_vagaro_body_is_400_and_recorded(client_500, vagaro_integration):
    body = _with_deep_field(vagaro_event("event_customer_updated"), 1000)
    response = vagaro_post(client_500, vagaro_integration, None, body=body)
    assert response.status_code == 400, response.content
    assert WebhookEvent.objects.get().status == WebhookStatus.REJECTED


def test_nesting_within_the_limit_is_accepted(client, mindbody_integration):
    body = _with_deep_field(_mindbody_client_updated(), MAX_DEPTH - 2)
    assert signed_mindbody(client, None, body=body).status_code == 202


# -- W2: event times Python cannot hold ---------------------------------------------------------
@pytest.mark.parametrize("when", UNREADABLE_TIMES)
def test_unreadable_mindbody_time_is_stored_and_processed_at_the_receipt_time(
    client_500, mindbody_integration, when
):
    payload = _mindbody_client_updated(eventInstanceOriginationDateTime=when)
    response = signed_mindbody(client_500, payload)
    assert response.status_code == 202, response.content
    event = WebhookEvent.objects.get()
    assert event.occurred_at is None  # the text stays in the body only
    assert json.loads(bytes(event.body))["eventInstanceOriginationDateTime"] == when
    assert event.status == WebhookStatus.PROCESSED and event.attempts == 1
    row = MirroredCustomer.objects.get(integration=mindbody_integration)
    assert row.version_at == event.received_at


@pytest.mark.parametrize("when", UNREADABLE_TIMES)
def test_unreadable_vagaro_time_is_stored_and_processed(client_500, vagaro_integration, when):
    payload = vagaro_event("event_customer_updated", createdDate=when)
    assert vagaro_post(client_500, vagaro_integration, payload).status_code == 202
    event = WebhookEvent.objects.get()
    assert event.occurred_at is None
    assert event.status == WebhookStatus.PROCESSED
    row = MirroredCustomer.objects.get(integration=vagaro_integration)
    assert row.version_at == event.received_at


def _store_unreadable_time(event: WebhookEvent) -> None:
    """Put a time no Python datetime can hold on the row, as earlier code stored it."""
    value = "10000-01-01 09:59:59" + ("+00" if connection.vendor == "postgresql" else "")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE webhooks_webhookevent SET occurred_at = %s WHERE id = %s", [value, event.pk]
        )


def test_admin_list_and_detail_show_a_row_with_an_unreadable_time(
    admin_client, mindbody_integration
):
    event = WebhookEvent.objects.create(
        platform="mindbody",
        integration=mindbody_integration,
        external_id="bad-time",
        body=json.dumps(_mindbody_client_updated()).encode(),
        verified=True,
        status=WebhookStatus.QUEUED,
    )
    _store_unreadable_time(event)
    listing = admin_client.get("/admin/webhooks/webhookevent/")
    assert listing.status_code == 200
    assert b"bad-time" in listing.content
    detail = admin_client.get(f"/admin/webhooks/webhookevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert b"10000-01-01" in detail.content


def test_a_stored_row_with_an_unreadable_time_is_still_processed(mindbody_integration):
    event = WebhookEvent.objects.create(
        platform="mindbody",
        integration=mindbody_integration,
        external_id="bad-time",
        body=json.dumps(_mindbody_client_updated()).encode(),
        verified=True,
        status=WebhookStatus.QUEUED,
    )
    _store_unreadable_time(event)
    assert webhook_process(event_id=event.pk) == WebhookStatus.PROCESSED


# -- W3: a time far ahead never freezes the mirror ----------------------------------------------
@pytest.mark.parametrize("when", ["2099-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_a_future_time_never_freezes_the_customer(client, mindbody_integration, when):
    first = _mindbody_client_updated(eventInstanceOriginationDateTime=when)
    assert signed_mindbody(client, first).status_code == 202
    row = MirroredCustomer.objects.get(integration=mindbody_integration)
    received = WebhookEvent.objects.get().received_at
    assert row.version_at <= received + timedelta(minutes=5)

    later = _mindbody_client_updated(
        messageId="LATER", eventInstanceOriginationDateTime=timezone.now().isoformat()
    )
    later["eventData"] = {**later["eventData"], "firstName": "Johnny"}
    assert signed_mindbody(client, later).status_code == 202
    assert MirroredCustomer.objects.get(pk=row.pk).first_name == "Johnny"
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


def test_a_time_a_little_ahead_is_the_platforms_clock_and_kept(client, vagaro_integration):
    ahead = (timezone.now() + timedelta(minutes=2)).replace(microsecond=0)
    payload = vagaro_event("event_customer_updated", createdDate=ahead.isoformat())
    assert vagaro_post(client, vagaro_integration, payload).status_code == 202
    assert WebhookEvent.objects.get().occurred_at == ahead
    assert MirroredCustomer.objects.get().version_at == ahead


def test_a_time_an_hour_ahead_falls_back_to_the_receipt_time(client, vagaro_integration):
    ahead = timezone.now() + timedelta(hours=1)
    payload = vagaro_event("event_customer_updated", createdDate=ahead.isoformat())
    assert vagaro_post(client, vagaro_integration, payload).status_code == 202
    event = WebhookEvent.objects.get()
    assert event.occurred_at is None
    assert MirroredCustomer.objects.get().version_at == event.received_at


# -- NUL bytes and lone surrogates --------------------------------------------------------------
@pytest.mark.parametrize("bad", ["\u0000", "\ud800"])
def test_nul_or_lone_surrogate_is_stored_then_dead_at_once(client_500, mindbody_integration, bad):
    payload = _mindbody_client_updated()
    payload["eventData"] = {**payload["eventData"], "firstName": f"Jo{bad}hn"}
    body = json.dumps(payload).encode()  # ASCII: the character travels as a \\u escape
    response = signed_mindbody(client_500, None, body=body)
    assert response.status_code == 202, response.content
    event = WebhookEvent.objects.get()
    assert event.status == WebhookStatus.DEAD and event.attempts == 1
    assert event.next_attempt_at is None
    assert "cannot be stored" in event.last_error
    assert not MirroredCustomer.objects.exists()


@pytest.mark.parametrize("bad", ["\u0000", "\ud800"])
def test_nul_or_lone_surrogate_in_the_event_id_never_500s(client_500, vagaro_integration, bad):
    payload = vagaro_event("event_customer_updated", id=f"evt-{bad}-1", type=f"customer{bad}")
    response = vagaro_post(client_500, vagaro_integration, payload)
    assert response.status_code == 202, response.content
    event = WebhookEvent.objects.get()
    assert event.external_id == "evt--1"
    assert event.status == WebhookStatus.DEAD


def test_a_value_the_database_refuses_is_dead_at_once(client, vagaro_integration, monkeypatch):
    from django.db import DataError

    from integrations.events import EventService

    def refuse(**kwargs):
        raise DataError("integer out of range")

    monkeypatch.setattr(EventService, "apply", refuse)
    assert (
        vagaro_post(client, vagaro_integration, vagaro_event("event_customer_updated")).status_code
        == 202
    )
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts, event.next_attempt_at) == ("dead", 1, None)
    assert event.last_error.startswith("DataError") and "out of range" not in event.last_error


# -- W4: rejected deliveries are bounded, throttled and pruned ----------------------------------
def test_rejected_deliveries_keep_only_the_start_of_the_body(client, vagaro_integration):
    big = b'{"junk": "' + b"x" * 1_000_000 + b'"}'
    for _ in range(10):
        response = vagaro_post(client, vagaro_integration, None, body=big, token="wrong")
        assert response.status_code == 401
    events = WebhookEvent.objects.all()
    assert len(events) == 10
    for event in events:
        assert event.status == WebhookStatus.REJECTED
        assert bytes(event.body) == big[:REJECTED_BODY_BYTES]
        assert event.body_length == len(big)
        assert event.headers  # the scrubbed headers are kept whole


def test_rejected_deliveries_from_one_address_are_throttled(client, mindbody_integration, settings):
    settings.WEBHOOK_REJECTED_PER_MINUTE = 3
    payload = _mindbody_client_updated()
    answers = [signed_mindbody(client, payload, key="not-the-key").status_code for _ in range(5)]
    assert answers == [401, 401, 401, 429, 429]
    assert WebhookEvent.objects.count() == 3
    # Another address still gets its answer and its record; a valid delivery is never throttled.
    other = signed_mindbody(client, payload, key="not-the-key", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 401
    assert signed_mindbody(client, payload).status_code == 202
    assert WebhookEvent.objects.count() == 5


def test_throttled_deliveries_are_counted(client, mindbody_integration, settings):
    from salonsync.metrics import WEBHOOKS

    settings.WEBHOOK_REJECTED_PER_MINUTE = 1
    throttled = WEBHOOKS.labels(platform="mindbody", outcome="throttled")
    before = throttled._value.get()
    for _ in range(4):
        signed_mindbody(client, {}, key="not-the-key")
    assert throttled._value.get() - before == 3


def test_rejected_deliveries_are_pruned_sooner_than_the_others(vagaro_integration, settings):
    settings.RETENTION_REJECTED_WEBHOOK_DAYS = 7
    settings.RETENTION_WEBHOOK_EVENTS_DAYS = 90
    old = timezone.now() - timedelta(days=8)
    rejected = WebhookEvent.objects.create(
        platform="vagaro", integration=vagaro_integration, body=b"x", status="rejected"
    )
    processed = WebhookEvent.objects.create(
        platform="vagaro",
        integration=vagaro_integration,
        external_id="p",
        verified=True,
        body=b"{}",
        status="processed",
    )
    WebhookEvent.objects.update(received_at=old)
    deleted = prune_old_rows()
    assert deleted["webhooks.WebhookEvent (rejected)"] == 1
    assert not WebhookEvent.objects.filter(pk=rejected.pk).exists()
    assert WebhookEvent.objects.filter(pk=processed.pk).exists()


def test_no_caller_can_set_a_version_past_the_present(vagaro_integration):
    """The cap holds below the webhooks too: an event applied directly, or a sync's page."""
    from integrations.adapters.types import Customer, Event, EventKind
    from integrations.events import EventService
    from integrations.mirror import MAX_CLOCK_SKEW

    far = datetime(2099, 1, 1, tzinfo=UTC)
    EventService.apply(
        integration=vagaro_integration,
        event=Event(
            EventKind.CUSTOMER_UPDATED,
            platform="vagaro",
            event_id="e1",
            object_id="c1",
            occurred_at=far,
            data=Customer(platform_id="c1", first_name="Ann"),
        ),
    )
    counts: dict[str, int] = {}
    EventService.apply_page(
        integration=vagaro_integration,
        records=[Customer(platform_id="c2", first_name="Bea")],
        read_at=far,
        counts=counts,
        announce=False,
    )
    latest = timezone.now() + MAX_CLOCK_SKEW
    versions = MirroredCustomer.objects.values_list("version_at", flat=True)
    assert len(versions) == 2 and all(v <= latest for v in versions)


# -- rows stored before these fixes are repaired by data migrations -----------------------------
def _migration(name: str):
    import importlib

    return importlib.import_module(name)


def test_migration_forgets_unreadable_and_far_off_event_times(mindbody_integration):
    from django.apps import apps

    def row(external_id, occurred_at=None):
        return WebhookEvent.objects.create(
            platform="mindbody",
            integration=mindbody_integration,
            external_id=external_id,
            occurred_at=occurred_at,
            body=b"{}",
            verified=True,
            status=WebhookStatus.QUEUED,
        )

    unreadable, future = row("unreadable"), row("2099", datetime(2099, 1, 1, tzinfo=UTC))
    ancient = row("1970", datetime(1970, 1, 1, tzinfo=UTC))
    fine = row("fine", timezone.now() - timedelta(hours=1))
    _store_unreadable_time(unreadable)
    _migration("webhooks.migrations.0004_forget_incredible_event_times").forget(apps, None)
    times = dict(WebhookEvent.objects.values_list("external_id", "occurred_at"))
    assert times == {"unreadable": None, "2099": None, "1970": None, "fine": fine.occurred_at}
    assert {future.pk, ancient.pk} < set(WebhookEvent.objects.values_list("pk", flat=True))


def test_migration_unfreezes_mirror_rows_dated_in_the_future(vagaro_integration):
    from django.apps import apps

    frozen = MirroredCustomer.objects.create(integration=vagaro_integration, platform_id="c1")
    current = MirroredCustomer.objects.create(integration=vagaro_integration, platform_id="c2")
    MirroredCustomer.objects.filter(pk=frozen.pk).update(
        version_at=datetime(2099, 1, 1, tzinfo=UTC)
    )
    yesterday = timezone.now() - timedelta(days=1)
    MirroredCustomer.objects.filter(pk=current.pk).update(version_at=yesterday)
    _migration("integrations.migrations.0014_unfreeze_future_versions").unfreeze(apps, None)
    frozen.refresh_from_db()
    current.refresh_from_db()
    assert frozen.version_at <= timezone.now()
    assert current.version_at == yesterday


# -- numbers no JSON column stores (found by tests/webhooks/test_adversarial.py) ------------------
@pytest.mark.parametrize("number", ["1e999", "-1e999", "NaN", "Infinity"])
def test_a_signed_body_with_an_infinite_number_is_400_and_recorded(
    client_500, mindbody_integration, number
):
    body = json.dumps({**_mindbody_client_updated(), "extra": "N"}).replace('"N"', number)
    response = signed_mindbody(client_500, None, body=body.encode())
    assert response.status_code == 400, response.content
    assert WebhookEvent.objects.get().status == WebhookStatus.REJECTED


@pytest.mark.parametrize("site_id", ["\u0000", "-99\u0000", "\ud800", "9" * 101])
def test_a_site_id_that_is_not_one_is_400_not_503(client_500, mindbody_integration, site_id):
    """Found by tests/webhooks/test_adversarial.py on PostgreSQL: a NUL in eventData.siteId
    failed the routing query, answered 503, which Mindbody retries."""
    payload = _mindbody_client_updated()
    payload["eventData"] = {**payload["eventData"], "siteId": site_id}
    response = signed_mindbody(client_500, payload)
    assert response.status_code == 400, response.content
    assert WebhookEvent.objects.get().status == WebhookStatus.REJECTED
