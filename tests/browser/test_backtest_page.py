"""The owner's backtest page in a real headless Chromium: from the rebooking settings to the
backtest, run it (the Celery task runs in-process), read the table and the chart, apply the best
settings and see the message; then a run in progress. No Content-Security-Policy violation on the
way. Screenshots go to test-output/screenshots/backtest_*.png."""

from decimal import Decimal

import pytest

from rebooking.backtest.service import tuned_values
from rebooking.models import BacktestRun, RebookingSettings
from tests.backtest.test_backtest_page import load_history
from tests.browser.conftest import shoot
from tests.factories import PASSWORD, make_member, make_salon


@pytest.mark.browser
def test_owner_runs_the_backtest_and_applies_the_best_settings(live_server, page, transactional_db):
    salon = make_salon("Alpha Hair", "alpha")
    make_member(salon, "olivia", "owner")
    load_history(salon)
    RebookingSettings.objects.update_or_create(
        salon=salon, defaults={"grace_factor": Decimal("2.50"), "cooldown_days": 90}
    )
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "olivia")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/salons/alpha/")

    page.goto(f"{live_server.url}/salons/alpha/rebooking/settings/")
    page.click("[data-testid=backtest-link]")
    page.wait_for_url("**/salons/alpha/rebooking/backtest/")
    assert page.locator("[data-testid=no-run]").is_visible()

    # The task runs in-process before the redirect: a whole replay, day by day.
    page.click("[data-testid=run-backtest]", timeout=240_000)
    page.wait_for_url("**/salons/alpha/rebooking/backtest/")
    assert "Backtest started" in page.locator(".messages").inner_text()
    table = page.locator("[data-testid=scores-table]")
    for rule in ("engine", "fixed", "last3"):
        assert "%" in table.locator(f"[data-testid=rule-{rule}]").inner_text()
    predictions = page.locator("[data-testid=prediction-table]")
    assert predictions.is_visible()
    assert "Same stylist" in predictions.locator("thead").inner_text()
    assert "%" in predictions.locator("[data-testid=prediction-engine]").inner_text()
    chart = page.locator("[data-testid=backtest-chart]")
    assert chart.is_visible()
    assert chart.get_attribute("role") == "img"
    assert chart.locator("rect").count() >= 15  # 5 measures × 3 rules (+ the legend)
    assert (
        page.locator("[data-testid=setting-grace_factor]").inner_text().startswith("Grace factor")
    )
    shoot(page, "backtest_results")

    run = BacktestRun.objects.get(salon=salon)
    page.click("[data-testid=apply-settings]")
    page.wait_for_url("**/salons/alpha/rebooking/backtest/")
    assert "Rebooking settings updated" in page.locator(".messages").inner_text()
    assert page.locator("[data-testid=best-is-current]").is_visible()
    saved = RebookingSettings.objects.get(salon=salon)
    assert tuned_values(vars(saved)) == tuned_values(run.best)
    shoot(page, "backtest_applied")

    # A run in progress: the percentage, and the page refreshes itself (a Refresh header).
    BacktestRun.objects.create(
        salon=salon, status=BacktestRun.Status.RUNNING, progress_done=42, progress_total=100
    )
    response = page.goto(f"{live_server.url}/salons/alpha/rebooking/backtest/")
    assert response.headers.get("refresh") == "3"
    assert page.locator("[data-testid=percent]").inner_text() == "42%"
    assert not page.locator("[data-testid=run-backtest]").count()
    shoot(page, "backtest_running")
    assert not problems, problems


@pytest.mark.browser
def test_run_backtest_without_a_broker_returns_at_once_and_shows_progress_then_the_result(
    live_server, page, transactional_db, settings, monkeypatch
):
    """Issue 16: on the embedded default (no broker, tasks eager) the click waited for the whole
    run. Now the run happens in a thread of the web process: the click lands on the progress at
    once (the run is held on a gate to prove it) and the page refreshes itself; then the scores.
    The run is held before it touches the database and the page is left while it runs: the
    in-memory test database locks whole tables (a file database, as under `make run`, waits its
    turn), so the browser and the run never query at once here."""
    import threading
    import time

    from rebooking.backtest import service

    settings.TASKS_IN_THREADS = True
    salon = make_salon("Beta Hair", "beta")
    make_member(salon, "bea", "owner")
    load_history(salon, clients=12)
    gate, real, threads = threading.Event(), service.backtest_run, []

    def held(*, run_id):
        threads.append(threading.current_thread())
        assert gate.wait(30)
        return real(run_id=run_id)

    monkeypatch.setattr(service, "backtest_run", held)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "bea")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/salons/beta/")
    page.goto(f"{live_server.url}/salons/beta/rebooking/backtest/")

    started = time.monotonic()
    page.click("[data-testid=run-backtest]")
    page.locator("[data-testid=progress]").wait_for(timeout=5000)
    assert time.monotonic() - started < 5  # the run is still held: the click did not wait for it
    assert "Backtest started" in page.locator(".messages").inner_text()
    assert page.locator("[data-testid=percent]").is_visible()
    shoot(page, "a_backtest_progress")
    with page.expect_navigation(timeout=6000):  # the page refreshes itself (Refresh: 3)
        pass
    assert page.locator("[data-testid=progress]").is_visible()

    page.goto("about:blank")
    gate.set()
    threads[0].join(90)
    assert not threads[0].is_alive()
    page.goto(f"{live_server.url}/salons/beta/rebooking/backtest/")
    assert page.locator("[data-testid=scores]").is_visible()
    head = page.locator("[data-testid=scores-table] thead").inner_text()
    assert "Reached the right clients" in head and "F1" not in head
    assert "Outreach F1" in page.locator("[data-testid=metric-names]").inner_text()
    shoot(page, "a_backtest_result")
