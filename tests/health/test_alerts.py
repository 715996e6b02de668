"""Alerts: one email to the owners and one to the admins per state change, never more, even
when checks repeat or run at the same time. Plus the tasks, the beat schedule and the panel."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string

from integrations import health
from integrations.health import integration_health_check, integration_issues_panel
from integrations.models import Integration, IntegrationIssue
from tests.conftest import close_other_sessions, need
from tests.factories import make_member
from tests.health.conftest import NOW, add_calls, hours, make_integration

CALLS = IntegrationIssue.Kind.CALLS_FAILING


def sent(subject_part: str) -> list[tuple[str, list[str]]]:
    return sorted((m.subject, sorted(m.to)) for m in mail.outbox if subject_part in m.subject)


def test_one_alert_when_it_opens_and_one_when_it_resolves(phorest, salon):
    viewer = make_member(salon, "vera", "viewer")
    viewer.email = "vera@alpha.example"
    viewer.save()
    add_calls(phorest, at=NOW - hours(1), ok=1, errors={"transient": 4})

    for minutes in (0, 15, 30):  # three runs while the problem lasts
        integration_health_check(phorest, now=NOW + timedelta(minutes=minutes))

    subject = "Phorest for Alpha Hair: Platform calls failing"
    assert sent("Platform calls failing") == [
        ("[Django] " + subject, ["ops@salonsync.example"]),  # mail_admins
        ("[SalonSync] " + subject, ["olivia@alpha.example"]),  # the owner, not the viewer
    ]
    owner_mail = next(m for m in mail.outbox if m.to == ["olivia@alpha.example"])
    assert "4 of 5 platform calls failed in the last 24 hours (transient: 4)." in owner_mail.body
    assert f"/salons/alpha/integrations/{phorest.pk}/" in owner_mail.body
    issue = IntegrationIssue.objects.get(integration=phorest)
    assert issue.notified_open_at == NOW
    assert issue.notified_resolved_at is None

    # The last failure (NOW - 1 h) leaves the window after NOW + 23 h: three runs after that.
    for minutes in (1, 15, 30):
        integration_health_check(phorest, now=NOW + hours(23) + timedelta(minutes=minutes))

    assert len(sent("Resolved: Phorest for Alpha Hair: Platform calls failing")) == 2
    assert len(mail.outbox) == 4
    issue.refresh_from_db()
    assert issue.resolved_at == issue.notified_resolved_at == NOW + hours(23) + timedelta(minutes=1)


def test_a_new_occurrence_after_resolution_is_a_new_issue_with_its_own_alerts(phorest):
    add_calls(phorest, at=NOW - hours(1), errors={"transient": 5})
    integration_health_check(phorest, now=NOW)
    integration_health_check(phorest, now=NOW + hours(24))
    add_calls(phorest, at=NOW + hours(30), errors={"transient": 5})
    integration_health_check(phorest, now=NOW + hours(31))

    assert IntegrationIssue.objects.filter(integration=phorest).count() == 2
    assert len(sent("Platform calls failing")) == 6  # open, resolved, open again: 2 each


def test_a_check_running_during_another_checks_alert_sends_nothing(phorest, monkeypatch):
    """Simulated concurrency: a second check runs while the first is sending its email."""
    add_calls(phorest, at=NOW - hours(1), errors={"transient": 5})
    real_alert = health.alert_owners
    nested = []

    def alert_and_race(integration, **kwargs):
        if not nested:
            nested.append(
                integration_health_check(Integration.objects.get(pk=integration.pk), now=NOW)
            )
        real_alert(integration, **kwargs)

    monkeypatch.setattr(health, "alert_owners", alert_and_race)
    first = integration_health_check(phorest, now=NOW)

    assert first.alerts_sent == 1
    assert nested[0].alerts_sent == 0
    assert len(mail.outbox) == 2  # owner + admins, once
    assert IntegrationIssue.objects.filter(integration=phorest).count() == 1


def test_a_check_that_loses_the_insert_race_touches_the_winners_issue(phorest, monkeypatch):
    """Simulated concurrency: another check inserts the issue between our look and our insert."""
    add_calls(phorest, at=NOW - hours(1), errors={"transient": 5})
    integration_health_check(phorest, now=NOW)  # the "other" check: opened and alerted
    add_calls(phorest, at=NOW + hours(1), errors={"transient": 1})
    real_open_issue = health._open_issue
    calls = []

    class Empty:
        def first(self):
            return None

    class Blind:
        def select_for_update(self):
            return Empty()

    def open_issue_blind_once(integration, kind):
        calls.append(kind)
        if kind == CALLS and calls.count(CALLS) == 1:
            return Blind()  # as if the other check had not committed yet
        return real_open_issue(integration, kind)

    monkeypatch.setattr(health, "_open_issue", open_issue_blind_once)
    report = integration_health_check(phorest, now=NOW + hours(2))

    assert report.opened == []  # the insert hit the constraint; it touched the open issue
    issue = IntegrationIssue.objects.get(integration=phorest)
    assert issue.last_seen_at == NOW + hours(1)
    assert len(mail.outbox) == 2


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_threads_checking_at_once_alert_once_on_postgresql(salon, owner, settings):
    need(connection.vendor == "postgresql", "PostgreSQL is not reachable for the race test")
    settings.ADMINS = [("Ops", "ops@salonsync.example")]
    owner.email = "olivia@alpha.example"
    owner.save()
    rounds = 5
    integrations = [make_integration(salon, "mindbody", account_name=str(i)) for i in range(1)]
    integration = integrations[0]
    add_calls(integration, at=NOW - hours(1), errors={"transient": 5})
    errors: list[BaseException] = []

    def check(barrier, now):
        try:
            barrier.wait(timeout=10)
            integration_health_check(Integration.objects.get(pk=integration.pk), now=now)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    try:
        for i in range(rounds):  # several rounds: each a fresh chance to interleave
            barrier = threading.Barrier(2)
            now = NOW + timedelta(minutes=i)
            threads = [threading.Thread(target=check, args=(barrier, now)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        for i in range(rounds):  # and the same for the resolution
            barrier = threading.Barrier(2)
            now = NOW + hours(23) + timedelta(minutes=i + 1)
            threads = [threading.Thread(target=check, args=(barrier, now)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
    finally:
        close_other_sessions()

    assert errors == []
    assert IntegrationIssue.objects.filter(integration=integration).count() == 1
    assert len(sent("Resolved:")) == 2
    assert len(mail.outbox) == 4


# -- tasks, schedule, panel -----------------------------------------------------------------------
def test_health_check_all_checks_every_integration(salon, owner_with_email, admins):
    from integrations.health_tasks import health_check_all

    first = make_integration(salon, "phorest")
    second = make_integration(salon, "mindbody")
    add_calls(first, at=_recent(), errors={"transient": 5})
    add_calls(second, at=_recent(), ok=5)

    assert health_check_all.delay().get() == 2  # eager in tests: each check ran inline

    assert list(IntegrationIssue.objects.values_list("integration_id", "kind")) == [
        (first.pk, CALLS)
    ]


def _recent():
    from django.utils import timezone

    return timezone.now() - hours(1)


def test_health_check_skips_an_integration_another_check_holds(phorest):
    from integrations.health_tasks import health_check
    from integrations.locks import IntegrationLock

    add_calls(phorest, at=_recent(), errors={"transient": 5})
    with IntegrationLock(phorest.pk, "health") as held:
        assert held
        assert health_check.delay(str(phorest.pk)).get() == []
    assert not IntegrationIssue.objects.exists()

    assert health_check.delay(str(phorest.pk)).get() == [CALLS]
    assert health_check.delay("00000000-0000-0000-0000-000000000000").get() == []


def test_the_migration_installs_the_check_on_beat_every_15_minutes(db):
    from django_celery_beat.models import PeriodicTask

    import integrations.health_tasks  # noqa: F401  (registers the task names)
    from salonsync.celery import app

    task = PeriodicTask.objects.get(name="Integration health check")
    assert (task.task, task.interval.every, task.interval.period, task.enabled) == (
        "integrations.health_check_all",
        15,
        "minutes",
        True,
    )
    assert task.task in app.tasks


def test_issues_panel_shows_open_and_recently_resolved_issues(phorest):
    add_calls(phorest, at=NOW - hours(1), errors={"transient": 5})
    integration_health_check(phorest, now=NOW)
    integration_health_check(phorest, now=NOW + hours(24))
    add_calls(phorest, at=NOW + hours(25), errors={"transient": 5})
    integration_health_check(phorest, now=NOW + hours(26))

    panel = integration_issues_panel(phorest, now=NOW + hours(26))
    html = render_to_string("integrations/_issues_panel.html", {"issues": panel})

    assert [i.resolved_at for i in panel["open"]] == [None]
    assert [i.resolved_at for i in panel["resolved"]] == [NOW + hours(24)]
    assert 'data-testid="open-issues"' in html
    assert "Platform calls failing" in html
    assert "5 of 5 platform calls failed in the last 24 hours (transient: 5)." in html
    assert 'data-testid="resolved-issues"' in html
    assert "No open issues" not in html

    empty = render_to_string(
        "integrations/_issues_panel.html", {"issues": {"open": [], "resolved": []}}
    )
    assert "No open issues" in empty
