"""In a real headless Chromium: the owner invites a manager from the Team page, the invitee opens
the emailed link, sets a password and lands in the salon as a manager; "Sync now" shows the real
outcome (success with counts, then a failure as an error banner); a rejected re-authenticate
shows its error at the top, with the form beside it. Screenshots: test-output/screenshots/b_*."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from integrations.models import Integration, IntegrationStatus, Membership
from salons.roles import Role
from tests.browser.conftest import SCREENSHOTS, shoot
from tests.factories import PASSWORD, make_member, make_salon

BUSINESS, BRANCH = "bUsIn3ss-Team-Test", "bR4nch-Team-Test"
API_USER, API_PASSWORD = "global/owner@team.example", "sandbox-team-pw-42"


def login(page, base, username, password=PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
def test_owner_invites_a_manager_who_sets_a_password_and_lands_in_the_salon(
    live_server, page, transactional_db
):
    salon = make_salon("Alpha Hair", "alpha")
    make_member(salon, "olivia", Role.OWNER)
    base = live_server.url

    login(page, base, "olivia")
    page.click("nav.mainnav >> text=Team")
    page.wait_for_url("**/salons/alpha/team/")
    page.fill("input[name=email]", "not-an-email")
    with page.expect_navigation():
        page.click("[data-testid=invite-send]")
    assert "Enter a valid email address" in page.locator("[data-testid=error-email]").inner_text()
    page.fill("input[name=email]", "sam@example.com")
    page.select_option("select[name=role]", Role.MANAGER)
    with page.expect_navigation():
        page.click("[data-testid=invite-send]")
    assert page.url.startswith(f"{base}/salons/alpha/team/")
    assert "Invitation sent to sam@example.com" in page.locator(".messages").inner_text()
    assert page.locator("[data-testid=invitation][data-email='sam@example.com']").is_visible()
    shoot(page, "b_team_invited")

    [message] = mail.outbox
    link = re.search(r"https?://\S+/invitations/accept/\?token=\S+", message.body)[0]
    parts = urlsplit(link)
    page.click("button:has-text('Log out')")
    page.wait_for_load_state()

    page.goto(f"{base}{parts.path}?{parts.query}")
    page.wait_for_url(f"{base}/invitations/accept/")  # the token is off the address bar
    assert "Join Alpha Hair" in page.locator("h1").inner_text()
    assert page.locator("input[name=username]").input_value() == "sam@example.com"
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password1]", "Sam-chooses-a-long-pass-7")
    page.fill("input[name=password2]", "Sam-chooses-a-long-pass-7")
    shoot(page, "b_invitation_set_password")
    page.click("[data-testid=create-and-join]")
    page.wait_for_url(f"{base}/salons/alpha/")
    assert "Welcome to Alpha Hair: you are a manager." in page.locator(".messages").inner_text()
    assert "you are manager" in page.content()
    assert page.locator("nav.mainnav >> text=Team").is_visible()
    shoot(page, "b_invitation_landed")
    assert Membership.objects.get(salon=salon, user__username="sam").role == Role.MANAGER

    # The link was single use.
    page.click("button:has-text('Log out')")
    page.wait_for_load_state()
    page.goto(f"{base}{parts.path}?{parts.query}")
    assert "already been used" in page.locator("[data-testid=invitation-error]").inner_text()

    # The owner sees sam in the team; a manager is refused the owner's controls with a clear 403.
    login(page, base, "olivia")
    page.goto(f"{base}/salons/alpha/team/")
    row = page.locator("[data-testid=member][data-username=sam]")
    assert row.locator("[data-testid=member-role]").inner_text() == "Manager"
    shoot(page, "b_team_page")


@pytest.mark.browser
def test_sync_banner_tells_the_outcome_and_reauth_errors_show_at_the_top(
    live_server, page, transactional_db, settings
):
    from sandbox.data import seed_account

    settings.PHOREST_API_URL = (
        f"{live_server.url}/sandbox/phorest/third-party-api-server/api/business"
    )
    seed_account(
        platform="phorest",
        account_id=BUSINESS,
        branch_id=BRANCH,
        name="Alpha Hair Midtown",
        username=API_USER,
        password=API_PASSWORD,
        clients=5,
        months_back=1,
    )
    salon = make_salon("Alpha Hair", "alpha")
    make_member(salon, "olivia", Role.OWNER)
    make_member(salon, "vera", Role.VIEWER)
    integration = Integration(
        salon=salon,
        platform="phorest",
        account={"business_id": BUSINESS, "branch_id": BRANCH},
        status=IntegrationStatus.CONNECTED,
        account_name="Alpha Hair Midtown",
    )
    integration.credentials = {"username": API_USER, "password": API_PASSWORD}
    integration.save()
    base = live_server.url
    detail = f"{base}{integration.get_absolute_url()}"

    login(page, base, "olivia")
    page.goto(detail)
    page.click("[data-testid=sync-now]")
    page.wait_for_url(detail)
    banner = page.locator(".messages li")
    assert banner.get_attribute("class") == "success"
    assert re.match(r"Sync of Phorest finished: \d+ appointments read", banner.inner_text())
    shoot(page, "b_sync_succeeded")

    # The platform now refuses the saved password: the banner says the sync failed.
    integration.refresh_from_db()
    integration.credentials = {"username": API_USER, "password": "changed-on-the-platform"}
    integration.save()
    page.click("[data-testid=full-resync]")
    page.wait_for_url(detail)
    banner = page.locator(".messages li")
    assert banner.get_attribute("class") == "error"
    assert banner.inner_text().startswith("Full resync of Phorest failed:")
    assert "finished" not in banner.inner_text()
    shoot(page, "b_sync_failed")

    # Re-authenticate with a wrong password: a banner at the top, the form right under it.
    page.fill("input[name=password]", "still-not-the-password")
    page.click("button:has-text('Test and save credentials')")
    page.wait_for_load_state()
    banner = page.locator(".messages li.error")
    assert "Phorest credentials not saved" in banner.inner_text()
    form_error = page.locator("[data-testid=form-error]")
    assert "did not accept" in form_error.inner_text()
    for element in (banner, form_error):
        box = element.bounding_box()
        assert box is not None and box["y"] < 900  # visible without scrolling
    shoot(page, "b_reauth_failed")
    page.screenshot(path=str(SCREENSHOTS / "b_reauth_failed_viewport.png"))  # what the owner sees

    # A viewer refused a sync (a stale form) sees the 403 with the salon's navigation.
    page.click("button:has-text('Log out')")
    login(page, base, "vera")
    page.goto(detail)
    assert page.locator("[data-testid=sync-now]").count() == 0
    csrf = page.context.cookies()
    token = next(c["value"] for c in csrf if c["name"] == "csrftoken")
    response = page.request.post(
        f"{detail}sync/",
        form={"kind": "incremental", "csrfmiddlewaretoken": token},
        headers={"Referer": detail},
    )
    assert response.status == 403
    page.set_content(response.text())
    assert "Owner or Manager" in page.content()
