"""The login page in a real headless Chromium: the printed demo login lands on the salon."""

import pytest
from django.core.management import call_command


@pytest.mark.browser
def test_demo_owner_logs_in_and_lands_on_salon(live_server, page, transactional_db):
    call_command("seed_demo")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".errors").inner_text().strip() != ""
    page.fill("input[name=password]", "salonsync-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/salons/demo-salon/")
    assert page.locator("h1").inner_text() == "Demo Salon"
    page.click("text=Settings")
    page.wait_for_url("**/settings/")
    page.fill("input[name=name]", "Demo Salon & Spa")
    page.click("button:has-text('Save')")
    page.wait_for_url(f"{live_server.url}/salons/demo-salon/")
    assert page.locator("h1").inner_text() == "Demo Salon & Spa"
    page.click("text=Log out")
    page.wait_for_url("**/accounts/login/")
