"""Property tests: whatever JSON a platform sends, normalizers and webhook parsers answer with a
normalized object or an IntegrationError subclass, never any other exception.

Every registered platform adapter is fuzzed for every kind it normalizes (appointment, customer,
service, provider, location, slot, and event where it has webhooks), with arbitrary JSON and with
the vendor's own documented payloads (tests/fixtures/<platform>/) whose values are fuzzed. The
webhook handlers (webhooks.platforms.<p>) are fuzzed the same way through event_id, event_type
and parse with a real Integration.

``SALONSYNC_FUZZ_EXAMPLES`` raises the number of examples per property for a deeper local run.
"""

from __future__ import annotations

import importlib
import json
import os
from datetime import datetime
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.adapters.base import PlatformAdapter
from integrations.adapters.errors import IntegrationError
from integrations.adapters.registry import get_adapter_class, platform_keys
from integrations.adapters.types import (
    Appointment,
    AppointmentStatus,
    Customer,
    CustomerMerge,
    Event,
    EventKind,
    Location,
    Provider,
    Service,
    Slot,
)
from integrations.models import Integration, IntegrationStatus
from tests.integrations.adapters.harness import FIXTURES, load_fixture
from webhooks.platforms import WEBHOOK_PLATFORMS

EXAMPLES = int(os.environ.get("SALONSYNC_FUZZ_EXAMPLES", "150"))

KINDS: dict[str, type] = {
    "appointment": Appointment,
    "customer": Customer,
    "service": Service,
    "provider": Provider,
    "location": Location,
    "slot": Slot,
}

# Where each kind's documented vendor payload lives: (fixture name, list key or None).
SAMPLES: dict[str, dict[str, tuple[str, str | None]]] = {
    "vagaro": {
        "appointment": ("appointments", "data"),
        "customer": ("customers", "data"),
        "service": ("services", "data"),
        "provider": ("employees", "data"),
        "location": ("locations", "data"),
        "slot": ("slot", None),  # one availability entry flattened (tests/fixtures/vagaro)
    },
    "mindbody": {
        "appointment": ("staff_appointments", "Appointments"),
        "customer": ("clients", "Clients"),
        "service": ("session_types", "SessionTypes"),
        "provider": ("staff", "StaffMembers"),
        "location": ("locations", "Locations"),
        "slot": ("bookable_items", "Availabilities"),
    },
    "phorest": {
        "appointment": ("appointment", None),
        "customer": ("client", None),
        "service": ("service", None),
        "provider": ("staff", None),
        "location": ("branch", None),
        "slot": ("availability_response", "data"),
    },
}

# -- strategies ---------------------------------------------------------------------------------
# What json.loads (and requests' .json()) can give: NaN and Infinity included, as Python's json
# module accepts them in a body.
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=24)
)
# Strings near the shapes the adapters parse: dates, times, zones, numbers, ids.
tricky = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "Z",
        "T",
        "null",
        "None",
        "NaN",
        "Infinity",
        "-1",
        "0",
        "1e400",
        "9" * 40,
        "2026-03-08",
        "2026-03-08T02:30:00",
        "2026-11-01T01:30:00",
        "2026-03-08T02:30:00Z",
        "2026-03-08T02:30:00.1234567+05:45",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "24:00",
        "23:59:59.999999",
        "10:00",
        "2026-02-30",
        "America/New_York",
        "Not/AZone",
        "../../etc/passwd",
        "Eastern Standard Time",
        "Cancelled",
        "Booked",
        "ACTIVE",
    ]
)
json_values = st.recursive(
    scalars | tricky,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=16,
)
json_objects = st.dictionaries(st.text(max_size=16) | tricky, json_values, max_size=6)

_DROP = object()


def shaped(value: Any, depth: int = 0) -> st.SearchStrategy:
    """The vendor's payload with each value kept, fuzzed, retyped or dropped."""
    if isinstance(value, dict) and depth < 3:
        keys = {
            key: st.just(item) | shaped(item, depth + 1) | tricky | json_values | st.just(_DROP)
            for key, item in value.items()
        }
        return st.fixed_dictionaries(keys).map(
            lambda d: {k: v for k, v in d.items() if v is not _DROP}
        )
    if isinstance(value, list) and value and depth < 3:
        return st.lists(shaped(value[0], depth + 1), max_size=3)
    return st.just(value) | tricky | scalars


def _sample(platform: str, kind: str) -> dict | None:
    where = SAMPLES.get(platform, {}).get(kind)
    if where is None:
        return None
    body = load_fixture(platform, where[0])
    return body[where[1]][0] if where[1] else body


def _events(platform: str) -> list[dict]:
    folder = FIXTURES / platform
    return [json.loads(p.read_text()) for p in sorted(folder.glob("event_*.json"))]


def payloads(platform: str, kind: str) -> st.SearchStrategy:
    samples = _events(platform) if kind == "event" else [_sample(platform, kind)]
    shaped_samples = [shaped(s) for s in samples if s is not None]
    return st.one_of(*shaped_samples, json_objects, json_values)


# -- adapters -----------------------------------------------------------------------------------
@cache
def adapter_for(platform: str) -> PlatformAdapter:
    """The contract suite's harness builds a valid adapter for every registered platform."""
    harness = importlib.import_module(f"tests.integrations.adapters.harness.{platform}")
    return harness.Harness().adapter()


def _cases() -> list[tuple[str, str]]:
    cases = []
    for platform in platform_keys():
        cls = get_adapter_class(platform)
        cases += [(platform, kind) for kind in KINDS if hasattr(cls, f"normalize_{kind}")]
        if platform in WEBHOOK_PLATFORMS:  # the envelope is read by webhooks/platforms/<p>.py
            cases.append((platform, "event"))
    return cases


def _aware(value: datetime | None) -> bool:
    return value is None or (isinstance(value, datetime) and value.utcoffset() is not None)


def assert_normalized(result: Any, kind: str) -> None:
    """What every consumer of a normalized object relies on."""
    if kind == "event":
        assert isinstance(result, Event)
        assert isinstance(result.kind, EventKind)
        assert isinstance(result.event_id, str) and isinstance(result.object_id, str)
        assert isinstance(result.account_id, str)
        assert _aware(result.occurred_at)
        if isinstance(result.data, CustomerMerge):  # ids of the kept and the removed client
            assert result.data.kept_id and isinstance(result.data.kept_id, str)
            assert result.data.removed_id or result.data.removed_stable_id
        elif result.data is not None:
            assert_normalized(
                result.data, "appointment" if isinstance(result.data, Appointment) else "customer"
            )
        return
    assert isinstance(result, KINDS[kind])
    if kind != "slot":
        assert isinstance(result.platform_id, str) and result.platform_id
    if kind in ("appointment", "slot"):
        assert _aware(result.start) and _aware(result.end)
    if kind == "appointment":
        assert isinstance(result.status, AppointmentStatus)
    if kind == "location":
        assert isinstance(result.timezone, str)
    for name in ("created_at", "updated_at"):
        assert _aware(getattr(result, name, None))


def normalize_or_error(adapter: PlatformAdapter, payload: Any, kind: str) -> None:
    try:
        result = (
            WEBHOOK_PLATFORMS[adapter.platform].event_from(payload, adapter)
            if kind == "event"
            else adapter.normalize(payload, kind)
        )
    except IntegrationError:
        return
    assert_normalized(result, kind)


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.parametrize(("platform", "kind"), _cases())
@FUZZ
@given(data=st.data())
def test_normalizer_answers_an_object_or_an_integration_error(platform, kind, data):
    adapter = adapter_for(platform)
    payload = data.draw(payloads(platform, kind), label="payload")
    normalize_or_error(adapter, payload, kind)


def test_every_registered_platform_is_fuzzed():
    fuzzed = {platform for platform, _ in _cases()}
    assert fuzzed == set(platform_keys())
    for platform in platform_keys():
        kinds = {k for p, k in _cases() if p == platform}
        assert set(KINDS) <= kinds, f"{platform} lacks normalizers: {set(KINDS) - kinds}"


# -- webhook handlers ---------------------------------------------------------------------------
ACCOUNTS = {
    "vagaro": (
        {"region": "us02", "business_id": "b7Yx3Zq9Wr=="},
        {"client_id": "c", "client_secret": "s"},
    ),
    "mindbody": ({"site_id": "-99"}, {"username": "u@example.com", "password": "p"}),
}


@pytest.fixture
def integrations(salon, settings) -> dict[str, Integration]:
    settings.MINDBODY_API_KEY = "fuzz-app-key"
    made = {}
    for platform in WEBHOOK_PLATFORMS:
        account, credentials = ACCOUNTS[platform]
        integration = Integration(
            salon=salon, platform=platform, account=account, status=IntegrationStatus.CONNECTED
        )
        integration.credentials = {**credentials, "webhook_token": "tok"}
        integration.save()
        made[platform] = integration
    return made


def test_every_webhook_platform_has_a_fuzzed_account():
    assert set(WEBHOOK_PLATFORMS) <= set(ACCOUNTS)


@pytest.mark.django_db
@pytest.mark.parametrize("platform", sorted(WEBHOOK_PLATFORMS))
@FUZZ
@given(data=st.data())
def test_webhook_handler_names_and_parses_any_object(platform, integrations, data):
    """The view hands the handler any JSON object; event_id and event_type answer a string and
    parse answers events or raises an IntegrationError (the event fails, never retried)."""
    handler = WEBHOOK_PLATFORMS[platform]
    payload = data.draw(
        st.one_of(*(shaped(e) for e in _events(platform)), json_objects), label="payload"
    )
    assert isinstance(handler.event_id(payload), str)
    assert isinstance(handler.event_type(payload), str)
    assert "\x00" not in handler.event_id(payload) + handler.event_type(payload)
    try:
        events = handler.parse(payload, integrations[platform])
    except IntegrationError:
        return
    assert isinstance(events, list)
    for event in events:
        assert_normalized(event, "event")
