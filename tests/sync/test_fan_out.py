"""Which integrations the scheduled syncs cover (integrations.sync.sync_fan_out): the 15-minute
sync spends calls only where they buy something; the nightly reconciliation covers everyone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration, IntegrationIssue, IntegrationStatus
from integrations.sync import LIGHT_CHECK_EVERY, sync_fan_out
from integrations.sync_pages import sync_cadence

pytestmark = pytest.mark.django_db

ACCOUNTS = {
    "phorest": {"business_id": "b1", "branch_id": "br1"},
    "mindbody": {"site_id": "-99"},
    "vagaro": {"region": "us02", "business_id": "v1=="},
}


def make(salon, platform: str, *, synced_ago: timedelta | None) -> Integration:
    now = timezone.now()
    return Integration.objects.create(
        salon=salon,
        platform=platform,
        account=ACCOUNTS[platform],
        status=IntegrationStatus.CONNECTED,
        sync_cursor=None if synced_ago is None else now - synced_ago,
        last_sync_at=None if synced_ago is None else now - synced_ago,
    )


def due(kind: str = "incremental") -> set[str]:
    return set(sync_fan_out(kind).values_list("platform", flat=True))


def test_a_platform_without_webhooks_is_synced_every_time(salon):
    make(salon, "phorest", synced_ago=timedelta(minutes=15))
    assert due() == {"phorest"}


def test_every_platforms_first_sync_is_due(salon):
    for platform in ACCOUNTS:
        make(salon, platform, synced_ago=None)
    assert due() == set(ACCOUNTS)


def test_webhook_platforms_get_a_light_check_while_their_webhooks_flow(salon):
    mindbody = make(salon, "mindbody", synced_ago=timedelta(minutes=15))
    make(salon, "vagaro", synced_ago=timedelta(minutes=15))
    assert due() == set()
    Integration.objects.filter(pk=mindbody.pk).update(
        last_sync_at=timezone.now() - LIGHT_CHECK_EVERY - timedelta(minutes=1)
    )
    assert due() == {"mindbody"}  # Vagaro: webhooks and the nightly re-read only


def test_webhooks_failing_bring_back_the_fifteen_minute_sync(salon):
    mindbody = make(salon, "mindbody", synced_ago=timedelta(minutes=15))
    issue = IntegrationIssue.objects.create(
        integration=mindbody,
        kind=IntegrationIssue.Kind.WEBHOOKS_FAILING,
        last_seen_at=timezone.now(),
    )
    assert due() == {"mindbody"}
    issue.resolved_at = timezone.now()
    issue.save()
    assert due() == set()


def test_the_nightly_reconciliation_covers_everyone(salon):
    for platform in ACCOUNTS:
        make(salon, platform, synced_ago=timedelta(minutes=15))
    assert due("reconcile") == set(ACCOUNTS)


@pytest.mark.parametrize(
    ("platform", "words"),
    [
        ("phorest", "sends no webhooks: syncs run by themselves every 15 minutes"),
        ("mindbody", "a light check runs every 6 hours (every 15 minutes while webhooks fail)"),
        ("vagaro", "each night SalonSync re-reads the clients with appointments near today"),
    ],
)
def test_the_sync_panel_says_when_each_platform_syncs_by_itself(salon, platform, words):
    assert words in sync_cadence(make(salon, platform, synced_ago=None))
