"""No body or header combination gives a 500; concurrent duplicates are stored and processed once;
a real worker processes what the endpoint enqueued."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.adapters.types import EventKind
from integrations.events import DOMAIN_HANDLERS
from tests.conftest import need
from tests.webhooks.conftest import MB_KEY, VG_TOKEN, signed_mindbody, vagaro_event, vagaro_post
from webhooks.models import WebhookEvent
from webhooks.platforms.mindbody import mindbody_signature

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "messageId": json_values,
        "eventId": st.sampled_from(["appointmentBooking.created", "client.updated", "x"])
        | json_values,
        "eventInstanceOriginationDateTime": st.text(max_size=30) | json_values,
        "eventData": st.fixed_dictionaries(
            {},
            optional={
                "siteId": json_values,
                "appointmentId": json_values,
                "startDateTime": json_values,
                "status": json_values,
            },
        )
        | json_values,
        "id": json_values,
        "type": json_values,
        "action": json_values,
        "payload": json_values,
        "createdDate": st.text(max_size=30),
    },
)
headers = st.dictionaries(
    st.sampled_from(
        [
            "HTTP_X_MINDBODY_SIGNATURE",
            "HTTP_X_VAGARO_SIGNATURE",
            "HTTP_USER_AGENT",
            "HTTP_X_FORWARDED_FOR",
            "CONTENT_LENGTH",
        ]
    ),
    st.text(max_size=60),
    max_size=4,
)


@pytest.mark.django_db
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=300) | envelopes.map(lambda e: json.dumps(e).encode()),
    extra=headers,
    sign=st.booleans(),
)
def test_no_input_gives_a_500(
    mindbody_integration, vagaro_integration, body, extra, sign, settings
):
    settings.WEBHOOK_REJECTED_PER_MINUTE = 0  # every example reaches the store, none is throttled
    client = Client(raise_request_exception=False)
    if sign:
        extra = {**extra, "HTTP_X_MINDBODY_SIGNATURE": mindbody_signature(body, MB_KEY)}
    extra.pop("CONTENT_LENGTH", None)
    for url in ("/webhooks/mindbody/", f"/webhooks/vagaro/{vagaro_integration.pk}/"):
        response = client.post(url, data=body, content_type="application/json", **extra)
        assert response.status_code in (200, 202, 400, 401, 404, 413), (url, body, response.content)


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_deliveries_are_stored_and_processed_once(vagaro_integration, monkeypatch):
    need(
        connection.vendor == "postgresql",
        "concurrency needs PostgreSQL (SQLite serialises writers)",
    )
    got = []
    monkeypatch.setitem(
        DOMAIN_HANDLERS, EventKind.APPOINTMENT_CANCELLED, [lambda i, e: got.append(e)]
    )
    payload = vagaro_event("event_appointment_updated")
    barrier = threading.Barrier(10)
    answers = []

    def deliver():
        barrier.wait()
        answers.append(vagaro_post(Client(), vagaro_integration, payload).status_code)
        connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200] * 9 + [202]
    event = WebhookEvent.objects.get()
    assert event.status == "processed" and event.attempts == 1
    assert len(got) == 1


@pytest.mark.integration
def test_real_worker_processes_what_the_endpoint_enqueued(
    celery_worker_on_redis, vagaro_integration
):
    response = vagaro_post(Client(), vagaro_integration, vagaro_event("event_appointment_updated"))
    assert response.status_code == 202
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        event = WebhookEvent.objects.get()
        if event.status == "processed":
            break
        time.sleep(0.2)
    assert event.status == "processed" and event.attempts == 1
    assert VG_TOKEN not in json.dumps(event.headers)


def test_signed_helper_matches_view(client, mindbody_integration, db):
    assert (
        signed_mindbody(
            client, {"messageId": "m", "eventId": "x", "eventData": {"siteId": -99}}
        ).status_code
        == 202
    )
