"""Mindbody's booking choices on the integration's settings card: SendEmail and ApplyPayment,
decided by the salon rather than left to Mindbody's defaults (docs/platforms/mindbody.md §7.5),
and sent on the next booking."""

from __future__ import annotations

import re
from html import unescape

import pytest

from integrations.booking import BookingService
from tests.pages.test_integration_pages import make_integration, url

pytestmark = pytest.mark.django_db


def radio(html: str, name: str, value: str) -> str:
    [tag] = re.findall(rf'<input type="radio" name="{name}" value="{value}"[^>]*>', html)
    return tag


def test_the_card_shows_the_defaults_the_adapter_applies(client, owner, salon):
    mindbody = make_integration(salon, platform="mindbody")
    client.force_login(owner)
    html = unescape(client.get(mindbody.get_absolute_url()).content.decode())
    assert "Booking confirmation" in html and "Paying for a booking" in html
    assert radio(html, "send_email", "yes").endswith(" checked>")
    assert radio(html, "apply_payment", "no").endswith(" checked>")


def test_the_owner_changes_them_and_the_next_booking_sends_them(client, owner, salon, settings):
    settings.MINDBODY_API_KEY = "app-key"
    mindbody = make_integration(salon, platform="mindbody", options={"read_times": "utc"})
    adapter = BookingService(mindbody).adapter
    assert (adapter.setting("send_email"), adapter.setting("apply_payment")) == ("yes", "no")
    client.force_login(owner)
    response = client.post(
        url("integration_settings", salon, pk=mindbody.pk),
        {"send_email": "no", "apply_payment": "yes"},
        follow=True,
    )
    assert "Mindbody settings saved." in unescape(response.content.decode())
    mindbody.refresh_from_db()
    assert mindbody.options == {"read_times": "utc", "send_email": "no", "apply_payment": "yes"}
    adapter = BookingService(mindbody).adapter
    assert (adapter.setting("send_email"), adapter.setting("apply_payment")) == ("no", "yes")
