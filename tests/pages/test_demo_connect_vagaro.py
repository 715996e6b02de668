"""Issue 16: the demo leaves Vagaro for the owner to connect. The Booking platforms page invites
them (and points at /sandbox/), the sandbox's fake credentials connect, the owner pastes the
webhook URL SalonSync shows into the sandbox business, and a cancellation at its front desk then
reaches SalonSync as a verified webhook."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from integrations.models import Integration, MirroredAppointment, Salon, SyncRun
from sandbox.models import ACTIVE, Account, Appointment
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(sandbox_http, client):
    call_command("seed_demo", clients=8, no_sync=True)
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="owner"))
    return Salon.objects.get(slug="demo-salon")


def test_the_list_invites_the_owner_to_connect_vagaro_with_the_sandbox_credentials(demo, client):
    body = client.get(reverse("integration_list", kwargs={"slug": demo.slug})).content.decode()
    assert 'data-testid="to-connect-vagaro"' in body
    assert reverse("integration_connect", kwargs={"slug": demo.slug, "platform": "vagaro"}) in body
    assert 'data-testid="to-connect-mindbody"' not in body  # connected by the demo
    assert 'data-testid="sandbox-hint"' in body and reverse("sandbox_index") in body
    form = client.get(
        reverse("integration_connect", kwargs={"slug": demo.slug, "platform": "vagaro"})
    )
    assert 'data-testid="sandbox-hint"' in form.content.decode()


def test_the_sandbox_credentials_connect_vagaro_and_its_webhooks_then_arrive(demo, client):
    account = Account.objects.get(platform="vagaro")
    response = client.post(
        reverse("integration_connect", kwargs={"slug": demo.slug, "platform": "vagaro"}),
        {
            "client_id": account.username,
            "client_secret": account.password,
            "webhook_token": account.webhook_secret,
            "region": account.region,
            "business_id": account.account_id,
        },
    )
    integration = Integration.objects.get(salon=demo, platform="vagaro")
    assert integration.options["write_access"] is True  # the sandbox business grants it
    # The backfill starts at connect (not at the next 15-minute run) and fills the mirror.
    backfill = SyncRun.objects.get(integration=integration)
    assert backfill.state == SyncRun.State.SUCCEEDED, backfill.error
    assert backfill.counts["customers_read"] == account.clients.count()
    assert MirroredAppointment.objects.filter(integration=integration).count() == (
        account.appointments.count()
    )
    assert integration.status == "connected"
    assert response.status_code == 302 and response.url == integration.get_absolute_url()
    detail = unescape(client.get(integration.get_absolute_url()).content.decode())
    hook = f"/webhooks/vagaro/{integration.pk}/"
    assert hook in detail and "/sandbox/" in detail  # where to paste it, in the demo

    # The sandbox's webhook settings: paste SalonSync's URL (a bad one is a message, not a 500).
    url = reverse("sandbox_webhook_url", kwargs={"pk": account.pk})
    bad = client.post(url, {"webhook_url": "not a url"}, follow=True)
    assert bad.status_code == 200 and "not a valid URL" in bad.content.decode()
    webhook_url = next(part for part in detail.split('"') if part.endswith(hook))
    client.post(url, {"webhook_url": webhook_url})
    account.refresh_from_db()
    assert account.webhook_url == webhook_url

    appointment = (
        Appointment.objects.filter(
            account=account, status__in=ACTIVE, start__gte=timezone.now() + timedelta(days=1)
        )
        .order_by("start")
        .first()
    )
    desk = reverse("sandbox_desk", kwargs={"platform": "vagaro", "pk": account.pk})
    done = client.post(desk, {"action": "cancel", "appointment": appointment.pk}, follow=True)
    assert "delivered (HTTP 20" in unescape(done.content.decode())
    assert WebhookEvent.objects.filter(integration=integration).exists()


def test_phorest_accounts_have_no_webhook_url_to_set(demo, client):
    phorest = Account.objects.get(platform="phorest")
    response = client.post(
        reverse("sandbox_webhook_url", kwargs={"pk": phorest.pk}),
        {"webhook_url": "http://127.0.0.1:8000/x/"},
        follow=True,
    )
    assert "Phorest sends no webhooks" in response.content.decode()
    phorest.refresh_from_db()
    assert phorest.webhook_url == ""
    assert client.get(reverse("sandbox_webhook_url", kwargs={"pk": phorest.pk})).status_code == 405
