"""Operator endpoints: /readyz fails when the broker is down; /metrics answers GET only (who may
scrape it: tests/security/test_metrics_access.py)."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_readyz_fails_when_the_broker_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"], body["broker"]) == (
        "unavailable",
        "ok",
        "unavailable",
    )
    assert body["down"] == ["broker"]


def test_readyz_is_ready_with_database_and_configured_broker(client, db, settings):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["broker"] == ("ok" if settings.REDIS_URL else "not_configured")


def test_metrics_answers_get_with_its_token_and_refuses_post(client, db, settings):
    settings.METRICS_TOKEN = "scrape-token"
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token")
    assert response.status_code == 200
    assert b"# TYPE salonsync_webhooks_total counter" in response.content
    assert b"# TYPE salonsync_platform_call_duration_seconds histogram" in response.content
    assert b"# TYPE salonsync_integration_sync_lag_seconds gauge" in response.content
    assert response["Cache-Control"].startswith("max-age=0")
    assert client.post("/metrics").status_code == 405
