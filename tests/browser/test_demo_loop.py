"""The demo's loop as an owner clicks it, on the demo server `make run` starts (a child process
on the embedded default: tasks in-process, its own database): a client cancels at each platform's
front desk -> a suggestion appears -> the owner books it -> the sandbox has the booking and the
page says so. Screenshots go to test-output/screenshots/demo_loop_*.png."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from tests.browser.conftest import shoot
from tests.browser.demo_server import demo_server

PLATFORMS = {"mindbody": "Mindbody", "vagaro": "Vagaro", "phorest": "Phorest"}


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_cancel_suggest_accept_on_every_platform(page, tmp_path):
    with demo_server(tmp_path) as demo:
        page.set_default_timeout(60_000)  # a booking runs the platform call and its webhook
        demo.log_in(page)
        for platform, name in PLATFORMS.items():
            _connect_if_needed(page, demo, platform)
            card = _cancel_until_suggested(page, demo, platform, name)
            ref = _accept(page, demo, card, name)
            rows = demo.query(
                "SELECT a.status FROM sandbox_appointment a JOIN sandbox_account acc "
                "ON acc.id = a.account_id WHERE acc.platform = %s AND a.ext_id = %s",
                (platform, ref),
            )
            assert rows == [("booked",)], f"{name}: the sandbox has no booking {ref}: {rows}"
            page.goto(f"{demo.url}/sandbox/")
            page.locator(f"a[href*='/sandbox/{platform}/']").first.click()
            page.wait_for_load_state()
            shoot(page, f"demo_loop_{platform}_desk_after")


def _connect_if_needed(page, demo, platform: str) -> None:
    """The demo leaves Vagaro for the owner: the sandbox's credentials go into the connect form,
    and the webhook URL SalonSync shows goes into the sandbox business (as in Vagaro's settings)."""
    connected = demo.query(
        "SELECT count(*) FROM integrations_integration WHERE platform = %s AND status = %s",
        (platform, "connected"),
    )[0][0]
    if connected:
        return
    page.goto(f"{demo.url}/sandbox/")
    account = page.locator("[data-testid=sandbox-account]").filter(has_text=PLATFORMS[platform])
    creds = {
        account.locator("th").nth(i).inner_text(): account.locator("td").nth(i).inner_text()
        for i in range(account.locator("th").count())
    }
    page.goto(f"{demo.url}/salons/demo-salon/integrations/")
    page.click(f"[data-testid=to-connect-{platform}] a")
    page.fill("input[name=region]", creds["Region"])  # the code in the business's Vagaro address
    page.fill("input[name=client_id]", creds["Client ID"])
    page.fill("input[name=client_secret]", creds["Client secret"])
    page.fill("input[name=webhook_token]", creds["Webhook verification token"])
    page.fill("input[name=business_id]", creds["Business ID"])
    shoot(page, f"demo_loop_{platform}_connect")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/integrations/[0-9a-f-]{36}/$"))
    hook = page.locator("[data-testid=webhook-url]").input_value()
    assert f"{demo.url}/webhooks/{platform}/" in hook
    page.goto(f"{demo.url}/sandbox/")
    account = page.locator("[data-testid=sandbox-account]").filter(has_text=PLATFORMS[platform])
    account.locator("input[name=webhook_url]").fill(hook)
    account.locator("[data-testid=webhook-url-form] button").click()
    page.wait_for_load_state()
    assert hook in page.content()


def _suggestion_ids(page, demo, name: str) -> set[str]:
    page.goto(f"{demo.url}/salons/demo-salon/rebooking/")
    cards = page.locator("[data-testid=suggestion]").filter(
        has=page.locator("[data-testid=platform]", has_text=name)
    )
    return {cards.nth(i).get_attribute("data-suggestion") for i in range(cards.count())}


def _cancel_until_suggested(page, demo, platform: str, name: str):
    """Cancel booked appointments at the front desk until one brings a new suggestion (a client
    with another booking ahead, and a slot nobody is due for, bring none)."""
    for attempt in range(4):
        before = _suggestion_ids(page, demo, name)
        page.goto(f"{demo.url}/sandbox/")
        page.locator(f"a[href*='/sandbox/{platform}/']").first.click()
        page.wait_for_url(re.compile(rf"/sandbox/{platform}/\d+/desk/"))
        rows = page.locator("[data-testid=upcoming] tbody tr").filter(
            has=page.locator("button", has_text="Cancel")
        )
        assert rows.count() > attempt, f"{name}: nothing left to cancel at the front desk"
        row = rows.nth(attempt)
        client = row.locator("td").nth(1).inner_text()
        shoot(page, f"demo_loop_{platform}_desk_before")
        row.locator("button", has_text="Cancel").click()
        page.wait_for_load_state()
        if platform == "phorest":
            # Phorest sends no webhooks: the demo polls it every minute (production every 15);
            # an owner who does not want to wait presses "Sync now" on its page.
            _sync_now(page, demo, platform)
        deadline = time.monotonic() + (150 if platform == "phorest" else 30)
        while time.monotonic() < deadline:
            new = _suggestion_ids(page, demo, name) - before
            if new:
                card = page.locator(f"[data-suggestion='{sorted(new)[0]}']")
                shoot(page, f"demo_loop_{platform}_suggested")
                return card
            time.sleep(1)
        print(f"{name}: cancelling {client} brought no suggestion; trying another")
    pytest.fail(f"{name}: no suggestion after four cancellations")


def _sync_now(page, demo, platform: str) -> None:
    [(raw,)] = demo.query(
        "SELECT id FROM integrations_integration WHERE platform = %s AND status = %s",
        (platform, "connected"),
    )
    pk = uuid.UUID(str(raw))  # SQLite keeps the hex digits only
    page.goto(f"{demo.url}/salons/demo-salon/integrations/{pk}/")
    button = page.locator("[data-testid=sync-now]")
    if button.is_enabled():  # else a sync is running already: it will see the cancellation
        button.click()
        page.wait_for_load_state()


def _accept(page, demo, card, name: str) -> str:
    """Book the card's best option (the next one when the platform says it was taken)."""
    pk = card.get_attribute("data-suggestion")
    for _ in range(3):
        card = page.locator(f"[data-suggestion='{pk}']")
        card.locator("[data-testid=accept]").click()
        page.wait_for_load_state()
        message = page.locator(".messages").inner_text()
        if f"Booked on {name} for" in message:
            break
        assert "taken meanwhile" in message or "refused" in message, message
    else:
        pytest.fail(f"{name}: three options were taken")
    shoot(page, f"demo_loop_{name.lower()}_booked")
    page.goto(f"{demo.url}/salons/demo-salon/rebooking/?status=accepted")
    booked = page.locator(f"[data-suggestion='{pk}'] [data-testid=booked]").inner_text()
    assert booked.startswith(f"On {name}, appointment")
    return booked.rsplit(" ", 1)[-1]
