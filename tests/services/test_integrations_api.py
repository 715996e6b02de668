"""The integrations REST API: scoped to the caller's salons, roles enforced, secrets write-only."""

import pytest
import responses

from integrations.models import ApiCall, Integration
from tests.factories import make_member
from tests.services.phorest_stubs import (
    BASE,
    BRANCH,
    BUSINESS,
    SECRET,
    VALUES,
    make_integration,
    stub_branches,
    stub_unauthorized,
    use_phorest_stub_host,
)

BRANCH_URL = f"{BASE}/{BUSINESS}/branch/{BRANCH}"


@pytest.fixture(autouse=True)
def _stub_host(settings):
    use_phorest_stub_host(settings)


@pytest.fixture
def api(client, owner):
    client.force_login(owner)
    return client


def post_json(client, url, data):
    return client.post(url, data=data, content_type="application/json")


CONNECT = {
    "platform": "phorest",
    "credentials": {"username": VALUES["username"], "password": SECRET},
    "account": {"business_id": BUSINESS, "branch_id": BRANCH},
}


def test_connect_tests_first_then_saves(api, salon):
    with responses.RequestsMock() as rsps:
        stub_branches(rsps)
        response = post_json(api, "/api/v1/salons/alpha/integrations/", CONNECT)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "connected"
    assert body["saved_credentials"] == ["password", "username"]
    assert SECRET not in response.content.decode()
    integration = Integration.objects.get(pk=body["id"])
    assert integration.credentials["password"] == SECRET
    assert integration.account_key == f"{BUSINESS}/{BRANCH}"


def test_rejected_credentials_are_a_clear_400_and_nothing_saved(api):
    with responses.RequestsMock() as rsps:
        stub_unauthorized(rsps)
        response = post_json(api, "/api/v1/salons/alpha/integrations/", CONNECT)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "authentication_failed"
    assert "did not accept these credentials" in response.json()["error"]["message"]
    assert not Integration.objects.exists()
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({}, "platform"),
        ({**CONNECT, "platform": "myspace"}, "platform"),
        ({**CONNECT, "credentials": "nope"}, "credentials"),
        ({**CONNECT, "credentials": {"username": "x" * 600}}, "credentials"),
        ({**CONNECT, "settings": {"base_url": "http://169.254.169.254/"}}, "Unknown settings"),
    ],
)
def test_bad_connect_input_is_400(api, payload, fragment):
    response = post_json(api, "/api/v1/salons/alpha/integrations/", payload)
    assert response.status_code == 400
    assert fragment in str(response.json()["error"])
    assert not Integration.objects.exists()


def test_missing_credential_is_a_clear_error(api):
    payload = {**CONNECT, "credentials": {"username": VALUES["username"]}}
    response = post_json(api, "/api/v1/salons/alpha/integrations/", payload)
    assert response.status_code == 400
    assert "Phorest needs: API password." in response.json()["error"]["message"]


def test_same_account_twice_is_409(api, salon):
    make_integration(salon)
    response = post_json(api, "/api/v1/salons/alpha/integrations/", CONNECT)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_list_and_detail_never_return_secrets(api, salon):
    integration = make_integration(salon)
    integration.access_token = "tok-SECRET-9"
    integration.save()
    listing = api.get("/api/v1/salons/alpha/integrations/")
    detail = api.get(f"/api/v1/salons/alpha/integrations/{integration.pk}/")
    for response in (listing, detail):
        assert response.status_code == 200
        text = response.content.decode()
        assert SECRET not in text and "tok-SECRET-9" not in text
    assert detail.json()["platform_name"] == "Phorest"


def test_another_salons_integration_is_404_everywhere(api, other_salon):
    foreign = make_integration(other_salon)
    base = f"/api/v1/salons/beta/integrations/{foreign.pk}/"
    mine_path = f"/api/v1/salons/alpha/integrations/{foreign.pk}/"
    for path in (
        base,
        mine_path,
        mine_path + "test/",
        mine_path + "availability/?start=2030-01-01&end=2030-01-02",
    ):
        method = api.post if path.endswith("test/") else api.get
        assert method(path).status_code == 404, path
    assert api.delete(mine_path).status_code == 404
    assert Integration.objects.get(pk=foreign.pk).status == "connected"


def test_viewer_and_manager_cannot_change_integrations(client, salon):
    integration = make_integration(salon)
    for username, role in (("vera", "viewer"), ("max", "manager")):
        client.force_login(make_member(salon, username, role))
        url = f"/api/v1/salons/alpha/integrations/{integration.pk}/"
        assert client.get(url).status_code == 200
        assert client.delete(url).status_code == 403
        patch = client.patch(
            url, data={"settings": {"page_size": 5}}, content_type="application/json"
        )
        assert patch.status_code == 403
        assert post_json(client, "/api/v1/salons/alpha/integrations/", CONNECT).status_code == 403
    integration.refresh_from_db()
    assert integration.status == "connected" and integration.options == {}


def test_viewer_cannot_book_or_test(client, salon):
    integration = make_integration(salon)
    client.force_login(make_member(salon, "vera", "viewer"))
    url = f"/api/v1/salons/alpha/integrations/{integration.pk}/"
    assert client.post(url + "test/").status_code == 403
    assert post_json(client, url + "appointments/", {}).status_code == 403


def test_delete_disconnects_and_forgets_credentials(api, salon):
    integration = make_integration(salon)
    response = api.delete(f"/api/v1/salons/alpha/integrations/{integration.pk}/")
    assert response.status_code == 204
    integration.refresh_from_db()
    assert integration.status == "disabled" and integration.credentials == {}


def test_test_endpoint_reports_and_records(api, salon):
    integration = make_integration(salon)
    with responses.RequestsMock() as rsps:
        stub_branches(rsps)
        response = api.post(f"/api/v1/salons/alpha/integrations/{integration.pk}/test/")
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert ApiCall.objects.filter(integration=integration).count() == 1
    with responses.RequestsMock() as rsps:
        stub_unauthorized(rsps)
        response = api.post(f"/api/v1/salons/alpha/integrations/{integration.pk}/test/")
    assert response.json()["ok"] is False and response.json()["status"] == "needs_reauth"


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "start"),
        ("?start=2030-01-10&end=2030-01-01", "end must not be before start"),
        ("?start=2030-01-01&end=2030-03-01", "at most 31 days"),
        ("?start=tomorrow&end=2030-01-01", "Date has wrong format"),
    ],
)
def test_availability_bad_input(api, salon, query, message):
    integration = make_integration(salon)
    response = api.get(f"/api/v1/salons/alpha/integrations/{integration.pk}/availability/{query}")
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_availability_in_salon_time_and_cached(api, salon):
    integration = make_integration(salon)
    fixture = {
        "clientId": "c",
        "clientServiceSelections": [],
        "serviceSchedules": [],
    }
    del fixture
    url = f"/api/v1/salons/alpha/integrations/{integration.pk}/availability/"
    query = "?start=2030-01-07&end=2030-01-07&service=SeRv1cE0aBcDeFgHiJkLmN"
    from tests.integrations.adapters.harness import load_fixture

    answer = load_fixture("phorest", "availability_response")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        stub_branches(rsps)
        rsps.post(f"{BRANCH_URL}/appointments/availability", json=answer)
        first = api.get(url + query)
        second = api.get(url + query)
        calls = len(rsps.calls)
    assert first.status_code == 200, first.json()
    assert first.json() == second.json()
    assert first.json()["timezone"] == "America/New_York"
    starts = [slot["start"] for slot in first.json()["slots"]]
    assert starts and all(s.endswith(("-05:00", "-04:00")) for s in starts)
    assert calls == 2  # branches + one availability search; the second answer was cached


def test_booking_refused_is_409_with_platform_message(api, salon):
    integration = make_integration(salon)
    from tests.integrations.adapters.harness import load_fixture

    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{BRANCH_URL}/booking",
            status=400,
            json=load_fixture("phorest", "error_slot_unavailable"),
        )
        response = post_json(
            api,
            f"/api/v1/salons/alpha/integrations/{integration.pk}/appointments/",
            {"customer": "c1", "service": "s1", "provider": "p1", "start": "2030-01-07T15:00:00Z"},
        )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "validation_failed"


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({}, "customer"),
        (
            {"customer": "c", "service": "s", "provider": "p", "start": "2001-01-01T10:00:00Z"},
            "future",
        ),
        ({"customer": "c", "service": "s", "provider": "p", "start": "not a date"}, "start"),
    ],
)
def test_booking_bad_input(api, salon, payload, fragment):
    integration = make_integration(salon)
    response = post_json(
        api, f"/api/v1/salons/alpha/integrations/{integration.pk}/appointments/", payload
    )
    assert response.status_code == 400
    assert fragment in str(response.json()["error"])


def test_needs_reauth_integration_refuses_platform_calls(api, salon):
    integration = make_integration(salon, status="needs_reauth")
    response = api.get(
        f"/api/v1/salons/alpha/integrations/{integration.pk}/availability/?start=2030-01-01&end=2030-01-02"
    )
    assert response.status_code == 409
    assert "reconnect" in response.json()["error"]["message"]


def test_openapi_schema_and_docs(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/salons/{slug}/integrations/" in text
    assert api.get("/api/docs/").status_code == 200


def test_patch_settings_merges_and_keeps_what_salonsync_learned(api, salon):
    integration = make_integration(salon)
    integration.options = {"write_access": False, "read_times": "utc"}
    integration.save(update_fields=["options"])
    url = f"/api/v1/salons/alpha/integrations/{integration.pk}/"
    response = api.patch(url, data={"settings": {"page_size": 50}}, content_type="application/json")
    assert response.status_code == 200
    integration.refresh_from_db()
    assert integration.options == {"write_access": False, "read_times": "utc", "page_size": 50}


def test_patch_owner_settings_are_checked_against_their_choices(api, salon):
    integration = make_integration(salon)  # Phorest: availability is "salon" or "online"
    url = f"/api/v1/salons/alpha/integrations/{integration.pk}/"
    bad = api.patch(
        url, data={"settings": {"availability": "all"}}, content_type="application/json"
    )
    assert (
        bad.status_code == 400
        and "availability must be one of: salon, online" in bad.content.decode()
    )
    good = api.patch(
        url, data={"settings": {"availability": "online"}}, content_type="application/json"
    )
    assert good.status_code == 200
    integration.refresh_from_db()
    assert integration.options["availability"] == "online"
