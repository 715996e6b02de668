"""The Mindbody emulator's activation (docs/platforms/mindbody.md §1.2, §4, §7.15): a site answers
DeniedAccess until it has approved the developer account; GET site/activationcode (v6 Swagger
GetActivationCodeResponse) serves the code and the link, whose sandbox page approves; the
sandbox's index has the switch."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse

from integrations.adapters.base import AdapterConfig
from integrations.adapters.errors import AuthenticationError, NotActivated
from integrations.adapters.mindbody import MindbodyAdapter
from sandbox.models import Account, Token
from sandbox.platforms import mindbody
from tests.sandbox_transport import mount

BASE = "/sandbox/mindbody/public/v6"


@pytest.fixture
def site(db) -> Account:
    return Account.objects.create(
        platform="mindbody",
        account_id="-99",
        name="Demo Salon Brooklyn",
        timezone="Europe/Dublin",
        username="Siteowner",
        password="apitest1234",
    )


def make_adapter(password: str = "apitest1234", site_id: str = "-99") -> tuple:
    adapter = MindbodyAdapter(
        AdapterConfig(
            base_url="http://sandbox.test/sandbox/mindbody",
            credentials={"username": "Siteowner", "password": password},
            account={"site_id": site_id},
            options={"api_key": "k"},
            timezone="America/New_York",
            sleep=lambda _seconds: None,
        )
    )
    return adapter, mount(adapter.http.session)


def test_a_new_site_is_activated_so_the_demo_connects(site):
    assert site.activated is True
    adapter, _ = make_adapter()
    result = adapter.test_connection()
    assert result.ok and result.timezone == "Europe/Dublin"


def test_an_unactivated_site_refuses_every_site_call_with_denied_access(site):
    site.activated = False
    site.save()
    http = HttpClient()
    for path in ("/site/locations", "/site/sessiontypes", "/staff/staff"):
        answer = http.get(f"{BASE}{path}", HTTP_SITEID="-99", HTTP_API_KEY="k")
        assert answer.status_code == 403, path
        assert answer.json()["Error"]["Code"] == "DeniedAccess", path
    issue = http.post(
        f"{BASE}/usertoken/issue",
        data={"Username": "Siteowner", "Password": "apitest1234"},
        content_type="application/json",
        HTTP_SITEID="-99",
        HTTP_API_KEY="k",
    )
    assert issue.status_code == 403 and issue.json()["Error"]["Code"] == "DeniedAccess"
    assert not Token.objects.exists()


def test_the_adapter_reads_an_unactivated_site_as_not_activated(site):
    site.activated = False
    site.save()
    adapter, transport = make_adapter()
    with pytest.raises(NotActivated):
        adapter.test_connection()
    assert [r.path_url.split("?")[0] for r in transport.requests] == [f"{BASE}/usertoken/issue"]


def test_a_wrong_password_on_an_activated_site_is_not_taken_for_activation(site):
    adapter, _ = make_adapter(password="wrong")
    with pytest.raises(AuthenticationError) as caught:
        adapter.test_connection()
    assert not isinstance(caught.value, NotActivated)
    assert caught.value.platform_code == "InvalidStaffCredentials"


@pytest.mark.parametrize("activated", [True, False])
def test_activation_code_is_served_before_and_after_activation(site, activated):
    site.activated = activated
    site.save()
    adapter, _ = make_adapter()
    activation = adapter.activation()
    assert activation.code == mindbody.activation_code_for(site)
    page = reverse("sandbox_mindbody_activation", kwargs={"pk": site.pk})
    assert activation.link == f"http://testserver{page}?code={activation.code}"


def test_activation_code_needs_the_api_key_and_a_known_site(site):
    http = HttpClient()
    missing_key = http.get(f"{BASE}/site/activationcode", HTTP_SITEID="-99")
    assert missing_key.status_code == 401
    assert missing_key.json()["Error"]["Code"] == "DeniedAccess"
    unknown = http.get(f"{BASE}/site/activationcode", HTTP_SITEID="-5", HTTP_API_KEY="k")
    assert unknown.status_code == 400 and unknown.json()["Error"]["Code"] == "InvalidSiteId"
    answer = http.get(f"{BASE}/site/activationcode", HTTP_SITEID="-99", HTTP_API_KEY="k")
    assert set(answer.json()) == {"ActivationCode", "ActivationLink"}


def test_the_activation_link_page_approves_and_the_index_switch_withdraws(site, client):
    site.activated = False
    site.save()
    client.force_login(get_user_model().objects.create_user("desk", password="x"))
    page = reverse("sandbox_mindbody_activation", kwargs={"pk": site.pk})
    shown = client.get(f"{page}?code=ABC").content.decode()
    assert "Approve SalonSync" in shown and "ABC" in shown
    client.post(page, {"activated": "1"})
    site.refresh_from_db()
    assert site.activated is True
    index = client.get(reverse("sandbox_index")).content.decode()
    assert 'data-testid="sandbox-activated"' in index and "Withdraw the approval" in index
    client.post(page, {"activated": "0"})
    site.refresh_from_db()
    assert site.activated is False
    bad = client.post(page, {"activated": "maybe"}, follow=True)
    assert bad.status_code == 200 and "Choose to approve" in bad.content.decode()
    site.refresh_from_db()
    assert site.activated is False
