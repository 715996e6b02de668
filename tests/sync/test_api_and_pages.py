"""POST .../integrations/<uuid>/sync/ (API and page) and the sync panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import IntegrationStatus, MirroredAppointment, SyncRun
from integrations.sync_pages import sync_panel_context
from tests.factories import make_member
from tests.sync.conftest import make_phorest, sandbox_appointments

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sync.urls")]


def api_url(integration, slug=None):
    kwargs = {"slug": slug or integration.salon.slug, "pk": integration.pk}
    return reverse("api_integration_sync", kwargs=kwargs)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_accepts_a_sync_and_a_worker_runs_it(
    phorest, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(manager).post(api_url(phorest), {}, format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    run = SyncRun.objects.get(pk=body["id"])
    assert body["kind"] == "incremental"
    assert body["state"] == "running"
    # queued after commit, never before; the baseline sync then queues the rhythms' rebuild
    assert [c.__qualname__.split(".")[0] for c in callbacks] == [
        "sync_request",
        "rebuild_after_sync",
    ]
    run.refresh_from_db()
    assert run.state == SyncRun.State.SUCCEEDED
    assert MirroredAppointment.objects.filter(integration=phorest).count() == (
        sandbox_appointments("biz-sync-01").count()
    )


def test_api_full_resync(phorest, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(api_url(phorest), {"full": True}, format="json")
    assert response.status_code == 202
    run = SyncRun.objects.get(pk=response.json()["id"])
    assert run.kind == SyncRun.Kind.FULL
    assert run.state == SyncRun.State.SUCCEEDED


def test_api_viewer_is_refused(phorest, viewer):
    response = client_for(viewer).post(api_url(phorest), {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not SyncRun.objects.exists()


def test_api_another_salons_integration_is_404(salon, other_salon, sandbox_http):
    theirs = make_phorest(other_salon)
    outsider = make_member(salon, "mona", "manager")
    response = client_for(outsider).post(api_url(theirs, slug=salon.slug), {}, format="json")
    assert response.status_code == 404
    response = client_for(outsider).post(api_url(theirs), {}, format="json")
    assert response.status_code == 404
    assert not SyncRun.objects.exists()


def test_api_anonymous_is_refused(phorest):
    response = APIClient().post(api_url(phorest), {}, format="json")
    assert response.status_code in (401, 403)
    assert not SyncRun.objects.exists()


def test_api_disabled_integration_is_409(phorest, manager):
    phorest.status = IntegrationStatus.DISABLED
    phorest.save()
    response = client_for(manager).post(api_url(phorest), {"full": True}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sync_unavailable"
    assert not SyncRun.objects.exists()


def test_api_rejects_a_bad_body(phorest, manager):
    response = client_for(manager).post(api_url(phorest), {"full": "maybe"}, format="json")
    assert response.status_code == 400
    assert not SyncRun.objects.exists()


def page_url(integration):
    kwargs = {"slug": integration.salon.slug, "pk": integration.pk}
    return reverse("integration_sync", kwargs=kwargs)


def test_page_buttons_start_syncs(client, phorest, manager, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(phorest), {"kind": "full"})
    assert response.status_code == 302
    assert response["Location"] == phorest.get_absolute_url()
    run = SyncRun.objects.get()
    assert (run.kind, run.state) == (SyncRun.Kind.FULL, SyncRun.State.SUCCEEDED)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(phorest), {"kind": "incremental"})
    assert SyncRun.objects.filter(kind="incremental", state="succeeded").count() == 1


def test_page_viewer_gets_403_and_strangers_404(client, phorest, viewer, other_salon):
    client.force_login(viewer)
    assert client.post(page_url(phorest), {"kind": "full"}).status_code == 403
    client.force_login(make_member(other_salon, "stranger", "owner"))
    assert client.post(page_url(phorest), {"kind": "full"}).status_code == 404
    assert not SyncRun.objects.exists()


def render_panel(integration, can_operate=True) -> str:
    context = {
        "salon": integration.salon,
        "integration": integration,
        **sync_panel_context(integration=integration, can_operate=can_operate),
    }
    return render_to_string("integrations/_sync_panel.html", context)


def test_panel_shows_the_running_sync_and_the_last_one(phorest):
    now = timezone.now()
    last = SyncRun.objects.create(
        integration=phorest,
        kind="full",
        state="succeeded",
        counts={"appointments": 1234, "customers": 56, "created": 77, "events": 8},
    )
    SyncRun.objects.filter(pk=last.pk).update(
        started_at=now - timedelta(minutes=3, seconds=5), finished_at=now
    )
    SyncRun.objects.create(
        integration=phorest, kind="incremental", counts={"appointments": 321, "customers": 9}
    )

    html = render_panel(phorest)

    running = html.split('data-testid="sync-running"')[1].split('data-testid="sync-last"')[0]
    assert "Incremental running" in running
    assert '<span class="value">321</span><span class="label">appointments read</span>' in running
    last_part = html.split('data-testid="sync-last"')[1]
    assert "Full resync" in last_part and "succeeded" in last_part
    assert '<span data-testid="sync-last-duration">3 min 5 s</span>' in last_part
    read = '<span class="value">1234</span><span class="label">appointments read</span>'
    assert read in last_part
    assert '<span class="value">77</span><span class="label">new</span>' in last_part
    assert 'data-testid="sync-now" disabled' in html  # one sync at a time


def test_panel_buttons_only_for_those_who_may_sync(phorest):
    html = render_panel(phorest)
    assert "No sync has run yet." in html
    assert 'data-testid="sync-now">Sync now' in html
    assert 'data-testid="full-resync">Full resync' in html
    assert page_url(phorest) in html
    assert "Sync now" not in render_panel(phorest, can_operate=False)


def test_panel_says_why_a_paused_integration_does_not_sync(phorest):
    phorest.status = IntegrationStatus.DISABLED
    phorest.save()
    html = render_panel(phorest)
    assert "disconnected" in html
    assert "Sync now" not in html
