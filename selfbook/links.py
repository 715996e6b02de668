"""Signed client links (django.core.signing): nobody logs in, the link is the permission.

A booking link carries the suggestion and the client it was made for, and its signing time: it
works until the suggestion expires and never longer than SELFBOOK_LINK_MAX_AGE_DAYS. An
unsubscribe link carries the connection and the client, and does not expire. Each has its own
salt, so one kind of link is never accepted as the other. Links are bearer secrets: they are kept
out of the logs (salonsync/logging.py scrubs /r/<token>).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

BOOK_SALT = "selfbook.book-link"
UNSUBSCRIBE_SALT = "selfbook.unsubscribe-link"
# Longer than any link we make: anything past it is not ours (no work spent verifying it).
MAX_TOKEN_LENGTH = 400


class LinkInvalid(Exception):
    """Tampered with, truncated, or not a link of ours."""


class LinkExpired(Exception):
    """Signed by us, but older than SELFBOOK_LINK_MAX_AGE_DAYS."""


@dataclass(frozen=True)
class BookLink:
    suggestion_id: int
    customer_ref: str


@dataclass(frozen=True)
class UnsubscribeLink:
    integration_id: str
    customer_ref: str


def _absolute(path: str) -> str:
    return settings.SALONSYNC_PUBLIC_URL.rstrip("/") + path


def book_token(*, suggestion_id: int, customer_ref: str) -> str:
    return signing.TimestampSigner(salt=BOOK_SALT).sign_object(
        {"s": suggestion_id, "c": customer_ref}, compress=True
    )


def book_url(*, suggestion_id: int, customer_ref: str) -> str:
    token = book_token(suggestion_id=suggestion_id, customer_ref=customer_ref)
    return _absolute(reverse("selfbook_page", kwargs={"token": token}))


def book_link_read(token: str) -> BookLink:
    if len(token) > MAX_TOKEN_LENGTH:
        raise LinkInvalid
    max_age = timedelta(days=settings.SELFBOOK_LINK_MAX_AGE_DAYS)
    try:
        payload = signing.TimestampSigner(salt=BOOK_SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid from exc
    suggestion_id, customer_ref = _fields(payload, "s", "c")
    if not isinstance(suggestion_id, int):
        raise LinkInvalid
    return BookLink(suggestion_id, customer_ref)


def unsubscribe_url(*, integration_id, customer_ref: str) -> str:
    token = signing.dumps({"i": str(integration_id), "c": customer_ref}, salt=UNSUBSCRIBE_SALT)
    return _absolute(reverse("selfbook_unsubscribe", kwargs={"token": token}))


def unsubscribe_link_read(token: str) -> UnsubscribeLink:
    if len(token) > MAX_TOKEN_LENGTH:
        raise LinkInvalid
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid from exc
    integration_id, customer_ref = _fields(payload, "i", "c")
    if not isinstance(integration_id, str):
        raise LinkInvalid
    return UnsubscribeLink(integration_id, customer_ref)


def _fields(payload, first: str, second: str) -> tuple:
    if not isinstance(payload, dict):
        raise LinkInvalid
    value, ref = payload.get(first), payload.get(second)
    if not isinstance(ref, str) or not ref:
        raise LinkInvalid
    return value, ref
