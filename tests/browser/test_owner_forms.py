"""The owner's forms and figures in a real headless Chromium: the salon's time zone from a
searchable list (an unknown zone is a form error), the currency on the suggestion cards, and
every form's buttons on their own row under the last field. Screenshots: c_*.png."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import Salon
from tests.browser.conftest import shoot
from tests.factories import PASSWORD, make_member, make_salon
from tests.rebooking_ui.conftest import make_integration, make_suggestion


def _log_in(page, live_server) -> Salon:
    salon = make_salon("Alpha Hair", "alpha")
    make_member(salon, "olivia", "owner")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "olivia")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/salons/alpha/")
    return salon


def _actions_row_below_the_fields(page) -> None:
    """The submit button starts below every field's help text and lines up with the fields."""
    form = page.locator("main form:has(.form-actions)").first
    button = form.locator(".form-actions button[type=submit]").first.bounding_box()
    helps = form.locator(".help")
    lowest = max(
        helps.nth(i).bounding_box()["y"] + helps.nth(i).bounding_box()["height"]
        for i in range(helps.count())
    )
    assert button["y"] >= lowest
    label = form.locator("label").first.bounding_box()  # where the fields' column starts
    assert abs(button["x"] - label["x"]) < 2


@pytest.mark.browser
def test_time_zone_from_the_list_and_currency_on_cards(live_server, page, transactional_db):
    salon = _log_in(page, live_server)
    page.click("nav.mainnav >> text=Settings")
    page.wait_for_url("**/salons/alpha/settings/")
    zone = page.locator("input[name=timezone]")
    assert zone.get_attribute("list") == "timezones"
    assert page.locator("datalist#timezones option[value='Europe/Dublin']").count() == 1
    _actions_row_below_the_fields(page)

    zone.fill("Europe/Dubln")  # a typo: the server names the problem, nothing is saved
    page.click(".form-actions button[type=submit]")
    page.wait_for_load_state()
    assert "is not a time zone we know" in page.locator("[data-testid=error-timezone]").inner_text()
    shoot(page, "c_salon_settings_error")

    zone.fill("Europe/Dublin")
    page.select_option("select[name=currency]", "EUR")
    page.click(".form-actions button[type=submit]")
    page.wait_for_url(f"{live_server.url}/salons/alpha/")
    salon.refresh_from_db()
    assert (salon.timezone, salon.currency) == ("Europe/Dublin", "EUR")
    page.goto(f"{live_server.url}/salons/alpha/settings/")
    shoot(page, "c_salon_settings")

    integration = make_integration(salon)
    make_suggestion(integration, customer_name="Ann Client", revenue="40.00")
    make_suggestion(integration, status="accepted", revenue="65.00")
    page.goto(f"{live_server.url}{reverse('rebooking_suggestions', kwargs={'slug': 'alpha'})}")
    assert page.locator("[data-testid=worth]").inner_text() == "€40.00"
    assert "(worth €65.00)" in page.locator("[data-testid=figure-credited]").inner_text()
    assert "Tue, Jun 4, 2030, 3:30 PM" in page.locator("[data-testid=suggestion]").inner_text()
    shoot(page, "c_suggestions_currency")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("c_rebooking_settings_actions", "/salons/alpha/rebooking/settings/"),
        ("c_connect_actions", "/salons/alpha/integrations/new/mindbody/"),
    ],
)
def test_forms_have_an_actions_row(live_server, page, transactional_db, name, path):
    _log_in(page, live_server)
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200
    _actions_row_below_the_fields(page)
    shoot(page, name)
