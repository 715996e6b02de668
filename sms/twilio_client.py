"""Sending one SMS through Twilio's Python library (twilio on PyPI).

Errors are re-raised as SmsSendError carrying Twilio's status and error code only: never the
auth token, the message body or the number (Twilio's messages can echo the number).
"""

from __future__ import annotations

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# Seconds for one call to Twilio's API; the message is one short POST.
TIMEOUT = 10
# Twilio error 21610: the recipient replied STOP to this sender (Twilio's own block list).
# https://www.twilio.com/docs/api/errors/21610
STOPPED_BY_RECIPIENT = 21610


class SmsSendError(Exception):
    def __init__(self, message: str, *, code: int | None = None):
        super().__init__(message)
        self.code = code


def sms_send(*, sender, to: str, body: str, status_callback: str = "") -> str:
    """Send ``body`` to ``to`` from the salon's sender; returns Twilio's Message SID."""
    client = Client(
        sender.account_sid, sender.auth_token, http_client=TwilioHttpClient(timeout=TIMEOUT)
    )
    fields = {"to": to, "body": body}
    if sender.messaging_service_sid:
        fields["messaging_service_sid"] = sender.messaging_service_sid
    else:
        fields["from_"] = sender.from_number
    if status_callback:
        fields["status_callback"] = status_callback
    try:
        message = client.messages.create(**fields)
    except TwilioRestException as exc:
        raise SmsSendError(
            f"Twilio refused the message (HTTP {exc.status}, error {exc.code}).", code=exc.code
        ) from None
    except TwilioException as exc:
        raise SmsSendError(f"Twilio could not be reached ({type(exc).__name__}).") from None
    except OSError as exc:  # requests' connection errors and timeouts
        raise SmsSendError(f"Twilio could not be reached ({type(exc).__name__}).") from None
    return message.sid or ""
