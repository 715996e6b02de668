"""The owner's booking choices on the integration page (integrations/booking_options.py):
Mindbody's SendEmail and ApplyPayment, decided by the salon rather than left to Mindbody's
defaults (docs/platforms/mindbody.md §7.5), and sent on the next booking."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from integrations.adapters.mindbody import MindbodyAdapter
from integrations.booking import BookingService
from integrations.models import Integration, IntegrationStatus

pytestmark = pytest.mark.django_db


def make(salon, platform: str, account: dict) -> Integration:
    integration = Integration(
        salon=salon, platform=platform, account=account, status=IntegrationStatus.CONNECTED
    )
    integration.credentials = {"username": "u", "password": "p"}
    integration.save()
    return integration


@pytest.fixture
def mindbody(salon) -> Integration:
    return make(salon, "mindbody", {"site_id": "-99"})


def detail(client, integration) -> str:
    url = reverse(
        "integration_detail", kwargs={"slug": integration.salon.slug, "pk": integration.pk}
    )
    return unescape(client.get(url).content.decode())


def checkbox(html: str, name: str) -> str:
    [tag] = re.findall(rf'<input type="checkbox" name="{name}"[^>]*>', html)
    return tag


def post(client, integration, data):
    url = reverse(
        "integration_options", kwargs={"slug": integration.salon.slug, "pk": integration.pk}
    )
    return client.post(url, data, follow=True)


def test_the_page_shows_mindbodys_choices_with_the_defaults_the_adapter_applies(
    client, owner, mindbody
):
    client.force_login(owner)
    html = detail(client, mindbody)
    assert "When SalonSync books on Mindbody" in html
    assert checkbox(html, "send_email").endswith(" checked>")
    assert not checkbox(html, "apply_payment").endswith(" checked>")
    assert 'id="id_apply_payment_helptext"' in html  # the help the checkbox is described by


def test_the_owner_changes_them_and_the_next_booking_sends_them(client, owner, mindbody, settings):
    settings.MINDBODY_API_KEY = "app-key"
    client.force_login(owner)
    response = post(client, mindbody, {"apply_payment": "on"})  # send_email unticked
    assert response.status_code == 200
    text = unescape(response.content.decode())
    assert "Saved: Email the client Mindbody's booking confirmation; Pay for" in text
    mindbody.refresh_from_db()
    assert mindbody.options["send_email"] is False and mindbody.options["apply_payment"] is True
    adapter = BookingService(mindbody).adapter
    assert isinstance(adapter, MindbodyAdapter)  # whose addappointment body reads these options
    assert adapter.config.options["send_email"] is False
    assert adapter.config.options["apply_payment"] is True

    again = post(client, mindbody, {"apply_payment": "on"})
    assert "Nothing changed." in unescape(again.content.decode())


def test_learned_options_are_kept_when_the_owner_saves(client, owner, mindbody):
    mindbody.options = {"read_times": "utc", "timezone_proposal": {"zone": "Europe/Dublin"}}
    mindbody.save(update_fields=["options"])
    client.force_login(owner)
    post(client, mindbody, {"send_email": "on", "apply_payment": "on"})
    mindbody.refresh_from_db()
    assert mindbody.options["read_times"] == "utc"
    assert mindbody.options["timezone_proposal"] == {"zone": "Europe/Dublin"}
    assert mindbody.options["apply_payment"] is True


def test_a_viewer_sees_them_but_cannot_change_them(client, viewer, mindbody):
    client.force_login(viewer)
    html = detail(client, mindbody)
    assert "When SalonSync books on Mindbody" in html and "booking-options-save" not in html
    url = reverse("integration_options", kwargs={"slug": mindbody.salon.slug, "pk": mindbody.pk})
    assert client.post(url, {"apply_payment": "on"}).status_code == 403
    mindbody.refresh_from_db()
    assert "apply_payment" not in mindbody.options


def test_a_platform_without_choices_shows_none_and_refuses_a_post(client, owner, salon):
    vagaro = make(salon, "vagaro", {"region": "us02", "business_id": "b7Yx3Zq9Wr=="})
    client.force_login(owner)
    assert "booking-options" not in detail(client, vagaro)
    response = post(client, vagaro, {"send_email": "on"})
    assert "Vagaro has no such booking choices." in unescape(response.content.decode())
    vagaro.refresh_from_db()
    assert "send_email" not in vagaro.options
