"""The integration pages: BookingIntegrationPage, PlatformSelector, ConnectionStatus.

Roles (owner connects; manager and viewer only look), tenancy (another salon's integration is a
404 on every page and POST), credential input checks, platform answers (``responses`` against the
Phorest harness URL, or a fake BookingService), write-only secrets, and the 24-hour statistics.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import responses
from django.urls import reverse

from integrations.adapters.errors import AuthenticationError
from integrations.adapters.types import ConnectionResult
from integrations.models import ApiCall, Integration, IntegrationStatus
from integrations.selectors import (
    integration_api_stats,
    percentile,
    window_start,
)
from integrations.services import ConnectError
from integrations.views import chart_geometry
from tests.integrations.adapters.harness import phorest as phorest_harness

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-Do-Not-Leak-7f9a2c"
WEBHOOK_SECRET = "whk-Do-Not-Leak-44bd01"
PHOREST_URL = phorest_harness.Harness.base_url
BUSINESS, BRANCH = phorest_harness.BUSINESS, phorest_harness.BRANCH


# -- helpers --------------------------------------------------------------------------------------
def make_integration(salon, platform="phorest", **extra) -> Integration:
    account, credentials = {
        "phorest": (
            {"business_id": f"biz-{salon.slug}", "branch_id": "br-1"},
            {"username": "global/owner@example.com", "password": SECRET},
        ),
        "vagaro": (
            {"business_id": f"vg-{salon.slug}"},
            {"client_id": "vg-client", "client_secret": SECRET, "webhook_token": WEBHOOK_SECRET},
        ),
        "mindbody": ({"site_id": "-99"}, {"username": "Siteowner", "password": SECRET}),
    }[platform]
    integration = Integration(
        salon=salon,
        platform=platform,
        account=account,
        status=extra.pop("status", IntegrationStatus.CONNECTED),
        account_name=extra.pop("account_name", f"{salon.name} on {platform}"),
        **extra,
    )
    integration.credentials = credentials
    integration.save()
    return integration


def url(name: str, salon, **kwargs) -> str:
    return reverse(name, kwargs={"slug": salon.slug, **kwargs})


def phorest_form(**changes) -> dict[str, str]:
    data = {
        "username": "global/owner@example.com",
        "password": SECRET,
        "business_id": BUSINESS,
        "branch_id": BRANCH,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


class FakeBookingService:
    """Stands in for integrations.services.BookingService: records what it was asked to test."""

    result: ConnectionResult = ConnectionResult(ok=True, account_name="Fake Salon Co")
    error: Exception | None = None
    seen: list[Integration]

    def __init__(self, integration, **kwargs) -> None:
        self.integration = integration
        type(self).seen.append(integration)

    def test_connection(self) -> ConnectionResult:
        if self.error is not None:
            raise self.error
        return self.result

    def record_calls_for(self, integration) -> None:
        self.integration = integration


@pytest.fixture
def fake_service(monkeypatch):
    class Fake(FakeBookingService):
        seen: list[Integration] = []

    monkeypatch.setattr("integrations.services.BookingService", Fake)
    return Fake


@pytest.fixture
def phorest_api(settings):
    settings.PHOREST_API_URL = PHOREST_URL
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def integration(salon):
    return make_integration(salon, "phorest")


@pytest.fixture
def foreign(other_salon):
    return make_integration(other_salon, "vagaro")


ROLES = ["owner", "manager", "viewer"]


@pytest.fixture
def as_role(client, owner, manager, viewer):
    users = {"owner": owner, "manager": manager, "viewer": viewer}

    def login(role: str):
        client.force_login(users[role])
        return client

    return login


# -- every page, every role ----------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role(as_role, role, salon, integration):
    client = as_role(role)
    pages = [
        url("integration_list", salon),
        url("integration_new", salon),
        url("integration_connect", salon, platform="vagaro"),
        url("integration_connect", salon, platform="mindbody"),
        url("integration_connect", salon, platform="phorest"),
        url("integration_detail", salon, pk=integration.pk),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert 'aria-current="page">Integrations</a>' in html, page


def test_list_shows_a_card_per_integration_with_status_account_sync_and_error(client, owner, salon):
    ok = make_integration(salon, "phorest", last_sync_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    bad = make_integration(
        salon,
        "vagaro",
        status=IntegrationStatus.NEEDS_REAUTH,
        last_error="Vagaro rejected the credentials (401).",
    )
    client.force_login(owner)
    html = client.get(url("integration_list", salon)).content.decode()
    assert html.count('data-testid="integration-card"') == 2
    assert 'class="badge badge-connected"' in html and ">Connected</span>" in html
    assert 'class="badge badge-needs_reauth"' in html and "Needs re-authentication" in html
    assert ok.account_name in html and bad.account_name in html
    assert "biz-alpha" in html and "br-1" in html and "vg-alpha" in html  # account ids
    assert "Mon, Mar 2, 2026, 10:00 AM" in html  # last sync, in the salon's zone (New York)
    assert "Vagaro rejected the credentials (401)." in html
    assert url("integration_detail", salon, pk=ok.pk) in html
    assert 'data-testid="connect-another"' in html


def test_list_without_integrations_invites_to_connect(client, owner, salon):
    client.force_login(owner)
    html = client.get(url("integration_list", salon)).content.decode()
    assert "No booking platform is connected yet" in html
    assert "Connect a platform" in html


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_non_owners_see_a_notice_and_no_connect_controls(as_role, role, salon, integration):
    client = as_role(role)
    listing = client.get(url("integration_list", salon)).content.decode()
    assert 'data-testid="connect-another"' not in listing
    assert "Only the salon&#x27;s owner" in listing
    form = client.get(url("integration_connect", salon, platform="phorest")).content.decode()
    assert 'data-testid="owner-only"' in form
    assert "Test and connect" not in form
    assert "disabled" in form
    detail = client.get(url("integration_detail", salon, pk=integration.pk)).content.decode()
    assert "Re-authenticate" not in detail and 'data-testid="disconnect"' not in detail
    assert "Only the salon&#x27;s owner" in detail


def test_platform_selector_offers_every_platform_with_where_to_look(client, owner, salon):
    client.force_login(owner)
    html = client.get(url("integration_new", salon)).content.decode()
    for key in ("vagaro", "mindbody", "phorest"):
        assert url("integration_connect", salon, platform=key) in html
    assert "Settings &gt; Developers &gt; APIs &amp; Webhooks" in html
    assert "Phorest support" in html


@pytest.mark.parametrize(
    ("platform", "inputs", "guide_words"),
    [
        (
            "vagaro",
            ["client_id", "client_secret", "webhook_token", "business_id", "business_group_id"],
            "Settings &gt; Developers &gt; APIs &amp; Webhooks",
        ),
        ("mindbody", ["username", "password", "site_id"], "-99"),
        ("phorest", ["username", "password", "business_id", "branch_id"], "global/"),
    ],
)
def test_credential_form_per_platform(client, owner, salon, platform, inputs, guide_words):
    client.force_login(owner)
    html = client.get(url("integration_connect", salon, platform=platform)).content.decode()
    for name in inputs:
        assert f'name="{name}"' in html
    assert guide_words in html
    assert f"Test and connect {platform.title()}" in html
    secret_names = {"client_secret", "webhook_token", "password"}
    for name in secret_names & set(inputs):
        assert f'type="password" name="{name}"' in html


def test_unknown_platform_is_404(client, owner, salon):
    client.force_login(owner)
    assert client.get(url("integration_connect", salon, platform="square")).status_code == 404
    assert client.post(url("integration_connect", salon, platform="square")).status_code == 404


# -- roles: manager and viewer cannot change anything ------------------------------------------
@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_non_owner_cannot_connect(as_role, role, salon, fake_service):
    client = as_role(role)
    response = client.post(url("integration_connect", salon, platform="phorest"), phorest_form())
    assert response.status_code == 403
    assert not Integration.objects.exists()
    assert fake_service.seen == []


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_non_owner_cannot_reauthenticate_or_disconnect(
    as_role, role, salon, integration, fake_service
):
    client = as_role(role)
    before = (integration.credentials, integration.status, integration.account)
    reauth = url("integration_reauth", salon, pk=integration.pk)
    disconnect = url("integration_disconnect", salon, pk=integration.pk)
    assert client.post(reauth, phorest_form(password="new-password")).status_code == 403
    assert client.get(disconnect).status_code == 403
    assert client.post(disconnect).status_code == 403
    integration.refresh_from_db()
    assert (integration.credentials, integration.status, integration.account) == before
    assert fake_service.seen == []


# -- tenancy: another salon's integration is a 404 everywhere --------------------------------------
def test_foreign_integration_is_404_on_every_page_and_post(
    client, owner, salon, foreign, fake_service
):
    client.force_login(owner)
    before = (foreign.credentials, foreign.status)
    for name in ("integration_detail", "integration_reauth", "integration_disconnect"):
        target = url(name, salon, pk=foreign.pk)
        assert client.get(target).status_code == 404, name
        # The other salon's own slug: not a member there, so 404 as well.
        assert client.get(url(name, foreign.salon, pk=foreign.pk)).status_code == 404, name
    for name in ("integration_reauth", "integration_disconnect"):  # the POST endpoints
        data = {"client_id": "x", "client_secret": "y", "business_id": "vg-beta"}
        assert client.post(url(name, salon, pk=foreign.pk), data).status_code == 404, name
        assert client.post(url(name, foreign.salon, pk=foreign.pk), data).status_code == 404
    foreign.refresh_from_db()
    assert (foreign.credentials, foreign.status) == before
    assert fake_service.seen == []


def test_foreign_salon_pages_are_404(client, owner, other_salon, fake_service):
    client.force_login(owner)
    for page in (
        url("integration_list", other_salon),
        url("integration_new", other_salon),
        url("integration_connect", other_salon, platform="phorest"),
    ):
        assert client.get(page).status_code == 404
    post = client.post(url("integration_connect", other_salon, platform="phorest"), phorest_form())
    assert post.status_code == 404
    assert not Integration.objects.exists()


def test_missing_integration_is_404(client, owner, salon):
    client.force_login(owner)
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(url("integration_detail", salon, pk=missing)).status_code == 404


def test_anonymous_is_sent_to_login(client, salon, integration):
    response = client.get(url("integration_detail", salon, pk=integration.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# -- bad input: form errors, nothing saved, the platform is not called ---------------------------
@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"password": None}, "password", "Enter the api password."),
        ({"branch_id": "   "}, "branch_id", "Enter the branch id."),
        ({"username": " \t "}, "username", "Enter the api username"),
        ({"business_id": "x" * 5000}, "business_id", "at most 500 characters"),
        ({"password": "p" * 5000}, "password", "at most 500 characters"),
        ({"business_id": "biz with spaces"}, "business_id", "cannot contain spaces"),
        ({"password": "line\nbreak"}, "password", "line break"),
    ],
)
def test_bad_credential_input_gives_form_errors_and_saves_nothing(
    client, owner, salon, fake_service, changes, field, words
):
    client.force_login(owner)
    response = client.post(
        url("integration_connect", salon, platform="phorest"), phorest_form(**changes)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field])
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert not Integration.objects.exists()
    assert fake_service.seen == []


def test_mindbody_site_id_must_be_a_number(client, owner, salon, fake_service):
    client.force_login(owner)
    data = {"username": "Siteowner", "password": "apitest1234", "site_id": "my-site"}
    response = client.post(url("integration_connect", salon, platform="mindbody"), data)
    assert "whole number" in " ".join(response.context["form"].errors["site_id"])
    assert not Integration.objects.exists()


def test_values_are_trimmed_before_testing(client, owner, salon, fake_service):
    client.force_login(owner)
    data = phorest_form(business_id=f"  {BUSINESS}\t", username=" global/owner@example.com ")
    response = client.post(url("integration_connect", salon, platform="phorest"), data)
    assert response.status_code == 302
    (tested,) = fake_service.seen
    assert tested.account["business_id"] == BUSINESS
    assert tested.credentials["username"] == "global/owner@example.com"


# -- the platform's answer ------------------------------------------------------------------------
def test_platform_rejecting_credentials_shows_a_clear_error_and_saves_nothing(
    client, owner, salon, phorest_api
):
    phorest_api.get(f"{PHOREST_URL}/{BUSINESS}/branch", status=401, json={"error": "nope"})
    client.force_login(owner)
    response = client.post(url("integration_connect", salon, platform="phorest"), phorest_form())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Phorest did not accept these credentials. Check them and try again." in html
    assert 'data-testid="form-error"' in html
    assert SECRET not in html  # the password typed is not rendered back
    assert BUSINESS in html  # ids are kept so the owner only fixes what is wrong
    assert not Integration.objects.exists()
    assert not ApiCall.objects.exists()


def test_platform_without_that_branch_is_a_form_error(client, owner, salon, phorest_api):
    phorest_harness.Harness().stub_branches(phorest_api)
    client.force_login(owner)
    response = client.post(
        url("integration_connect", salon, platform="phorest"), phorest_form(branch_id="nope")
    )
    assert "This business has no branch with that ID." in response.content.decode()
    assert not Integration.objects.exists()


def test_successful_connect_saves_and_redirects_with_the_platform_answer(
    client, owner, salon, phorest_api
):
    phorest_harness.Harness().stub_branches(phorest_api)
    client.force_login(owner)
    response = client.post(url("integration_connect", salon, platform="phorest"), phorest_form())
    integration = Integration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("integration_detail", salon, pk=integration.pk)
    assert integration.salon == salon
    assert integration.status == IntegrationStatus.CONNECTED
    assert integration.account == {"business_id": BUSINESS, "branch_id": BRANCH}
    assert integration.credentials["password"] == SECRET
    assert integration.account_name == "Demo Salon Midtown"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Phorest accepted the credentials. Connected to Demo Salon Midtown." in html
    assert SECRET not in html


def test_connecting_an_account_this_salon_has_points_to_it(client, owner, salon, fake_service):
    make_integration(salon, "mindbody", status=IntegrationStatus.CONNECTED)
    client.force_login(owner)
    data = {"username": "Siteowner", "password": "x", "site_id": "-99"}
    response = client.post(url("integration_connect", salon, platform="mindbody"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This Mindbody account is already connected to Alpha Hair" in html
    assert "connected). Open it from Booking platforms" in html
    assert Integration.objects.count() == 1


def test_reconnecting_a_disconnected_account_reuses_its_row(client, owner, salon, fake_service):
    old = make_integration(salon, "mindbody", status=IntegrationStatus.DISABLED)
    client.force_login(owner)
    data = {"username": "Siteowner", "password": "x", "site_id": "-99"}
    response = client.post(url("integration_connect", salon, platform="mindbody"), data)
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.status == IntegrationStatus.CONNECTED
    assert Integration.objects.count() == 1


def test_connecting_an_account_another_salon_has_reveals_nothing(
    client, owner, salon, foreign, fake_service
):
    client.force_login(owner)
    data = {
        "client_id": "c",
        "client_secret": "s",
        "region": "us02",
        "business_id": foreign.account["business_id"],
    }
    response = client.post(url("integration_connect", salon, platform="vagaro"), data)
    html = response.content.decode()
    assert "This platform account is already connected to SalonSync." in html
    assert foreign.salon.name not in html and foreign.account_name not in html
    assert Integration.objects.count() == 1


def test_connect_error_naming_a_field_is_shown_on_that_field(client, owner, salon, monkeypatch):
    def refuse(**kwargs):
        raise ConnectError("No such business.", code="not_found", field="business_id")

    monkeypatch.setattr("integrations.views.integration_connect", refuse)
    client.force_login(owner)
    response = client.post(url("integration_connect", salon, platform="phorest"), phorest_form())
    assert response.context["form"].errors["business_id"] == ["No such business."]
    assert not Integration.objects.exists()


# -- secrets never appear in HTML ---------------------------------------------------------------
def test_saved_secrets_never_appear_in_any_page(client, owner, salon, fake_service):
    integrations = [make_integration(salon, p) for p in ("phorest", "vagaro", "mindbody")]
    client.force_login(owner)
    pages = [url("integration_list", salon), url("integration_new", salon)]
    for integration in integrations:
        pages += [
            url("integration_detail", salon, pk=integration.pk),
            url("integration_disconnect", salon, pk=integration.pk),
            url("integration_connect", salon, platform=integration.platform),
        ]
    for page in pages:
        html = client.get(page).content.decode()
        assert SECRET not in html and WEBHOOK_SECRET not in html, page
    # A failed re-authentication re-renders the form: still no saved or typed secret.
    fake_service.error = AuthenticationError("rejected", platform="vagaro")
    vagaro = integrations[1]
    response = client.post(
        url("integration_reauth", salon, pk=vagaro.pk),
        {
            "client_secret": "typed-Secret-991",
            "region": "us02",
            "business_id": vagaro.account["business_id"],
        },
    )
    html = response.content.decode()
    assert "Vagaro did not accept these credentials" in html
    assert SECRET not in html and WEBHOOK_SECRET not in html and "typed-Secret-991" not in html


def test_reauth_form_shows_which_secrets_are_saved(client, owner, salon):
    vagaro = make_integration(salon, "vagaro")
    client.force_login(owner)
    html = client.get(url("integration_detail", salon, pk=vagaro.pk)).content.decode()
    for name in ("client_id", "client_secret", "webhook_token"):
        assert f'data-testid="saved-{name}"' in html
    assert 'value="vg-alpha"' in html  # the business id (not secret) is pre-filled


# -- re-authenticate and disconnect ----------------------------------------------------------------
def test_reauth_with_blank_secrets_keeps_the_saved_ones(
    client, owner, salon, integration, fake_service
):
    integration.status = IntegrationStatus.NEEDS_REAUTH
    integration.save()
    client.force_login(owner)
    response = client.post(
        url("integration_reauth", salon, pk=integration.pk),
        {"business_id": "biz-alpha", "branch_id": "br-1"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("integration_detail", salon, pk=integration.pk)
    (tested,) = fake_service.seen
    assert tested.credentials["password"] == SECRET
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.CONNECTED
    assert integration.credentials["password"] == SECRET


def test_reauth_with_a_new_password_replaces_it(client, owner, salon, integration, fake_service):
    client.force_login(owner)
    client.post(
        url("integration_reauth", salon, pk=integration.pk),
        {"password": "brand-new-pw", "business_id": "biz-alpha", "branch_id": "br-1"},
    )
    integration.refresh_from_db()
    assert integration.credentials == {
        "username": "global/owner@example.com",
        "password": "brand-new-pw",
    }


def test_reauth_rejected_keeps_the_old_credentials(client, owner, salon, integration, fake_service):
    fake_service.error = AuthenticationError("rejected", platform="phorest")
    client.force_login(owner)
    response = client.post(
        url("integration_reauth", salon, pk=integration.pk),
        {"password": "wrong-pw", "business_id": "biz-alpha", "branch_id": "br-1"},
    )
    assert response.status_code == 200
    assert "Phorest did not accept these credentials" in response.content.decode()
    integration.refresh_from_db()
    assert integration.credentials["password"] == SECRET


def test_reauth_rejected_says_so_at_the_top_with_the_form_beside_it(
    client, owner, salon, integration, fake_service
):
    fake_service.error = AuthenticationError("rejected", platform="phorest")
    client.force_login(owner)
    response = client.post(
        url("integration_reauth", salon, pk=integration.pk),
        {"password": "wrong-pw", "business_id": "biz-alpha", "branch_id": "br-1"},
    )
    [message] = list(response.context["messages"])
    assert message.level_tag == "error"
    assert message.message.startswith("Phorest credentials not saved: Phorest did not accept")
    html = response.content.decode()
    # The banner, then the form (with its field error) before the rest of the page.
    banner = html.index('<ul class="messages">')
    form = html.index('data-testid="reauth-form"')
    assert banner < form < html.index('data-testid="sync-panel"')
    assert html.count('data-testid="reauth-form"') == 1
    assert 'data-testid="form-error"' in html[form:]  # the detail stays in the form


def test_reauth_form_stays_at_the_bottom_until_it_fails(client, owner, salon, integration):
    client.force_login(owner)
    html = client.get(url("integration_detail", salon, pk=integration.pk)).content.decode()
    assert html.index('data-testid="sync-panel"') < html.index('data-testid="reauth-form"')


def test_status_words_are_one_per_state_and_distinct():
    labels = [label.lower() for label in IntegrationStatus.labels]
    assert IntegrationStatus.DISABLED.label == "Disconnected"
    assert "disabled" not in labels and "pending" not in labels and "error" not in labels
    assert len(set(labels)) == len(labels)
    assert "not connected" not in labels  # would read like "disconnected"


def test_reauth_get_goes_back_to_the_status_page(client, owner, salon, integration):
    client.force_login(owner)
    response = client.get(url("integration_reauth", salon, pk=integration.pk))
    assert response.status_code == 302
    assert response["Location"] == url("integration_detail", salon, pk=integration.pk)


def test_disconnect_confirms_then_forgets_credentials(client, owner, salon, integration):
    client.force_login(owner)
    confirm = client.get(url("integration_disconnect", salon, pk=integration.pk))
    assert confirm.status_code == 200
    assert "Yes, disconnect Phorest" in confirm.content.decode()
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.CONNECTED  # GET changes nothing
    response = client.post(url("integration_disconnect", salon, pk=integration.pk))
    assert response.status_code == 302
    assert response["Location"] == url("integration_list", salon)
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.DISABLED
    assert integration.credentials == {}
    html = client.get(response["Location"]).content.decode()
    assert "Phorest disconnected." in html and "badge-disabled" in html


def test_disabled_integration_offers_reconnect_and_requires_the_secrets(
    client, owner, salon, integration, fake_service
):
    integration.credentials = {}
    integration.status = IntegrationStatus.DISABLED
    integration.save()
    client.force_login(owner)
    detail = client.get(url("integration_detail", salon, pk=integration.pk)).content.decode()
    assert "Reconnect" in detail and 'data-testid="disconnect"' not in detail
    response = client.post(
        url("integration_reauth", salon, pk=integration.pk),
        {"business_id": "biz-alpha", "branch_id": "br-1"},
    )
    assert set(response.context["reauth_form"].errors) == {"username", "password"}
    assert fake_service.seen == []


# -- ConnectionStatus content ----------------------------------------------------------------------
def test_status_page_counts_webhooks_of_the_last_24_hours(client, owner, salon):
    from webhooks.models import WebhookEvent

    vagaro = make_integration(salon, "vagaro")
    for n, (verified, status) in enumerate(
        [(True, "processed"), (True, "dead"), (False, "rejected")]
    ):
        WebhookEvent.objects.create(
            platform="vagaro",
            integration=vagaro,
            external_id=f"e{n}",
            body=b"{}",
            verified=verified,
            status=status,
        )
    client.force_login(owner)
    html = client.get(url("integration_detail", salon, pk=vagaro.pk)).content.decode()
    assert "<dt>Received (24 h)</dt><dd>2</dd>" in html
    assert "<dt>Rejected (24 h)</dt><dd>1</dd>" in html
    assert "<dt>Failed processing</dt><dd>1</dd>" in html


def test_status_page_webhook_instructions_per_platform(client, owner, salon, settings):
    settings.SALONSYNC_PUBLIC_URL = "https://app.salonsync.example/"
    vagaro = make_integration(salon, "vagaro")
    mindbody = make_integration(salon, "mindbody")
    phorest = make_integration(salon, "phorest")
    client.force_login(owner)
    html = client.get(url("integration_detail", salon, pk=vagaro.pk)).content.decode()
    assert f'value="https://app.salonsync.example/webhooks/vagaro/{vagaro.pk}/"' in html
    assert "<dt>Received (24 h)</dt><dd>0</dd>" in html
    html = client.get(url("integration_detail", salon, pk=mindbody.pk)).content.decode()
    assert 'value="https://app.salonsync.example/webhooks/mindbody/"' in html
    html = client.get(url("integration_detail", salon, pk=phorest.pk)).content.decode()
    assert 'data-testid="webhook-url"' not in html
    assert "kept current by polling" in html


def test_status_page_shows_stats_chart_and_recent_calls(client, owner, salon, integration):
    now = datetime.now(UTC)
    for i, (ms, code, status) in enumerate(
        [(100, "", 200), (200, "", 200), (300, "", 200), (4000, "transient", 503)]
    ):
        ApiCall.objects.create(
            integration=integration,
            operation="list_locations",
            method="GET",
            path=f"/biz/branch/{i}",
            status=status,
            duration_ms=ms,
            error_code=code,
            created_at=now - timedelta(minutes=5 * i),
        )
    client.force_login(owner)
    response = client.get(url("integration_detail", salon, pk=integration.pk))
    html = response.content.decode()
    assert response.context["stats"].total == 4
    assert '<span class="value" data-testid="stat-total">4</span>' in html
    assert '<span class="value" data-testid="stat-error-rate">25.0 %</span>' in html
    assert '<span class="value" data-testid="stat-median">250 ms</span>' in html
    assert '<span class="value" data-testid="stat-p95">4000 ms</span>' in html
    assert 'data-testid="api-chart"' in html and 'class="errors"' in html
    assert "/biz/branch/3" in html and "transient" in html and "503" in html


def test_status_page_without_calls_says_so(client, viewer, salon, integration):
    client.force_login(viewer)
    html = client.get(url("integration_detail", salon, pk=integration.pk)).content.decode()
    assert "No API calls recorded yet." in html
    assert '<span class="value" data-testid="stat-error-rate">—</span>' in html


# -- the 24-hour statistics selector -------------------------------------------------------------
def _call(integration, at: datetime, ms: float, error_code: str = "") -> ApiCall:
    return ApiCall.objects.create(
        integration=integration,
        operation="op",
        method="GET",
        path="/p",
        status=500 if error_code else 200,
        duration_ms=ms,
        error_code=error_code,
        created_at=at,
    )


def test_percentile_is_nearest_rank():
    assert percentile([], 0.95) is None
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([float(v) for v in range(1, 101)], 0.95) == 95.0
    assert percentile([float(v) for v in range(1, 11)], 0.95) == 10.0
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0


def test_api_stats_counts_rates_latency_and_hourly_buckets(salon, integration):
    # 14:30 New York (EST, UTC-5) = 19:30 UTC; the window is 15:00 the day before to now.
    now = datetime(2026, 1, 15, 19, 30, tzinfo=UTC)
    _call(integration, now - timedelta(minutes=10), 100)  # 14:20 local: last bucket
    _call(integration, now - timedelta(minutes=20), 120, "rate_limited")  # 14:10 local
    _call(integration, now - timedelta(hours=2), 80)  # 12:30 local
    _call(integration, now - timedelta(hours=2, minutes=1), 1000, "transient")  # 12:29
    _call(integration, now - timedelta(hours=23, minutes=30), 60)  # 15:00 local, yesterday
    _call(integration, now - timedelta(hours=23, minutes=31), 9999)  # 14:59: before the window
    _call(integration, now + timedelta(minutes=1), 9999)  # the future: not counted
    other = make_integration(salon, "vagaro")
    _call(other, now - timedelta(minutes=1), 9999, "transient")  # another integration

    stats = integration_api_stats(integration=integration, now=now)

    assert stats.total == 5
    assert stats.errors == 2
    assert stats.error_rate == pytest.approx(0.4)
    assert stats.error_percent == 40.0
    assert stats.median_ms == 100
    assert stats.p95_ms == 1000
    assert len(stats.buckets) == 24
    ny = ZoneInfo("America/New_York")
    assert stats.since == datetime(2026, 1, 14, 15, 0, tzinfo=ny)
    assert stats.buckets[0].start == datetime(2026, 1, 14, 15, 0, tzinfo=ny)
    assert stats.buckets[-1].start == datetime(2026, 1, 15, 14, 0, tzinfo=ny)
    by_hour = {b.start.hour: (b.calls, b.errors) for b in stats.buckets if b.calls}
    assert by_hour == {15: (1, 0), 12: (2, 1), 14: (2, 1)}
    assert stats.max_bucket_calls == 2


def test_api_stats_with_no_calls(integration):
    stats = integration_api_stats(integration=integration)
    assert (stats.total, stats.errors, stats.error_rate) == (0, 0, None)
    assert stats.median_ms is None and stats.p95_ms is None
    assert [b.calls for b in stats.buckets] == [0] * 24


def test_window_hours_follow_the_salon_clock_and_dst():
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+5:30: local whole hours are :30 in UTC
    now = datetime(2026, 1, 15, 10, 45, tzinfo=UTC)  # 16:15 Kolkata; its 16:00 is 10:30 UTC
    assert window_start(now=now, tz=kolkata) == datetime(2026, 1, 14, 11, 30, tzinfo=UTC)
    # The night New York moves its clocks forward still gives 24 real hours of buckets.
    ny = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 8, 16, 10, tzinfo=UTC)  # 12:10 EDT, after the 02:00 jump
    start = window_start(now=now, tz=ny)
    assert now - start < timedelta(hours=24) and now - start >= timedelta(hours=23)
    assert start == datetime(2026, 3, 7, 17, 0, tzinfo=UTC)


def test_chart_geometry_scales_bars_to_the_busiest_hour(salon, integration):
    now = datetime(2026, 1, 15, 19, 30, tzinfo=UTC)
    for _ in range(4):
        _call(integration, now - timedelta(minutes=5), 10)
    _call(integration, now - timedelta(hours=1), 10, "transient")
    chart = chart_geometry(integration_api_stats(integration=integration, now=now))
    last, before = chart["bars"][-1], chart["bars"][-2]
    assert chart["peak"] == 4
    assert last["calls_h"] == chart["baseline"] - chart["top"]  # the tallest bar fills the plot
    assert before["calls_h"] == before["errors_h"] == pytest.approx(last["calls_h"] / 4, abs=0.1)
    assert last["title"] == "Thu, Jan 15, 2026, 2:00 PM: 4 calls, 0 errors"  # salon clock
