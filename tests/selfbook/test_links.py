"""Signed links: what they carry, and every way one can be bad (tampered, cut short, too old,
the other kind of link), plus links kept out of the logs."""

from __future__ import annotations

import time

import pytest
from django.core import signing

from salonsync.logging import REDACTED, scrub_text
from selfbook.links import (
    BookLink,
    LinkExpired,
    LinkInvalid,
    book_link_read,
    book_token,
    unsubscribe_link_read,
    unsubscribe_url,
)


def test_a_link_carries_the_suggestion_and_the_client():
    token = book_token(suggestion_id=42, customer_ref="cust-1")
    assert book_link_read(token) == BookLink(42, "cust-1")
    assert "cust-1" not in token and "/" not in token


@pytest.mark.parametrize(
    "spoil",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature changed
        lambda t: t[:-8],  # cut short
        lambda t: "x" + t,  # the payload changed
        lambda t: "not-a-link",
        lambda t: "",
        lambda t: t + ":" * 500,  # far too long
    ],
)
def test_a_spoilt_link_is_invalid(spoil):
    with pytest.raises(LinkInvalid):
        book_link_read(spoil(book_token(suggestion_id=42, customer_ref="cust-1")))


def test_a_link_signed_for_something_else_is_invalid():
    # Our key and a valid signature, but another salt: an unsubscribe link is not a booking link.
    unsubscribe = unsubscribe_url(integration_id="abc", customer_ref="cust-1").split("/")[-2]
    with pytest.raises(LinkInvalid):
        book_link_read(unsubscribe)
    with pytest.raises(LinkInvalid):
        unsubscribe_link_read(book_token(suggestion_id=1, customer_ref="cust-1"))
    odd = signing.TimestampSigner(salt="selfbook.book-link").sign_object({"s": "1", "c": 5})
    with pytest.raises(LinkInvalid):
        book_link_read(odd)


def test_a_link_older_than_the_limit_has_expired(settings, monkeypatch):
    settings.SELFBOOK_LINK_MAX_AGE_DAYS = 30
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 31 * 86400)
    old = book_token(suggestion_id=42, customer_ref="cust-1")
    monkeypatch.setattr(signing.time, "time", real)
    with pytest.raises(LinkExpired):
        book_link_read(old)
    settings.SELFBOOK_LINK_MAX_AGE_DAYS = 32
    assert book_link_read(old).suggestion_id == 42


def test_an_unsubscribe_link_round_trips():
    token = unsubscribe_url(integration_id="int-1", customer_ref="cust-9").split("/")[-2]
    link = unsubscribe_link_read(token)
    assert (link.integration_id, link.customer_ref) == ("int-1", "cust-9")


def test_links_never_reach_the_logs():
    token = book_token(suggestion_id=42, customer_ref="cust-1")
    line = f'"GET /r/{token}/ HTTP/1.1" 200 and "POST /r/unsubscribe/{token}/ HTTP/1.1" 200'
    scrubbed = scrub_text(line)
    assert token not in scrubbed
    assert f"/r/{REDACTED}/" in scrubbed and f"/r/unsubscribe/{REDACTED}/" in scrubbed
    # The owner's pages keep their paths.
    assert scrub_text("GET /salons/alpha/rebooking/") == "GET /salons/alpha/rebooking/"
