"""Known secrets never come back out: not in a response, page, admin page, log record or exception
message, and not in the stored ApiCall / WebhookEvent rows (or any other table, in plain text).

Representative flows run against the in-process sandbox platforms with known secret values:
connect through the API (Phorest) and the page (Vagaro), each first with wrong credentials
(platform 401), re-authenticate with a webhook token, sync, a sync under a platform 500 and under
rejected credentials, a connection test, and webhook deliveries (Vagaro token, Mindbody signature;
valid and invalid). Every log record (DEBUG), every response body and every row is then searched
for each secret, also URL-encoded, JSON-escaped and inside an HTTP Basic header.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import traceback
from urllib.parse import quote, quote_plus

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from integrations import sync as sync_module
from integrations.adapters import errors
from integrations.booking import BookingService
from integrations.models import ApiCall, Integration, IntegrationStatus
from integrations.sync import sync_run
from sandbox import faults
from sandbox.data import seed_account
from sandbox.models import Account
from tests.factories import PASSWORD
from tests.sandbox_transport import mount
from tests.webhooks.conftest import mindbody_event, signed_mindbody, vagaro_event, vagaro_post
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

PHOREST_USER = "global/secret-probe@alpha.example"
PHOREST_PASSWORD = "PhorestPw-Sekret-4f9c1d7e"
PHOREST_WRONG_PASSWORD = "PhorestPw-Wrong-8a2b6c0d"
VAGARO_CLIENT = "vagaro-probe-client"
VAGARO_SECRET = "VagaroClientSecret-93e1b5aa"
VAGARO_WRONG_SECRET = "VagaroClientSecret-Wrong-55d0"
WEBHOOK_TOKEN = "VagaroWebhookToken-c47e02f1"
MB_SIGNATURE_KEY = "MindbodySignatureKey-0b7d93e6/+="
MB_API_KEY = "MindbodyApiKey-6d1f8a2c"
MB_STAFF_PASSWORD = "MindbodyStaffPw-e3a5c7b9"

SECRETS = {
    "phorest password": PHOREST_PASSWORD,
    "phorest wrong password": PHOREST_WRONG_PASSWORD,
    "vagaro client secret": VAGARO_SECRET,
    "vagaro wrong secret": VAGARO_WRONG_SECRET,
    "vagaro webhook token": WEBHOOK_TOKEN,
    "mindbody signature key": MB_SIGNATURE_KEY,
    "mindbody api key": MB_API_KEY,
    "mindbody staff password": MB_STAFF_PASSWORD,
}
BASIC_USERS = {PHOREST_PASSWORD: PHOREST_USER, PHOREST_WRONG_PASSWORD: PHOREST_USER}


def forms_of(secret: str) -> set[str]:
    """The secret as it could appear: plain, URL- and JSON-escaped, inside a Basic header."""
    found = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    user = BASIC_USERS.get(secret)
    if user:
        found.add(base64.b64encode(f"{user}:{secret}".encode()).decode())
    return found


class Leaks:
    """Collects every place a secret shows up; the test fails listing them all."""

    def __init__(self) -> None:
        self.secrets = dict(SECRETS)
        self.found: list[str] = []
        self.texts = 0

    def add_secret(self, name: str, value: str) -> None:
        if value:
            self.secrets[name] = value

    def check(self, where: str, text) -> None:
        if isinstance(text, bytes | memoryview):
            text = bytes(text).decode("utf-8", "replace")
        text = str(text)
        self.texts += 1
        for name, secret in self.secrets.items():
            if any(form in text for form in forms_of(secret)):
                self.found.append(f"{name} in {where}")


@pytest.fixture
def leaks():
    return Leaks()


@pytest.fixture
def world(salon, owner, sandbox_http, settings, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    # Per-process memory cache: the sync lock's extend() fails on the test Redis (see report).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.MINDBODY_WEBHOOK_SIGNATURE_KEY = MB_SIGNATURE_KEY
    settings.MINDBODY_API_KEY = MB_API_KEY
    settings.VAGARO_WEBHOOK_ALLOWED_IPS = []

    def service_for(integration):  # syncs never sleep between retries
        service = BookingService(integration, sleep=lambda _seconds: None)
        mount(service.adapter.http.session)
        return service

    monkeypatch.setattr(sync_module, "sync_service_for", service_for)
    seed_account(
        platform="phorest",
        account_id="biz-secret-01",
        branch_id="br-secret-01",
        name="Secret Salon (Phorest)",
        timezone=salon.timezone,
        username=PHOREST_USER,
        password=PHOREST_PASSWORD,
        clients=4,
        months_back=1,
        months_ahead=1,
    )
    seed_account(
        platform="vagaro",
        account_id="sEcReTvAgArO==",
        name="Secret Salon (Vagaro)",
        timezone=salon.timezone,
        username=VAGARO_CLIENT,
        password=VAGARO_SECRET,
        clients=4,
        months_back=1,
        months_ahead=1,
    )
    mindbody = Integration(
        salon=salon,
        platform="mindbody",
        account={"site_id": "-99"},
        status=IntegrationStatus.CONNECTED,
    )
    mindbody.credentials = {"username": "staff@secret.example", "password": MB_STAFF_PASSWORD}
    mindbody.save()
    return {"salon": salon, "owner": owner, "mindbody": mindbody}


def _api(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, content_type="application/json")


def test_no_secret_leaks_anywhere(
    client, world, leaks, caplog, django_capture_on_commit_callbacks, monkeypatch
):
    salon = world["salon"]
    client.force_login(world["owner"])
    responses: list[tuple[str, object]] = []

    def keep(where, response):
        responses.append((where, response))
        return response

    # -- connect through the API (Phorest): wrong password (platform 401), then the right one
    api_list = f"/api/v1/salons/{salon.slug}/integrations/"
    connect = {
        "platform": "phorest",
        "credentials": {"username": PHOREST_USER, "password": PHOREST_WRONG_PASSWORD},
        "account": {"business_id": "biz-secret-01", "branch_id": "br-secret-01"},
    }
    refused = keep("API connect, wrong password", _api(client, "post", api_list, connect))
    assert refused.status_code == 400, refused.content
    connect["credentials"]["password"] = PHOREST_PASSWORD
    created = keep("API connect", _api(client, "post", api_list, connect))
    assert created.status_code == 201, created.content
    phorest = Integration.objects.get(pk=created.json()["id"])

    # -- connect through the page (Vagaro): wrong secret (401), then right; then the webhook token
    page = reverse("integration_connect", kwargs={"slug": salon.slug, "platform": "vagaro"})
    form = {"client_id": VAGARO_CLIENT, "region": "us02", "business_id": "sEcReTvAgArO=="}
    bad = keep(
        "connect page, wrong secret",
        client.post(page, {**form, "client_secret": VAGARO_WRONG_SECRET}),
    )
    assert bad.status_code == 200 and bad.context["form"].errors
    good = keep("connect page", client.post(page, {**form, "client_secret": VAGARO_SECRET}))
    assert good.status_code == 302, good.content
    vagaro = Integration.objects.get(platform="vagaro", salon=salon)
    reauth = reverse("integration_reauth", kwargs={"slug": salon.slug, "pk": vagaro.pk})
    again = keep(
        "re-authenticate page", client.post(reauth, {**form, "webhook_token": WEBHOOK_TOKEN})
    )
    assert again.status_code == 302, again.content
    vagaro.refresh_from_db()
    assert WEBHOOK_TOKEN in vagaro.credentials["webhook_token"]
    assert vagaro.credentials["client_secret"] == VAGARO_SECRET  # blank kept the saved one

    # -- syncs, a connection test, then failures: platform 500 and rejected credentials
    for integration in (phorest, vagaro):
        run = sync_run(integration=integration)
        assert run.state == "succeeded", run.error
        url = f"{api_list}{integration.pk}/test/"
        keep(f"API test {integration.platform}", _api(client, "post", url))
        integration.refresh_from_db()
        leaks.add_secret(f"{integration.platform} access token", integration.access_token)
    keep(
        "sync now page",
        client.post(
            reverse("integration_sync", kwargs={"slug": salon.slug, "pk": phorest.pk}),
            {"kind": "incremental"},
        ),
    )
    exceptions: list[BaseException] = []
    faults.set_fault("phorest", "server_error", 500)
    assert sync_run(integration=phorest).state == "failed"
    keep("API test under 500", _api(client, "post", f"{api_list}{phorest.pk}/test/"))
    try:
        BookingService(phorest, sleep=lambda _s: None).test_connection()
    except errors.IntegrationError as exc:
        exceptions.append(exc)
    faults.clear_faults()
    Account.objects.filter(platform="vagaro").update(password="rotated-by-the-owner")
    vagaro.refresh_from_db()
    vagaro.access_token = ""
    vagaro.save()
    # A full resync walks the customers again (an incremental on Vagaro may need no call).
    assert sync_run(integration=vagaro, kind="full").state == "failed"
    try:
        BookingService(vagaro, sleep=lambda _s: None).test_connection()
    except errors.IntegrationError as exc:
        exceptions.append(exc)
    assert len(exceptions) == 2

    # -- webhooks: Vagaro (token in a header) and Mindbody (HMAC with the key), good and bad
    with django_capture_on_commit_callbacks(execute=True):
        keep(
            "vagaro webhook",
            vagaro_post(
                client, vagaro, vagaro_event("event_appointment_created"), token=WEBHOOK_TOKEN
            ),
        )
        keep(
            "vagaro webhook, bad token",
            vagaro_post(
                client, vagaro, vagaro_event("event_appointment_created"), token="not-the-token"
            ),
        )
        keep(
            "mindbody webhook",
            signed_mindbody(
                client, mindbody_event("event_appointment_booking_created"), key=MB_SIGNATURE_KEY
            ),
        )
        keep(
            "mindbody webhook, bad key",
            signed_mindbody(
                client, mindbody_event("event_appointment_booking_created"), key="wrong-key"
            ),
        )
    assert WebhookEvent.objects.count() >= 3

    # -- every page, API answer and admin page that shows these objects
    integrations = list(Integration.objects.filter(salon=salon))
    pages = [
        reverse("integration_list", kwargs={"slug": salon.slug}),
        reverse("salon_detail", kwargs={"slug": salon.slug}),
        api_list,
    ]
    for i in integrations:
        kwargs = {"slug": salon.slug, "pk": i.pk}
        pages += [
            reverse("integration_detail", kwargs=kwargs),
            reverse("integration_disconnect", kwargs=kwargs),
            f"{api_list}{i.pk}/",
        ]
    for platform in ("phorest", "vagaro", "mindbody"):
        pages.append(
            reverse("integration_connect", kwargs={"slug": salon.slug, "platform": platform})
        )
    for where in pages:
        response = keep(where, client.get(where))
        assert response.status_code == 200, where

    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "r@example.com", PASSWORD))
    admin_pages = []
    for model in (Integration, ApiCall, WebhookEvent):
        opts = model._meta
        admin_pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        for pk in model.objects.values_list("pk", flat=True):
            admin_pages.append(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
            )
    for model in apps.get_app_config("integrations").get_models():
        with contextlib.suppress(NoReverseMatch):
            admin_pages.append(reverse(f"admin:integrations_{model._meta.model_name}_changelist"))
    for where in admin_pages:
        response = keep(f"admin {where}", admin.get(where))
        assert response.status_code == 200, where

    # -- search everything
    for where, response in responses:
        leaks.check(f"response {where}", response.content)
        for header, value in response.headers.items():
            leaks.check(f"response header {header} of {where}", value)
    for exc in exceptions:
        leaks.check(f"exception {type(exc).__name__}", "".join(traceback.format_exception(exc)))
        leaks.check(f"exception repr {type(exc).__name__}", repr(exc))
    root_handlers = logging.getLogger().handlers
    for record in caplog.records:
        where = f"log record {record.name}: {record.msg!r}"
        leaks.check(where, record.getMessage())
        leaks.check(where + " (fields)", repr(vars(record)))
        if record.exc_info:
            leaks.check(
                where + " (exception)", "".join(traceback.format_exception(*record.exc_info))
            )
        for handler in root_handlers:  # what the configured handlers would actually write
            if handler is not caplog.handler and handler.filter(record):
                leaks.check(
                    where + f" (as written by {type(handler).__name__})", handler.format(record)
                )
    assert len(caplog.records) > 20, "the flows logged less than expected"

    for model in (ApiCall, WebhookEvent):
        rows = list(model.objects.values())
        assert rows, model.__name__
        for row in rows:
            leaks.check(f"{model.__name__} row {row.get('id')}", repr(row))
    # Every table of the app, as stored (credentials and tokens are encrypted at rest). The
    # sandbox's tables are the fake platforms' own records of their accounts and are skipped.
    for app in ("integrations", "webhooks", "rebooking", "auth", "sessions", "admin"):
        for model in apps.get_app_config(app).get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a model's own table name
                for row in cursor.fetchall():
                    leaks.check(f"table {model._meta.db_table}", repr(row))

    assert leaks.texts > 100
    assert not leaks.found, "\n".join(sorted(set(leaks.found)))
    assert "vagaro access token" in leaks.secrets  # the tokens were really checked too


def test_integration_admin_change_page_with_api_calls(world):
    from django.utils import timezone

    integration = world["mindbody"]
    ApiCall.objects.create(
        integration=integration,
        operation="probe",
        method="GET",
        path="/x",
        status=200,
        duration_ms=1.0,
        created_at=timezone.now(),
    )
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "r@example.com", PASSWORD))
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    assert admin.get(url).status_code == 200


def test_credentials_are_write_only_in_the_api(client, world):
    client.force_login(world["owner"])
    response = client.get(
        f"/api/v1/salons/{world['salon'].slug}/integrations/{world['mindbody'].pk}/"
    )
    body = response.json()
    assert body["saved_credentials"] == ["password", "username"]
    assert "credentials" not in body and MB_STAFF_PASSWORD not in response.content.decode()


def test_the_search_finds_encoded_secrets():
    leaks = Leaks()
    basic = base64.b64encode(f"{PHOREST_USER}:{PHOREST_PASSWORD}".encode()).decode()
    leaks.check("basic", f"Authorization: Basic {basic}")
    leaks.check("url", "https://x/?secret=" + quote(MB_SIGNATURE_KEY, safe=""))
    leaks.check("clean", "nothing to see")
    assert leaks.found == ["phorest password in basic", "mindbody signature key in url"]
