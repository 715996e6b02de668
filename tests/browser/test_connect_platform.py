"""An owner connects a platform in a real headless Chromium, against the Phorest sandbox emulator
served by the live server: PlatformSelector -> credential form (a wrong password first) ->
ConnectionStatus -> BookingIntegrationPage. Screenshots go to test-output/screenshots/."""

import pytest

from integrations.booking import BookingService
from integrations.models import ApiCall, Integration, IntegrationStatus
from tests.browser.conftest import SCREENSHOTS, shoot
from tests.factories import PASSWORD, make_member, make_salon

BUSINESS = "bUsIn3ss-Br0wser-Test"
BRANCH = "bR4nch-Br0wser-Test"
API_USER = "global/owner@alpha-hair.example"
API_PASSWORD = "sandbox-pässword-42"  # a sandbox login, not anyone's secret


@pytest.mark.browser
def test_owner_connects_phorest_through_the_sandbox(live_server, page, transactional_db, settings):
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
    make_member(salon, "olivia", "owner")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "olivia")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/salons/alpha/")

    # BookingIntegrationPage, empty, from the salon nav.
    page.click("nav.mainnav >> text=Integrations")
    page.wait_for_url("**/salons/alpha/integrations/")
    assert "No booking platform is connected yet" in page.content()
    page.click("text=Connect a platform")

    # PlatformSelector: the three platforms as cards.
    page.wait_for_url("**/integrations/new/")
    for key in ("vagaro", "mindbody", "phorest"):
        assert page.locator(f"[data-testid=platform-{key}]").is_visible()
    shoot(page, "platform_selector")
    page.click("[data-testid=platform-phorest]")

    # The credential form: a wrong password first gives the platform's answer as a form error.
    page.wait_for_url("**/integrations/new/phorest/")
    assert page.locator("input[name=password]").get_attribute("type") == "password"
    assert "global/" in page.locator(".guide").inner_text()
    page.fill("input[name=username]", API_USER)
    page.fill("input[name=password]", "not-the-password")
    page.fill("input[name=business_id]", BUSINESS)
    page.fill("input[name=branch_id]", BRANCH)
    page.click("button:has-text('Test and connect Phorest')")
    page.wait_for_load_state()
    error = page.locator("[data-testid=form-error]")
    assert "Phorest did not accept these credentials" in error.inner_text()
    assert page.locator("input[name=password]").input_value() == ""  # never rendered back
    assert page.locator("input[name=business_id]").input_value() == BUSINESS
    assert not Integration.objects.exists()
    shoot(page, "connect_form_rejected")
    page.fill("input[name=password]", API_PASSWORD)
    shoot(page, "connect_form")
    page.click("button:has-text('Test and connect Phorest')")

    # ConnectionStatus, with the platform's answer in plain words.
    page.wait_for_url("**/salons/alpha/integrations/*-*-*-*-*/")
    integration = Integration.objects.get()
    assert integration.status == IntegrationStatus.CONNECTED
    assert integration.account_name == "Alpha Hair Midtown"
    assert "Phorest accepted the credentials. Connected to Alpha Hair Midtown." in (
        page.locator(".messages").inner_text()
    )
    assert page.locator("[data-testid=status-badge]").inner_text() == "Connected"
    assert "kept current by polling" in page.locator("[data-testid=webhook-text]").inner_text()
    assert API_PASSWORD not in page.content()
    shoot(page, "connection_status_new")

    # BookingIntegrationPage now shows it connected.
    page.click("nav.mainnav >> text=Integrations")
    page.wait_for_url("**/salons/alpha/integrations/")
    card = page.locator("[data-testid=integration-card][data-platform=phorest]")
    assert card.locator("[data-testid=status-badge]").inner_text() == "Connected"
    assert "Alpha Hair Midtown" in card.inner_text() and BRANCH in card.inner_text()
    shoot(page, "booking_integrations")

    # A few real calls to the sandbox (as a sync would make), then ConnectionStatus shows them.
    service = BookingService(integration)
    for _ in range(3):
        service.test_connection()
    calls = ApiCall.objects.filter(integration=integration).count()
    assert calls >= 3
    card.locator("text=Connection status and API health").click()
    page.wait_for_url(f"**/integrations/{integration.pk}/")
    assert page.locator("[data-testid=stat-total]").inner_text() == str(calls)
    # The connect also started the first sync: the table lists the latest 20 of them.
    assert page.locator("[data-testid=recent-calls] tbody tr").count() == min(calls, 20)
    assert page.locator("[data-testid=api-chart] rect.calls").count() >= 1
    assert page.locator("[data-testid=saved-password]").is_visible()
    assert API_PASSWORD not in page.content()
    shoot(page, "connection_status")
    for name in ("platform_selector", "connect_form", "booking_integrations", "connection_status"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 0
