"""The Phorest emulator's regions (docs/platforms/phorest.md §1.2): the EU host (the old mount,
unchanged) and the US/CA/AU host; a business answers on its own region's host only, and is
refused as bad credentials (401, §4) on the other one."""

from __future__ import annotations

import pytest

from integrations.adapters.base import AdapterConfig
from integrations.adapters.errors import AuthenticationError
from integrations.adapters.phorest import PhorestAdapter
from sandbox.models import Account
from tests.sandbox_transport import mount

EU = "http://sandbox.test/sandbox/phorest/third-party-api-server/api/business"
US = "http://sandbox.test/sandbox/phorest-us/third-party-api-server/api/business"


def make_business(db, account_id: str, region: str) -> Account:
    return Account.objects.create(
        platform="phorest",
        account_id=account_id,
        branch_id="br-1",
        name=f"Salon {account_id}",
        timezone="Australia/Sydney" if region == "us" else "Europe/Dublin",
        username=f"global/{account_id}@example.com",
        password="pw",
        region=region,
    )


def adapter_for(account: Account, base_url: str) -> PhorestAdapter:
    adapter = PhorestAdapter(
        AdapterConfig(
            base_url=base_url,
            credentials={"username": account.username, "password": account.password},
            account={"business_id": account.account_id, "branch_id": account.branch_id},
            sleep=lambda _seconds: None,
        )
    )
    mount(adapter.http.session)
    return adapter


@pytest.fixture
def eu_business(db) -> Account:
    return make_business(db, "biz-eu", "eu")


@pytest.fixture
def us_business(db) -> Account:
    return make_business(db, "biz-au", "us")


def test_each_business_answers_on_its_regions_host(eu_business, us_business):
    eu = adapter_for(eu_business, EU).test_connection()
    us = adapter_for(us_business, US).test_connection()
    assert (eu.ok, eu.account_name, eu.timezone) == (True, "Salon biz-eu", "Europe/Dublin")
    assert (us.ok, us.account_name, us.timezone) == (True, "Salon biz-au", "Australia/Sydney")


@pytest.mark.parametrize(("which", "host"), [("eu", US), ("us", EU)])
def test_the_other_regions_host_refuses_the_credentials(eu_business, us_business, which, host):
    account = eu_business if which == "eu" else us_business
    with pytest.raises(AuthenticationError) as caught:
        adapter_for(account, host).test_connection()
    assert caught.value.status_code == 401


def test_a_business_without_a_region_is_in_the_eu(db):
    legacy = make_business(db, "biz-old", "")
    assert adapter_for(legacy, EU).test_connection().ok
    with pytest.raises(AuthenticationError):
        adapter_for(legacy, US).test_connection()
