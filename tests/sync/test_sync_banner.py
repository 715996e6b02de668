"""The banner after "Sync now" tells the truth: the outcome when the sync has finished (eager
tasks), "started" while it runs, and the outcome once, on the next visit, when it is known."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants
from django.urls import reverse

from integrations.models import SyncRun
from tests.sync.conftest import make_phorest

pytestmark = pytest.mark.urls("tests.sync.urls")


def sync_url(integration) -> str:
    kwargs = {"slug": integration.salon.slug, "pk": integration.pk}
    return reverse("integration_sync", kwargs=kwargs)


def banners(response) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in response.context["messages"]]


@pytest.mark.django_db(transaction=True)  # on_commit runs at once, as on the embedded default
def test_eager_sync_banner_is_the_outcome_with_counts(client, salon, manager, sandbox_http):
    phorest = make_phorest(salon)
    client.force_login(manager)
    response = client.post(sync_url(phorest), {"kind": "incremental"}, follow=True)
    [(level, text)] = banners(response)
    run = SyncRun.objects.get()
    assert run.state == SyncRun.State.SUCCEEDED
    assert level == constants.SUCCESS
    assert text.startswith("Sync of Phorest finished: ")
    assert f"{run.counts['appointments']} appointments read" in text
    assert 'class="success"' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_eager_sync_that_fails_shows_an_error_banner(client, salon, manager, sandbox_http):
    phorest = make_phorest(salon)
    phorest.credentials = {**phorest.credentials, "password": "not-the-password"}
    phorest.save()
    client.force_login(manager)
    response = client.post(sync_url(phorest), {"kind": "full"}, follow=True)
    [(level, text)] = banners(response)
    assert SyncRun.objects.get().state == SyncRun.State.FAILED
    assert level == constants.ERROR
    assert text.startswith("Full resync of Phorest failed: ")
    html = response.content.decode()
    assert 'class="error"' in html and "finished" not in text
    assert 'class="success"' not in html


@pytest.mark.django_db
def test_queued_sync_says_started_then_the_outcome_once(
    client, phorest, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(sync_url(phorest), {"kind": "incremental"}, follow=True)
    [(level, text)] = banners(response)
    assert level == constants.INFO
    assert text == (
        "Sync of Phorest started. This page shows its progress; refresh it to see the outcome."
    )
    # Still running: the next visit says nothing new.
    assert banners(client.get(phorest.get_absolute_url())) == []

    for callback in callbacks:  # the worker runs it
        callback()
    assert SyncRun.objects.get().state == SyncRun.State.SUCCEEDED
    [(level, text)] = banners(client.get(phorest.get_absolute_url()))
    assert level == constants.SUCCESS and text.startswith("Sync of Phorest finished: ")
    assert banners(client.get(phorest.get_absolute_url())) == []  # announced once


@pytest.mark.django_db
def test_a_finished_run_another_session_started_is_not_announced(client, phorest, manager):
    SyncRun.objects.create(integration=phorest, kind="incremental", state="failed", error="x")
    client.force_login(manager)
    assert banners(client.get(phorest.get_absolute_url())) == []
