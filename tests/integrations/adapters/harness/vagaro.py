"""Vagaro harness: the Open API v2 as live integrations call it (docs/platforms/vagaro.md §2):
{root}/{region}/api/v2/, reads POSTed with a JSON body, answers in {status, responseCode,
message, data}."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import responses
from responses import matchers

from integrations.adapters.base import AdapterConfig, PlatformAdapter
from integrations.adapters.http import quote_id
from integrations.adapters.types import AppointmentFilters, BookingRequest
from integrations.adapters.vagaro import PATHS

from . import BaseHarness, load_fixture

PLATFORM = "vagaro"
ROOT = "https://api.vagaro.test"  # what VAGARO_API_URL holds: no region
REGION = "us02"
BUSINESS_ID = "b7Yx3Zq9Wr=="
CUSTOMER_ID = "c9Hk2mN0pQ=="
PAGE_SIZE = 2


def fixture(name: str) -> Any:
    return load_fixture(PLATFORM, name)


def records(name: str) -> list[dict[str, Any]]:
    """The records in a list answer's `data`."""
    return fixture(name)["data"]


def envelope(data: Any, **extra: Any) -> dict[str, Any]:
    """Vagaro's success envelope around ``data``."""
    return {"status": 200, "responseCode": 1000, "message": "Success", "data": data, **extra}


def appointment(n: int, **changes: Any) -> dict[str, Any]:
    """The read answer's appointment record with a distinct id (ids hold '=', '/' and '+')."""
    item = copy.deepcopy(records("appointments")[0])
    item.update({"appointmentId": f"ap{n}/Xw+Q==", **changes})
    return item


def url(name: str, region: str = REGION, **ids: str) -> str:
    path = PATHS[name].format(**{k: quote_id(v) for k, v in ids.items()})
    return f"{ROOT}/{region}/api/v2/{path}"


class Harness(BaseHarness):
    platform = PLATFORM
    base_url = ROOT

    def url(self, name: str, **ids: str) -> str:
        return url(name, **ids)

    def config(self, **overrides: Any) -> AdapterConfig:
        overrides.setdefault(
            "credentials", {"client_id": "vg-client", "client_secret": "vg-secret-key"}
        )
        overrides.setdefault("account", {"region": REGION, "business_id": BUSINESS_ID})
        # Small pages so a short listing spans several; kept when a test passes other options.
        overrides["options"] = {"page_size": PAGE_SIZE, **overrides.get("options", {})}
        return self._config(**overrides)

    def stub_auth(self, rsps: responses.RequestsMock) -> None:
        # One answer for either scope (read access, write access).
        rsps.add(responses.POST, self.url("token"), json=fixture("token"))

    def stub_probe(
        self,
        rsps: responses.RequestsMock,
        *,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        # get_customer posts {businessId, customerId} to customers (§2.4).
        target = self.url("customers")
        if isinstance(body, Exception):
            rsps.add(responses.POST, target, body=body)
        elif isinstance(body, str):
            rsps.add(
                responses.POST,
                target,
                body=body,
                status=status,
                headers=headers,
                content_type="text/html",
            )
        else:
            if body is None:
                body = envelope([{**records("customers")[0], "customerId": "cust-1"}])
            rsps.add(responses.POST, target, json=body, status=status, headers=headers)

    def stub_appointment_pages(self, rsps: responses.RequestsMock) -> tuple[str, str, int]:
        """One customer's appointments over four pages (Vagaro has no list by date, §2.5), two
        of them outside the dates asked, which the adapter leaves out."""
        start, end = "2026-03-02", "2026-03-06"
        items = [
            appointment(
                n,
                startTime=f"2026-03-0{2 + n % 5}T15:00:00Z",
                endTime=f"2026-03-0{2 + n % 5}T16:00:00Z",
            )
            for n in range(5)
        ]
        items.insert(
            1, appointment(98, startTime="2026-03-01T15:00:00Z", endTime="2026-03-01T16:00:00Z")
        )
        items.append(
            appointment(99, startTime="2026-04-01T15:00:00Z", endTime="2026-04-01T16:00:00Z")
        )
        for number in (1, 2, 3, 4):  # the fourth page is short: the last
            page = items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
            query = {"pageNumber": str(number), "pageSize": str(PAGE_SIZE)}
            rsps.add(
                responses.POST,
                self.url("appointments"),
                json=envelope(page),
                match=[
                    matchers.query_param_matcher(query),
                    matchers.json_params_matcher(
                        {"businessId": BUSINESS_ID, "customerId": CUSTOMER_ID}
                    ),
                ],
            )
        return start, end, 5

    def list_appointments(self, adapter: PlatformAdapter, start: date, end: date) -> Iterable[Any]:
        return adapter.get_customer_appointments(CUSTOMER_ID, AppointmentFilters(start, end))

    def stub_booking_refused(self, rsps: responses.RequestsMock) -> BookingRequest:
        # A validation error (responseCode 1051) inside an HTTP 200 (§2.3).
        rsps.add(responses.POST, self.url("create"), json=fixture("error_validation"))
        return BookingRequest(
            customer_id=CUSTOMER_ID,
            service_id="kq3VdW2x0Qe1sA==",
            provider_id="p4Lm8sT1uV==",
            start=datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo("America/New_York")),
        )

    def unauthorized_body(self) -> Any:
        return fixture("error_unauthorized")
