"""An integration whose saved settings its adapter refuses (a Vagaro connection from before the
region was asked for, edited by hand) answers the API with 409 and what to do, not a 500 (found
by the schemathesis run)."""

from __future__ import annotations

import pytest

from integrations.models import Integration, IntegrationStatus

pytestmark = pytest.mark.django_db


def test_a_vagaro_integration_without_its_region_answers_409(client, owner, salon):
    integration = Integration(
        salon=salon,
        platform="vagaro",
        account={"business_id": "nOrEgIoN=="},
        status=IntegrationStatus.CONNECTED,
    )
    integration.credentials = {"client_id": "c", "client_secret": "s"}
    integration.save()
    client.force_login(owner)
    url = f"/api/v1/salons/{salon.slug}/integrations/{integration.pk}/customers/c1/appointments/"
    response = client.get(url)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "integration_misconfigured"
    assert "Vagaro needs: Region." in error["message"] and "Reconnect" in error["message"]
