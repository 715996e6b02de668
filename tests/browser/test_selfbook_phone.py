"""A client books from their link on a phone (390x844, JavaScript off) on the demo server `make
run` starts: the page shows the salon and the openings the sandbox platform still has, one tap
books it through the platform, the confirmation shows, and the link opened again shows the
booking, not a second offer. Screenshots go to test-output/screenshots/selfbook_phone_*.png."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import LAUNCH_ARGS, shoot
from tests.browser.demo_server import demo_server

PHONE = {"width": 390, "height": 844}


def _bookable_suggestion(demo) -> int:
    """An open suggestion of the seeded demo with openings, on a platform SalonSync books on."""
    rows = demo.query(
        "SELECT s.id, s.options FROM rebooking_rebookingsuggestion s "
        "JOIN integrations_integration i ON i.id = s.integration_id "
        "WHERE s.status = 'open' AND s.kind <> 'refill' AND i.platform IN ('mindbody', 'phorest') "
        "ORDER BY s.id"
    )
    for pk, options in rows:
        options = json.loads(options) if isinstance(options, str) else options
        if options:
            return pk
    pytest.fail(f"the seeded demo has no open suggestion with openings: {rows}")


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_a_client_books_from_their_link_on_a_phone(chromium_path, tmp_path):
    from playwright.sync_api import sync_playwright

    with demo_server(tmp_path) as demo:
        pk = _bookable_suggestion(demo)
        link = demo.manage("selfbook_link", str(pk)).strip()
        assert link.startswith(f"{demo.url}/r/")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium_path, headless=True, args=LAUNCH_ARGS
            )
            try:
                context = browser.new_context(
                    viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
                )
                page = context.new_page()
                page.set_default_timeout(60_000)  # a booking is a platform call
                page.goto(link)
                assert page.locator("[data-testid=salon-name]").inner_text() == "Demo Salon"
                openings = page.locator("[data-testid=openings] button.opening")
                assert openings.count() >= 1
                first = openings.first.bounding_box()
                assert first["x"] >= 0 and first["x"] + first["width"] <= PHONE["width"]
                assert first["height"] >= 44  # a thumb-sized target
                shoot(page, "selfbook_phone_offer")

                for _ in range(3):  # a time taken meanwhile offers the others
                    chosen = page.locator("[data-testid=openings] button.opening").first
                    when = chosen.locator(".when").inner_text()
                    with page.expect_navigation():  # a plain form post: no JavaScript
                        chosen.tap()
                    if page.locator("[data-testid=confirmation]").count():
                        break
                    assert "just taken" in page.locator("[data-testid=message]").inner_text()
                else:
                    pytest.fail("three openings were taken")
                assert page.locator("[data-testid=booked-when]").inner_text() == when
                shoot(page, "selfbook_phone_booked")

                status, ref, platform = demo.query(
                    "SELECT s.status, s.booked_appointment_ref, i.platform "
                    "FROM rebooking_rebookingsuggestion s JOIN integrations_integration i "
                    "ON i.id = s.integration_id WHERE s.id = %s",
                    (pk,),
                )[0]
                assert status == "accepted" and ref
                booked = demo.query(
                    "SELECT a.status FROM sandbox_appointment a JOIN sandbox_account acc "
                    "ON acc.id = a.account_id WHERE acc.platform = %s AND a.ext_id = %s",
                    (platform, ref),
                )
                assert booked == [("booked",)]

                # The same link again: the booking, no second offer.
                page.goto(link)
                assert page.locator("[data-testid=confirmation]").is_visible()
                assert page.locator("[data-testid=openings]").count() == 0
            finally:
                browser.close()


@pytest.mark.timeout(600)
def test_the_link_books_on_the_demo_server_with_plain_form_posts(tmp_path):
    """The same on the real server without a browser (runs where chromium is missing): the
    page's own form, posted as a browser without JavaScript posts it."""
    import re

    import requests

    with demo_server(tmp_path) as demo:
        pk = _bookable_suggestion(demo)
        link = demo.manage("selfbook_link", str(pk)).strip()
        session = requests.Session()
        offer = session.get(link, timeout=60)
        assert offer.status_code == 200 and "Demo Salon" in offer.text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', offer.text).group(1)
        for _ in range(3):
            options = re.findall(r'name="option" value="(\d+)" class="opening"', offer.text)
            assert options, offer.text[-2000:]
            offer = session.post(
                link,
                {"csrfmiddlewaretoken": token, "do": "book", "option": options[0]},
                headers={"Referer": link},
                timeout=120,
            )
            assert offer.status_code == 200, offer.text[-2000:]
            if 'data-testid="confirmation"' in offer.text:
                break
            assert "just taken" in offer.text
        else:
            pytest.fail("three openings were taken")
        status, ref, platform = demo.query(
            "SELECT s.status, s.booked_appointment_ref, i.platform "
            "FROM rebooking_rebookingsuggestion s JOIN integrations_integration i "
            "ON i.id = s.integration_id WHERE s.id = %s",
            (pk,),
        )[0]
        assert status == "accepted" and ref
        booked = demo.query(
            "SELECT a.status FROM sandbox_appointment a JOIN sandbox_account acc "
            "ON acc.id = a.account_id WHERE acc.platform = %s AND a.ext_id = %s",
            (platform, ref),
        )
        assert booked == [("booked",)]
        again = session.get(link, timeout=60)
        assert 'data-testid="confirmation"' in again.text and 'class="opening"' not in again.text
