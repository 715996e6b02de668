"""The rebooking pages in a real headless Chromium: the owner changes a rebooking setting and
sees it saved (after a form error), then dismisses a suggestion on the suggestions page.
Screenshots go to test-output/screenshots/rebooking_*.png."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rebooking.models import RebookingSettings, RebookingSuggestion, SuggestionStatus
from tests.browser.conftest import shoot
from tests.factories import PASSWORD, make_member, make_salon
from tests.rebooking_ui.conftest import make_integration, make_suggestion


@pytest.mark.browser
def test_owner_changes_a_setting_and_dismisses_a_suggestion(live_server, page, transactional_db):
    salon = make_salon("Alpha Hair", "alpha")
    make_member(salon, "olivia", "owner")
    integration = make_integration(salon)
    suggestion = make_suggestion(
        integration,
        customer_name="Ann Client",
        expires_at=timezone.now() + timedelta(days=2),
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "olivia")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/salons/alpha/")

    # The suggestions page from the nav, then its settings.
    page.click("nav.mainnav >> text=Rebooking")
    page.wait_for_url("**/salons/alpha/rebooking/")
    page.click("[data-testid=settings-link]")
    page.wait_for_url("**/salons/alpha/rebooking/settings/")
    assert page.locator("textarea[name=fallback_intervals]").input_value().startswith("Cut = 42")

    # Nonsense first: a form error on the field, nothing saved.
    page.fill("textarea[name=fallback_intervals]", "Cut = abc")
    page.click("[data-testid=save-settings]")
    page.wait_for_load_state()
    assert "whole number" in page.locator("[data-testid=error-fallback_intervals]").inner_text()
    shoot(page, "rebooking_settings_error")

    page.fill("textarea[name=fallback_intervals]", "Cut = 35\nColour = 60")
    page.fill("input[name=lookahead_days]", "21")
    page.click("[data-testid=save-settings]")
    page.wait_for_url("**/salons/alpha/rebooking/settings/")
    assert "Rebooking settings saved." in page.locator(".messages").inner_text()
    assert page.locator("input[name=lookahead_days]").input_value() == "21"
    assert (
        page.locator("textarea[name=fallback_intervals]").input_value() == "Cut = 35\nColour = 60"
    )
    saved = RebookingSettings.objects.get(salon=salon)
    assert saved.lookahead_days == 21 and saved.fallback_intervals == {"Cut": 35, "Colour": 60}
    shoot(page, "rebooking_settings")

    # The suggestion, its options in salon time, then dismiss it.
    page.goto(f"{live_server.url}/salons/alpha/rebooking/")
    card = page.locator(f"[data-suggestion='{suggestion.pk}']")
    assert "Ann Client" in card.inner_text()
    assert "Tue, Jun 4, 2030, 10:30 AM" in card.inner_text()
    assert card.locator("[data-testid=option-0]").is_checked()
    shoot(page, "rebooking_suggestions")
    card.locator("[data-testid=dismiss]").click()
    page.wait_for_url("**/salons/alpha/rebooking/")
    assert "Ann Client: dismissed." in page.locator(".messages").inner_text()
    assert page.locator("[data-testid=no-suggestions]").is_visible()
    assert RebookingSuggestion.objects.get(pk=suggestion.pk).status == SuggestionStatus.DISMISSED
    page.click("[data-testid=tab-dismissed]")
    assert "Ann Client" in page.locator("[data-testid=suggestion]").inner_text()
    shoot(page, "rebooking_suggestions_dismissed")
