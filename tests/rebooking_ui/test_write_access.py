"""A platform that grants writes per account (Vagaro, docs/platforms/vagaro.md §2.7): the
connection test's finding is saved, the owner's pages offer booking only where it works and say
what to do otherwise, and a write refused later turns the buttons off."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.adapters import registry
from integrations.models import Integration, IntegrationStatus
from integrations.services import integration_connect
from rebooking.models import RebookingSuggestion, SuggestionStatus
from tests import fake_per_customer as fake

from .conftest import make_suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(monkeypatch):
    now = timezone.now().astimezone(UTC)
    monkeypatch.setattr(fake, "STORE", fake.Store(customers=2, now=now))
    registry.register(fake.PerCustomerAdapter)
    yield fake.STORE
    registry.unregister(fake.PerCustomerAdapter.platform)


def connected(salon, **options) -> Integration:
    return Integration.objects.create(
        salon=salon,
        platform="percustomer",
        account={"id": "x"},
        status=IntegrationStatus.CONNECTED,
        options=options,
    )


def page(client, salon) -> str:
    return client.get(
        reverse("rebooking_suggestions", kwargs={"slug": salon.slug})
    ).content.decode()


def test_connecting_saves_what_the_test_found_about_write_access(salon, platform):
    outcome = integration_connect(salon=salon, platform="percustomer", values={})
    assert outcome.integration.options["write_access"] is False


def test_without_write_access_the_page_offers_no_book_button_and_says_what_to_do(
    as_role, salon, platform
):
    make_suggestion(connected(salon, write_access=False))
    html = page(as_role("owner"), salon)
    assert 'data-testid="accept"' not in html
    assert 'data-testid="book-on-platform"' in html
    assert "book the time in PerCustomer itself" in html
    assert 'data-testid="dismiss"' in html  # the owner can still dismiss it


def test_with_write_access_confirmed_the_book_button_is_offered(as_role, salon, platform):
    make_suggestion(connected(salon, write_access=True))
    html = page(as_role("owner"), salon)
    assert 'data-testid="accept"' in html
    assert 'data-testid="book-on-platform"' not in html


def test_a_forged_accept_without_write_access_calls_no_platform(as_role, salon, platform):
    suggestion = make_suggestion(connected(salon, write_access=False))
    url = reverse("rebooking_suggestion_accept", kwargs={"slug": salon.slug, "pk": suggestion.pk})
    response = as_role("owner").post(url, {"option": 0}, follow=True)
    assert "does not let SalonSync book for this account" in response.content.decode()
    assert platform.calls == []
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN


def test_a_write_refused_later_releases_the_suggestion_and_turns_booking_off(
    as_role, salon, platform
):
    integration = connected(salon, write_access=True)
    suggestion = make_suggestion(integration)
    url = reverse("rebooking_suggestion_accept", kwargs={"slug": salon.slug, "pk": suggestion.pk})
    response = as_role("owner").post(url, {"option": 0}, follow=True)
    assert platform.calls == ["book"]
    assert "does not let SalonSync book for this account" in response.content.decode()
    suggestion = RebookingSuggestion.objects.get(pk=suggestion.pk)
    assert suggestion.status == SuggestionStatus.OPEN  # released, not lost
    integration.refresh_from_db()
    assert integration.options["write_access"] is False
    html = page(as_role("owner"), salon)
    assert 'data-testid="accept"' not in html


def test_the_connection_page_says_what_salonsync_does_there(as_role, salon, platform):
    integration = connected(salon, write_access=False)
    integration.sync_checkpoint = {
        "kind": "backfill",
        "page": 4,
        "customers_read": 400,
        "appointments_read": 1234,
    }
    integration.save()
    url = reverse("integration_detail", kwargs={"slug": salon.slug, "pk": integration.pk})
    html = as_role("owner").get(url).content.decode()
    assert 'data-testid="connection-facts"' in html
    assert "has not given this account write access" in html
    assert "Backfill in progress: 400 clients and 1234 appointments read so far (page 4)" in html
    # 300 calls a month: 5 customers a night, and the page says what is not detected.
    assert "re-reads up to 5 clients" in html
