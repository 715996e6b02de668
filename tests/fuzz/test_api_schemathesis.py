"""Schemathesis against /api/schema/, in-process on the WSGI app: no request gives a 500, every
documented response matches the schema, and every 4xx has the one error shape.

The caller is the owner of a salon with data: a Vagaro and a Phorest integration whose platform
calls reach the sandbox emulators in-process (``sandbox_http``), mirrored customers, an open
rebooking suggestion. Path parameters are mostly that salon's real slug and ids (so requests get
past the 404s and reach the serializers, services and adapters) and sometimes what schemathesis
generated. Each example runs in a savepoint that is rolled back, so a DELETE or PATCH cannot
starve the examples after it.

``SALONSYNC_FUZZ_API_EXAMPLES`` raises the number of examples per operation for a deeper run.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from integrations.models import Integration, IntegrationStatus
from rebooking.models import RebookingSuggestion, SuggestionKind, SuggestionStatus
from salons.api_tokens import api_token_create
from salonsync.wsgi import application
from sandbox.data import seed_account

EXAMPLES = int(os.environ.get("SALONSYNC_FUZZ_API_EXAMPLES", "12"))

# 502 and 503 are the contract's answers to a platform's own failure (docs/contract.md §6):
# expected, and held to the error shape below; any other 5xx is a bug.
CONFIG = """
[checks.not_a_server_error]
expected-statuses = ["2XX", "3XX", "4XX", "502", "503"]
"""
# RebookingSettings' quiet hours are wall-clock "HH:MM" in the salon's zone, but drf-spectacular
# documents a DRF TimeField as OpenAPI `format: time`, which (RFC 3339) requires seconds and an
# offset. Until the field is documented as what it is (the WallClockField diff in the fuzzing
# report), formats are not validated for that one operation pair; once the schema stops saying
# `format: time` there, this allowance switches itself off.
FORMAT_TIME_ALLOWANCE = """
[[operations]]
include-path-regex = "/rebooking/settings/$"
checks.response_schema_conformance.validate-formats = false
"""


def _load_schema():
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", application)
    quiet = (
        loaded.raw_schema.get("components", {})
        .get("schemas", {})
        .get("RebookingSettingsData", {})
        .get("properties", {})
        .get("quiet_hours_start", {})
    )
    text = CONFIG + (FORMAT_TIME_ALLOWANCE if quiet.get("format") == "time" else "")
    return schemathesis.openapi.from_wsgi(
        "/api/schema/", application, config=schemathesis.Config.from_str(text)
    )


schema = _load_schema()

VAGARO = {"business_id": "fUzZvAgArO==", "client_id": "fuzz-vg-client", "secret": "fuzz-vg-sec"}
PHOREST = {"business_id": "fuzz-biz", "branch_id": "fuzz-br", "username": "global/fuzz@x.example"}


def _seed(platform: str, account_id: str, username: str, password: str, branch: str = ""):
    return seed_account(
        platform=platform,
        account_id=account_id,
        branch_id=branch,
        name=f"Fuzz Salon ({platform})",
        username=username,
        password=password,
        seed=3,
        clients=6,
        months_back=1,
        months_ahead=1,
    )


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """Schemathesis calls the bare WSGI handler, whose request_started / request_finished
    signals (close_old_connections) would close the database connection, and with it the test's
    transaction on PostgreSQL. Django's test client avoids this by disconnecting the signal around
    each request, but the sandbox's nested test-client calls reconnect it mid-request; so the one
    connection simply never closes during these tests."""
    monkeypatch.setattr(connection, "close_if_unusable_or_obsolete", lambda: None)


@pytest.fixture
def world(salon, owner, sandbox_http) -> dict:
    """The owner's token and the real ids the path parameters are drawn from."""
    vagaro_account = _seed("vagaro", VAGARO["business_id"], VAGARO["client_id"], VAGARO["secret"])
    _seed(
        "phorest", PHOREST["business_id"], PHOREST["username"], "fuzz-ph-pw", PHOREST["branch_id"]
    )
    vagaro = Integration(
        salon=salon,
        platform="vagaro",
        account={"region": "us02", "business_id": VAGARO["business_id"]},
        options={"write_access": True},
        status=IntegrationStatus.CONNECTED,
    )
    vagaro.credentials = {
        "client_id": VAGARO["client_id"],
        "client_secret": VAGARO["secret"],
        "webhook_token": "fuzz-token",
    }
    vagaro.save()
    phorest = Integration(
        salon=salon,
        platform="phorest",
        account={"business_id": PHOREST["business_id"], "branch_id": PHOREST["branch_id"]},
        status=IntegrationStatus.CONNECTED,
    )
    phorest.credentials = {"username": PHOREST["username"], "password": "fuzz-ph-pw"}
    phorest.save()
    customers = [c.ext_id for c in vagaro_account.clients.order_by("pk")[:2]]
    service = vagaro_account.services.order_by("pk").first()
    provider = vagaro_account.providers.order_by("pk").first()
    start = (timezone.now() + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
    suggestion = RebookingSuggestion.objects.create(
        salon=salon,
        integration=vagaro,
        kind=SuggestionKind.CANCELLATION,
        status=SuggestionStatus.OPEN,
        dedupe_key="fuzz:1",
        customer_ref=customers[0],
        customer_name="Ann Client",
        service_ref=service.ext_id,
        service_name="Cut",
        provider_ref=provider.ext_id,
        provider_name="Sam",
        options=[
            {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "provider": provider.ext_id,
                "provider_name": "Sam",
                "service": service.ext_id,
                "score": 0.9,
            }
        ],
        reason="Ann cancelled.",
        expires_at=timezone.now() + timedelta(days=3),
    )
    return {
        "token": api_token_create(user=owner),
        "slug": salon.slug,
        "integrations": [str(vagaro.pk), str(phorest.pk)],
        "suggestion": suggestion.pk,
        "customers": customers,
        "service": service.ext_id,
        "provider": provider.ext_id,
        "start": start,
    }


def _real_path_parameters(case, world: dict, data) -> None:
    """Point most examples at the salon's real objects; keep the generated values otherwise."""
    params = case.path_parameters or {}
    if "slug" in params and data.draw(st.integers(0, 9), label="real slug") > 0:
        params["slug"] = world["slug"]
    if "id" in params and data.draw(st.integers(0, 9), label="real id") > 0:
        if "/suggestions/" in case.operation.path:
            params["id"] = world["suggestion"]
        else:
            params["id"] = data.draw(st.sampled_from(world["integrations"]), label="integration")
    if "customer_id" in params and data.draw(st.booleans(), label="real customer"):
        params["customer_id"] = data.draw(st.sampled_from(world["customers"]), label="customer")


def _real_inputs(case, world: dict, data) -> None:
    """Sometimes a valid availability window or booking on the Vagaro sandbox, so the success
    answers of those operations are checked against the schema too."""
    path = case.operation.path
    wanted = path.endswith(("/availability/", "/appointments/")) and "customer_id" not in path
    if not wanted or not data.draw(st.booleans(), label="real inputs"):
        return
    case.path_parameters.update(slug=world["slug"], id=world["integrations"][0])
    day = world["start"].date()
    if path.endswith("/availability/"):
        case.query = {"start": day.isoformat(), "end": (day + timedelta(days=6)).isoformat()}
        if data.draw(st.booleans(), label="with filters"):
            case.query.update(service=world["service"], provider=world["provider"])
    else:
        start = world["start"] + timedelta(hours=data.draw(st.integers(-6, 6), label="hours"))
        case.body = {
            "customer": world["customers"][-1],
            "service": world["service"],
            "provider": world["provider"],
            "start": start.isoformat(),
        }


def _assert_error_shape(response) -> None:
    """docs/contract.md §6: API errors are always {"error": {"code": "...", "message": "..."}}.

    Only JSON answers are held to it: a path that matches no URL pattern at all (a slug with
    characters a slug cannot have) gets Django's own HTML 404 before any API code runs."""
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if response.status_code in (502, 503):
        assert "json" in content_type, response.text  # a platform failure, mapped by the API
    elif not 400 <= response.status_code < 500 or "json" not in content_type:
        return
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    assert isinstance(body["error"].get("code"), str), body
    assert isinstance(body["error"].get("message"), str), body


@pytest.mark.django_db
@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api(case, data, world):
    _real_path_parameters(case, world, data)
    _real_inputs(case, world, data)
    cache.clear()  # the per-user throttle must not turn a long run into 429s
    # The rollback wrapper is the test's, like TestCase's own: marked so, the guard against
    # platform calls inside a transaction (integrations/platform_calls.py) still sees ours.
    rollback = transaction.atomic()
    rollback._from_testcase = True
    with rollback:
        response = case.call(headers={"Authorization": f"Token {world['token']}"})
        transaction.set_rollback(True)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
    _assert_error_shape(response)
