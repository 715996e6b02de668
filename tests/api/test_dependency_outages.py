"""Issue 21, F1: the REST API with Redis or the database down.

Redis down: throttling falls back to this process's memory (logged once), so the API keeps
answering. Database down: 503 in the API's error shape, never a 500.
"""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from tests.outages import cache_on_closed_port, database_down

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings, monkeypatch):
    from salonsync import throttling

    monkeypatch.setattr(throttling, "_on_fallback", False)  # no outage noted by an earlier test
    throttling._fallback.clear()  # nor counts left by one
    cache_on_closed_port(settings)


def test_api_answers_with_redis_down_and_logs_the_fallback_once(client, owner, redis_down, caplog):
    client.force_login(owner)
    with caplog.at_level(logging.WARNING, logger="salonsync.throttling"):
        first = client.get(reverse("api_salon_list"))
        second = client.get(reverse("api_salon_list"))

    assert (first.status_code, second.status_code) == (200, 200)
    assert [s["slug"] for s in second.json()] == ["alpha"]
    fallback = [r for r in caplog.records if r.name == "salonsync.throttling"]
    assert len(fallback) == 1
    assert "throttl" in fallback[0].getMessage()


def test_throttle_still_limits_in_memory_while_redis_is_down(
    client, owner, redis_down, settings, monkeypatch
):
    rates = {"user": "2/min", "anon": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client.force_login(owner)
    url = reverse("api_salon_list")

    answers = [client.get(url).status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def _assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "unavailable"
    assert "retry" in body["error"]["message"].lower()
    assert int(response["Retry-After"]) > 0


def test_api_answers_503_in_its_error_shape_when_the_database_is_down(client, owner, salon):
    client.force_login(owner)
    with database_down():
        listed = client.get(reverse("api_salon_list"))
        changed = client.patch(
            reverse("api_salon_detail", kwargs={"slug": salon.slug}),
            {"name": "Changed"},
            content_type="application/json",
        )
    _assert_unavailable(listed)
    _assert_unavailable(changed)
    assert b"5432" not in listed.content  # the driver's message (host, port) stays in the log


def test_anonymous_api_call_with_the_database_down_is_503_not_500(client, salon):
    with database_down():
        response = client.get(reverse("api_salon_list"), HTTP_AUTHORIZATION="Token abc123")
    _assert_unavailable(response)
