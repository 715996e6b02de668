"""One date and one date-time format on the owner's pages, in the salon's time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from integrations.dates import format_day, format_moment
from integrations.models import Integration, IntegrationStatus
from webhooks.models import WebhookEvent

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MOMENT = datetime(2026, 3, 2, 15, 5, tzinfo=UTC)  # 10:05 AM in New York, 3:05 PM in Dublin


def test_formats():
    ny = ZoneInfo("America/New_York")
    assert format_moment(MOMENT, ny) == "Mon, Mar 2, 2026, 10:05 AM"
    assert format_moment(MOMENT, ZoneInfo("Asia/Tokyo")) == "Tue, Mar 3, 2026, 12:05 AM"
    assert format_day(MOMENT, ZoneInfo("Asia/Tokyo")) == "Tue, Mar 3, 2026"
    assert format_day(date(2030, 5, 20)) == "Mon, May 20, 2030"
    assert format_moment(None) == format_day("soon") == ""


def test_filters_follow_the_active_zone():
    template = Template("{{ when|moment }} · {{ when|day }}")
    with timezone.override(ZoneInfo("Europe/Dublin")):
        assert (
            template.render(Context({"when": MOMENT}))
            == "Mon, Mar 2, 2026, 3:05 PM · Mon, Mar 2, 2026"
        )


def test_owner_templates_use_the_shared_formats():
    """No owner template formats a date its own way: only ISO 8601 for <time datetime>."""
    for path in TEMPLATES.rglob("*.html"):
        if "sandbox" in path.parts:
            continue
        for fmt in re.findall(r"\|date:(\S+?)[ }]", path.read_text()):
            assert fmt == "'c'", f"{path.relative_to(TEMPLATES)} uses |date:{fmt}"


@pytest.mark.django_db
def test_integration_page_dates_read_in_the_salon_zone(client, owner, salon):
    salon.timezone = "Europe/Dublin"
    salon.save()
    integration = Integration(
        salon=salon,
        platform="mindbody",  # a platform that sends webhooks: the page shows the last one
        account={"site_id": "-99"},
        status=IntegrationStatus.ERROR,
        account_name="Alpha on Mindbody",
        last_sync_at=MOMENT,
        last_error="Mindbody answered 500.",
        last_error_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC),  # Jul 2, 12:30 AM IST (UTC+1)
    )
    integration.credentials = {"username": "global/o@example.com", "password": "x"}
    integration.save()
    event = WebhookEvent.objects.create(
        platform="mindbody", integration=integration, body=b"{}", verified=True
    )
    client.force_login(owner)
    detail = reverse("integration_detail", kwargs={"slug": salon.slug, "pk": integration.pk})
    html = client.get(detail).content.decode()
    assert "Mon, Mar 2, 2026, 3:05 PM" in html  # last sync
    assert "(Thu, Jul 2, 2026, 12:30 AM)" in html  # last error, the next day in Dublin
    dublin = ZoneInfo("Europe/Dublin")
    assert f"<dd>{format_day(timezone.now(), dublin)}</dd>" in html  # connected since
    assert f">{format_moment(event.received_at, dublin)}</time>" in html  # last webhook
    # The salon's zone ends with its page: nothing else on this thread reads in Dublin time.
    assert timezone.get_current_timezone_name() == "UTC"
