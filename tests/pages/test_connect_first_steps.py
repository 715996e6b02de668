"""Issue 19, item 2: the connect pages lead a real owner through Mindbody's and Phorest's first
steps, against the sandbox's emulators (in-process), with a clear message for each failure.

- Mindbody: the site's activation link (GET site/activationcode) on the connect page; an
  unactivated site, a wrong staff login and an unknown site id each say so; the staff login's
  permissions are listed (docs/platforms/mindbody.md §1.2, §4, §7.15).
- Phorest: the region chosen on the form is the integration's host; a business in the other
  region is told apart from wrong credentials by one probe (docs/platforms/phorest.md §1.2).
- The platform's time zone, when it differs from the salon's, is proposed on the status page;
  the owner or a manager uses or keeps it, a viewer cannot.
"""

from __future__ import annotations

from html import unescape
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from integrations.booking import BookingService
from integrations.models import ApiCall, Integration, IntegrationStatus
from sandbox.models import Account
from sandbox.platforms import mindbody

pytestmark = pytest.mark.django_db

EU_PATH = "/sandbox/phorest/third-party-api-server/api/business"
US_PATH = "/sandbox/phorest-us/third-party-api-server/api/business"


def url(name: str, salon, **kwargs) -> str:
    return reverse(name, kwargs={"slug": salon.slug, **kwargs})


def page(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def platforms(sandbox_http, settings):
    settings.MINDBODY_API_KEY = "sandbox-developer-key"
    return sandbox_http


@pytest.fixture
def site(platforms) -> Account:
    return Account.objects.create(
        platform="mindbody",
        account_id="-99",
        name="Brooklyn Cuts",
        timezone="America/New_York",
        username="Siteowner",
        password="apitest1234",
    )


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def mindbody_form(**changes) -> dict[str, str]:
    return {"username": "Siteowner", "password": "apitest1234", "site_id": "-99", **changes}


def connect(client, salon, platform: str, data: dict):
    return client.post(url("integration_connect", salon, platform=platform), data)


# -- Mindbody: activation ------------------------------------------------------------------------
def test_the_mindbody_page_lists_the_logins_permissions_and_offers_the_link(owner_client, salon):
    html = page(owner_client.get(url("integration_connect", salon, platform="mindbody")))
    assert 'data-testid="login-permissions"' in html
    for permission in ("ViewAppointmentSchedule", "BookAppointmentsForOtherStaffMembers"):
        assert permission in html
    assert "CancelAppointments" in html and "ViewAllClients" in html
    assert "Get my activation link" in html
    assert f'formaction="{url("integration_activation", salon, platform="mindbody")}"' in html


def test_get_my_activation_link_shows_the_sites_link_in_a_new_tab(owner_client, salon, site):
    response = owner_client.post(
        url("integration_activation", salon, platform="mindbody"),
        {"site_id": "-99", "username": "Siteowner", "password": "typed-so-far"},
    )
    html = page(response)
    assert response.status_code == 200
    code = mindbody.activation_code_for(site)
    link = reverse("sandbox_mindbody_activation", kwargs={"pk": site.pk}) + f"?code={code}"
    assert f'href="http://testserver{link}" target="_blank" rel="noopener noreferrer"' in html
    assert code in html and "Check again" in html
    assert 'value="-99"' in html and 'value="Siteowner"' in html  # kept for the next step
    assert "typed-so-far" not in html  # secrets are never sent back
    assert not Integration.objects.exists()


def test_activation_link_for_an_unknown_or_malformed_site_id(owner_client, salon, site, platforms):
    activation = url("integration_activation", salon, platform="mindbody")
    unknown = page(owner_client.post(activation, {"site_id": "7"}))
    assert "Mindbody has no account with this Site ID." in unknown
    assert 'data-testid="activation-link"' not in unknown
    before = len(platforms.requests)
    malformed = page(
        owner_client.post(
            url("integration_activation", salon, platform="mindbody"), {"site_id": "abc"}
        )
    )
    assert "A Mindbody site ID is a whole number" in malformed
    assert len(platforms.requests) == before  # refused before any call
    empty = owner_client.post(url("integration_activation", salon, platform="mindbody"), {})
    assert empty.status_code == 200 and "Enter the site id." in page(empty)


def test_only_the_owner_can_ask_for_the_link_and_other_platforms_have_none(
    client, manager, owner, salon, site
):
    client.force_login(manager)
    activation = url("integration_activation", salon, platform="mindbody")
    denied = client.post(activation, {"site_id": "-99"})
    assert denied.status_code == 403
    client.force_login(owner)
    assert (
        client.post(url("integration_activation", salon, platform="phorest"), {}).status_code == 404
    )
    back = client.get(url("integration_activation", salon, platform="mindbody"))
    assert back.status_code == 302
    assert back["Location"] == url("integration_connect", salon, platform="mindbody")


def test_an_unactivated_site_says_so_with_the_link_then_check_again_connects(
    owner_client, salon, site
):
    site.activated = False
    site.save()
    response = connect(owner_client, salon, "mindbody", mindbody_form())
    html = page(response)
    assert "This site has not activated SalonSync yet" in html
    assert "did not accept these credentials" not in html
    assert 'data-testid="activation-link"' in html and mindbody.activation_code_for(site) in html
    assert 'data-testid="check-again"' in html
    assert "apitest1234" not in html
    assert not Integration.objects.exists()

    # The site owner opens the link and approves; "Check again" re-tests the connection.
    link = next(p for p in html.split('"') if "mindbody-activation" in p)
    owner_client.post(urlsplit(link).path, {"activated": "1"})
    done = connect(owner_client, salon, "mindbody", mindbody_form())
    integration = Integration.objects.get(salon=salon, platform="mindbody")
    assert done.status_code == 302 and integration.status == IntegrationStatus.CONNECTED


def test_a_wrong_staff_password_and_an_unknown_site_have_their_own_messages(
    owner_client, salon, site
):
    wrong = page(connect(owner_client, salon, "mindbody", mindbody_form(password="nope")))
    assert "Mindbody did not accept these credentials. Check them and try again." in wrong
    assert "not activated" not in wrong and "no account with this Site ID" not in wrong
    unknown = page(connect(owner_client, salon, "mindbody", mindbody_form(site_id="123456")))
    assert 'data-testid="error-site_id"' in unknown
    assert "Mindbody has no account with this Site ID. Check the Site ID and try again." in unknown
    assert "did not accept these credentials" not in unknown
    assert not Integration.objects.exists()


# -- Phorest: region -----------------------------------------------------------------------------
def make_phorest(region: str, account_id: str = "biz-1") -> Account:
    return Account.objects.create(
        platform="phorest",
        account_id=account_id,
        branch_id="br-1",
        name=f"Phorest {region.upper()} Salon",
        timezone="America/New_York",
        username=f"global/{account_id}@example.com",
        password="pw-123",
        region=region,
    )


def phorest_form(account: Account, **changes) -> dict[str, str]:
    return {
        "username": account.username,
        "password": account.password,
        "business_id": account.account_id,
        "branch_id": account.branch_id,
        **changes,
    }


def phorest_paths(transport, since: int = 0) -> list[str]:
    return [urlsplit(r.url).path for r in transport.requests[since:]]


def test_the_phorest_form_asks_for_the_region_eu_first(owner_client, salon):
    html = page(owner_client.get(url("integration_connect", salon, platform="phorest")))
    assert '<select name="region"' in html
    assert '<option value="eu" selected>EU (UK, Ireland, Europe)</option>' in html
    assert '<option value="us">US, Canada or Australia</option>' in html


def test_the_sandbox_eu_business_still_connects_and_keeps_its_region(
    owner_client, salon, platforms
):
    account = make_phorest("eu")
    response = connect(owner_client, salon, "phorest", phorest_form(account, region="eu"))
    integration = Integration.objects.get(platform="phorest")
    assert response.status_code == 302 and integration.status == IntegrationStatus.CONNECTED
    assert integration.options["region"] == "eu"
    assert all(p.startswith(EU_PATH) for p in phorest_paths(platforms))


def test_a_business_in_the_other_region_is_told_so_after_one_probe(owner_client, salon, platforms):
    account = make_phorest("us", "biz-au")
    response = connect(owner_client, salon, "phorest", phorest_form(account, region="eu"))
    html = page(response)
    assert (
        "Phorest did not recognise these credentials in the EU region; is your business in the "
        "US/CA/AU region?" in html
    )
    assert "did not accept these credentials" not in html
    paths = phorest_paths(platforms)
    assert paths == [f"{EU_PATH}/biz-au/branch", f"{US_PATH}/biz-au/branch"]  # one probe
    assert not Integration.objects.exists() and not ApiCall.objects.exists()
    assert "pw-123" not in html

    # Choosing the US region connects, and the integration keeps using the US host.
    since = len(platforms.requests)
    done = connect(owner_client, salon, "phorest", phorest_form(account, region="us"))
    integration = Integration.objects.get(platform="phorest")
    assert done.status_code == 302 and integration.options["region"] == "us"
    assert phorest_paths(platforms, since) == [f"{US_PATH}/biz-au/branch"]
    service = BookingService(integration)
    assert service.adapter.http.base_url.endswith(US_PATH)
    assert service.test_connection().ok


def test_wrong_credentials_in_both_regions_are_wrong_credentials(owner_client, salon, platforms):
    account = make_phorest("eu")
    wrong = phorest_form(account, password="wrong", region="eu")
    html = page(connect(owner_client, salon, "phorest", wrong))
    assert "Phorest did not accept these credentials. Check them and try again." in html
    assert "region" not in html.split('data-testid="form-error"')[1].split("</div>")[0]
    assert phorest_paths(platforms) == [f"{EU_PATH}/biz-1/branch", f"{US_PATH}/biz-1/branch"]


def test_an_unknown_region_is_a_form_error(owner_client, salon, platforms):
    account = make_phorest("eu")
    html = page(connect(owner_client, salon, "phorest", phorest_form(account, region="mars")))
    assert "Choose one of the regions listed." in html
    assert platforms.requests == []


def test_reauthenticating_can_move_an_integration_to_the_other_region(
    owner_client, salon, platforms
):
    account = make_phorest("eu")
    connect(owner_client, salon, "phorest", phorest_form(account, region="eu"))
    integration = Integration.objects.get(platform="phorest")
    account.region = "us"  # the business moved (or was entered in the wrong region)
    account.save()
    reauth = url("integration_reauth", salon, pk=integration.pk)
    detail = page(owner_client.get(url("integration_detail", salon, pk=integration.pk)))
    assert '<option value="eu" selected>' in detail
    response = owner_client.post(reauth, {**phorest_form(account, region="us"), "password": ""})
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.options["region"] == "us"
    assert integration.credentials["password"] == "pw-123"  # kept: left blank


# -- the platform's time zone --------------------------------------------------------------------
@pytest.fixture
def dublin_site(site) -> Account:
    site.timezone = "Europe/Dublin"
    site.save()
    return site


@pytest.fixture
def proposed(owner_client, salon, dublin_site) -> Integration:
    connect(owner_client, salon, "mindbody", mindbody_form())
    return Integration.objects.get(platform="mindbody")


def test_the_platforms_zone_is_proposed_after_connecting(owner_client, salon, proposed):
    assert salon.timezone == "America/New_York"
    assert proposed.options["platform_timezone"] == "Europe/Dublin"
    html = page(owner_client.get(url("integration_detail", salon, pk=proposed.pk)))
    assert "Mindbody says your salon is in Europe/Dublin; SalonSync uses America/New_York" in html
    assert "Use Europe/Dublin" in html and "Keep America/New_York" in html


def test_no_proposal_when_the_zones_agree(owner_client, salon, site):
    connect(owner_client, salon, "mindbody", mindbody_form())
    integration = Integration.objects.get(platform="mindbody")
    assert "platform_timezone" not in integration.options
    html = page(owner_client.get(url("integration_detail", salon, pk=integration.pk)))
    assert 'data-testid="timezone-proposal"' not in html


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_using_the_platforms_zone_changes_the_salons(client, owner, manager, salon, proposed, who):
    client.force_login({"owner": owner, "manager": manager}[who])
    response = client.post(
        url("integration_timezone", salon, pk=proposed.pk),
        {"zone": "Europe/Dublin", "decision": "use"},
        follow=True,
    )
    salon.refresh_from_db()
    proposed.refresh_from_db()
    assert salon.timezone == "Europe/Dublin"
    assert "platform_timezone" not in proposed.options
    html = page(response)
    assert "Alpha Hair now uses Europe/Dublin." in html
    assert 'data-testid="timezone-proposal"' not in html


def test_keeping_the_salons_zone_dismisses_it_for_good(owner_client, salon, proposed):
    response = owner_client.post(
        url("integration_timezone", salon, pk=proposed.pk),
        {"zone": "Europe/Dublin", "decision": "keep"},
        follow=True,
    )
    salon.refresh_from_db()
    proposed.refresh_from_db()
    assert salon.timezone == "America/New_York"
    assert "platform_timezone" not in proposed.options
    assert 'data-testid="timezone-proposal"' not in page(response)
    # Re-authenticating with the same zone does not ask again.
    owner_client.post(
        url("integration_reauth", salon, pk=proposed.pk), {**mindbody_form(), "password": ""}
    )
    proposed.refresh_from_db()
    assert proposed.status == IntegrationStatus.CONNECTED
    assert "platform_timezone" not in proposed.options


def test_a_viewer_sees_the_proposal_but_cannot_answer_it(client, viewer, salon, proposed):
    client.force_login(viewer)
    html = page(client.get(url("integration_detail", salon, pk=proposed.pk)))
    assert "Mindbody says your salon is in Europe/Dublin" in html
    assert 'data-testid="timezone-use"' not in html
    response = client.post(
        url("integration_timezone", salon, pk=proposed.pk),
        {"zone": "Europe/Dublin", "decision": "use"},
    )
    assert response.status_code == 403
    salon.refresh_from_db()
    proposed.refresh_from_db()
    assert salon.timezone == "America/New_York"
    assert proposed.options["platform_timezone"] == "Europe/Dublin"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"zone": "Asia/Tokyo", "decision": "use"}, "no longer current"),  # not the proposal
        ({"zone": "Europe/Dublin", "decision": "maybe"}, "Choose to use"),
        ({"decision": "use"}, "Choose to use"),
    ],
)
def test_a_stale_or_bad_answer_changes_nothing(owner_client, salon, proposed, data, words):
    response = owner_client.post(
        url("integration_timezone", salon, pk=proposed.pk), data, follow=True
    )
    assert response.status_code == 200 and words in page(response)
    salon.refresh_from_db()
    proposed.refresh_from_db()
    assert salon.timezone == "America/New_York"
    assert proposed.options["platform_timezone"] == "Europe/Dublin"


def test_the_api_takes_a_region_and_refuses_an_unknown_one(owner_client, salon, platforms):
    account = make_phorest("us", "biz-api")
    api = reverse("api_integration_list", kwargs={"slug": salon.slug})
    body = {
        "platform": "phorest",
        "credentials": {"username": account.username, "password": account.password},
        "account": {"business_id": account.account_id, "branch_id": account.branch_id},
    }
    bad = owner_client.post(
        api, {**body, "settings": {"region": "mars"}}, content_type="application/json"
    )
    assert bad.status_code == 400 and "Unknown region" in bad.json()["error"]["message"]
    assert platforms.requests == []
    made = owner_client.post(
        api, {**body, "settings": {"region": "us"}}, content_type="application/json"
    )
    assert made.status_code == 201
    assert Integration.objects.get(platform="phorest").options["region"] == "us"


def test_a_site_that_withdrew_activation_shows_the_link_on_reauthentication(
    owner_client, salon, site
):
    connect(owner_client, salon, "mindbody", mindbody_form())
    integration = Integration.objects.get(platform="mindbody")
    site.activated = False
    site.save()
    reauth = url("integration_reauth", salon, pk=integration.pk)
    html = page(owner_client.post(reauth, mindbody_form()))
    assert "This site has not activated SalonSync yet" in html
    assert 'data-testid="activation-link"' in html and mindbody.activation_code_for(site) in html
    assert "apitest1234" not in html


def test_vagaros_region_is_asked_once_among_the_account_fields(client, owner, salon):
    """Vagaro's region is an account field (docs/platforms/vagaro.md §2.1), not Phorest's
    regional-host choice: the connect form shows it once (a browser run found it twice)."""
    client.force_login(owner)
    url = reverse("integration_connect", kwargs={"slug": salon.slug, "platform": "vagaro"})
    html = client.get(url).content.decode()
    assert html.count('name="region"') == 1
