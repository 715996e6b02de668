"""The login page in a real headless Chromium: the printed demo login lands on the salon."""

import os

import pytest
from django.core.management import call_command

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + Django ORM

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


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
