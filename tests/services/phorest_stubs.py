"""Phorest answers (from the vendor-documented fixtures) for service and API tests."""

import responses

from integrations.models import Integration, IntegrationStatus
from tests.integrations.adapters.harness.phorest import BRANCH, BUSINESS, Harness

HARNESS = Harness()
BASE = HARNESS.base_url
SECRET = "pässword-Sup3r-S3cret-XYZ"
VALUES = {
    "username": "global/owner@alpha.example",
    "password": SECRET,
    "business_id": BUSINESS,
    "branch_id": BRANCH,
}


def use_phorest_stub_host(settings) -> None:
    settings.PHOREST_API_URL = BASE


def stub_branches(rsps: responses.RequestsMock) -> None:
    HARNESS.stub_branches(rsps)


def stub_unauthorized(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BASE}/{BUSINESS}/branch", status=401)


def make_integration(salon, status=IntegrationStatus.CONNECTED) -> Integration:
    integration = Integration(
        salon=salon,
        platform="phorest",
        account={"business_id": BUSINESS, "branch_id": BRANCH},
        status=status,
    )
    integration.credentials = {"username": VALUES["username"], "password": SECRET}
    integration.save()
    return integration
