"""The API-call budget on ConnectionStatus: calls today (salon's midnight) and this month (the
first of its month), against what the platform includes, with a warning at 80 %."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.adapters.types import CallAllowance
from integrations.call_budget import allowance_for, integration_call_budget
from integrations.models import ApiCall

from .test_integration_pages import make_integration, url

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 15, 9, 0, tzinfo=NY)  # salon time


def calls(integration, when: datetime, n: int = 1) -> None:
    ApiCall.objects.bulk_create(
        ApiCall(
            integration=integration,
            operation="x",
            method="GET",
            path="/",
            duration_ms=1,
            created_at=when,
        )
        for _ in range(n)
    )


def test_counts_follow_the_salons_day_and_month(salon):
    salon.timezone = "America/New_York"
    salon.save()
    integration = make_integration(salon, platform="mindbody")
    calls(integration, NOW.replace(hour=0, minute=1), 3)  # today, salon time
    calls(integration, NOW.replace(hour=0) - timedelta(minutes=1), 2)  # yesterday 23:59
    calls(integration, datetime(2026, 3, 1, 0, 5, tzinfo=NY))  # this month
    calls(integration, datetime(2026, 2, 28, 23, 55, tzinfo=NY), 4)  # last month
    budget = integration_call_budget(integration=integration, now=NOW)
    assert (budget.today, budget.this_month) == (3, 6)
    assert budget.allowance == CallAllowance(1000, "day")  # Mindbody: per day
    assert (budget.used, budget.percent, budget.warning) == (3, 0, False)


def test_the_setting_overrides_the_platform_and_nonsense_falls_back(settings, caplog):
    settings.API_CALL_ALLOWANCES = {"vagaro": "200/day", "mindbody": "lots"}
    assert allowance_for("vagaro") == CallAllowance(200, "day")
    assert allowance_for("mindbody") == CallAllowance(1000, "day")
    assert "not like 1000/day" in caplog.text
    assert allowance_for("phorest") is None  # no published allowance to rely on


def test_the_status_page_warns_at_80_percent(client, owner, salon, settings):
    settings.API_CALL_ALLOWANCES = {"mindbody": "10/day"}
    integration = make_integration(salon, platform="mindbody")
    page = url("integration_detail", salon, pk=integration.pk)
    client.force_login(owner)
    calls(integration, datetime.now(NY), 7)
    html = client.get(page).content.decode()
    assert 'data-testid="calls-today">7<' in html and "of 10 included a day" in html
    assert 'data-testid="budget-warning"' not in html
    calls(integration, datetime.now(NY), 1)
    html = client.get(page).content.decode()
    assert "80 % of Mindbody's daily allowance is used; calls past it are billed." in html


def test_a_platform_without_an_allowance_says_so(client, owner, salon):
    integration = make_integration(salon, platform="phorest")
    client.force_login(owner)
    html = client.get(url("integration_detail", salon, pk=integration.pk)).content.decode()
    assert 'data-testid="budget-unknown"' in html
