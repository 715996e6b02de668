"""How Vagaro's API times are read is decided per connection from evidence (docs/platforms/
vagaro.md §2.8, UNCONFIRMED whether they are UTC): the first appointment webhook (UTC, §3.4) is
compared with the API's read of the same appointment, on the sandbox with either reading."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration, IntegrationStatus, MirroredAppointment, SyncRun
from integrations.sync import sync_run
from sandbox import calendar
from sandbox.data import seed_account
from sandbox.models import ACTIVE
from tests.sandbox_transport import ORIGIN
from webhooks.models import WebhookEvent

TOKEN = "read-times-verification-token"

pytestmark = pytest.mark.django_db(transaction=True)


def connect(salon, *, wall_clock: bool) -> tuple[Integration, object]:
    salon.timezone = "America/Phoenix"  # UTC-7 all year: the two readings differ
    salon.save()
    account = seed_account(
        platform="vagaro",
        account_id="rEaDtImEs==",
        name="Read Times Salon",
        timezone=salon.timezone,
        username="rt-client",
        password="rt-secret",
        clients=12,
        months_back=2,
        months_ahead=2,
        seed=3,
    )
    account.wall_clock_read_times = wall_clock
    integration = Integration(
        salon=salon,
        platform="vagaro",
        account={"region": "us02", "business_id": account.account_id},
        options={"write_access": True},
        status=IntegrationStatus.CONNECTED,
    )
    integration.credentials = {
        "client_id": "rt-client",
        "client_secret": "rt-secret",
        "webhook_token": TOKEN,
    }
    integration.save()
    account.webhook_url = f"{ORIGIN}/webhooks/vagaro/{integration.pk}/"
    account.webhook_secret = TOKEN
    account.save()
    return integration, account


def cancel_one(account):
    appointment = (
        account.appointments.filter(
            start__gt=timezone.now() + timedelta(days=1), status__in=ACTIVE, deleted=False
        )
        .order_by("start")
        .first()
    )
    calendar.cancel(appointment, late=False)
    return appointment


@pytest.mark.parametrize(("wall_clock", "reading"), [(False, "utc"), (True, "local")])
def test_the_first_webhook_decides_how_api_times_are_read(salon, sandbox_http, wall_clock, reading):
    integration, account = connect(salon, wall_clock=wall_clock)
    assert sync_run(integration=integration, kind="full").state == "succeeded"
    appointment = cancel_one(account)

    assert WebhookEvent.objects.get(event_type="appointment.updated").status == "processed"
    integration.refresh_from_db()
    assert integration.options["read_times"] == reading
    assert f"appointment {appointment.ext_id}" in integration.options["read_times_evidence"]
    mirrored = MirroredAppointment.objects.get(
        integration=integration, platform_id=appointment.ext_id
    )
    assert mirrored.start == appointment.start  # the webhook's UTC time, either way
    # A changed reading (the default is UTC) re-reads the mirror; an unchanged one does not.
    resyncs = SyncRun.objects.filter(integration=integration, kind="full").count()
    assert resyncs == (2 if wall_clock else 1)


def test_once_decided_no_more_reads_are_spent_on_it(salon, sandbox_http):
    integration, account = connect(salon, wall_clock=True)
    sync_run(integration=integration, kind="full")
    cancel_one(account)
    reads = integration.api_calls.filter(operation="get_appointment").count()
    cancel_one(account)
    assert integration.api_calls.filter(operation="get_appointment").count() == reads
