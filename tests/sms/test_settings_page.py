"""The text-message settings on the rebooking settings page: the auth token stored encrypted,
never shown back, kept when left empty; bad values are form errors; only editors save."""

from __future__ import annotations

import pytest
from django.db import connection

from sms.models import SmsSender

from .conftest import ACCOUNT, TOKEN

pytestmark = pytest.mark.django_db

VALID = {
    "enabled": "on",
    "account_sid": ACCOUNT,
    "auth_token": TOKEN,
    "from_number": "+1 555 000 1111",
    "messaging_service_sid": "",
}


def test_save_then_the_token_is_encrypted_and_never_shown(client, owner, salon):
    client.force_login(owner)
    page = client.get("/salons/alpha/rebooking/settings/")
    assert page.status_code == 200 and b'data-testid="sms-panel"' in page.content
    response = client.post("/salons/alpha/rebooking/settings/sms/", VALID)
    assert response.status_code == 302
    sender = SmsSender.objects.get(salon=salon)
    assert sender.auth_token == TOKEN and sender.from_number == "+15550001111"
    assert sender.is_ready
    with connection.cursor() as cursor:
        cursor.execute("SELECT auth_token FROM sms_smssender WHERE id = %s", [sender.pk])
        stored = cursor.fetchone()[0]
    assert TOKEN not in str(stored)
    page = client.get("/salons/alpha/rebooking/settings/")
    html = page.content.decode()
    assert TOKEN not in html
    assert 'data-testid="saved-auth_token"' in html
    assert f"/webhooks/sms/twilio/{sender.webhook_key}/inbound/" in html
    # Saved again without a token: the saved one stays.
    client.post("/salons/alpha/rebooking/settings/sms/", {**VALID, "auth_token": ""})
    sender.refresh_from_db()
    assert sender.auth_token == TOKEN


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"account_sid": "XX123"}, "account_sid"),
        ({"from_number": "555 000 1111"}, "from_number"),
        ({"messaging_service_sid": "MGshort"}, "messaging_service_sid"),
        ({"auth_token": ""}, "auth_token"),
        ({"from_number": ""}, "from_number"),
    ],
)
def test_bad_values_are_form_errors(client, owner, salon, change, field):
    client.force_login(owner)
    response = client.post("/salons/alpha/rebooking/settings/sms/", {**VALID, **change})
    assert response.status_code == 200
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert TOKEN not in response.content.decode()
    assert not SmsSender.objects.filter(salon=salon, enabled=True).exists()


def test_only_editors_save(client, viewer, salon):
    client.force_login(viewer)
    assert client.post("/salons/alpha/rebooking/settings/sms/", VALID).status_code == 403
    assert not SmsSender.objects.exists()
