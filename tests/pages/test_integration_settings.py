"""The integration's settings card (integrations/settings_pages.py): Phorest's availability choice
(docs/platforms/phorest.md §7.16) seen by every member, changed by the owner only."""

from __future__ import annotations

from html import unescape

import pytest

from integrations.models import Integration
from tests.pages.test_integration_pages import make_integration, url

pytestmark = pytest.mark.django_db


def settings_url(integration: Integration) -> str:
    return url("integration_settings", integration.salon, pk=integration.pk)


def test_the_owner_sees_the_salon_calendar_default_and_chooses_online(client, owner, salon):
    integration = make_integration(salon, options={"region": "eu"})
    client.force_login(owner)
    page = unescape(client.get(integration.get_absolute_url()).content.decode())
    assert 'data-testid="integration-settings"' in page
    assert 'value="salon" required id="id_availability_0" checked>' in page  # the default
    assert 'id="id_availability_1" checked' not in page
    response = client.post(settings_url(integration), {"availability": "online"}, follow=True)
    assert "Phorest settings saved." in unescape(response.content.decode())
    integration.refresh_from_db()
    assert integration.options == {"region": "eu", "availability": "online"}  # others kept
    again = client.post(settings_url(integration), {"availability": "online"}, follow=True)
    assert "Nothing changed." in again.content.decode()


@pytest.mark.parametrize("data", [{}, {"availability": "everything"}])
def test_bad_input_is_a_message_not_a_500(client, owner, salon, data):
    integration = make_integration(salon)
    client.force_login(owner)
    response = client.post(settings_url(integration), data, follow=True)
    assert response.status_code == 200
    assert "Settings not saved" in unescape(response.content.decode())
    integration.refresh_from_db()
    assert "availability" not in integration.options


def test_a_manager_sees_the_choice_but_cannot_change_it(client, manager, salon):
    integration = make_integration(salon, options={"availability": "online"})
    client.force_login(manager)
    page = unescape(client.get(integration.get_absolute_url()).content.decode())
    assert 'data-testid="setting-availability">Only what Phorest Online Booking' in page
    assert client.post(settings_url(integration), {"availability": "salon"}).status_code == 403
    integration.refresh_from_db()
    assert integration.options["availability"] == "online"


def test_a_platform_without_settings_shows_no_card_and_refuses_a_post(client, owner, salon):
    integration = make_integration(salon, platform="vagaro")
    client.force_login(owner)
    page = client.get(integration.get_absolute_url()).content.decode()
    assert 'data-testid="integration-settings"' not in page
    response = client.post(settings_url(integration), {"availability": "online"}, follow=True)
    assert "has no settings to change" in unescape(response.content.decode())
    integration.refresh_from_db()
    assert "availability" not in integration.options
