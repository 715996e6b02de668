"""Vagaro harness: stubs the Open API v2 as integrations/adapters/vagaro.py reads it."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import responses
from responses import matchers

from integrations.adapters.base import AdapterConfig
from integrations.adapters.http import quote_id
from integrations.adapters.types import BookingRequest
from integrations.adapters.vagaro import PATHS

from . import BaseHarness, load_fixture

PLATFORM = "vagaro"
BUSINESS_ID = "b7Yx3Zq9Wr=="
PAGE_SIZE = 2


def fixture(name: str) -> Any:
    return load_fixture(PLATFORM, name)


def envelope(data: Any, **extra: Any) -> dict[str, Any]:
    """Vagaro's success envelope around ``data``."""
    return {"status": 200, "responseCode": 1000, "message": "Success", "data": data, **extra}


def appointment(n: int, **changes: Any) -> dict[str, Any]:
    """The documented appointment object with a distinct id (ids hold '=' and '/')."""
    item = copy.deepcopy(fixture("appointment"))
    item.update({"appointmentId": f"ap{n}/Xw+Q==", **changes})
    return item


class Harness(BaseHarness):
    platform = PLATFORM
    base_url = "https://api.vagaro.test/us02"

    def url(self, name: str, **ids: str) -> str:
        path = PATHS[name].format(**{k: quote_id(v) for k, v in ids.items()})
        return f"{self.base_url}/{path}"

    def config(self, **overrides: Any) -> AdapterConfig:
        overrides.setdefault(
            "credentials", {"client_id": "vg-client", "client_secret": "vg-secret-key"}
        )
        overrides.setdefault("account", {"business_id": BUSINESS_ID})
        # Small pages so a short listing spans several; kept when a test passes other options.
        overrides["options"] = {"page_size": PAGE_SIZE, **overrides.get("options", {})}
        return self._config(**overrides)

    def stub_auth(self, rsps: responses.RequestsMock) -> None:
        rsps.add(responses.POST, self.url("token"), json=fixture("token"))

    def stub_probe(
        self,
        rsps: responses.RequestsMock,
        *,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        url = self.url("customer", customer_id="cust-1")
        if isinstance(body, Exception):
            rsps.add(responses.GET, url, body=body)
        elif isinstance(body, str):
            rsps.add(
                responses.GET,
                url,
                body=body,
                status=status,
                headers=headers,
                content_type="text/html",
            )
        else:
            if body is None:
                body = envelope({**fixture("customer"), "customerId": "cust-1"})
            rsps.add(responses.GET, url, json=body, status=status, headers=headers)

    def stub_appointment_pages(self, rsps: responses.RequestsMock) -> tuple[str, str, int]:
        start, end = "2026-03-02", "2026-03-06"
        items = [
            appointment(
                n,
                startTime=f"2026-03-0{2 + n % 5}T15:00:00Z",
                endTime=f"2026-03-0{2 + n % 5}T16:00:00Z",
            )
            for n in range(5)
        ]
        for number in (1, 2, 3):
            page = items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
            query = {
                "businessId": BUSINESS_ID,
                "startDate": start,
                "endDate": end,
                "pageNumber": str(number),
                "pageSize": str(PAGE_SIZE),
            }
            rsps.add(
                responses.GET,
                self.url("appointments"),
                json=envelope(page),
                match=[matchers.query_param_matcher(query)],
            )
        return start, end, len(items)

    def stub_booking_refused(self, rsps: responses.RequestsMock) -> BookingRequest:
        rsps.add(
            responses.POST, self.url("appointments"), json=fixture("error_slot_taken"), status=400
        )
        return BookingRequest(
            customer_id="c9Hk2mN0pQ==",
            service_id="kq3VdW2x0Qe1sA==",
            provider_id="p4Lm8sT1uV==",
            start=datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo("America/New_York")),
        )

    def unauthorized_body(self) -> Any:
        return fixture("error_unauthorized")
