"""The settings page's per-category rows (issue 20 item 2): "Colour — your clients come back every
N days (default 56)" with an override per category; bad input is a form error, never a 500."""

from __future__ import annotations

import pytest

from rebooking.models import RebookingSettings
from rebooking.rhythm_store import rhythms_refresh
from tests.rebooking.helpers import customer, every, integration_for, local
from tests.rebooking_ui.test_settings import form_data, page_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(salon):
    """Colour: Ada every 49 days, Ben every 35 (median 42); Cut: nobody back yet."""
    integration = integration_for(salon)  # services: Cut, Colour
    for ref, days in (("ada", 49), ("ben", 35)):
        customer(integration, ref)
        every(integration, ref, local(2025, 6, 2, 10), days, 3, service="svc-colour")
    rhythms_refresh(integration_id=str(integration.pk))
    return integration


def test_rows_show_what_the_clients_do_and_the_default(as_role, salon, history):
    html = as_role("owner").get(page_url(salon)).content.decode()
    assert "Your clients&#x27; intervals" in html
    # (2 x 42 + 10 x 56) / 12 = 53.67 -> 54 days
    assert "Colour — your clients come back every 54 days (default 56)" in html
    assert "From 2 clients with two or more visits." in html
    assert "Cut — no client has come back yet: every 42 days (default)" in html
    assert 'name="override_colour"' in html and 'name="override_cut"' in html


def test_an_override_is_saved_shown_and_cleared(as_role, salon, history):
    client = as_role("owner")
    response = client.post(page_url(salon), form_data(override_colour="49", override_cut=""))
    assert response.status_code == 302
    assert RebookingSettings.objects.get(salon=salon).interval_overrides == {"Colour": 49}
    page = client.get(page_url(salon))
    assert page.context["form"]["override_colour"].value() == 49
    client.post(page_url(salon), form_data(override_colour=""))
    assert RebookingSettings.objects.get(salon=salon).interval_overrides == {}


def test_an_override_of_a_category_no_service_uses_any_more_stays_listed(as_role, salon, history):
    RebookingSettings.objects.create(salon=salon, interval_overrides={"Brows": 30})
    client = as_role("owner")
    assert 'name="override_brow"' in client.get(page_url(salon)).content.decode()
    client.post(page_url(salon), form_data(override_brow="30", override_colour="50"))
    saved = RebookingSettings.objects.get(salon=salon).interval_overrides
    assert saved == {"Brows": 30, "Colour": 50}


@pytest.mark.parametrize("value", ["abc", "3", "400", "4.5", "-7"])
def test_bad_overrides_are_form_errors(as_role, salon, history, value):
    response = as_role("owner").post(page_url(salon), form_data(override_colour=value))
    assert response.status_code == 200
    assert 'data-testid="error-override_colour"' in response.content.decode()
    assert RebookingSettings.objects.get(salon=salon).interval_overrides == {}


def test_viewer_sees_the_rows_read_only(as_role, salon, history):
    response = as_role("viewer").get(page_url(salon))
    assert response.context["form"].fields["override_colour"].disabled
    assert "your clients come back every 54 days" in response.content.decode()


def test_the_page_says_when_clients_keep_their_weekday(as_role, salon, history):
    # Two clients (Ada every 7 weeks, Ben every 5) are too few to tell (30 needed).
    assert "whole weeks" not in as_role("owner").get(page_url(salon)).content.decode()
    for i in range(28):  # 30 clients, all back every 6 weeks: 100 % in whole weeks
        customer(history, f"c{i}")
        every(history, f"c{i}", local(2025, 6, 3, 10), 42, 2, service="svc-cut")
    rhythms_refresh(integration_id=str(history.pk))
    html = as_role("owner").get(page_url(salon)).content.decode()
    assert "100% of your clients&#x27; usual gaps are whole weeks" in html
