"""A platform that lists appointments only per customer and grants writes per account (like
Vagaro, docs/platforms/vagaro.md §2.5 and §2.7), held in memory: for the core's tests that must
not depend on one real adapter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from integrations.adapters.base import PlatformAdapter
from integrations.adapters.errors import RateLimitError, WriteAccessDenied
from integrations.adapters.types import (
    Appointment,
    AppointmentStatus,
    CallAllowance,
    Capabilities,
    ConnectionResult,
    Customer,
    WebhookAuth,
)

PAGE = 3


class Store:
    """What the fake platform holds, and every call made to it."""

    def __init__(self, customers: int, now: datetime) -> None:
        self.customers = [f"c{i:02d}" for i in range(customers)]
        # Each customer: one appointment i days from now (0 = today, at noon UTC).
        self.appointments = {
            cid: [_appointment(f"a-{cid}", cid, now + timedelta(days=i))]
            for i, cid in enumerate(self.customers)
        }
        self.calls: list[str] = []
        self.fail_on_page: int | None = None


STORE: Store | None = None  # set by the tests' fixture


class PerCustomerAdapter(PlatformAdapter):
    platform = "percustomer"
    display_name = "PerCustomer"
    capabilities = Capabilities(webhooks=WebhookAuth.URL_TOKEN, appointments_by_date=False)
    base_url_setting = "PERCUSTOMER_API_URL"
    default_base_url = "https://percustomer.test/"
    uses_token = False
    call_allowance = CallAllowance(300, "month")  # 10 a day: 5 customers a night

    @classmethod
    def capabilities_for(cls, options):
        writable = options.get("write_access") is True
        return replace(cls.capabilities, can_book=writable, can_cancel=writable)

    def auth_headers(self, token):
        return {}

    def test_connection(self):
        return ConnectionResult(ok=True, facts={"write_access": False})

    def customer_pages(self, start_page: int = 1) -> Iterator[tuple[int, list[Customer]]]:
        number = start_page
        while True:
            STORE.calls.append(f"customers:{number}")
            if STORE.fail_on_page == number:
                raise RateLimitError("busy", platform=self.platform)
            chunk = STORE.customers[(number - 1) * PAGE : number * PAGE]
            if not chunk:
                return
            yield number, [Customer(platform_id=cid, first_name=cid) for cid in chunk]
            number += 1

    def get_customer_appointments(self, customer_id, filters=None):
        STORE.calls.append(f"appointments:{customer_id}")
        return list(STORE.appointments.get(customer_id, []))

    def iter_appointments(self, start_date, end_date):
        raise AssertionError("a per-customer platform is never read by date")

    def iter_customers(self, changed_since=None):
        raise AssertionError("the walk reads customers through customer_pages")

    def iter_services(self):
        return iter(())

    def iter_providers(self):
        return iter(())

    def iter_locations(self):
        return iter(())

    def get_availability(self, start_date, end_date, filters=None):
        return []

    def get_customer(self, customer_id):
        raise NotImplementedError

    def get_service(self, service_id):
        raise NotImplementedError

    def get_provider(self, provider_id):
        raise NotImplementedError

    def get_appointment(self, appointment_id):
        raise NotImplementedError

    def book_appointment(self, details):
        STORE.calls.append("book")
        raise WriteAccessDenied("No write access.", platform=self.platform)


def _appointment(pid: str, cid: str, start: datetime) -> Appointment:
    return Appointment(
        platform_id=pid,
        status=AppointmentStatus.BOOKED,
        start=start,
        end=start + timedelta(hours=1),
        customer_id=cid,
        service_id="s1",
        provider_id="p1",
    )
