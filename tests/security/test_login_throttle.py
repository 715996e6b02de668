"""Issue 21: failed logins are counted per username + address (LOGIN_FAILURE_LIMIT), per username
from any address (LOGIN_FAILURE_LIMIT_PER_USERNAME) and per address for any username
(LOGIN_FAILURE_LIMIT_PER_ADDRESS); the address is the client's as TRUSTED_PROXIES decides."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from salonsync.client_ip import client_ip
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PROXY = "192.0.2.10"


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    settings.TRUSTED_PROXIES = []
    return settings


def login(client, username, password="wrong-password", **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def test_one_password_sprayed_over_many_usernames_locks_the_address(client, owner, limits):
    for n in range(5):
        assert (
            login(client, f"user{n}", "Summer2026!", REMOTE_ADDR="203.0.113.7").status_code == 200
        )
    assert login(client, "user5", "Summer2026!", REMOTE_ADDR="203.0.113.7").status_code == 429
    sprayer = login(client, "olivia", PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert sprayer.status_code == 429
    assert "_auth_user_id" not in client.session
    # Only that address: the owner logs in from elsewhere.
    assert login(client, "olivia", PASSWORD, REMOTE_ADDR="198.51.100.4").status_code == 302


def test_one_username_tried_from_many_addresses_is_locked(client, owner, manager, limits):
    for n in range(4):
        assert login(client, "olivia", REMOTE_ADDR=f"203.0.113.{n + 1}").status_code == 200
    assert login(client, "olivia", REMOTE_ADDR="203.0.113.5").status_code == 429
    assert login(client, "olivia", PASSWORD, REMOTE_ADDR="198.51.100.4").status_code == 429
    assert login(client, "max", PASSWORD, REMOTE_ADDR="198.51.100.4").status_code == 302


def test_the_pair_limit_stays_the_lowest(client, owner, limits):
    for _ in range(3):
        login(client, "olivia", REMOTE_ADDR="203.0.113.7")
    assert login(client, "olivia", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert login(client, "olivia", PASSWORD, REMOTE_ADDR="198.51.100.4").status_code == 302


def test_a_successful_login_does_not_clear_the_address_count(client, owner, limits):
    """An attacker with an account of their own cannot reset their spraying count by logging
    in to it: success resets only that username + address pair."""
    make_user("mallory")
    for n in range(5):
        login(client, f"user{n}", REMOTE_ADDR="203.0.113.7")
    assert login(client, "mallory", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 302
    client.logout()
    login(client, "user9", REMOTE_ADDR="203.0.113.7")
    assert login(client, "olivia", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429


def test_failures_during_a_lockout_do_not_add_to_the_username_count(client, owner, limits):
    """One address hammering a username stays within its pair lockout: it cannot push the
    username's count (which would lock the owner out everywhere) past its own limit."""
    for _ in range(20):
        login(client, "olivia", REMOTE_ADDR="203.0.113.7")
    assert login(client, "olivia", PASSWORD, REMOTE_ADDR="198.51.100.4").status_code == 302


# -- the client's address behind proxies ---------------------------------------------------------
def test_behind_a_trusted_proxy_one_client_cannot_lock_out_another(client, owner, limits):
    limits.TRUSTED_PROXIES = [PROXY]
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for _ in range(3):
        login(client, "olivia", **attacker)
    assert login(client, "olivia", PASSWORD, **attacker).status_code == 429
    owner_at_home = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.4"}
    assert login(client, "olivia", PASSWORD, **owner_at_home).status_code == 302


def test_a_forged_forwarded_for_from_the_client_changes_nothing(client, owner, limits):
    """The proxy appends the address it saw; what the client wrote before it is not trusted."""
    limits.TRUSTED_PROXIES = [PROXY]
    for n in range(3):
        forged = f"10.9.8.{n}, 203.0.113.66"
        login(client, "olivia", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged)
    again = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "10.9.8.200, 203.0.113.66"}
    assert login(client, "olivia", PASSWORD, **again).status_code == 429


def test_without_trusted_proxies_forwarded_for_is_ignored(client, owner, limits):
    for n in range(3):
        login(client, "olivia", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert login(client, "olivia", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.7", None, "203.0.113.7"),
        ([], "203.0.113.7", "10.0.0.1", "203.0.113.7"),  # not from a trusted proxy: ignored
        ([PROXY], PROXY, "198.51.100.4", "198.51.100.4"),
        ([PROXY], PROXY, "10.0.0.1, 198.51.100.4", "198.51.100.4"),  # rightmost untrusted
        (["192.0.2.0/24"], PROXY, "198.51.100.4, 192.0.2.11", "198.51.100.4"),  # two proxies
        ([PROXY], PROXY, None, PROXY),  # the proxy sent no header: its own address
        ([PROXY], PROXY, "not-an-ip", PROXY),  # garbage: stop at the last trusted hop
        ([PROXY], PROXY, "198.51.100.4:5123", PROXY),  # ports are not ours to strip
        (["2001:db8::/32"], "2001:db8::1", "2001:db8:ffff::2, 2a00:1450::1", "2a00:1450::1"),
        ([PROXY], PROXY, " 198.51.100.4 ,  ", "198.51.100.4"),
        ([], "", None, None),
    ],
)
def test_client_ip(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected
