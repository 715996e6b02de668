"""Each threshold of the health check opens and resolves an issue on real numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.health import (
    integration_auth_failing_since,
    integration_health_check,
    integration_sync_paused_for_auth,
)
from integrations.models import IntegrationIssue, IntegrationStatus
from tests.health.conftest import NOW, add_calls, add_sync, add_webhook, hours

CALLS = IntegrationIssue.Kind.CALLS_FAILING
AUTH = IntegrationIssue.Kind.AUTH_FAILING
WEBHOOKS = IntegrationIssue.Kind.WEBHOOKS_FAILING


def open_kinds(integration) -> list[str]:
    return sorted(
        IntegrationIssue.objects.filter(
            integration=integration, resolved_at__isnull=True
        ).values_list("kind", flat=True)
    )


# -- calls_failing --------------------------------------------------------------------------------
def test_exactly_five_calls_with_three_errors_opens(phorest):
    add_calls(phorest, at=NOW - hours(3), ok=2)
    add_calls(phorest, at=NOW - hours(2), errors={"transient": 2, "rate_limited": 1})

    report = integration_health_check(phorest, now=NOW)

    assert report.opened == [CALLS]
    issue = IntegrationIssue.objects.get(integration=phorest, kind=CALLS)
    assert issue.details == (
        "3 of 5 platform calls failed in the last 24 hours (rate_limited: 1, transient: 2)."
    )
    assert issue.opened_at == NOW - hours(2)  # the first failure, not the time of the check
    assert issue.last_seen_at == NOW - hours(2)
    assert issue.resolved_at is None


def test_four_calls_with_four_errors_do_not_open(phorest):
    add_calls(phorest, at=NOW - hours(1), errors={"transient": 4})

    report = integration_health_check(phorest, now=NOW)

    assert report.opened == []
    assert open_kinds(phorest) == []


def test_exactly_half_opens_and_less_than_half_does_not(phorest, salon):
    add_calls(phorest, at=NOW - hours(1), ok=3, errors={"transient": 3})
    assert integration_health_check(phorest, now=NOW).opened == [CALLS]

    from tests.health.conftest import make_integration

    other = make_integration(salon, "mindbody")
    add_calls(other, at=NOW - hours(1), ok=3, errors={"transient": 2})
    assert integration_health_check(other, now=NOW).opened == []


def test_normal_answers_and_calls_older_than_24h_are_not_failures(phorest):
    # The platform saying "slot taken" or "no such client" is an answer, not a failure.
    add_calls(phorest, at=NOW - hours(1), errors={"validation_failed": 3, "not_found": 3})
    # Failures from more than 24 hours ago are outside the window.
    add_calls(phorest, at=NOW - hours(25), errors={"transient": 10})

    assert integration_health_check(phorest, now=NOW).opened == []
    assert open_kinds(phorest) == []


def test_calls_failing_resolves_24_hours_after_the_last_failure(phorest):
    add_calls(phorest, at=NOW - hours(5), errors={"transient": 3})
    add_calls(phorest, at=NOW - hours(1), ok=2, errors={"server_error": 1})
    integration_health_check(phorest, now=NOW)
    issue = IntegrationIssue.objects.get(integration=phorest, kind=CALLS)
    assert (issue.opened_at, issue.last_seen_at) == (NOW - hours(5), NOW - hours(1))

    # From NOW + 19 h the first failures have left the window and the threshold no longer
    # holds, but the last failure (NOW - 1 h) is less than 24 h old: still open.
    for later in (NOW + hours(20), NOW + hours(23) - timedelta(seconds=1)):
        assert integration_health_check(phorest, now=later).resolved == []
    assert open_kinds(phorest) == [CALLS]

    report = integration_health_check(phorest, now=NOW + hours(23))

    assert report.resolved == [CALLS]
    issue.refresh_from_db()
    assert issue.resolved_at == NOW + hours(23)  # exactly 24 h after the last failure
    assert open_kinds(phorest) == []


def test_last_seen_follows_new_failures_and_delays_resolution(phorest):
    add_calls(phorest, at=NOW - hours(1), errors={"transient": 5})
    integration_health_check(phorest, now=NOW)
    add_calls(phorest, at=NOW + hours(10), errors={"transient": 5})

    integration_health_check(phorest, now=NOW + hours(11))
    issue = IntegrationIssue.objects.get(integration=phorest, kind=CALLS)
    assert issue.last_seen_at == NOW + hours(10)
    assert issue.opened_at == NOW - hours(1)

    # Without the second run of failures it would have resolved at NOW + 23 h.
    assert integration_health_check(phorest, now=NOW + hours(30)).resolved == []
    assert integration_health_check(phorest, now=NOW + hours(34)).resolved == []
    second = NOW + hours(34) + timedelta(seconds=1)
    assert integration_health_check(phorest, now=second).resolved == [CALLS]
    assert IntegrationIssue.objects.filter(integration=phorest).count() == 1


# -- auth_failing ---------------------------------------------------------------------------------
def test_needs_reauth_opens_with_the_first_failure_of_the_current_run(phorest):
    add_calls(phorest, at=NOW - hours(20), errors={"authentication_failed": 1})  # an older run
    add_calls(phorest, at=NOW - hours(10), ok=1)  # got through since
    add_calls(phorest, at=NOW - hours(4), errors={"authentication_failed": 1})
    add_calls(phorest, at=NOW - hours(2), errors={"authentication_failed": 1})
    phorest.status = IntegrationStatus.NEEDS_REAUTH
    phorest.save()

    report = integration_health_check(phorest, now=NOW)

    assert report.opened == [AUTH]
    issue = IntegrationIssue.objects.get(integration=phorest, kind=AUTH)
    assert issue.opened_at == NOW - hours(4)
    assert issue.last_seen_at == NOW
    assert "needs re-authentication" in issue.details
    # Authentication failures are their own issue, not also "calls failing".
    assert open_kinds(phorest) == [AUTH]


def test_latest_call_refused_opens_auth_failing_without_the_status(phorest):
    add_calls(phorest, at=NOW - hours(3), ok=4)
    add_calls(phorest, at=NOW - hours(1), errors={"authentication_failed": 1})

    assert integration_health_check(phorest, now=NOW).opened == [AUTH]
    issue = IntegrationIssue.objects.get(integration=phorest, kind=AUTH)
    assert (issue.opened_at, issue.last_seen_at) == (NOW - hours(1), NOW - hours(1))


def test_auth_failing_keeps_opened_at_and_resolves_24h_after_reconnect(phorest):
    phorest.status = IntegrationStatus.NEEDS_REAUTH
    phorest.save()
    add_calls(phorest, at=NOW - hours(1), errors={"authentication_failed": 1})
    integration_health_check(phorest, now=NOW)
    for day in (1, 2, 3):
        integration_health_check(phorest, now=NOW + timedelta(days=day))
    issue = IntegrationIssue.objects.get(integration=phorest, kind=AUTH)
    assert issue.opened_at == NOW - hours(1)
    assert issue.last_seen_at == NOW + timedelta(days=3)

    # The owner reconnects at day 3; the next call gets through.
    phorest.status = IntegrationStatus.CONNECTED
    phorest.save()
    reconnected = NOW + timedelta(days=3)
    add_calls(phorest, at=reconnected + hours(1), ok=1)
    assert integration_health_check(phorest, now=reconnected + hours(23)).resolved == []
    report = integration_health_check(phorest, now=reconnected + hours(24))
    assert report.resolved == [AUTH]


def test_sync_pause_after_three_days_of_authentication_failure(phorest):
    phorest.status = IntegrationStatus.NEEDS_REAUTH
    phorest.save()
    add_calls(phorest, at=NOW - hours(1), errors={"authentication_failed": 1})
    integration_health_check(phorest, now=NOW)

    assert integration_auth_failing_since(phorest) == NOW - hours(1)
    assert not integration_sync_paused_for_auth(phorest, now=NOW + timedelta(days=2))
    assert integration_sync_paused_for_auth(phorest, now=NOW + timedelta(days=3))

    phorest.status = IntegrationStatus.CONNECTED  # reconnected: the issue still waits 24 h
    assert integration_auth_failing_since(phorest) is None
    assert not integration_sync_paused_for_auth(phorest, now=NOW + timedelta(days=4))


# -- webhooks_failing -----------------------------------------------------------------------------
def test_failed_webhook_deliveries_open_for_a_webhook_platform(vagaro):
    add_webhook(vagaro, status="processed", at=NOW - hours(6), n=5)
    add_webhook(vagaro, status="rejected", at=NOW - hours(5))
    add_webhook(vagaro, status="dead", at=NOW - hours(2))

    assert integration_health_check(vagaro, now=NOW).opened == [WEBHOOKS]
    issue = IntegrationIssue.objects.get(integration=vagaro, kind=WEBHOOKS)
    assert (issue.opened_at, issue.last_seen_at) == (NOW - hours(5), NOW - hours(2))
    assert issue.details.startswith("2 webhook deliveries from Vagaro were rejected or failed")

    # The dead delivery (NOW - 2 h) is in the window up to NOW + 22 h.
    assert integration_health_check(vagaro, now=NOW + hours(22)).resolved == []
    second = NOW + hours(22) + timedelta(seconds=1)
    assert integration_health_check(vagaro, now=second).resolved == [WEBHOOKS]


def test_processed_webhooks_do_not_open(vagaro):
    add_webhook(vagaro, status="processed", at=NOW - hours(1), n=3)
    add_webhook(vagaro, status="failed", at=NOW - hours(30))  # outside the window
    add_sync(vagaro, at=NOW - hours(1), events=4)

    assert integration_health_check(vagaro, now=NOW).opened == []


def test_silent_webhooks_while_syncs_find_changes_open(vagaro):
    add_sync(vagaro, at=NOW - hours(8), events=0)
    add_sync(vagaro, at=NOW - hours(6), events=3)
    add_sync(vagaro, at=NOW - hours(3), events=1)

    assert integration_health_check(vagaro, now=NOW).opened == [WEBHOOKS]
    issue = IntegrationIssue.objects.get(integration=vagaro, kind=WEBHOOKS)
    assert issue.details.startswith("Syncs found 4 changes in the last 24 hours, but no webhook")
    assert (issue.opened_at, issue.last_seen_at) == (NOW - hours(6), NOW - hours(3))

    # A webhook arrives: the condition no longer holds; resolved 24 h after it was last seen.
    add_webhook(vagaro, status="processed", at=NOW + hours(1))
    assert integration_health_check(vagaro, now=NOW + hours(20)).resolved == []
    assert integration_health_check(vagaro, now=NOW + hours(21)).resolved == [WEBHOOKS]


def test_syncs_without_changes_do_not_open(vagaro):
    add_sync(vagaro, at=NOW - hours(2), events=0)
    assert integration_health_check(vagaro, now=NOW).opened == []


@pytest.mark.parametrize("setup", ["failed_delivery", "silent"])
def test_platform_without_webhooks_never_opens_webhooks_failing(phorest, setup):
    if setup == "failed_delivery":
        add_webhook(phorest, status="rejected", at=NOW - hours(1), n=3)
    else:
        add_sync(phorest, at=NOW - hours(1), events=5)

    assert integration_health_check(phorest, now=NOW).opened == []


def test_missing_webhook_store_is_no_data(vagaro, monkeypatch):
    from integrations import health

    monkeypatch.setattr(health, "_webhook_model", lambda: None)
    add_sync(vagaro, at=NOW - hours(1), events=5)

    assert integration_health_check(vagaro, now=NOW).opened == []


def test_kinds_are_independent(vagaro):
    vagaro.status = IntegrationStatus.NEEDS_REAUTH
    vagaro.save()
    add_calls(vagaro, at=NOW - hours(1), ok=1, errors={"transient": 5})
    add_webhook(vagaro, status="rejected", at=NOW - hours(1))

    report = integration_health_check(vagaro, now=NOW)

    assert sorted(report.opened) == [AUTH, CALLS, WEBHOOKS]
    assert open_kinds(vagaro) == [AUTH, CALLS, WEBHOOKS]
