"""Issue 21: /metrics names every salon's slug and integration id, so it is not public. A bearer
token (METRICS_TOKEN) or an allow-listed address (METRICS_ALLOWED_IPS) lets a scraper in; with
neither configured only DEBUG (the local demo) serves it."""

from __future__ import annotations

import pytest

from tests.health.conftest import make_integration

pytestmark = pytest.mark.django_db

TOKEN = "metrics-scrape-token-5b1f0c9e"


@pytest.fixture
def labelled(salon):
    """An integration, so the sync-lag gauge carries a salon slug and an integration id."""
    return make_integration(salon, "vagaro")


@pytest.fixture
def nothing_configured(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    settings.DEBUG = False


def test_metrics_is_refused_when_nothing_is_configured(client, labelled, nothing_configured):
    response = client.get("/metrics")
    assert response.status_code == 403
    assert b"alpha" not in response.content
    assert str(labelled.pk).encode() not in response.content


def test_metrics_is_served_in_debug_when_nothing_is_configured(
    client, labelled, nothing_configured, settings
):
    settings.DEBUG = True
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b'salon="alpha"' in response.content


def test_bearer_token_lets_the_scraper_in(client, labelled, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert f'integration="{labelled.pk}"'.encode() in response.content


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer", TOKEN],
)
def test_a_missing_or_wrong_token_is_401(client, labelled, settings, header):
    settings.METRICS_TOKEN = TOKEN
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"alpha" not in response.content
    assert TOKEN.encode() not in response.content


def test_token_is_also_required_in_debug_once_configured(client, labelled, settings):
    settings.DEBUG = True
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401


@pytest.mark.parametrize(
    ("allowed", "remote", "status"),
    [
        (["10.0.0.7"], "10.0.0.7", 200),
        (["10.0.0.0/24"], "10.0.0.99", 200),
        (["10.0.0.0/24"], "10.0.1.1", 403),
        (["10.0.0.0/24", "2001:db8::/32"], "2001:db8::5", 200),
    ],
)
def test_allow_listed_addresses_need_no_token(
    client, labelled, nothing_configured, settings, allowed, remote, status
):
    settings.METRICS_ALLOWED_IPS = allowed
    assert client.get("/metrics", REMOTE_ADDR=remote).status_code == status


def test_allow_list_uses_the_client_address_behind_a_trusted_proxy(
    client, labelled, nothing_configured, settings
):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/24"]
    settings.TRUSTED_PROXIES = ["192.0.2.1"]
    through_proxy = {"REMOTE_ADDR": "192.0.2.1"}
    inside = client.get("/metrics", HTTP_X_FORWARDED_FOR="10.0.0.5", **through_proxy)
    outside = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9", **through_proxy)
    assert (inside.status_code, outside.status_code) == (200, 403)


def test_a_forged_forwarded_for_does_not_pass_the_allow_list(
    client, labelled, nothing_configured, settings
):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/24"]
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.0.0.5")
    assert response.status_code == 403


def test_either_way_in_works_when_both_are_configured(client, labelled, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["10.0.0.7"]
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 200
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
        ).status_code
        == 200
    )
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 401
