"""The adapters' part of an owner's first steps (issue 19): Mindbody's activation code and link and
its three distinct refusals (docs/platforms/mindbody.md §1.2, §4, §7.15); Phorest's host chosen
per integration by region (docs/platforms/phorest.md §1.2)."""

from __future__ import annotations

import pytest
import responses

from integrations.adapters.errors import (
    AuthenticationError,
    ConfigurationError,
    NotActivated,
    UnknownAccount,
    ValidationError,
)
from integrations.adapters.mindbody import MindbodyAdapter
from integrations.adapters.phorest import EU_URL, US_URL, PhorestAdapter
from integrations.adapters.registry import base_url_for
from integrations.adapters.types import Activation
from integrations.booking import adapter_config_for
from integrations.models import Integration
from tests.integrations.adapters.harness.mindbody import API_KEY, SITE_ID, Harness, fixture, url

ACTIVATION_LINK = "https://clients.mindbodyonline.com/ActivationLink?code=ABC123"


@pytest.fixture
def harness() -> Harness:
    return Harness()


def test_activation_asks_with_the_api_key_and_site_only(harness):
    # No credentials typed yet: the activation link needs the site id alone.
    adapter = MindbodyAdapter(harness.config(credentials={}, credentials_required=False))
    with responses.RequestsMock() as rsps:
        rsps.get(
            url("activation_code"),
            json={"ActivationCode": "ABC123", "ActivationLink": ACTIVATION_LINK},
        )
        assert adapter.activation() == Activation(code="ABC123", link=ACTIVATION_LINK)
        sent = rsps.calls[0].request
    assert sent.url == url("activation_code")
    assert sent.headers["Api-Key"] == API_KEY and sent.headers["SiteId"] == SITE_ID
    assert "Authorization" not in sent.headers
    assert sent.method == "GET"


def test_credentials_are_still_required_for_everything_else(harness):
    with pytest.raises(ConfigurationError, match="Staff username"):
        MindbodyAdapter(harness.config(credentials={}))


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "ftp://example.com/x", 'https://x.test/"><script>', ""]
)
def test_only_a_web_link_is_passed_on(harness, link):
    adapter = MindbodyAdapter(harness.config())
    with responses.RequestsMock() as rsps:
        rsps.get(url("activation_code"), json={"ActivationCode": "ABC123", "ActivationLink": link})
        assert adapter.activation() == Activation(code="ABC123", link="")


def test_an_answer_without_code_or_link_is_a_validation_error(harness):
    adapter = MindbodyAdapter(harness.config())
    with responses.RequestsMock() as rsps:
        rsps.get(url("activation_code"), json={"ActivationCode": None})
        with pytest.raises(ValidationError):
            adapter.activation()


def test_platforms_without_activation_say_so():
    assert MindbodyAdapter.needs_activation and not PhorestAdapter.needs_activation


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (403, "DeniedAccess", NotActivated),  # the site has not activated SalonSync (§7.15)
        (401, "DeniedAccess", NotActivated),  # the status is UNCONFIRMED: the code decides
        (401, "InvalidStaffCredentials", AuthenticationError),
        (401, "InvalidLoginCredentials", AuthenticationError),
        (400, "InvalidParameter", AuthenticationError),
        (400, "InvalidSiteId", UnknownAccount),
    ],
)
def test_the_token_refusal_says_which_first_step_failed(harness, status, code, expected):
    adapter = MindbodyAdapter(harness.config())
    with responses.RequestsMock() as rsps:
        body = {"Error": {"Message": "No.", "Code": code}}
        rsps.post(url("issue_token"), json=body, status=status)
        with pytest.raises(AuthenticationError) as info:
            adapter.test_connection()
    assert type(info.value) is expected
    assert info.value.platform_code == code
    assert "apitest1234" not in str(info.value)


def test_a_refused_token_with_a_token_sent_is_not_taken_for_activation(harness):
    # DeniedAccess on a call that carried a token is about the token (refreshed once, then
    # an AuthenticationError), never "not activated".
    adapter = MindbodyAdapter(harness.config())
    with responses.RequestsMock() as rsps:
        harness.stub_auth(rsps)
        rsps.get(url("staff"), json=fixture("error_denied_access"), status=401)
        with pytest.raises(AuthenticationError) as info:
            adapter.get_provider("5")
    assert not isinstance(info.value, NotActivated)


# -- Phorest: the host per region ----------------------------------------------------------------
def test_phorest_regions_point_at_their_own_hosts(settings):
    settings.PHOREST_API_URL = ""
    settings.PHOREST_US_API_URL = ""
    assert base_url_for("phorest", {"region": "eu"}) == EU_URL
    assert base_url_for("phorest", {"region": "us"}) == US_URL
    assert "api-gateway-us.phorest.com" in US_URL and "api-gateway-eu.phorest.com" in EU_URL
    # Without a region (integrations saved before regions), or an unknown one: PHOREST_API_URL.
    assert base_url_for("phorest", {}) == EU_URL
    assert base_url_for("phorest", {"region": "au"}) == EU_URL


def test_the_settings_override_each_region(settings):
    settings.PHOREST_API_URL = "http://sandbox.test/eu"
    settings.PHOREST_US_API_URL = "http://sandbox.test/us"
    assert base_url_for("phorest", {"region": "us"}) == "http://sandbox.test/us"
    assert base_url_for("phorest", {"region": "eu"}) == "http://sandbox.test/eu"
    assert base_url_for("phorest") == "http://sandbox.test/eu"
    assert base_url_for("mindbody", {"region": "us"}) == base_url_for("mindbody")


def test_an_integration_uses_its_regions_host(settings, salon):
    settings.PHOREST_US_API_URL = "http://sandbox.test/us"
    integration = Integration(
        salon=salon,
        platform="phorest",
        account={"business_id": "b", "branch_id": "br"},
        options={"region": "us"},
    )
    integration.credentials = {"username": "global/a@b.c", "password": "p"}
    config = adapter_config_for(integration)
    assert config.base_url == "http://sandbox.test/us"
    # An explicit base_url option (operations.md) still wins.
    integration.options = {"region": "us", "base_url": "http://elsewhere.test"}
    assert adapter_config_for(integration).base_url == "http://elsewhere.test"
