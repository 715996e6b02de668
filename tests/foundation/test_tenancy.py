"""Every page and API view is scoped to the user's salons; roles decide what a member may change."""

import pytest
from django.urls import reverse

from integrations.models import Salon
from salons.roles import PERMISSIONS, Action, Role, role_can
from tests.factories import make_member


@pytest.fixture
def owner_b(other_salon):
    return make_member(other_salon, "bob", "owner")


PAGES = ["salon_detail", "salon_settings"]


@pytest.mark.parametrize("page", PAGES)
def test_owner_of_a_gets_404_on_salon_b_pages(client, owner, other_salon, page):
    client.force_login(owner)
    response = client.get(reverse(page, kwargs={"slug": other_salon.slug}))
    assert response.status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_missing_salon_and_foreign_salon_look_the_same(client, owner, other_salon, page):
    client.force_login(owner)
    foreign = client.get(reverse(page, kwargs={"slug": other_salon.slug}))
    missing = client.get(reverse(page, kwargs={"slug": "no-such-salon"}))
    assert foreign.status_code == missing.status_code == 404
    assert other_salon.name not in foreign.content.decode()


def test_owner_of_a_cannot_post_to_salon_b(client, owner, other_salon):
    client.force_login(owner)
    url = reverse("salon_settings", kwargs={"slug": other_salon.slug})
    response = client.post(url, {"name": "Hijacked", "timezone": "UTC"})
    assert response.status_code == 404
    other_salon.refresh_from_db()
    assert other_salon.name == "Beta Beauty"


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, salon, page):
    response = client.get(reverse(page, kwargs={"slug": salon.slug}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_member_sees_their_salon_and_switcher_lists_only_theirs(client, owner, other_salon):
    client.force_login(owner)
    response = client.get(reverse("salon_detail", kwargs={"slug": "alpha"}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Hair" in body
    assert "Beta Beauty" not in body
    assert 'data-testid="salon-switcher"' in body


def test_home_lands_on_first_salon(client, owner):
    client.force_login(owner)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == "/salons/alpha/"


def test_home_without_salon_explains(client, db):
    from tests.factories import make_user

    client.force_login(make_user("lonely"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "not a member of any salon" in response.content.decode()


def test_viewer_cannot_change_salon_settings(client, viewer, salon):
    client.force_login(viewer)
    url = reverse("salon_settings", kwargs={"slug": salon.slug})
    page = client.get(url)
    assert page.status_code == 200
    assert "can see these settings but not change them" in page.content.decode()
    assert 'type="submit">Save' not in page.content.decode()
    response = client.post(url, {"name": "Renamed", "timezone": "UTC"})
    assert response.status_code == 403
    salon.refresh_from_db()
    assert (salon.name, salon.timezone) == ("Alpha Hair", "America/New_York")


@pytest.mark.parametrize("member", ["owner", "manager"])
def test_owner_and_manager_can_change_settings(client, request, salon, member):
    client.force_login(request.getfixturevalue(member))
    url = reverse("salon_settings", kwargs={"slug": salon.slug})
    response = client.post(url, {"name": "Alpha Studio", "timezone": "Europe/Dublin"})
    assert response.status_code == 302
    salon.refresh_from_db()
    assert (salon.name, salon.timezone) == ("Alpha Studio", "Europe/Dublin")


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": "X", "timezone": "Mars/Olympus"}, "timezone", "is not a time zone we know"),
        ({"name": "   ", "timezone": "UTC"}, "name", "This field is required"),
        ({"name": "X" * 201, "timezone": "UTC"}, "name", "at most 200 characters"),
        ({"name": "A\x00B", "timezone": "UTC"}, "name", "Null characters are not allowed"),
    ],
)
def test_bad_settings_input_gets_form_errors(client, owner, salon, data, field, message):
    client.force_login(owner)
    response = client.post(reverse("salon_settings", kwargs={"slug": salon.slug}), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Salon.objects.get(pk=salon.pk).name == "Alpha Hair"


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("action", Action.values)
def test_permission_table_is_what_the_roles_say(role, action):
    expected = {
        Action.VIEW: {"owner", "manager", "viewer"},
        Action.OPERATE: {"owner", "manager"},
        Action.EDIT_SALON: {"owner", "manager"},
        Action.MANAGE_INTEGRATIONS: {"owner"},
        Action.MANAGE_TEAM: {"owner"},
    }[action]
    assert role_can(role, action) is (role in expected)
    assert set(PERMISSIONS) == set(Action.values)


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_only_my_salons_with_my_role(client, owner, owner_b):
    client.force_login(owner)
    response = client.get("/api/v1/salons/")
    assert response.status_code == 200
    assert response.json() == [
        {
            "slug": "alpha",
            "name": "Alpha Hair",
            "timezone": "America/New_York",
            "currency": "",
            "role": "owner",
        }
    ]


def test_api_other_salon_is_404_with_error_shape(client, owner, owner_b):
    client.force_login(owner)
    for method in ("get", "patch"):
        response = getattr(client, method)(
            "/api/v1/salons/beta/", data={"name": "x"}, content_type="application/json"
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_api_viewer_cannot_patch(client, viewer, salon):
    client.force_login(viewer)
    response = client.patch(
        "/api/v1/salons/alpha/", data={"name": "Nope"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    salon.refresh_from_db()
    assert salon.name == "Alpha Hair"


def test_api_owner_patch_and_validation(client, owner, salon):
    client.force_login(owner)
    ok = client.patch(
        "/api/v1/salons/alpha/", data={"timezone": "Europe/London"}, content_type="application/json"
    )
    assert ok.status_code == 200
    assert ok.json()["timezone"] == "Europe/London"
    bad = client.patch(
        "/api/v1/salons/alpha/", data={"timezone": "Nowhere/Land"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"
    assert "timezone" in bad.json()["error"]["fields"]
    garbage = client.generic(
        "PATCH", "/api/v1/salons/alpha/", data="{not json", content_type="application/json"
    )
    assert garbage.status_code == 400
    assert "JSON" in garbage.json()["error"]["message"]


def test_api_requires_authentication(client, salon):
    response = client.get("/api/v1/salons/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_api_token_authentication(client, owner):
    from salons.api_tokens import api_token_create

    token = api_token_create(user=owner)
    response = client.get("/api/v1/salons/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert [s["slug"] for s in response.json()] == ["alpha"]
