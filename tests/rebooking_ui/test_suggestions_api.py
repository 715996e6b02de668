"""The suggestions API: list by status, accept (200 / 400 / 409 / 502), dismiss, roles and
tenancy, always in the contract's error shape. The real RebookingService, a fake platform."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.adapters import errors
from rebooking.models import RebookingSuggestion, SuggestionKind, SuggestionStatus

from .conftest import SLOT_0, make_suggestion

pytestmark = pytest.mark.django_db


def list_url(salon, status: str | None = None) -> str:
    url = f"/api/v1/salons/{salon.slug}/rebooking/suggestions/"
    return url + (f"?status={status}" if status is not None else "")


def action_url(suggestion, action: str) -> str:
    return f"/api/v1/salons/{suggestion.salon.slug}/rebooking/suggestions/{suggestion.pk}/{action}/"


def post(client, url, body=None):
    return client.post(url, body if body is not None else {}, content_type="application/json")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


@pytest.mark.parametrize("role", ["owner", "manager", "viewer"])
def test_list_open_by_default_for_every_member(as_role, role, salon, integration):
    open_one = make_suggestion(integration)
    make_suggestion(integration, status=SuggestionStatus.DISMISSED)
    response = as_role(role).get(list_url(salon))
    assert response.status_code == 200
    (item,) = response.json()
    assert item["id"] == open_one.pk and item["status"] == "open"
    assert item["kind"] == "cancellation" and item["customer_name"] == "Ann Client"
    assert item["options"][0]["start"] == SLOT_0.isoformat()
    assert item["integration"] == str(integration.pk)


def test_list_by_status(as_role, salon, integration):
    make_suggestion(integration)
    dismissed = make_suggestion(integration, status=SuggestionStatus.DISMISSED)
    data = as_role("owner").get(list_url(salon, "dismissed")).json()
    assert [s["id"] for s in data] == [dismissed.pk]


def test_list_bad_status_is_400(as_role, salon):
    error = assert_error(as_role("owner").get(list_url(salon, "maybe")), 400, "invalid")
    assert "status" in error["fields"]


def test_list_hides_other_salons_and_foreign_slug_is_404(
    as_role, salon, integration, foreign_integration, other_salon
):
    make_suggestion(foreign_integration)
    client = as_role("owner")
    assert client.get(list_url(salon)).json() == []
    assert_error(client.get(list_url(other_salon)), 404, "not_found")


def test_accept_books_and_returns_the_suggestion(as_role, salon, integration, booking):
    suggestion = make_suggestion(integration)
    response = post(as_role("manager"), action_url(suggestion, "accept"), {"option": 2})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["appointment_ref"] == "appt-1"
    assert data["message"] == "Booked on Phorest for Thu, Jun 6, 2030, 10:30 AM."
    assert data["suggestion"]["status"] == "accepted"
    assert booking.booked[0].start == SLOT_0 + timedelta(days=2)


def test_accept_defaults_to_the_best_option(as_role, salon, integration, booking):
    suggestion = make_suggestion(integration)
    assert post(as_role("owner"), action_url(suggestion, "accept")).status_code == 200
    assert booking.booked[0].start == SLOT_0


def test_accept_refill_books_the_chosen_client_into_the_slot(as_role, salon, integration, booking):
    suggestion = make_suggestion(integration, kind=SuggestionKind.REFILL)
    response = post(as_role("owner"), action_url(suggestion, "accept"), {"option": 1})
    assert response.status_code == 200
    (request,) = booking.booked
    assert request.customer_id == "cust-8" and request.start == SLOT_0


@pytest.mark.parametrize("option", [3, 99, -1, "two", None])
def test_accept_with_a_bad_option_is_400(as_role, salon, integration, booking, option):
    suggestion = make_suggestion(integration)
    error = assert_error(
        post(as_role("owner"), action_url(suggestion, "accept"), {"option": option}), 400, "invalid"
    )
    assert "option" in error["fields"]
    assert not booking.booked


@pytest.mark.parametrize(
    "status", [SuggestionStatus.ACCEPTED, SuggestionStatus.DISMISSED, SuggestionStatus.EXPIRED]
)
def test_decided_suggestion_is_409_on_accept_and_dismiss(
    as_role, salon, integration, booking, status
):
    suggestion = make_suggestion(integration, status=status)
    client = as_role("owner")
    error = assert_error(post(client, action_url(suggestion, "accept")), 409, "conflict")
    assert error["status"] == status
    assert_error(post(client, action_url(suggestion, "dismiss")), 409, "conflict")
    assert not booking.booked


def test_taken_slot_is_409_with_the_next_option(as_role, salon, integration, booking):
    booking.taken = {SLOT_0}
    suggestion = make_suggestion(integration)
    client = as_role("owner")
    error = assert_error(post(client, action_url(suggestion, "accept")), 409, "slot_taken")
    assert error["next_option"] == 1
    assert "taken meanwhile" in error["message"]
    response = post(client, action_url(suggestion, "accept"), {"option": error["next_option"]})
    assert response.status_code == 200


def test_platform_error_is_502(as_role, salon, integration, booking):
    booking.fail = errors.TransientError("upstream timeout", platform="phorest")
    suggestion = make_suggestion(integration)
    error = assert_error(
        post(as_role("owner"), action_url(suggestion, "accept")), 502, "platform_error"
    )
    assert "nothing was booked" in error["message"]
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN and "nothing was booked" in (
        suggestion.last_error
    )


def test_accept_while_another_booking_is_in_progress_is_409(as_role, salon, integration):
    suggestion = make_suggestion(integration)
    RebookingSuggestion.objects.filter(pk=suggestion.pk).update(status=SuggestionStatus.BOOKING)
    error = assert_error(
        post(as_role("owner"), action_url(suggestion, "accept")), 409, "in_progress"
    )
    assert "in progress" in error["message"]


def test_dismiss(as_role, salon, integration):
    suggestion = make_suggestion(integration)
    response = post(as_role("manager"), action_url(suggestion, "dismiss"))
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DISMISSED and suggestion.decided_by is not None


def test_viewer_gets_403(as_role, salon, integration, booking):
    suggestion = make_suggestion(integration)
    client = as_role("viewer")
    assert_error(post(client, action_url(suggestion, "accept")), 403, "permission_denied")
    assert_error(post(client, action_url(suggestion, "dismiss")), 403, "permission_denied")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN


def test_another_salons_suggestion_is_404(as_role, salon, foreign_integration, booking):
    foreign = make_suggestion(foreign_integration)
    client = as_role("owner")
    wrong = action_url(foreign, "accept").replace(f"/{foreign.salon.slug}/", f"/{salon.slug}/")
    assert_error(post(client, wrong), 404, "not_found")
    assert_error(post(client, wrong.replace("accept", "dismiss")), 404, "not_found")
    assert_error(post(client, action_url(foreign, "accept")), 404, "not_found")
    foreign.refresh_from_db()
    assert foreign.status == SuggestionStatus.OPEN and not booking.booked


def test_anonymous_is_401(client, salon, integration):
    suggestion = make_suggestion(integration)
    assert client.get(list_url(salon)).status_code in (401, 403)
    assert post(client, action_url(suggestion, "dismiss")).status_code in (401, 403)


def test_accept_uses_the_api_level_service(monkeypatch, as_role, salon, integration):
    from rebooking import accept, api

    monkeypatch.setattr(
        api,
        "suggestion_accept",
        lambda **kw: accept.AcceptOutcome(True, "Booked (fake).", appointment_ref="F-1"),
    )
    suggestion = make_suggestion(integration)
    response = post(as_role("owner"), action_url(suggestion, "accept"), {"option": 1})
    assert response.status_code == 200 and response.json()["appointment_ref"] == "F-1"
