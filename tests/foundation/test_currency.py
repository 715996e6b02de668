"""The salon's currency: the one ``money`` filter, the settings page, the API, and the code a
platform states at connect time."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from integrations.adapters.types import ConnectionResult
from integrations.booking import BookingService
from integrations.money import format_money, normalize_currency
from integrations.services import integration_connect
from tests.rebooking_ui.conftest import make_integration, make_suggestion


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("40"), "USD", "$40.00"),
        ("40.5", "EUR", "€40.50"),
        (40, "GBP", "£40.00"),
        (Decimal("1240.5"), "CAD", "CA$1,240.50"),
        (Decimal("4000"), "JPY", "¥4,000"),  # no minor unit
        (Decimal("40"), "SEK", "SEK\u00a040.00"),  # no symbol in the table: the code
        (Decimal("40"), "XYZ", "XYZ\u00a040.00"),  # unknown but ISO-shaped: the code
        (Decimal("-12.345"), "USD", "-$12.35"),
        (Decimal("40"), "", "40.00"),  # no currency set: the bare amount
        (Decimal("40"), "dollars", "40.00"),  # not a code: never guessed
        (None, "USD", ""),
        ("n/a", "USD", ""),
        ("NaN", "USD", ""),
    ],
)
def test_format_money(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_normalize_currency():
    assert normalize_currency(" usd ") == "USD"
    assert normalize_currency("US$") == normalize_currency(None) == normalize_currency("EURO") == ""


def test_money_filter_is_a_builtin():
    html = Template("{{ amount|money:code }}").render(
        Context({"amount": Decimal("40"), "code": "EUR"})
    )
    assert html == "€40.00"


def test_percent_filter_is_a_builtin_with_a_dash_for_none():
    rendered = Template("{{ a|percent }} {{ b|percent }} {{ c|percent }}").render(
        Context({"a": 45, "b": None, "c": 0})
    )
    assert rendered == "45% — 0%"


def test_suggestion_card_figures_and_api_show_the_salon_currency(owner_client, salon):
    salon.currency = "EUR"
    salon.save()
    integration = make_integration(salon)
    make_suggestion(integration, revenue="40.00")
    make_suggestion(integration, status="accepted", revenue="65.00")
    client = owner_client
    html = client.get(reverse("rebooking_suggestions", kwargs={"slug": salon.slug})).content
    html = html.decode()
    assert '<dd data-testid="worth">€40.00</dd>' in html
    assert "(worth €65.00)" in html
    assert "40.00</dd>" not in html.replace("€40.00</dd>", "")
    rows = client.get(f"/api/v1/salons/{salon.slug}/rebooking/suggestions/").json()
    assert rows[0]["revenue"] == "40.00" and rows[0]["currency"] == "EUR"


def test_settings_page_sets_and_validates_the_currency(owner_client, salon):
    client = owner_client
    url = reverse("salon_settings", kwargs={"slug": salon.slug})
    page = client.get(url).content.decode()
    assert '<select name="currency"' in page and '<option value="GBP">GBP · Pound sterling' in page
    ok = client.post(url, {"name": salon.name, "timezone": salon.timezone, "currency": "GBP"})
    assert ok.status_code == 302
    salon.refresh_from_db()
    assert salon.currency == "GBP"
    bad = client.post(url, {"name": salon.name, "timezone": salon.timezone, "currency": "£"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()
    salon.refresh_from_db()
    assert salon.currency == "GBP"


def test_api_reads_and_patches_the_currency(owner_client, salon):
    client = owner_client
    url = f"/api/v1/salons/{salon.slug}/"
    assert client.get(url).json()["currency"] == ""
    ok = client.patch(url, data={"currency": "EUR"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["currency"] == "EUR"
    bad = client.patch(url, data={"currency": "euro"}, content_type="application/json")
    assert bad.status_code == 400
    assert "currency" in bad.json()["error"]["fields"]


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def platform_says(monkeypatch):
    """BookingService.test_connection answers as a platform stating ``currency``."""

    def answer(currency: str):
        result = ConnectionResult(ok=True, account_name="Shop", currency=currency)
        monkeypatch.setattr(BookingService, "test_connection", lambda self: result)

    return answer


PHOREST_VALUES = {
    "username": "global/owner@example.com",
    "password": "pw",
    "business_id": "biz-1",
    "branch_id": "br-1",
}


def test_connect_fills_a_blank_currency_from_the_platform(salon, platform_says):
    platform_says("EUR")
    integration_connect(salon=salon, platform="phorest", values=PHOREST_VALUES)
    salon.refresh_from_db()
    assert salon.currency == "EUR"


def test_connect_keeps_the_owners_choice(salon, platform_says):
    salon.currency = "GBP"
    salon.save()
    platform_says("EUR")
    integration_connect(salon=salon, platform="phorest", values=PHOREST_VALUES)
    salon.refresh_from_db()
    assert salon.currency == "GBP"


def test_connect_without_a_stated_currency_leaves_it_blank(salon, platform_says):
    platform_says("")
    integration_connect(salon=salon, platform="phorest", values=PHOREST_VALUES)
    salon.refresh_from_db()
    assert salon.currency == ""


def test_digest_email_shows_worth_in_the_salon_currency(salon):
    from django.template.loader import render_to_string

    salon.currency = "GBP"
    suggestion = make_suggestion(make_integration(salon), revenue="40.00")
    context = {
        "count": 1,
        "salon": salon,
        "items": [{"who": "Ann", "kind": "Cancellation", "suggestion": suggestion}],
        "page_url": "http://x/",
        "settings_url": "http://x/s/",
    }
    assert ", worth £40.00" in render_to_string("rebooking/email/digest.txt", context)
    assert " · worth £40.00" in render_to_string("rebooking/email/digest.html", context)
