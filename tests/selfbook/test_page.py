"""The client's page from a link, on the real views: openings checked live, one tap books
through the same claim as the owner's Accept, a confirmation, and a clear page (never a 500) for
a link that is tampered with, expired, used twice, or no longer on offer."""

from __future__ import annotations

import html as html_lib
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.adapters import errors
from rebooking.models import RebookingSuggestion, SuggestionKind, SuggestionStatus
from selfbook.links import BookLink, book_link_read
from selfbook.models import ClientAction, ClientPageLook

from .conftest import SLOT_0, make_integration, make_suggestion, path_for

pytestmark = pytest.mark.django_db


def reload(suggestion) -> RebookingSuggestion:
    return RebookingSuggestion.objects.get(pk=suggestion.pk)


def text(response) -> str:
    """The page's HTML with entities decoded ("don&#x27;t" reads "don't")."""
    return html_lib.unescape(response.content.decode())


# -- opening the link ------------------------------------------------------------------------------
def test_the_page_shows_the_salon_and_the_openings_still_free(
    client, salon, integration, availability, booking
):
    ClientPageLook.objects.create(salon=salon, accent="teal", tagline="Cuts & colour since 1999")
    suggestion = make_suggestion(integration)
    availability.gone.add(SLOT_0)  # the best opening was taken on the platform meanwhile
    response = client.get(path_for(suggestion))
    assert response.status_code == 200
    html = text(response)
    assert "Alpha Hair" in html and "look-teal" in html and "Cuts & colour since 1999" in html
    assert 'data-testid="opening-0"' not in html  # taken: hidden
    assert 'data-testid="opening-1"' in html and 'data-testid="opening-2"' in html
    assert "Wed, Jun 5, 2030, 10:30 AM" in html and "with Kim" in html
    assert "Book this time" in html
    # Checked live (no cache) once per day asked, and nothing was booked by opening it.
    assert [call[3] for call in availability.calls] == [False, False, False]
    assert booking.booked == []
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["Referrer-Policy"] == "same-origin"


def test_only_the_best_three_free_openings_are_shown(client, integration, availability, booking):
    from tests.rebooking_ui.conftest import slot_options

    suggestion = make_suggestion(integration, options=slot_options(4))
    html = text(client.get(path_for(suggestion)))
    assert [f'data-testid="opening-{i}"' in html for i in range(4)] == [True, True, True, False]
    assert len(availability.calls) == 3  # it stops asking once three are found


def test_when_the_platform_cannot_be_asked_the_openings_show_unchecked(
    client, integration, availability, booking
):
    availability.fail = errors.TransientError("503", platform="phorest")
    html = text(client.get(path_for(make_suggestion(integration))))
    assert 'data-testid="opening-0"' in html
    assert "couldn't check them with the salon" in html


def test_every_opening_gone_offers_to_ask_for_another_time(
    client, integration, availability, booking
):
    suggestion = make_suggestion(integration)
    availability.gone.update(SLOT_0 + timedelta(days=d) for d in range(3))
    html = text(client.get(path_for(suggestion)))
    assert 'data-testid="none-left"' in html and 'data-testid="ask-any"' in html
    response = client.post(path_for(suggestion), {"do": "ask", "option": "any"})
    assert response.status_code == 302
    action = ClientAction.objects.get(suggestion=suggestion)
    assert (action.kind, action.option_index, action.customer_name) == (
        "asked",
        ClientAction.ANY_TIME,
        "Ann Client",
    )
    assert 'data-testid="asked-any"' in text(client.get(path_for(suggestion)))


# -- booking ---------------------------------------------------------------------------------------
def test_one_tap_books_through_the_claim_and_confirms(client, integration, availability, booking):
    suggestion = make_suggestion(integration)
    # A plain form POST (no JavaScript): the button's name and value are the choice.
    response = client.post(path_for(suggestion), {"do": "book", "option": "1"})
    # Back to the same link (re-signed, so its time may differ by the second it was made in).
    assert response.status_code == 302
    token = response["Location"].removeprefix("/r/").removesuffix("/")
    assert book_link_read(token) == BookLink(suggestion.pk, suggestion.customer_ref)
    [request] = booking.booked
    assert (request.customer_id, request.provider_id, request.start) == (
        "cust-1",
        "prov-1",
        SLOT_0 + timedelta(days=1),
    )
    after = reload(suggestion)
    assert (after.status, after.booking_option, after.decided_by) == ("accepted", 1, None)
    assert after.booked_appointment_ref == "appt-1"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = text(page)
    assert 'data-testid="confirmation"' in html and "You're booked" in html
    assert "Wed, Jun 5, 2030, 10:30 AM" in html and "with Kim" in html
    credit = ClientAction.objects.get(suggestion=suggestion, kind="booked")
    assert credit.option_index == 1


def test_a_link_used_twice_books_once_and_shows_the_booking(
    client, integration, availability, booking
):
    suggestion = make_suggestion(integration)
    client.post(path_for(suggestion), {"do": "book", "option": "0"})
    again = client.post(path_for(suggestion), {"do": "book", "option": "2"})
    assert again.status_code == 302
    assert len(booking.booked) == 1
    html = text(client.get(path_for(suggestion)))
    assert "You're booked" in html and "Tue, Jun 4, 2030, 10:30 AM" in html
    assert reload(suggestion).booking_option == 0


def test_a_time_taken_at_the_last_moment_offers_the_others(
    client, integration, availability, booking
):
    suggestion = make_suggestion(integration)
    booking.taken = {SLOT_0}
    response = client.post(path_for(suggestion), {"do": "book", "option": "0"}, follow=True)
    html = text(response)
    assert "that time was just taken" in html
    assert 'data-testid="opening-0"' not in html and 'data-testid="opening-1"' in html
    assert reload(suggestion).status == SuggestionStatus.OPEN


def test_a_platform_failure_books_nothing_and_says_so_kindly(
    client, integration, availability, booking
):
    booking.fail = errors.IntegrationError("boom: secret detail", platform="phorest")
    suggestion = make_suggestion(integration)
    html = text(client.post(path_for(suggestion), {"do": "book", "option": "0"}, follow=True))
    assert "couldn't book that time online" in html and "secret detail" not in html
    assert reload(suggestion).status == SuggestionStatus.OPEN


# -- a freed slot offered to several clients: the first wins ---------------------------------------
def test_the_first_client_to_book_a_freed_slot_wins_and_the_next_is_told_it_has_gone(
    integration, availability, booking
):
    suggestion = make_suggestion(integration, kind=SuggestionKind.REFILL)
    rita, omar = Client(), Client()
    rita_link, omar_link = path_for(suggestion, "cust-7"), path_for(suggestion, "cust-8")
    assert 'data-testid="opening-0"' in text(rita.get(rita_link))
    omar_page = text(omar.get(omar_link))
    assert 'data-testid="opening-1"' in omar_page and "first to book it gets it" in omar_page

    rita.post(rita_link, {"do": "book", "option": "0"})
    [request] = booking.booked
    assert (request.customer_id, request.start) == ("cust-7", SLOT_0)
    assert "You're booked" in text(rita.get(rita_link))

    late = omar.post(omar_link, {"do": "book", "option": "1"}, follow=True)
    assert late.status_code == 410
    assert "Sorry, this time has gone" in text(late) and "Someone else booked" in text(late)
    assert len(booking.booked) == 1
    assert omar.get(omar_link).status_code == 410


def test_a_refill_link_books_only_its_own_client(client, integration, availability, booking):
    suggestion = make_suggestion(integration, kind=SuggestionKind.REFILL)
    response = client.post(path_for(suggestion, "cust-7"), {"do": "book", "option": "1"})
    assert response.status_code == 400 and "choose one of the times" in text(response)
    assert booking.booked == []


# -- the platform does not let SalonSync book: ask for this time ----------------------------------
def test_without_write_access_the_client_asks_and_the_owner_gets_a_task(
    client, salon, owner, availability, booking
):
    vagaro = make_integration(salon, platform="vagaro")  # no write access confirmed
    suggestion = make_suggestion(vagaro)
    html = text(client.get(path_for(suggestion)))
    assert "Ask for this time" in html and "Book this time" not in html
    client.post(path_for(suggestion), {"do": "ask", "option": "1"})
    client.post(path_for(suggestion), {"do": "ask", "option": "1"})  # twice is one task
    assert booking.booked == []
    [task] = ClientAction.objects.filter(suggestion=suggestion)
    assert (task.kind, task.status, task.when_label) == (
        "asked",
        "open",
        "Wed, Jun 5, 2030, 10:30 AM",
    )
    page = text(client.get(path_for(suggestion)))
    assert 'data-testid="asked"' in page and "Alpha Hair will confirm" in page

    owner_client = Client()
    owner_client.force_login(owner)
    owner_page = text(owner_client.get(reverse("rebooking_suggestions", kwargs={"slug": "alpha"})))
    assert 'data-testid="client-request"' in owner_page
    assert "Ann Client asked for Wed, Jun 5, 2030, 10:30 AM from their link" in owner_page
    done = reverse("selfbook_request_done", kwargs={"slug": "alpha", "pk": task.pk})
    assert done in owner_page
    owner_client.post(done)
    task.refresh_from_db()
    assert (task.status, task.handled_by) == ("done", owner)
    after = text(owner_client.get(reverse("rebooking_suggestions", kwargs={"slug": "alpha"})))
    assert 'data-testid="client-request-done"' in after and "done by olivia" in after


def test_another_salons_member_cannot_close_the_task(
    client, salon, other_salon, availability, booking
):
    from tests.factories import make_member

    suggestion = make_suggestion(make_integration(salon, platform="vagaro"))
    client.post(path_for(suggestion), {"do": "ask", "option": "0"})
    task = ClientAction.objects.get()
    stranger = make_member(other_salon, "bob", "owner")
    client.force_login(stranger)
    url = reverse("selfbook_request_done", kwargs={"slug": "beta", "pk": task.pk})
    assert client.post(url).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


# -- the owner's page credits the client ----------------------------------------------------------
def test_a_booking_from_the_link_is_credited_on_the_owners_page(
    client, owner, integration, availability, booking
):
    suggestion = make_suggestion(integration)
    client.post(path_for(suggestion), {"do": "book", "option": "0"})
    client.force_login(owner)
    url = reverse("rebooking_suggestions", kwargs={"slug": "alpha"}) + "?status=accepted"
    html = text(client.get(url))
    assert 'data-testid="self-booked"' in html and "Ann Client booked this from their link" in html
    assert text(client.get(url.split("?")[0] + "?status=accepted&page=1")).count("self-booked") == 1


# -- bad links and bad input: a clear page, never a 500 -------------------------------------------
@pytest.mark.parametrize(
    "token",
    ["abc", "x" * 600, "%00", "..", "eyJzIjoxfQ:1tT:AAAA", "%F0%9F%92%A9"],
)
def test_a_tampered_link_gets_a_clear_page(client, token):
    response = client.get(f"/r/{token}/")
    assert response.status_code == 400
    assert "This link doesn't work" in text(response)


def test_a_changed_signature_is_refused_and_books_nothing(
    client, integration, availability, booking
):
    good = path_for(make_suggestion(integration))
    bad = good[:-2] + ("A" if good[-2] != "A" else "B") + "/"
    assert client.get(bad).status_code == 400
    assert client.post(bad, {"do": "book", "option": "0"}).status_code == 400
    assert booking.booked == []


def test_a_link_for_another_client_or_a_deleted_suggestion_is_invalid(
    client, integration, availability, booking
):
    suggestion = make_suggestion(integration)
    assert client.get(path_for(suggestion, "cust-999")).status_code == 400
    gone = path_for(suggestion)
    suggestion.delete()
    assert client.get(gone).status_code == 400


def test_an_expired_suggestion_gets_a_clear_page(client, integration, availability, booking):
    suggestion = make_suggestion(integration, expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(path_for(suggestion))
    assert response.status_code == 410 and "This link has expired" in text(response)
    assert "Alpha Hair" in text(response)
    assert client.post(path_for(suggestion), {"do": "book", "option": "0"}).status_code == 302
    assert booking.booked == []


def test_an_old_link_gets_the_expired_page(client, settings, integration, monkeypatch):
    import time

    from django.core import signing

    suggestion = make_suggestion(integration)
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 40 * 86400)
    old = path_for(suggestion)
    monkeypatch.setattr(signing.time, "time", real)
    response = client.get(old)
    assert response.status_code == 410 and "This link has expired" in text(response)


def test_a_dismissed_suggestion_says_it_has_gone(client, integration, availability, booking):
    suggestion = make_suggestion(integration, status=SuggestionStatus.DISMISSED)
    response = client.get(path_for(suggestion))
    assert response.status_code == 410 and "no longer on offer" in text(response)


@pytest.mark.parametrize(
    "data",
    [
        {"do": "book", "option": "7"},
        {"do": "book", "option": "-1"},
        {"do": "book", "option": "one"},
        {"do": "book"},
        {"do": "book", "option": "any"},
        {"do": "explode", "option": "0"},
        {},
    ],
)
def test_bad_form_input_gets_a_clear_400(client, integration, availability, booking, data):
    suggestion = make_suggestion(integration)
    response = client.post(path_for(suggestion), data)
    assert response.status_code == 400 and "That didn't work" in text(response)
    assert booking.booked == []


def test_the_form_needs_its_csrf_token(integration, availability, booking):
    strict = Client(enforce_csrf_checks=True)
    suggestion = make_suggestion(integration)
    assert strict.post(path_for(suggestion), {"do": "book", "option": "0"}).status_code == 403
    page = strict.get(path_for(suggestion))
    token = page.cookies["csrftoken"].value
    response = strict.post(
        path_for(suggestion), {"do": "book", "option": "0", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and len(booking.booked) == 1
