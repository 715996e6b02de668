"""Per-platform harnesses for the shared adapter contract suite.

Each registered platform has ``harness/<platform>.py`` defining ``Harness`` (a subclass of
``BaseHarness``) that knows how to stub that platform's documented HTTP API with ``responses``.
The contract suite (test_adapter_contract.py) runs the same behavioural tests over every one.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import responses

from integrations.adapters.base import AdapterConfig, PlatformAdapter
from integrations.adapters.http import RetryPolicy

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"


def load_fixture(platform: str, name: str) -> Any:
    """A vendor-documented payload from tests/fixtures/<platform>/<name>.json."""
    return json.loads((FIXTURES / platform / f"{name}.json").read_text())


class BaseHarness:
    platform: str
    base_url: str  # what the platform's URL setting holds, e.g. "https://api.vagaro.test"

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.calls: list = []

    def config(self, **overrides: Any) -> AdapterConfig:
        """A valid config for this platform pointing at ``base_url``, with a fake clock."""
        raise NotImplementedError

    def _config(self, **kwargs: Any) -> AdapterConfig:
        kwargs.setdefault("sleep", self.sleeps.append)
        kwargs.setdefault("reporter", self.calls.append)
        kwargs.setdefault("retry", RetryPolicy(max_attempts=4, max_total_seconds=60))
        kwargs.setdefault("timezone", "America/New_York")
        return AdapterConfig(base_url=self.base_url, **kwargs)

    def adapter(self, **overrides: Any) -> PlatformAdapter:
        from integrations.adapters.registry import get_adapter_class

        return get_adapter_class(self.platform)(self.config(**overrides))

    def stub_auth(self, rsps: responses.RequestsMock) -> None:
        """Register whatever token endpoint the platform needs (nothing for HTTP Basic)."""

    # The probe: one cheap idempotent GET the suite uses for error-handling tests.
    def probe(self, adapter: PlatformAdapter) -> Any:
        return adapter.get_customer("cust-1")

    def stub_probe(
        self,
        rsps: responses.RequestsMock,
        *,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Register one response for the probe's GET. ``body`` None → a valid customer;
        a str → sent as-is (HTML etc.); an Exception → raised by the transport."""
        raise NotImplementedError

    def stub_appointment_pages(self, rsps: responses.RequestsMock) -> tuple[str, str, int]:
        """Register a listing of appointments spread over at least 3 pages for
        ``list_appointments(adapter, date(2026, 3, 2), date(2026, 3, 6))``; return (start, end,
        total) as ISO dates and the number of appointments the adapter must yield."""
        raise NotImplementedError

    def list_appointments(self, adapter: PlatformAdapter, start: date, end: date) -> Iterable[Any]:
        """The paged appointment listing the platform offers: by date range, unless its
        capabilities say it has none (then the harness lists one customer's appointments)."""
        return adapter.iter_appointments(start, end)

    def stub_booking_refused(self, rsps: responses.RequestsMock) -> Any:
        """Register the platform's documented 'slot taken' answer to a booking; return the
        BookingRequest to send."""
        raise NotImplementedError

    def unauthorized_body(self) -> Any:
        """The platform's documented 401 body."""
        return None


def harness_for(platform: str) -> BaseHarness:
    return importlib.import_module(f"{__name__}.{platform}").Harness()
