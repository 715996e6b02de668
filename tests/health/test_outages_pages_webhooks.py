"""Issue 21, item 5: the pages and the webhooks with Redis or the database down (the API's own
outage tests are tests/api/test_dependency_outages.py, the probes' and the broker's
tests/health/test_dependency_outages.py).

Database down: a page is 503 with Retry-After (salonsync/server_error.py), even when the failure
comes from the session middleware before any view; a webhook is 503 so the platform retries.
Redis down: pages and webhooks answer as usual (the rejected-webhook throttle fails open)."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import Client

from salonsync.server_error import server_error
from tests.factories import PASSWORD
from tests.outages import cache_on_closed_port, database_down
from tests.webhooks.conftest import (  # noqa: F401 - fixtures
    _keys,
    mindbody_event,
    mindbody_integration,
    signed_mindbody,
    vagaro_event,
    vagaro_integration,
    vagaro_post,
)
from webhooks.models import WebhookEvent, WebhookStatus

pytestmark = pytest.mark.django_db

PAGES = ["/salons/alpha/", "/salons/alpha/integrations/", "/salons/alpha/rebooking/"]


@pytest.fixture
def browser(owner) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


def _unavailable_page(response) -> None:
    assert response.status_code == 503, response.content[:200]
    assert int(response["Retry-After"]) > 0
    assert b"Temporarily unavailable" in response.content
    assert b"5432" not in response.content  # the driver's message stays in the log


@pytest.mark.parametrize("path", PAGES)
def test_a_page_is_503_when_the_database_is_down(browser, path):
    with database_down():
        _unavailable_page(browser.get(path))


def test_login_is_503_when_the_database_is_down():
    anonymous = Client(raise_request_exception=False)
    with database_down():
        # The form itself needs no database (no session yet); signing in does.
        assert anonymous.get("/accounts/login/").status_code == 200
        _unavailable_page(
            anonymous.post("/accounts/login/", {"username": "olivia", "password": "nope"})
        )


@pytest.mark.parametrize(
    "error, status", [(OperationalError("refused"), 503), (RuntimeError("a bug"), 500)]
)
def test_only_an_outage_becomes_a_503(rf, error, status):
    for path in ("/salons/alpha/", "/api/v1/salons/"):
        try:
            raise error
        except Exception:
            response = server_error(rf.get(path))  # as Django calls it, inside the except
        assert response.status_code == status
    if status == 503:
        # The API's error shape under /api/.
        assert json.loads(response.content)["error"]["code"] == "unavailable"


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_with_redis_down(browser, settings, path):
    cache_on_closed_port(settings)
    assert browser.get(path).status_code == 200


def test_login_works_with_redis_down(settings, owner):
    cache_on_closed_port(settings)
    anonymous = Client(raise_request_exception=False)
    wrong = anonymous.post("/accounts/login/", {"username": "olivia", "password": "nope"})
    assert wrong.status_code == 200
    right = anonymous.post("/accounts/login/", {"username": "olivia", "password": PASSWORD})
    assert right.status_code == 302


def test_webhooks_are_stored_with_redis_down(settings, mindbody_integration, vagaro_integration):  # noqa: F811
    cache_on_closed_port(settings)
    client = Client(raise_request_exception=False)
    assert signed_mindbody(client, mindbody_event("event_client_updated")).status_code == 202
    vagaro = vagaro_post(client, vagaro_integration, vagaro_event("event_customer_updated"))
    assert vagaro.status_code == 202
    # The rejected-delivery throttle keeps its counts in Redis: without it, it lets them through.
    bad = vagaro_post(client, vagaro_integration, vagaro_event("event_customer_updated"), token="x")
    assert bad.status_code == 401
    statuses = sorted(WebhookEvent.objects.values_list("status", flat=True))
    assert statuses.count(WebhookStatus.REJECTED) == 1 and len(statuses) == 3


@pytest.mark.parametrize("platform", ["mindbody", "vagaro"])
def test_webhooks_are_503_when_the_database_is_down(
    platform,
    mindbody_integration,  # noqa: F811
    vagaro_integration,  # noqa: F811
):
    client = Client(raise_request_exception=False)
    with database_down():
        if platform == "mindbody":
            response = signed_mindbody(client, mindbody_event("event_client_updated"))
        else:
            response = vagaro_post(
                client, vagaro_integration, vagaro_event("event_customer_updated")
            )
    assert response.status_code == 503, response.content
