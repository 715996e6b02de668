"""Login and logout pages; bad input gets a form error; repeated failures are throttled."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


def test_login_page_renders(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_login_lands_owner_on_salon(client, owner):
    response = client.post(
        reverse("login"), {"username": "olivia", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/salons/alpha/"
    assert b"Alpha Hair" in response.content


@pytest.mark.parametrize(
    "data",
    [
        {"username": "olivia", "password": "wrong"},
        {"username": "", "password": ""},
        {"username": "x" * 5000, "password": "y"},
        {"username": "ol\x00ivia", "password": PASSWORD},
        {},
    ],
)
def test_bad_login_input_gets_form_error(client, owner, data):
    response = client.post(reverse("login"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_are_throttled(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "olivia", "password": "nope"})
    locked = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username(client, owner, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "olivia", "password": "nope"})
    response = client.post(reverse("login"), {"username": "max", "password": PASSWORD})
    assert response.status_code == 302


def test_logout_needs_post_and_ends_session(client, owner):
    client.force_login(owner)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/salons/alpha/").status_code == 302
