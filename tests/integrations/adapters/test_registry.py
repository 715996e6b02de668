"""The registry: every registered platform is complete, and a new one needs no adapter edits."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import responses

from integrations.adapters import registry
from integrations.adapters.base import AdapterConfig, Field, PlatformAdapter
from integrations.adapters.errors import ConfigurationError, NotFoundError
from integrations.adapters.types import (
    AppointmentStatus,
    Capabilities,
    ConnectionResult,
    Customer,
    Token,
    WebhookAuth,
)

TESTS = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("platform", sorted(registry.PLATFORMS))
def test_registered_platform_has_fixtures_tests_and_harness(platform):
    fixtures = list((TESTS / "fixtures" / platform).glob("*.json"))
    assert len(fixtures) >= 5, f"tests/fixtures/{platform}/ needs the vendor's documented payloads"
    own_tests = TESTS / "integrations" / "adapters" / f"test_{platform}_adapter.py"
    assert own_tests.is_file(), f"{own_tests.name} is missing"
    assert own_tests.read_text().count("def test_") >= 20
    harness = importlib.import_module(f"tests.integrations.adapters.harness.{platform}")
    assert harness.Harness.platform == platform
    # A sandbox emulator the demo and end-to-end tests run the real adapter against.
    emulator = importlib.import_module(f"sandbox.platforms.{platform}")
    assert emulator.urlpatterns, f"sandbox/platforms/{platform}.py emulates nothing"
    assert callable(emulator.build_webhooks) and callable(emulator.error_response)
    sandbox_tests = TESTS / "sandbox" / f"test_{platform}_emulator.py"
    assert sandbox_tests.is_file(), f"{sandbox_tests.name} is missing"


@pytest.mark.parametrize("platform", sorted(registry.PLATFORMS))
def test_webhooks_are_routed_exactly_for_platforms_that_declare_them(platform):
    """A platform whose adapter declares webhooks has its envelope module
    (webhooks/platforms/<p>.py), one URL, the vendor's documented event payloads and a subclass of
    the shared security cases; a platform without webhooks has none of them."""
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    from tests.webhooks.security_cases import WebhookSecurityCases
    from webhooks.platforms import WEBHOOK_PLATFORMS
    from webhooks.platforms.base import WebhookPlatform

    module_file = TESTS.parent / "webhooks" / "platforms" / f"{platform}.py"
    security_tests = TESTS / "webhooks" / f"test_{platform}_security.py"
    if registry.get_adapter_class(platform).capabilities.webhooks == WebhookAuth.NONE:
        assert platform not in WEBHOOK_PLATFORMS
        assert not module_file.exists(), f"{platform} sends no webhooks: no envelope module"
        with pytest.raises(NoReverseMatch):
            reverse(f"{platform}_webhook")
        with pytest.raises(Resolver404):
            resolve(f"/webhooks/{platform}/")
        assert not security_tests.exists()
        return
    handler = WEBHOOK_PLATFORMS[platform]
    assert isinstance(handler, WebhookPlatform) and handler.platform == platform
    assert type(handler).__module__ == f"webhooks.platforms.{platform}"
    for method in ("verify", "event_id", "event_type", "event_from"):
        assert getattr(type(handler), method) is not getattr(WebhookPlatform, method), method
    assert handler.occurred_at_keys, f"{platform}: which envelope key says when it happened?"
    path = reverse(f"{platform}_webhook", kwargs=_url_kwargs(handler.url_path))
    assert path.startswith(f"/webhooks/{platform}/")
    assert resolve(path).kwargs["platform"] == platform
    events = list((TESTS / "fixtures" / platform).glob("event_*.json"))
    assert events, f"tests/fixtures/{platform}/event_*.json: the vendor's documented deliveries"
    assert security_tests.is_file(), f"{security_tests.name} is missing"
    cases = importlib.import_module(f"tests.webhooks.test_{platform}_security")
    subclasses = [
        value
        for value in vars(cases).values()
        if isinstance(value, type)
        and issubclass(value, WebhookSecurityCases)
        and value is not WebhookSecurityCases
    ]
    assert [c.platform for c in subclasses] == [platform]
    assert (TESTS / "webhooks" / f"test_{platform}_events.py").is_file()


def _url_kwargs(route: str) -> dict[str, str]:
    import uuid

    return {name: str(uuid.uuid4()) for name in re.findall(r"<(?:\w+:)?(\w+)>", route)}


def test_every_webhook_platform_is_a_registered_platform():
    from webhooks.platforms import WEBHOOK_PLATFORMS

    assert set(WEBHOOK_PLATFORMS) <= set(registry.PLATFORMS)
    modules = {p.stem for p in (TESTS.parent / "webhooks" / "platforms").glob("*.py")} - {
        "__init__",
        "base",
    }
    assert modules == set(WEBHOOK_PLATFORMS)


def test_unknown_platform_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="Unknown platform 'nope'"):
        registry.get_adapter_class("nope")


def test_choices_list_every_platform_by_name():
    assert dict(registry.platform_choices()) == {
        "mindbody": "Mindbody",
        "phorest": "Phorest",
        "vagaro": "Vagaro",
    }


def test_base_url_comes_from_settings(settings):
    settings.VAGARO_API_URL = "http://127.0.0.1:8000/sandbox/vagaro"  # the root, no region
    assert registry.base_url_for("vagaro") == "http://127.0.0.1:8000/sandbox/vagaro"


class ZenAdapter(PlatformAdapter):
    """A fourth platform, written the way a new module would be, registered without edits."""

    platform = "zen"
    display_name = "Zen Booking"
    capabilities = Capabilities(webhooks=WebhookAuth.NONE, can_cancel=False)
    base_url_setting = "ZEN_API_URL"
    default_base_url = "https://api.zen.test"
    credential_fields = (Field("api_key", "API key", secret=True),)
    status_map = {"open": AppointmentStatus.BOOKED, "done": AppointmentStatus.COMPLETED}
    uses_token = False

    def auth_headers(self, token: Token | None) -> dict[str, str]:
        return {"X-Api-Key": self.config.credentials["api_key"]}

    def test_connection(self) -> ConnectionResult:
        body = self.http.request("me", "GET", "/me")
        return ConnectionResult(ok=True, account_name=body["name"])

    def get_customer(self, customer_id: str) -> Customer:
        body = self.http.request("get_customer", "GET", f"/customers/{customer_id}")
        return self.normalize(body, "customer")

    def normalize_customer(self, data) -> Customer:
        return Customer(
            platform_id=str(self.require(data, "id")), first_name=data["name"], raw=data
        )

    def _missing(self, *args, **kwargs):
        raise NotFoundError("not in this fake", platform=self.platform)

    get_availability = get_service = get_provider = get_appointment = _missing
    get_customer_appointments = book_appointment = _missing

    def iter_appointments(self, start_date: date, end_date: date) -> Iterator:
        return iter(())

    iter_customers = iter_services = iter_providers = iter_locations = lambda self, *a: iter(())


@pytest.fixture
def zen():
    registry.register(ZenAdapter)
    yield ZenAdapter
    registry.unregister("zen")


def test_a_fourth_platform_registers_without_touching_any_adapter(zen):
    assert registry.get_adapter_class("zen") is ZenAdapter
    assert "zen" in registry.platform_keys()
    assert ("zen", "Zen Booking") in registry.platform_choices()
    adapter = registry.build_adapter(
        "zen", AdapterConfig(base_url="https://api.zen.test", credentials={"api_key": "k"})
    )
    with responses.RequestsMock() as rsps:
        rsps.get("https://api.zen.test/me", json={"name": "Zen Studio"})
        rsps.get("https://api.zen.test/customers/7", json={"id": 7, "name": "Mia"})
        assert adapter.test_connection().account_name == "Zen Studio"
        assert adapter.get_customer("7") == Customer(platform_id="7", first_name="Mia")
        assert rsps.calls[0].request.headers["X-Api-Key"] == "k"
    assert adapter.map_status("done") is AppointmentStatus.COMPLETED
    assert adapter.map_status("weird") is AppointmentStatus.BOOKED
    registry.unregister("zen")
    with pytest.raises(ConfigurationError):
        registry.get_adapter_class("zen")


# -- docs/adding-a-platform.md is the true list -------------------------------------------------
CHECKLIST = TESTS.parent / "docs" / "adding-a-platform.md"


def _checklist_paths(section: str) -> list[str]:
    text = CHECKLIST.read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", body, re.MULTILINE)


@pytest.mark.parametrize("platform", sorted(registry.PLATFORMS))
def test_adding_a_platform_lists_files_every_platform_has(platform):
    paths = _checklist_paths("1. Every platform")
    webhook_paths = _checklist_paths("2. If it sends webhooks")
    assert len(paths) >= 10 and len(webhook_paths) >= 5
    cls = registry.get_adapter_class(platform)
    if cls.capabilities.webhooks != WebhookAuth.NONE:
        paths += webhook_paths
    for path in paths:
        concrete = path.replace("<p>", platform).replace("<P>", platform.upper())
        assert (TESTS.parent / concrete).exists(), f"{concrete} (docs/adding-a-platform.md)"
        if path.startswith("salonsync/conf/base.py"):
            assert cls.base_url_setting in (TESTS.parent / concrete).read_text()


def test_shared_code_names_no_platform():
    """The files docs/adding-a-platform.md says a new platform does not edit."""
    text = CHECKLIST.read_text(encoding="utf-8")
    shared = text.split("Shared code (", 1)[1].split(") names no", 1)[0]
    files = re.findall(r"`([\w/]+\.py)`", shared)
    assert len(files) >= 8
    for name in files:
        found = list((TESTS.parent).rglob(name)) if "/" not in name else [TESTS.parent / name]
        assert found, name
        for path in found:
            source = path.read_text(encoding="utf-8")
            for platform in registry.PLATFORMS:
                assert f'"{platform}"' not in source, f"{path.name} names {platform}"
