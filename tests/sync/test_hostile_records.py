"""A platform API returning records the mirror cannot hold (issue 21): a name with a NUL or a lone
surrogate, an appointment dated year 9999 or year 1. On PostgreSQL each of these failed the whole
sync (and the row past year 9999 every later read). Now the text is cleaned and counted as
adjusted, the appointment is skipped with its reason, and the sync goes on
(integrations/mirror_guard.py). Run with DATABASE_URL on PostgreSQL to prove it there."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from integrations import sync as sync_module
from integrations.models import MirroredAppointment, MirroredCustomer, SyncRun
from integrations.sync import sync_run
from tests.sync.conftest import make_phorest

pytestmark = pytest.mark.django_db(transaction=True)

MINUS_FIVE = timezone(timedelta(hours=-5))
# Stored as UTC, the first is in year 10000: no Python datetime can read it back.
IMPOSSIBLE_STARTS = [
    datetime(9999, 12, 31, 23, 0, tzinfo=MINUS_FIVE),
    datetime(1, 1, 1, 0, 0, tzinfo=UTC),
]


@pytest.fixture
def hostile_platform(sandbox_http, monkeypatch):
    """The sandbox's Phorest, made hostile on request: ``text`` puts a NUL in the first client's
    name (in the API's JSON, before the adapter reads it) and a lone surrogate in a field only
    ``raw`` keeps; ``dates`` dates the first two appointments in years 9999 and 1."""
    tampered: dict[str, list[str]] = {"customers": [], "appointments": []}
    inner = sync_module.sync_service_for

    def make(*, text: bool = False, dates: bool = False) -> dict[str, list[str]]:
        def service_for(integration):
            service = inner(integration)
            normalize = service.adapter.normalize

            def hostile_normalize(raw, kind):
                if text and kind == "customer" and not tampered["customers"]:
                    raw = {**raw, "firstName": "Ann\u0000a", "notes": "left \ud800 alone"}
                    tampered["customers"].append(raw["clientId"])
                record = normalize(raw, kind)
                done = len(tampered["appointments"])
                if dates and kind == "appointment" and done < len(IMPOSSIBLE_STARTS):
                    start = IMPOSSIBLE_STARTS[done]
                    record = replace(record, start=start, end=start + timedelta(minutes=30))
                    tampered["appointments"].append(record.platform_id)
                return record

            monkeypatch.setattr(service.adapter, "normalize", hostile_normalize)
            return service

        monkeypatch.setattr(sync_module, "sync_service_for", service_for)
        return tampered

    return make


def _panel(client, owner, integration) -> bytes:
    client.force_login(owner)
    page = client.get(f"/salons/{integration.salon.slug}/integrations/{integration.pk}/")
    assert page.status_code == 200
    return page.content


def test_a_nul_or_lone_surrogate_from_the_platform_is_cleaned_and_counted(
    salon, owner, client, hostile_platform
):
    tampered = hostile_platform(text=True)
    integration = make_phorest(salon)
    run = sync_run(integration=integration)

    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert run.counts["adjusted"] == 1
    assert "skipped" not in run.counts
    customer = MirroredCustomer.objects.get(
        integration=integration, platform_id=tampered["customers"][0]
    )
    assert customer.first_name == "Anna"
    assert customer.raw["notes"] == "left  alone"
    assert MirroredAppointment.objects.filter(integration=integration).exists()
    assert b"adjusted (unstorable values)" in _panel(client, owner, integration)


def test_appointments_in_impossible_years_are_skipped_and_the_sync_goes_on(
    salon, owner, client, hostile_platform
):
    tampered = hostile_platform(dates=True)
    integration = make_phorest(salon)
    run = sync_run(integration=integration)

    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert run.counts["skipped"] == 2
    mirrored = set(
        MirroredAppointment.objects.filter(integration=integration).values_list(
            "platform_id", flat=True
        )
    )
    assert mirrored  # the rest of the page was written
    assert not mirrored & set(tampered["appointments"])
    assert b"skipped (impossible dates)" in _panel(client, owner, integration)
    # Every row reads back (none past year 9999), and the next sync is not stopped by them.
    assert all(row.start.year >= 1990 for row in MirroredAppointment.objects.all())
    again = sync_run(integration=integration, kind=SyncRun.Kind.FULL)
    assert again.state == SyncRun.State.SUCCEEDED, again.error
