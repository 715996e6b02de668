"""WebhookSecurityCases: what every webhook platform's endpoint must do, whatever its scheme.

Each platform that sends webhooks subclasses it in ``tests/webhooks/test_<platform>_security.py``
(tests/integrations/adapters/test_registry.py checks there is one) and says only how to address
and sign a delivery:

- ``platform``, ``integration_fixture`` (a fixture from tests/webhooks/conftest.py),
  ``secrets`` (values that must never reach the database: keys, tokens), ``signs_body``;
- ``payload()``: a documented delivery (tests/fixtures/<platform>/event_*.json);
- ``url(integration)``, ``signed(body, integration)`` and ``badly_signed(body, integration)``
  (request headers as the test client takes them, ``HTTP_...``);
- ``unknown_target(integration, payload)``: a (url, payload) addressing no integration.

Covered: a valid delivery is stored verified and answered 202; a missing or invalid signature
(or a tampered body, where the signature covers it) is 401 and stored as rejected, never
processed; an unknown or disabled integration is 404; an oversized body is 413 and not stored; a
body that is not a JSON object is 400 and stored as rejected; a duplicate is 200, stored once
and enqueued once; HEAD answers 200 and GET 405; secrets never appear in stored headers.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from webhooks.models import WebhookEvent, WebhookStatus
from webhooks.platforms import WEBHOOK_PLATFORMS


@pytest.mark.django_db
class WebhookSecurityCases:
    platform: ClassVar[str]
    integration_fixture: ClassVar[str]
    secrets: ClassVar[tuple[str, ...]] = ()
    # False where the secret is a static token that does not depend on the body (Vagaro).
    signs_body: ClassVar[bool] = True
    # A verified delivery for an account nobody serves: 404, or 200 recorded as ignored where one
    # subscription serves every salon (Mindbody: failures would count against all of them).
    unserved_answer: ClassVar[int] = 404

    # -- what a platform provides ---------------------------------------------------------------
    def payload(self) -> dict[str, Any]:
        raise NotImplementedError

    def url(self, integration) -> str:
        raise NotImplementedError

    def signed(self, body: bytes, integration) -> dict[str, str]:
        raise NotImplementedError

    def badly_signed(self, body: bytes, integration) -> list[dict[str, str]]:
        """Headers that must not verify (wrong key or token, truncated, ...)."""
        raise NotImplementedError

    def unknown_target(self, integration, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------------
    @pytest.fixture
    def integration(self, request):
        return request.getfixturevalue(self.integration_fixture)

    @pytest.fixture
    def enqueued(self, monkeypatch) -> list[int]:
        """Events handed to the broker (processing itself is tested in test_processing.py)."""
        calls: list[int] = []

        def record(*, event, **kwargs):
            calls.append(event.pk)
            return True

        monkeypatch.setattr("webhooks.services.webhook_enqueue", record)
        return calls

    def post(self, client, url: str, body: bytes, headers: dict[str, str]):
        return client.post(url, data=body, content_type="application/json", **headers)

    def deliver(self, client, integration, payload: Any = None, *, body: bytes | None = None):
        body = body if body is not None else json.dumps(payload or self.payload()).encode()
        return self.post(client, self.url(integration), body, self.signed(body, integration))

    # -- the cases ------------------------------------------------------------------------------
    def test_platform_is_registered(self):
        assert self.platform in WEBHOOK_PLATFORMS

    def test_valid_delivery_is_stored_verified_then_202(
        self, client, integration, enqueued, django_capture_on_commit_callbacks
    ):
        payload = self.payload()
        with django_capture_on_commit_callbacks(execute=True):
            response = self.deliver(client, integration, payload)
        assert response.status_code == 202
        event = WebhookEvent.objects.get()
        handler = WEBHOOK_PLATFORMS[self.platform]
        assert (event.platform, event.integration) == (self.platform, integration)
        assert event.external_id == handler.event_id(payload) != ""
        assert event.event_type == handler.event_type(payload) != ""
        assert event.occurred_at == handler.occurred_at(payload) is not None
        assert event.verified and event.status == WebhookStatus.QUEUED
        assert json.loads(bytes(event.body)) == payload
        assert response.json()["id"] == event.pk
        assert enqueued == [event.pk]

    def test_missing_signature_is_401_and_stored_as_rejected(self, client, integration, enqueued):
        body = json.dumps(self.payload()).encode()
        response = self.post(client, self.url(integration), body, {})
        assert response.status_code == 401
        event = WebhookEvent.objects.get()
        assert event.status == WebhookStatus.REJECTED and not event.verified
        assert enqueued == []

    def test_invalid_signatures_are_401_and_stored_as_rejected(self, client, integration, enqueued):
        body = json.dumps(self.payload()).encode()
        bad = self.badly_signed(body, integration)
        assert bad, "give at least one invalid signature"
        for headers in bad:
            assert self.post(client, self.url(integration), body, headers).status_code == 401
        events = WebhookEvent.objects.all()
        assert len(events) == len(bad)
        assert all(e.status == WebhookStatus.REJECTED and not e.verified for e in events)
        assert enqueued == []

    def test_a_tampered_body_is_refused_where_the_signature_covers_it(
        self, client, integration, enqueued
    ):
        body = json.dumps(self.payload()).encode()
        headers = self.signed(body, integration)
        tampered = json.dumps({**self.payload(), "tampered": True}).encode()
        response = self.post(client, self.url(integration), tampered, headers)
        if self.signs_body:
            assert headers != self.signed(tampered, integration)
            assert response.status_code == 401
            assert WebhookEvent.objects.get().status == WebhookStatus.REJECTED
        else:
            # A static token authenticates the sender, not the body: the delivery verifies (the
            # optional VAGARO_WEBHOOK_ALLOWED_IPS narrows who can send one at all).
            assert headers == self.signed(tampered, integration)
            assert response.status_code == 202
            assert WebhookEvent.objects.get().verified

    def test_forged_delivery_cannot_block_the_real_one(self, client, integration, enqueued):
        body = json.dumps(self.payload()).encode()
        forged = self.badly_signed(body, integration)[0]
        assert self.post(client, self.url(integration), body, forged).status_code == 401
        assert self.deliver(client, integration, body=body).status_code == 202

    def assert_unserved(self, response, enqueued) -> None:
        assert response.status_code == self.unserved_answer
        if self.unserved_answer == 200:
            event = WebhookEvent.objects.get()
            assert (event.status, event.integration_id) == (WebhookStatus.IGNORED, None)
        else:
            assert not WebhookEvent.objects.filter(verified=True).exists()
        assert enqueued == []

    def test_unknown_integration_is_not_processed(self, client, integration, enqueued):
        url, payload = self.unknown_target(integration, self.payload())
        body = json.dumps(payload).encode()
        response = self.post(client, url, body, self.signed(body, integration))
        self.assert_unserved(response, enqueued)

    def test_disabled_integration_is_not_processed(self, client, integration, enqueued):
        integration.status = "disabled"
        integration.save()
        self.assert_unserved(self.deliver(client, integration), enqueued)

    def test_oversized_body_is_413_and_not_stored(self, client, integration, settings, enqueued):
        body = json.dumps(self.payload()).encode()
        settings.WEBHOOK_MAX_BODY_BYTES = len(body) - 1
        assert self.deliver(client, integration, body=body).status_code == 413
        assert not WebhookEvent.objects.exists()

    @pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"'])
    def test_not_a_json_object_is_400_and_stored_as_rejected(
        self, client, integration, enqueued, body
    ):
        response = self.deliver(client, integration, body=body)
        assert response.status_code == 400
        event = WebhookEvent.objects.get()
        assert event.status == WebhookStatus.REJECTED and not event.verified
        assert enqueued == []

    def test_duplicate_is_200_stored_once_and_processed_once(
        self, client, integration, enqueued, django_capture_on_commit_callbacks
    ):
        payload = self.payload()
        with django_capture_on_commit_callbacks(execute=True):
            answers = [self.deliver(client, integration, payload).status_code for _ in range(3)]
        assert answers == [202, 200, 200]
        event = WebhookEvent.objects.get()
        assert enqueued == [event.pk]

    def test_head_is_200_and_get_is_405(self, client, integration):
        assert client.head(self.url(integration)).status_code == 200
        assert client.get(self.url(integration)).status_code == 405
        assert not WebhookEvent.objects.exists()

    def test_secrets_never_reach_stored_headers(self, client, integration, enqueued):
        body = json.dumps(self.payload()).encode()
        signed = self.signed(body, integration)
        self.post(client, self.url(integration), body, signed)
        for headers in self.badly_signed(body, integration):
            self.post(client, self.url(integration), body, headers)
        sent = {value for headers in [signed] for value in headers.values()}
        sent |= {v for headers in self.badly_signed(body, integration) for v in headers.values()}
        stored = [json.dumps(e.headers) for e in WebhookEvent.objects.all()]
        assert len(stored) >= 2
        for text in stored:
            for secret in (*self.secrets, *sent):
                assert not secret or secret not in text
        handler = WEBHOOK_PLATFORMS[self.platform]
        for event in WebhookEvent.objects.all():
            for name, value in event.headers.items():
                if name.lower() in handler.secret_headers:
                    assert value == "[scrubbed]"
