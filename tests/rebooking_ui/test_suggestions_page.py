"""The suggestions page: tabs by status, cards (kind, client or freed slot, service, provider,
reason, ranked options in the salon's time zone), the figures panel, and accept / dismiss through
the real RebookingService with a fake BookingService."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.adapters import errors
from rebooking.models import RebookingSuggestion, SuggestionKind, SuggestionStatus

from .conftest import SLOT_0, make_suggestion

pytestmark = pytest.mark.django_db


def page_url(salon, **query) -> str:
    url = reverse("rebooking_suggestions", kwargs={"slug": salon.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def action_url(suggestion, action: str) -> str:
    return reverse(
        f"rebooking_suggestion_{action}",
        kwargs={"slug": suggestion.salon.slug, "pk": suggestion.pk},
    )


@pytest.mark.parametrize("role", ["owner", "manager", "viewer"])
def test_page_renders_for_every_role_with_nav_link(as_role, role, salon, integration):
    make_suggestion(integration)
    response = as_role(role).get(page_url(salon))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page">Rebooking</a>' in html
    assert 'data-testid="figures"' in html
    buttons = 'data-testid="accept"' in html and 'data-testid="dismiss"' in html
    assert buttons is (role != "viewer")
    assert ('data-testid="read-only"' in html) is (role == "viewer")


def test_cancellation_card_shows_client_service_provider_reason_and_local_times(
    as_role, salon, integration
):
    make_suggestion(integration)
    html = as_role("owner").get(page_url(salon)).content.decode()
    assert "Rebook after a cancellation" in html
    assert "Ann Client" in html and "Cut &amp; Finish" in html and "Sam" in html
    assert "Ann cancelled her cut; she usually comes every 6 weeks." in html
    # 14:30 UTC on Tue June 4, 2030 is 10:30 AM in New York; then the next two days.
    assert "Tue, Jun 4, 2030, 10:30 AM" in html
    assert "Wed, Jun 5, 2030, 10:30 AM" in html and "Kim" in html
    assert "Thu, Jun 6, 2030, 10:30 AM" in html
    assert 'value="0" data-testid="option-0" checked' in html


def test_times_follow_the_salons_time_zone(as_role, salon, integration):
    salon.timezone = "Europe/Dublin"
    salon.save()
    make_suggestion(integration)
    html = as_role("owner").get(page_url(salon)).content.decode()
    assert "Tue, Jun 4, 2030, 3:30 PM" in html  # IST, UTC+1


def test_refill_card_shows_the_freed_slot_and_clients(as_role, salon, integration):
    make_suggestion(integration, kind=SuggestionKind.REFILL)
    html = as_role("owner").get(page_url(salon)).content.decode()
    assert "Fill a freed slot" in html
    assert "Freed slot · Tue, Jun 4, 2030, 10:30 AM–11:30 AM" in html
    assert "Rita Refill" in html and "due since Mon, May 20, 2030" in html
    assert "Omar Overdue" in html
    assert "Book this client" in html


def test_tabs_filter_by_status_open_by_default(as_role, salon, integration):
    make_suggestion(integration, customer_name="Olive Open")
    make_suggestion(integration, customer_name="Dora Dismissed", status=SuggestionStatus.DISMISSED)
    make_suggestion(integration, customer_name="Ed Expired", status=SuggestionStatus.EXPIRED)
    client = as_role("owner")
    html = client.get(page_url(salon)).content.decode()
    assert "Olive Open" in html and "Dora Dismissed" not in html
    assert 'data-testid="tab-open" aria-current="page"' in html
    html = client.get(page_url(salon, status="dismissed")).content.decode()
    assert "Dora Dismissed" in html and "Olive Open" not in html
    assert 'data-testid="accept"' not in html  # decided: no buttons
    html = client.get(page_url(salon, status="expired")).content.decode()
    assert "Ed Expired" in html
    assert "Olive Open" in client.get(page_url(salon, status="bogus")).content.decode()


def test_empty_page_says_so(as_role, salon):
    html = as_role("owner").get(page_url(salon)).content.decode()
    assert 'data-testid="no-suggestions"' in html


def test_another_salons_suggestions_are_not_listed_and_are_404(
    as_role, salon, integration, foreign_integration, booking
):
    foreign = make_suggestion(foreign_integration, customer_name="Fiona Foreign")
    client = as_role("owner")
    assert "Fiona Foreign" not in client.get(page_url(salon)).content.decode()
    assert client.post(action_url(foreign, "accept"), {"option": 0}).status_code == 404
    assert client.post(action_url(foreign, "dismiss")).status_code == 404
    assert client.get(page_url(foreign.salon)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == SuggestionStatus.OPEN and not booking.booked


def test_figures_panel(as_role, salon, integration):
    make_suggestion(integration, status=SuggestionStatus.ACCEPTED, revenue="65.00")
    make_suggestion(
        integration, kind=SuggestionKind.REFILL, status=SuggestionStatus.ACCEPTED, revenue="40.00"
    )
    make_suggestion(integration, kind=SuggestionKind.REFILL)
    make_suggestion(integration, status=SuggestionStatus.DISMISSED)
    make_suggestion(integration, status=SuggestionStatus.EXPIRED)
    response = as_role("owner").get(page_url(salon))
    figures = response.context["figures"]
    assert figures["accepted"] == 2 and figures["refilled"] == 1 and figures["freed_slots"] == 2
    html = response.content.decode()
    assert "1 / 2" in html and "freed slots refilled" in html
    assert "(worth 105.00)" in html  # the salon has no currency yet: the bare amount
    assert "—" in html  # no cancellations mirrored: no rebook rate yet


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_accept_books_the_chosen_option(as_role, role, salon, integration, booking):
    suggestion = make_suggestion(integration)
    client = as_role(role)
    response = client.post(action_url(suggestion, "accept"), {"option": "1"})
    assert response.status_code == 302 and response["Location"] == page_url(salon)
    (request,) = booking.booked
    assert request.start == SLOT_0 + timedelta(days=1) and request.provider_id == "prov-1"
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED
    assert suggestion.booked_appointment_ref == "appt-1"
    html = client.get(response["Location"]).content.decode()
    assert "Ann Client: Booked on Phorest for Wed, Jun 5, 2030, 10:30 AM." in html


def test_taken_slot_shows_the_message_and_preselects_the_next(as_role, salon, integration, booking):
    booking.taken = {SLOT_0}
    suggestion = make_suggestion(integration)
    client = as_role("owner")
    response = client.post(action_url(suggestion, "accept"), {"option": "0"})
    assert response.status_code == 302
    assert f"pick={suggestion.pk}%3A1" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "That opening was taken meanwhile. The next one is offered." in html
    assert 'value="1" data-testid="option-1" checked' in html
    assert 'value="0" data-testid="option-0" disabled' in html
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN


def test_platform_error_is_shown(as_role, salon, integration, booking):
    booking.fail = errors.NotFoundError("The client no longer exists.", platform="phorest")
    suggestion = make_suggestion(integration)
    client = as_role("owner")
    response = client.post(action_url(suggestion, "accept"), {"option": "0"}, follow=True)
    assert "could not book it: The client no longer exists." in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN
    assert suggestion.last_error == "Phorest could not book it: The client no longer exists."


def test_accept_with_a_missing_option_books_nothing(as_role, salon, integration, booking):
    suggestion = make_suggestion(integration)
    client = as_role("owner")
    for bad in ("7", "-1", "x"):
        response = client.post(action_url(suggestion, "accept"), {"option": bad}, follow=True)
        assert "Choose one of the offered options." in response.content.decode()
    assert not booking.booked


def test_accepting_a_decided_suggestion_says_so(as_role, salon, integration, booking):
    suggestion = make_suggestion(integration, status=SuggestionStatus.DISMISSED)
    response = as_role("owner").post(action_url(suggestion, "accept"), {"option": 0}, follow=True)
    assert "already dismissed" in response.content.decode()
    assert not booking.booked


def test_accept_uses_the_view_level_service(monkeypatch, as_role, salon, integration):
    """The page calls rebooking.views.suggestion_accept and shows its message as is."""
    from rebooking import accept, views

    calls = []

    def fake_accept(*, suggestion, option_index=0, user):
        calls.append((suggestion.pk, option_index, user.username))
        return accept.AcceptOutcome(True, "Booked for Fri.", appointment_ref="X1")

    monkeypatch.setattr(views, "suggestion_accept", fake_accept)
    suggestion = make_suggestion(integration)
    response = as_role("owner").post(action_url(suggestion, "accept"), {"option": 2}, follow=True)
    assert calls == [(suggestion.pk, 2, "olivia")]
    assert "Ann Client: Booked for Fri." in response.content.decode()


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_dismiss(as_role, role, salon, integration):
    suggestion = make_suggestion(integration)
    client = as_role(role)
    response = client.post(action_url(suggestion, "dismiss"), follow=True)
    assert "Ann Client: dismissed." in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DISMISSED
    assert suggestion.decided_by.username == {"owner": "olivia", "manager": "max"}[role]


def test_dismissing_twice_says_it_is_already_dismissed(as_role, salon, integration):
    suggestion = make_suggestion(integration, status=SuggestionStatus.ACCEPTED)
    response = as_role("owner").post(action_url(suggestion, "dismiss"), follow=True)
    assert "already accepted" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED


def test_viewer_cannot_accept_or_dismiss(as_role, salon, integration, booking):
    suggestion = make_suggestion(integration)
    client = as_role("viewer")
    assert client.post(action_url(suggestion, "accept"), {"option": 0}).status_code == 403
    assert client.post(action_url(suggestion, "dismiss")).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN and not booking.booked


def test_actions_are_post_only(as_role, salon, integration):
    suggestion = make_suggestion(integration)
    assert as_role("owner").get(action_url(suggestion, "dismiss")).status_code == 405


def test_open_suggestions_list_soonest_expiry_first(as_role, salon, integration):
    now = timezone.now()
    make_suggestion(integration, customer_name="Later Lou", expires_at=now + timedelta(days=5))
    make_suggestion(integration, customer_name="Soon Sue", expires_at=now + timedelta(hours=5))
    html = as_role("owner").get(page_url(salon)).content.decode()
    assert html.index("Soon Sue") < html.index("Later Lou")
    assert RebookingSuggestion.objects.count() == 2


def test_a_suggestion_being_booked_shows_with_the_open_ones_without_a_form(
    as_role, salon, integration
):
    suggestion = make_suggestion(integration, last_error="")
    RebookingSuggestion.objects.filter(pk=suggestion.pk).update(
        status=SuggestionStatus.BOOKING, booking_started_at=timezone.now()
    )
    html = (
        as_role("owner").get(reverse("rebooking_suggestions", args=[salon.slug])).content.decode()
    )
    assert 'data-testid="booking-in-progress">Booking on Phorest' in html
    assert 'data-testid="accept"' not in html
    assert 'data-testid="tab-open" aria-current="page">Open <span class="count">1</span>' in html
    assert 'data-testid="tab-booking"' not in html


def test_a_card_names_its_platform_and_the_last_failed_attempt(as_role, salon, integration):
    make_suggestion(integration, last_error="Phorest could not book it: the client is archived.")
    html = (
        as_role("owner").get(reverse("rebooking_suggestions", args=[salon.slug])).content.decode()
    )
    assert 'data-testid="platform">Phorest</span>' in html
    assert "Last attempt: Phorest could not book it: the client is archived." in html
