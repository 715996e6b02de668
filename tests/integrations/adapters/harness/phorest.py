"""Phorest harness: HTTP Basic (no token endpoint), business/branch-scoped paths."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import responses
from responses import matchers

from integrations.adapters.base import AdapterConfig
from integrations.adapters.types import BookingRequest

from . import BaseHarness, load_fixture

BUSINESS = "bUs1nEsS0aBcDeFgHiJkLm"
BRANCH = "Br4nChXyZ0aBcDeFgHiJkL"


def listing(key: str, rows: list[dict], number: int = 0, total_pages: int = 1) -> dict:
    """Phorest's paged wrapper (docs/platforms/phorest.md §3, §8.5)."""
    return {
        "_embedded": {key: rows},
        "links": [],
        "page": {
            "size": 100,
            "totalElements": len(rows) * total_pages,
            "totalPages": total_pages,
            "number": number,
        },
    }


def appointment(n: int, **changes: Any) -> dict:
    row = load_fixture("phorest", "appointment")
    row.update({"appointmentId": f"appt-{n}", **changes})
    return row


class Harness(BaseHarness):
    platform = "phorest"
    base_url = "https://api-gateway-eu.phorest.test/third-party-api-server/api/business"

    @property
    def branch_url(self) -> str:
        return f"{self.base_url}/{BUSINESS}/branch/{BRANCH}"

    def config(self, **overrides: Any) -> AdapterConfig:
        kwargs: dict[str, Any] = {
            "credentials": {"username": "global/owner@example.com", "password": "s3cret-pässword"},
            "account": {"business_id": BUSINESS, "branch_id": BRANCH},
        }
        kwargs.update(overrides)
        return self._config(**kwargs)

    def stub_branches(self, rsps: responses.RequestsMock, time_zone: str = "America/New_York"):
        branch = load_fixture("phorest", "branch") | {"timeZone": time_zone}
        rsps.get(f"{self.base_url}/{BUSINESS}/branch", json=listing("branches", [branch]))

    def stub_probe(
        self,
        rsps: responses.RequestsMock,
        *,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        url = f"{self.base_url}/{BUSINESS}/client/cust-1"
        if isinstance(body, Exception):
            rsps.get(url, body=body)
        elif isinstance(body, str):
            rsps.get(url, status=status, body=body, headers=headers, content_type="text/html")
        else:
            client = load_fixture("phorest", "client") | {"clientId": "cust-1"}
            rsps.get(url, status=status, json=client if body is None else body, headers=headers)

    def stub_appointment_pages(self, rsps: responses.RequestsMock) -> tuple[str, str, int]:
        self.stub_branches(rsps)  # wall-clock times are read in the branch's zone
        pages = [
            [appointment(1, appointmentDate="2026-03-02"), appointment(2)],
            [appointment(3, appointmentDate="2026-03-04"), appointment(4)],
            [appointment(5, appointmentDate="2026-03-06")],
        ]
        for number, rows in enumerate(pages):
            query = {"from_date": "2026-03-02", "to_date": "2026-03-06", "page": str(number)}
            rsps.get(
                f"{self.branch_url}/appointment",
                json=listing("appointments", rows, number, len(pages)),
                match=[matchers.query_param_matcher(query, strict_match=False)],
            )
        return "2026-03-02", "2026-03-06", 5

    def stub_booking_refused(self, rsps: responses.RequestsMock) -> BookingRequest:
        rsps.post(
            f"{self.branch_url}/booking",
            status=400,
            json=load_fixture("phorest", "error_slot_unavailable"),
        )
        return BookingRequest(
            customer_id="igK6P6lu40g3UeT_zhmJhw",
            service_id="SeRv1cE0aBcDeFgHiJkLmN",
            provider_id="StAfF0aBcDeFgHiJkLmNoP",
            start=datetime(2026, 3, 14, 14, 30, tzinfo=UTC),
        )

    def unauthorized_body(self) -> Any:
        # Phorest documents no 401 body (a 401 means bad credentials, docs/platforms/phorest.md §4).
        return None
