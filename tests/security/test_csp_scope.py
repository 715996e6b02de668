"""One strict Content-Security-Policy everywhere: the API docs and the admin's periodic-task form
need no exception (their inline code lives in static files), and no page loosens it."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _directives(policy: str) -> set[str]:
    return {part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/docs/",
        "/admin/django_celery_beat/periodictask/add/",
        "/admin/",
        "/salons/alpha/",
        "/salons/alpha/settings/",
        "/accounts/login/",
    ],
)
def test_every_page_sends_the_same_strict_policy(client, admin_user, owner, path):
    if path.startswith("/salons/"):
        client.force_login(owner)
    elif path != "/accounts/login/":
        client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 200, path
    assert _directives(response["Content-Security-Policy"]) == _directives(STRICT)


@pytest.mark.django_db
def test_api_docs_page_has_no_inline_style_or_script(admin_client):
    html = admin_client.get("/api/docs/").content.decode()
    assert "<style" not in html
    assert "<script>" not in html  # every script has a src (the split view's init script too)
    assert "css/swagger.css" in html


@pytest.mark.django_db
def test_periodic_task_form_has_no_inline_script(admin_client):
    html = admin_client.get("/admin/django_celery_beat/periodictask/add/").content.decode()
    assert 'id="periodic-task-overrides"' in html and "js/periodic_task_form.js" in html
    assert "const readableCrontabs" not in html
    assert finders.find("js/periodic_task_form.js") and finders.find("css/swagger.css")


def test_favicon_ico_redirects_to_the_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"
    assert finders.find("img/favicon.svg")
    assert client.post("/favicon.ico").status_code == 405


@pytest.mark.django_db
def test_pages_link_the_favicon(client, owner):
    client.force_login(owner)
    html = client.get(reverse("salon_detail", kwargs={"slug": "alpha"})).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html
