"""A salon with a Twilio sender and a Phorest connection; Twilio's API mocked with responses
and its webhooks signed with the library's own RequestValidator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from twilio.request_validator import RequestValidator

from sms.models import SmsSender
from tests.rebooking_ui.conftest import make_customer, make_integration, make_suggestion

PUBLIC = "https://app.salonsync.example"
ACCOUNT = "AC" + "1" * 32
TOKEN = "twilio-auth-Do-Not-Leak-0123456789"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
DAYTIME = datetime(2030, 6, 4, 15, 0, tzinfo=UTC)  # 11:00 in New York
__all__ = ["make_customer", "make_suggestion"]


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.SALONSYNC_PUBLIC_URL = PUBLIC + "/"


@pytest.fixture
def integration(salon):
    return make_integration(salon)


@pytest.fixture
def sender(salon):
    sender = SmsSender(salon=salon, enabled=True, account_sid=ACCOUNT, from_number="+15550001111")
    sender.auth_token = TOKEN
    sender.save()
    return sender


def signed_post(client, path: str, data: dict, *, token: str = TOKEN, signature: str | None = None):
    """POST form data to ``path`` as Twilio would, signed for the public URL."""
    if signature is None:
        signature = RequestValidator(token).compute_signature(PUBLIC + path, data)
    return client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)


def twilio_message(sid: str = "SM" + "a" * 32, status: str = "queued") -> dict:
    """Twilio's Message resource as its API answers a create (the fields the library reads)."""
    return {
        "sid": sid,
        "account_sid": ACCOUNT,
        "status": status,
        "to": "+12125550142",
        "from": "+15550001111",
        "body": "",
        "num_segments": "1",
        "direction": "outbound-api",
        "date_created": "Tue, 04 Jun 2030 15:00:00 +0000",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
    }
