"""Mindbody: Public API v6 stubbed with the payloads its Swagger spec documents."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import responses
from responses import matchers

from integrations.adapters.base import AdapterConfig
from integrations.adapters.mindbody import PATHS
from integrations.adapters.types import BookingRequest

from . import BaseHarness, load_fixture

BASE_URL = "https://api.mindbody.test"
API_KEY = "test-developer-key"
SITE_ID = "-99"


def url(name: str) -> str:
    return BASE_URL + PATHS[name]


def fixture(name: str) -> Any:
    return load_fixture("mindbody", name)


def issue_response(expires_in: timedelta = timedelta(days=1), token: str = "a1b2c3d4e5f6") -> dict:
    body = fixture("issue_response")
    body["AccessToken"] = token
    body["Expires"] = (datetime.now(UTC) + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    return body


def appointments_page(ids: list[int], offset: int, total: int, limit: int) -> dict:
    template = fixture("staff_appointments")["Appointments"][0]
    items = []
    for n, appointment_id in enumerate(ids):
        item = copy.deepcopy(template)
        item["Id"] = appointment_id
        item["StartDateTime"] = f"2026-03-0{2 + (offset + n) % 5}T1{n}:00:00"
        item["EndDateTime"] = f"2026-03-0{2 + (offset + n) % 5}T1{n}:45:00"
        items.append(item)
    return {
        "PaginationResponse": {
            "RequestedLimit": limit,
            "RequestedOffset": offset,
            "PageSize": len(items),
            "TotalResults": total,
        },
        "Appointments": items,
    }


class Harness(BaseHarness):
    platform = "mindbody"
    base_url = BASE_URL

    def config(self, **overrides: Any) -> AdapterConfig:
        overrides.setdefault("credentials", {"username": "Siteowner", "password": "apitest1234"})
        overrides.setdefault("account", {"site_id": SITE_ID})
        # The service layer passes the app's MINDBODY_API_KEY setting in options.
        overrides.setdefault("options", {"api_key": API_KEY})
        return self._config(**overrides)

    def stub_auth(self, rsps: responses.RequestsMock) -> None:
        rsps.add(responses.POST, url("issue_token"), json=issue_response())

    def stub_probe(
        self,
        rsps: responses.RequestsMock,
        *,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"status": status, "headers": headers or {}}
        if body is None:
            body = fixture("clients")
            body["Clients"][0]["Id"] = "cust-1"
        if isinstance(body, (str, Exception)):
            kwargs["body"] = body
        else:
            kwargs["json"] = body
        rsps.add(responses.GET, url("clients"), **kwargs)

    def stub_appointment_pages(self, rsps: responses.RequestsMock) -> tuple[str, str, int]:
        limit, total = 200, 5
        for offset, ids in ((0, [1001, 1002]), (2, [1003, 1004]), (4, [1005])):
            # Mindbody may return fewer than asked: the adapter advances by PageSize.
            rsps.add(
                responses.GET,
                url("staff_appointments"),
                json=appointments_page(ids, offset, total, limit),
                match=[
                    matchers.query_param_matcher(
                        {
                            "request.startDate": "2026-03-02",
                            "request.endDate": "2026-03-06",
                            "request.offset": str(offset),
                        },
                        strict_match=False,
                    )
                ],
            )
        return "2026-03-02", "2026-03-06", total

    def stub_booking_refused(self, rsps: responses.RequestsMock) -> Any:
        rsps.add(
            responses.POST,
            url("add_appointment"),
            status=400,
            json=fixture("error_invalid_booking_time"),
        )
        return BookingRequest(
            customer_id="100000120",
            service_id="17",
            provider_id="5",
            location_id="1",
            start=datetime(2026, 3, 5, 14, 0, tzinfo=ZoneInfo("America/New_York")),
        )

    def unauthorized_body(self) -> Any:
        return fixture("error_denied_access")
