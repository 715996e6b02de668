"""Security headers, cookies, CSRF and throttling.

The production profile (DJANGO_DEBUG false) is exercised in a subprocess, as it really starts:
its response headers (CSP, HSTS, frame and referrer policies, nosniff), its cookies (Secure,
HttpOnly), its HTTPS redirect, and its CSRF-exempt views (only the webhook receivers). In-process:
every POST form of every page carries a CSRF token and is refused without one, the API refuses a
session POST without one, failed logins and API calls are throttled.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authentication import SessionAuthentication
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from salons.roles import Role
from tests.factories import PASSWORD, make_member
from tests.rebooking_ui.conftest import make_integration, make_suggestion

ROOT = Path(__file__).resolve().parents[2]
LONG_SECRET = "k3J#9vQ!x2Lm$8pRt7&Wz4Yb6Nc1Hd5Fg0Sa^Ue(Io)Ky_Xw+Vq=Tr*Ms%Ln@Bj"

# Runs under the production settings: a throwaway in-memory database, plain static storage (the
# manifest needs collectstatic, which has nothing to do with headers).
PRODUCTION_PROBE = textwrap.dedent(
    """
    import json, re
    import django
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import URLPattern, URLResolver, get_resolver

    call_command("migrate", verbosity=0, interactive=False)
    from django.contrib.auth import get_user_model
    get_user_model().objects.create_user("probe", password="probe-password-1")

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    def cookies(response):
        return {
            name: {
                "secure": bool(m["secure"]),
                "httponly": bool(m["httponly"]),
                "samesite": m["samesite"],
            }
            for name, m in response.cookies.items()
        }

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        c = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
        insecure = c.get("/accounts/login/")
        page = c.get("/accounts/login/", secure=True)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
        login = c.post(
            "/accounts/login/",
            {"username": "probe", "password": "probe-password-1",
             "csrfmiddlewaretoken": token.group(1)},
            secure=True,
            HTTP_REFERER="https://localhost/accounts/login/",
        )
        api = c.get("/api/v1/salons/", secure=True)
        admin = c.get("/admin/login/", secure=True)
    exempt = sorted(
        route for route, p in walk(get_resolver().url_patterns)
        if getattr(p.callback, "csrf_exempt", False) and not hasattr(p.callback, "cls")
    )
    print(json.dumps({
        "insecure": [insecure.status_code, insecure.get("Location", "")],
        "page": [page.status_code, dict(page.headers), cookies(page)],
        "login": [login.status_code, cookies(login)],
        "api": [api.status_code, dict(api.headers)],
        "admin": [admin.status_code, dict(admin.headers)],
        "exempt": exempt,
    }))
    """
)


@pytest.fixture(scope="module")
def production():
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "FERNET", "DATABASE", "REDIS", "SANDBOX", "LOG_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="salonsync.settings",
        DJANGO_SECRET_KEY=LONG_SECRET,
        FERNET_KEYS="prod-probe-key",
        DATABASE_URL="sqlite:///:memory:",
        LOG_LEVEL="ERROR",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _csp(headers: dict) -> dict[str, list[str]]:
    policy = headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_production_redirects_http_to_https(production):
    status, location = production["insecure"]
    assert status == 301 and location.startswith("https://localhost/")


def test_production_security_headers(production):
    status, headers, _cookies = production["page"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = _csp(headers)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]


@pytest.mark.parametrize("which", ["api", "admin"])
def test_production_headers_on_api_and_admin(production, which):
    status, headers = production[which]
    assert status == 200
    assert "Strict-Transport-Security" in headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert _csp(headers)["script-src"] == ["'self'"]


def test_production_cookies_are_secure_and_httponly(production):
    _status, _headers, page_cookies = production["page"]
    login_status, login_cookies = production["login"]
    assert login_status == 302
    assert page_cookies["csrftoken"]["secure"] and page_cookies["csrftoken"]["httponly"]
    for name in ("sessionid", "csrftoken"):  # login rotates both
        cookie = login_cookies[name]
        assert cookie["secure"] and cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name


def test_production_only_webhooks_are_csrf_exempt(production):
    """Outside the REST API (CSRF-checked by SessionAuthentication, below), the only views that
    skip CSRF are the platforms' webhook receivers. The sandbox is not mounted in production."""
    assert production["exempt"] == [
        # RFC 8058 one-click unsubscribe: mail providers POST with no cookie or token; the
        # signed link is the permission, and the only effect is no more emails.
        "r/unsubscribe/<str:token>/",
        "webhooks/mindbody/",
        "webhooks/sms/twilio/<uuid:key>/inbound/",
        "webhooks/sms/twilio/<uuid:key>/status/",
        "webhooks/vagaro/<uuid:integration_id>/",
    ]


# -- in-process: the same policy in the test profile -------------------------------------------
def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def test_csrf_exempt_views_are_webhooks_api_or_sandbox_emulators():
    for route, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        if not getattr(callback, "csrf_exempt", False):
            continue
        cls = getattr(callback, "cls", None)
        if cls is not None and issubclass(cls, APIView):
            # DRF exempts its views from the middleware and checks CSRF itself for sessions.
            auth = cls().get_authenticators()
            assert any(isinstance(a, SessionAuthentication) for a in auth) or not any(
                "Session" in type(a).__name__ for a in auth
            ), route
            continue
        if route == "r/unsubscribe/<str:token>/":  # RFC 8058 one-click unsubscribe, above
            continue
        assert route.startswith(("webhooks/", "sandbox/")), route


def test_csp_header_in_test_profile(client, db):
    response = client.get(reverse("login"))
    csp = _csp(response.headers)
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


def _post_forms(body: str, page_url: str):
    for attrs, inner in FORM.findall(body):
        if not re.search(r'method\s*=\s*["\']?post', attrs, re.I):
            continue
        action = re.search(r'action\s*=\s*"([^"]*)"', attrs)
        url = html.unescape(action.group(1)) if action and action.group(1) else page_url
        fields = dict(
            re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', inner)
        )
        yield url, inner, fields


@pytest.fixture
def site(salon, owner, sandbox_http):
    from sandbox.data import seed_account

    integration = make_integration(salon)
    make_suggestion(integration)
    account = seed_account(
        platform="phorest",
        account_id="biz-csrf",
        branch_id="br-csrf",
        name="CSRF Salon",
        username="global/csrf@example.com",
        password="csrf-sandbox-pw",
        clients=3,
        months_back=1,
        months_ahead=1,
    )
    admin = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    return {"salon": salon, "integration": integration, "account": account, "admin": admin}


def _pages(site) -> list[str]:
    slug = site["salon"].slug
    pk = site["integration"].pk
    pages = [
        reverse("salon_detail", kwargs={"slug": slug}),
        reverse("salon_settings", kwargs={"slug": slug}),
        reverse("integration_list", kwargs={"slug": slug}),
        reverse("integration_new", kwargs={"slug": slug}),
        reverse("integration_detail", kwargs={"slug": slug, "pk": pk}),
        reverse("integration_disconnect", kwargs={"slug": slug, "pk": pk}),
        reverse("rebooking_suggestions", kwargs={"slug": slug}),
        reverse("rebooking_settings", kwargs={"slug": slug}),
        reverse("sandbox_index"),
        reverse("sandbox_control"),
        reverse("sandbox_desk", kwargs={"platform": "phorest", "pk": site["account"].pk}),
    ]
    pages += [
        reverse("integration_connect", kwargs={"slug": slug, "platform": p})
        for p in ("mindbody", "vagaro", "phorest")
    ]
    return pages


def test_every_post_form_has_a_token_and_is_refused_without_one(site, owner):
    make_member(site["salon"], "root-member", Role.OWNER)
    checked = 0
    anonymous = Client(enforce_csrf_checks=True)
    login_page = anonymous.get(reverse("login")).content.decode()
    forms = [(reverse("login"), *f[:2], anonymous) for f in [*_post_forms(login_page, "/")]]
    member = Client(enforce_csrf_checks=True)
    member.force_login(owner)
    for page in _pages(site):
        response = member.get(page)
        assert response.status_code == 200, page
        forms += [
            (page, url, inner, member)
            for url, inner, _f in _post_forms(response.content.decode(), page)
        ]
    admin = Client(enforce_csrf_checks=True)
    admin.force_login(site["admin"])
    for page in (
        reverse("admin:integrations_integration_changelist"),
        reverse("admin:integrations_integration_change", args=[site["integration"].pk]),
    ):
        response = admin.get(page)
        assert response.status_code == 200, page
        forms += [
            (page, url, inner, admin)
            for url, inner, _f in _post_forms(response.content.decode(), page)
        ]
    assert len(forms) >= 15
    for page, url, inner, client in forms:
        assert 'name="csrfmiddlewaretoken"' in inner, f"form posting to {url} on {page}"
        response = client.post(url, {"probe": "1"})
        assert response.status_code == 403, f"{url} (from {page}) took a POST without a token"
        checked += 1
    assert checked == len(forms)


def test_api_session_post_needs_the_csrf_token(salon, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = reverse("api_salon_detail", kwargs={"slug": salon.slug})
    response = client.patch(url, {"name": "Changed"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]
    salon.refresh_from_db()
    assert salon.name == "Alpha Hair"


def test_api_token_clients_need_no_csrf_token(salon, owner):
    from salons.api_tokens import api_token_create

    token = api_token_create(user=owner)
    client = Client(enforce_csrf_checks=True)
    url = reverse("api_salon_detail", kwargs={"slug": salon.slug})
    response = client.patch(
        url,
        {"name": "Changed"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200


# -- throttling ----------------------------------------------------------------------------------
def test_login_is_throttled(client, owner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        response = client.post(reverse("login"), {"username": owner.username, "password": "no"})
        assert response.status_code == 200
    third = client.post(reverse("login"), {"username": owner.username, "password": "no"})
    assert third.status_code == 429
    # locked out: even the right password is refused
    locked = client.post(reverse("login"), {"username": owner.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.fixture
def tiny_rates(settings, monkeypatch):
    rates = {"user": "3/min", "anon": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF reads the rates once, when the throttle classes are defined.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    return rates


def _assert_throttled(response):
    assert response.status_code == 429
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert body["error"]["code"] == "throttled" and body["error"]["message"]
    assert int(response["Retry-After"]) > 0


def test_api_is_throttled_per_user(client, salon, owner, tiny_rates):
    client.force_login(owner)
    url = reverse("api_salon_list")
    for _ in range(3):
        assert client.get(url).status_code == 200
    _assert_throttled(client.get(url))
    other = Client()
    other.force_login(make_member(salon, "someone", Role.VIEWER))
    assert other.get(url).status_code == 200  # per user


def test_api_is_throttled_for_anonymous_callers(client, db, tiny_rates):
    url = reverse("api_schema") + "?format=json"  # the only API view open to anonymous callers
    for _ in range(2):
        assert client.get(url).status_code == 200
    _assert_throttled(client.get(url))
