"""The shared HTTP layer: retries, Retry-After, booking safety, reporting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses

from integrations.adapters import errors
from integrations.adapters.http import HttpClient, HttpFailure, RetryPolicy, parse_retry_after

BASE = "https://platform.test/api"


def error_mapper(failure: HttpFailure) -> errors.IntegrationError:
    if failure.status == 429:
        return errors.RateLimitError(
            retry_after=parse_retry_after(failure.headers.get("Retry-After"))
        )
    if failure.status >= 500:
        return errors.TransientError(status_code=failure.status)
    if failure.status == 401:
        return errors.AuthenticationError(status_code=401)
    return errors.ValidationError(status_code=failure.status)


@pytest.fixture
def client():
    sleeps, calls = [], []
    http = HttpClient(
        platform="test",
        base_url=BASE,
        error_mapper=error_mapper,
        reporter=calls.append,
        sleep=sleeps.append,
        retry=RetryPolicy(max_attempts=3, max_total_seconds=60, max_retry_after=30),
    )
    http.sleeps, http.calls = sleeps, calls
    return http


def test_parse_retry_after():
    assert parse_retry_after("12") == 12
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    future = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 80 < parse_retry_after(future) <= 90
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(past) == 0


@responses.activate
def test_get_returns_json_and_reports_path_without_query(client):
    responses.get(f"{BASE}/things/1", json={"id": 1})
    assert client.request("get_thing", "GET", "/things/1", params={"apikey": "SECRET"}) == {"id": 1}
    (record,) = client.calls
    assert (record.operation, record.method, record.path, record.status) == (
        "get_thing",
        "GET",
        "/things/1",
        200,
    )
    assert "SECRET" not in repr(record)


@responses.activate
def test_204_is_none(client):
    responses.delete(f"{BASE}/things/1", status=204)
    assert client.request("delete", "DELETE", "/things/1") is None


@responses.activate
def test_post_is_not_retried_on_5xx_or_read_timeout(client):
    responses.post(f"{BASE}/book", status=503, json={})
    with pytest.raises(errors.TransientError):
        client.request("book", "POST", "/book", json_body={})
    assert len(responses.calls) == 1
    responses.replace(responses.POST, f"{BASE}/book", body=requests.ReadTimeout("slow"))
    with pytest.raises(errors.TransientError):
        client.request("book", "POST", "/book", json_body={})
    assert len(responses.calls) == 2 and client.sleeps == []


@responses.activate
def test_post_is_retried_when_nothing_was_sent(client):
    responses.post(f"{BASE}/book", body=requests.ConnectTimeout("no route"))
    responses.post(f"{BASE}/book", status=429, headers={"Retry-After": "2"}, json={})
    responses.post(f"{BASE}/book", json={"ok": True})
    assert client.request("book", "POST", "/book", json_body={}) == {"ok": True}
    assert len(client.sleeps) == 2 and client.sleeps[1] >= 2


@responses.activate
def test_long_retry_after_is_raised_not_waited(client):
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "3600"}, json={})
    with pytest.raises(errors.RateLimitError) as caught:
        client.request("x", "GET", "/x")
    assert caught.value.retry_after == 3600
    assert client.sleeps == []


@responses.activate
def test_total_time_budget_bounds_retries(client):
    client.retry = RetryPolicy(max_attempts=10, max_total_seconds=0.0)
    responses.get(f"{BASE}/x", status=500, json={})
    with pytest.raises(errors.TransientError):
        client.request("x", "GET", "/x")
    assert len(responses.calls) == 1


@responses.activate
def test_backoff_grows_exponentially(client):
    client.retry = RetryPolicy(max_attempts=4, backoff_initial=1, backoff_max=100)
    responses.get(f"{BASE}/x", status=500, json={})
    with pytest.raises(errors.TransientError):
        client.request("x", "GET", "/x")
    first, second, third = client.sleeps
    assert 1 <= first < 2 and 2 <= second < 3 and 4 <= third < 5


@responses.activate
def test_401_refreshes_once_then_raises():
    refreshed = []
    http = HttpClient(
        platform="t",
        base_url=BASE,
        error_mapper=error_mapper,
        refresh_auth=lambda: refreshed.append(1) or True,
        sleep=lambda s: None,
    )
    responses.get(f"{BASE}/x", status=401, json={})
    with pytest.raises(errors.AuthenticationError):
        http.request("x", "GET", "/x")
    assert len(refreshed) == 1 and len(responses.calls) == 2


@responses.activate
def test_broken_reporter_never_breaks_a_call(caplog):
    def explode(record):
        raise RuntimeError("reporter down")

    http = HttpClient(platform="t", base_url=BASE, error_mapper=error_mapper, reporter=explode)
    responses.get(f"{BASE}/x", json=[1])
    assert http.request("x", "GET", "/x") == [1]
    assert "call reporter failed" in caplog.text


@responses.activate
def test_per_call_headers_are_sent(client):
    responses.get(f"{BASE}/x", json={})
    client.request("x", "GET", "/x", headers={"Authorization": "Bearer t"})
    assert responses.calls[0].request.headers["Authorization"] == "Bearer t"
    assert responses.calls[0].request.headers["User-Agent"].startswith("SalonSync/")
