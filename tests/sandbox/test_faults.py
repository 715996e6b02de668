"""Fault injection: each kind on an emulated view, remaining hits, expire_tokens, the JSON
endpoint and the control page."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.http import JsonResponse
from django.test import RequestFactory
from django.utils import timezone

from sandbox import faults
from sandbox.models import Account, Fault, Token

URL = "/sandbox/control/faults"


def error_response(status, message, headers):
    response = JsonResponse({"Error": {"Message": message}}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@faults.emulated("mindbody", error_response)
def fake_view(request):
    return JsonResponse({"ok": True})


@pytest.fixture
def sleeps(monkeypatch):
    slept = []
    monkeypatch.setattr(faults, "sleep", slept.append)
    return slept


def call():
    return fake_view(RequestFactory().get("/sandbox/mindbody/x"))


def test_no_fault_answers_normally(db, sleeps):
    Fault.objects.create(platform="vagaro", kind="rate_limit", value=5)  # another platform
    response = call()
    assert response.status_code == 200 and sleeps == []
    assert fake_view.csrf_exempt is True


def test_rate_limit_with_retry_after(db, sleeps):
    faults.set_fault("mindbody", "rate_limit", 7)
    response = call()
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert json.loads(response.content)["Error"]["Message"].startswith("Too many requests")
    faults.set_fault("mindbody", "rate_limit", 0)
    assert call()["Retry-After"] == "1"


def test_server_error_burst_then_recovers(db, sleeps):
    faults.set_fault("mindbody", "server_error", 0, remaining=2)
    assert [call().status_code for _ in range(3)] == [503, 503, 200]
    assert not Fault.objects.exists()  # deleted when used up
    faults.set_fault("mindbody", "server_error", 502)
    assert [call().status_code for _ in range(3)] == [502, 502, 502]


def test_remaining_decrements(db, sleeps):
    fault = faults.set_fault("mindbody", "rate_limit", 1, remaining=3)
    call()
    fault.refresh_from_db()
    assert fault.remaining == 2
    call()
    call()
    assert not Fault.objects.filter(pk=fault.pk).exists()
    assert call().status_code == 200


def test_latency_in_milliseconds_then_the_real_answer(db, sleeps):
    faults.set_fault("mindbody", "latency", 250)
    response = call()
    assert response.status_code == 200
    assert sleeps == [0.25]


def test_latency_adds_to_an_error(db, sleeps):
    faults.set_fault("mindbody", "latency", 100)
    faults.set_fault("mindbody", "server_error", 500)
    assert call().status_code == 500
    assert sleeps == [0.1]


def test_timeout_hangs_then_504(db, sleeps):
    faults.set_fault("mindbody", "timeout", 3)
    assert call().status_code == 504
    faults.set_fault("mindbody", "timeout", 0)
    assert call().status_code == 504
    assert sleeps == [3, faults.DEFAULT_TIMEOUT_SECONDS]


def test_expire_tokens_applies_when_set(db):
    mb = Account.objects.create(platform="mindbody", account_id="1", name="a", username="u")
    vg = Account.objects.create(platform="vagaro", account_id="2", name="b", username="u")
    later = timezone.now() + timedelta(hours=1)
    Token.objects.create(account=mb, token="t1", expires_at=later)
    Token.objects.create(account=vg, token="t2", expires_at=later)
    faults.set_fault("mindbody", "expire_tokens", 60)
    assert Token.objects.get(token="t1").expires_at <= timezone.now()
    assert Token.objects.get(token="t2").expires_at == later
    day = timedelta(days=1)
    assert faults.token_lifetime("mindbody", day) == timedelta(seconds=60)
    assert faults.token_lifetime("vagaro", day) == day


def test_webhook_faults_do_not_touch_requests(db, sleeps):
    faults.set_fault("mindbody", "duplicate_webhooks", remaining=1)
    assert call().status_code == 200
    assert Fault.objects.get().remaining == 1


def test_take_consumes_and_deletes(db):
    faults.set_fault("vagaro", "duplicate_webhooks", remaining=1)
    assert faults.take("vagaro", "duplicate_webhooks") is not None
    assert faults.take("vagaro", "duplicate_webhooks") is None


def test_setting_again_replaces(db):
    faults.set_fault("phorest", "server_error", 500)
    faults.set_fault("phorest", "server_error", 502, remaining=4)
    fault = Fault.objects.get()
    assert (fault.value, fault.remaining) == (502, 4)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "rate_limit", 1, None), "platform must be one of"),
        (("vagaro", "explode", 1, None), "kind must be one of"),
        (("vagaro", "server_error", 404, None), "500 to 599"),
        (("vagaro", "timeout", 31, None), "at most 30"),
        (("vagaro", "latency", 30001, None), "at most 30000"),
        (("vagaro", "rate_limit", -1, None), "negative"),
        (("vagaro", "rate_limit", "abc", None), "whole number"),
        (("vagaro", "rate_limit", 1, 0), "at least 1"),
    ],
)
def test_validation(db, args, message):
    with pytest.raises(faults.FaultError, match=message):
        faults.set_fault(*args)
    assert not Fault.objects.exists()


# --- the JSON endpoint --------------------------------------------------------------------------


def test_endpoint_needs_login(client, db):
    response = client.post(URL, {"platform": "vagaro"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not Fault.objects.exists()


def test_endpoint_sets_lists_and_clears(admin_client):
    response = admin_client.post(
        URL,
        {"platform": "vagaro", "kind": "rate_limit", "value": 30, "remaining": 2},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["fault"]["remaining"] == 2
    admin_client.post(
        URL,
        {"platform": "mindbody", "kind": "latency", "value": 500},
        content_type="application/json",
    )
    listed = admin_client.get(URL).json()["faults"]
    assert [(f["platform"], f["kind"], f["value"]) for f in listed] == [
        ("mindbody", "latency", 500),
        ("vagaro", "rate_limit", 30),
    ]
    assert [f["kind"] for f in admin_client.get(URL, {"platform": "vagaro"}).json()["faults"]] == [
        "rate_limit"
    ]
    assert admin_client.delete(URL + "?platform=vagaro").json() == {"deleted": 1}
    assert admin_client.delete(URL).json() == {"deleted": 1}
    assert not Fault.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"platform": "vagaro", "kind": "melt"}).encode(),
        json.dumps({"platform": "vagaro", "kind": "server_error", "value": 200}).encode(),
        json.dumps({"platform": "vagaro", "kind": "rate_limit", "remaining": "x"}).encode(),
    ],
)
def test_endpoint_bad_input_is_400(admin_client, body):
    response = admin_client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["message"]
    assert not Fault.objects.exists()


def test_endpoint_bad_filter_is_400(admin_client):
    assert admin_client.delete(URL + "?platform=square").status_code == 400
    assert admin_client.get(URL, {"kind": "boom"}).status_code == 400


# --- the control page ---------------------------------------------------------------------------


def test_control_page_sets_and_removes_a_fault(admin_client):
    response = admin_client.post(
        "/sandbox/control/",
        {"action": "set_fault", "platform": "phorest", "kind": "server_error", "value": "502",
         "remaining": "3"},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    fault = Fault.objects.get()
    assert (fault.platform, fault.kind, fault.value, fault.remaining) == (
        "phorest",
        "server_error",
        502,
        3,
    )
    assert b"Fault set" in response.content
    assert b"5xx answers" in response.content
    admin_client.post("/sandbox/control/", {"action": "remove_fault", "fault": fault.pk})
    assert not Fault.objects.exists()


def test_control_page_shows_a_bad_fault_as_a_form_error(admin_client):
    response = admin_client.post(
        "/sandbox/control/",
        {"action": "set_fault", "platform": "vagaro", "kind": "server_error", "value": "418"},
    )
    assert response.status_code == 200
    assert b"500 to 599" in response.content
    assert not Fault.objects.exists()
