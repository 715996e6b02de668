"""RebookingSettings: the page (owner and manager edit, viewer reads, nonsense -> form errors)
and the API (GET, PUT with full validation -> 400 in the contract's error shape)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse

from rebooking.forms import SECTIONS, RebookingSettingsForm, format_intervals, parse_intervals
from rebooking.models import RebookingSettings

pytestmark = pytest.mark.django_db

# name=value changes -> the field that must report the error
NONSENSE = [
    pytest.param({"lookahead_days": "0"}, "lookahead_days", id="lookahead-0"),
    pytest.param({"grace_factor": "0.5"}, "grace_factor", id="grace-0.5"),
    pytest.param({"fallback_intervals": "Cut = abc"}, "fallback_intervals", id="interval-abc"),
    pytest.param({"fallback_intervals": "Cut = 3"}, "fallback_intervals", id="interval-too-short"),
    pytest.param({"fallback_intervals": "just words"}, "fallback_intervals", id="interval-shape"),
    pytest.param(
        {"quiet_hours_start": "21:00", "quiet_hours_end": "21:00"},
        "quiet_hours_end",
        id="quiet-hours-equal",
    ),
    pytest.param({"notify": "custom", "notify_emails": ""}, "notify_emails", id="custom-empty"),
    pytest.param(
        {"notify": "custom", "notify_emails": "front@alpha.example\nnot-an-address"},
        "notify_emails",
        id="custom-bad-address",
    ),
    pytest.param({"daily_cap": "-1"}, "daily_cap", id="cap-negative"),
    pytest.param({"client_cap": "0"}, "client_cap", id="client-cap-zero"),
]


def page_url(salon) -> str:
    return reverse("rebooking_settings", kwargs={"slug": salon.slug})


def api_url(salon) -> str:
    return f"/api/v1/salons/{salon.slug}/rebooking/settings/"


def form_data(**changes) -> dict[str, str]:
    data = {
        "enabled": "on",
        "on_cancellation": "on",
        "lookahead_days": "21",
        "suggestions_per_cancellation": "4",
        "prefer_same_provider": "on",
        "keep_usual_time": "on",
        "overdue_enabled": "on",
        "grace_factor": "1.5",
        "min_visits": "3",
        "fallback_intervals": "Cut = 35\n\nColour: 60 days\n",
        "default_fallback_days": "45",
        "cooldown_days": "10",
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:30",
        "daily_cap": "15",
        "client_cap": "2",
        "client_messages": "on",
        "notify": "owners",
        "notify_emails": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# -- the form's own pieces ----------------------------------------------------------------------
def test_sections_cover_every_editable_field_once():
    names = [name for _title, _help, fields in SECTIONS for name in fields]
    editable = {
        f.name
        for f in RebookingSettings._meta.fields
        if f.editable and f.name not in ("id", "salon")
    }
    assert len(names) == len(set(names))
    # interval_overrides is edited one row per category (test_settings_intervals.py)
    assert set(names) == editable - {"updated_at", "interval_overrides"}
    assert set(RebookingSettingsForm().fields) == set(names)


def test_intervals_round_trip_as_lines():
    assert format_intervals({"Cut": 42, "Colour": 56}) == "Cut = 42\nColour = 56"
    assert parse_intervals("Cut = 42\n  colour : 56 days \n\n") == {"Cut": 42, "colour": 56}
    assert parse_intervals("") == {}


# -- page ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["owner", "manager"])
def test_editors_see_grouped_sections_with_intervals_as_lines(as_role, role, salon):
    response = as_role(role).get(page_url(salon))
    assert response.status_code == 200
    html = response.content.decode()
    for title, text, _fields in SECTIONS:
        assert title in html and text.split(",")[0] in html
    assert "Cut = 42\nColour = 56" in html  # the defaults, not JSON
    assert "{&quot;Cut&quot;" not in html and '{"Cut"' not in html
    assert 'data-testid="save-settings"' in html
    assert 'data-testid="read-only"' not in html


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_editors_save_and_see_the_values(as_role, role, salon):
    client = as_role(role)
    response = client.post(
        page_url(salon),
        form_data(
            notify="custom",
            notify_emails=" front@alpha.example \n\nboss@alpha.example\nFRONT@alpha.example",
            client_messages=None,
        ),
    )
    assert response.status_code == 302 and response["Location"] == page_url(salon)
    saved = RebookingSettings.objects.get(salon=salon)
    assert saved.lookahead_days == 21
    assert saved.grace_factor == Decimal("1.50")
    assert saved.fallback_intervals == {"Cut": 35, "Colour": 60}
    assert saved.quiet_hours_start == time(21, 0) and saved.quiet_hours_end == time(8, 30)
    assert saved.client_messages is False
    assert saved.notify_email_list() == ["front@alpha.example", "boss@alpha.example"]
    page = client.get(page_url(salon)).content.decode()
    assert "Rebooking settings saved." in page
    assert "Cut = 35\nColour = 60" in page


def test_viewer_sees_read_only_settings_and_cannot_post(as_role, salon):
    client = as_role("viewer")
    response = client.get(page_url(salon))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="read-only"' in html
    assert 'data-testid="save-settings"' not in html
    assert all(field.disabled for field in response.context["form"].fields.values())
    assert client.post(page_url(salon), form_data()).status_code == 403
    assert RebookingSettings.objects.get(salon=salon).lookahead_days == 14  # unchanged default


def test_another_salons_settings_are_404(client, owner, other_salon):
    client.force_login(owner)
    assert client.get(page_url(other_salon)).status_code == 404
    assert client.post(page_url(other_salon), form_data()).status_code == 404


def test_anonymous_is_sent_to_login(client, salon):
    response = client.get(page_url(salon))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("changes", "field"), NONSENSE)
def test_nonsense_values_are_form_errors_and_nothing_is_saved(as_role, salon, changes, field):
    client = as_role("owner")
    client.get(page_url(salon))  # creates the defaults
    before = RebookingSettings.objects.get(salon=salon).updated_at
    response = client.post(page_url(salon), form_data(**changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert 'data-testid="form-error"' in html
    assert RebookingSettings.objects.get(salon=salon).updated_at == before


def test_interval_error_names_the_line(as_role, salon):
    response = as_role("owner").post(
        page_url(salon), form_data(fallback_intervals="Cut = 42\nColour = abc")
    )
    (message,) = response.context["form"].errors["fallback_intervals"]
    assert "Line 2" in message and "whole number" in message


# -- API ----------------------------------------------------------------------------------------
def api_body(client, salon, **changes) -> dict:
    body = client.get(api_url(salon)).json()
    body.pop("updated_at")
    body.update(changes)
    return body


@pytest.mark.parametrize("role", ["owner", "manager", "viewer"])
def test_api_get_for_every_member(as_role, role, salon):
    response = as_role(role).get(api_url(salon))
    assert response.status_code == 200
    data = response.json()
    assert data["lookahead_days"] == 14
    assert data["fallback_intervals"]["Cut"] == 42
    assert data["quiet_hours_start"] == "20:00"
    assert data["notify_emails"] == []


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_api_put_saves(as_role, role, salon):
    client = as_role(role)
    body = api_body(
        client,
        salon,
        lookahead_days=30,
        grace_factor="2.00",
        fallback_intervals={"Cut": 28, "Balayage": 90},
        quiet_hours_end="07:45",
        notify="custom",
        notify_emails=["front@alpha.example"],
    )
    response = client.put(api_url(salon), body, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["notify_emails"] == ["front@alpha.example"]
    saved = RebookingSettings.objects.get(salon=salon)
    assert saved.lookahead_days == 30
    assert saved.fallback_intervals == {"Cut": 28, "Balayage": 90}
    assert saved.quiet_hours_end == time(7, 45)
    assert saved.notify_emails == "front@alpha.example"


def test_api_viewer_put_is_403(as_role, salon):
    client = as_role("viewer")
    response = client.put(api_url(salon), api_body(client, salon), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_api_another_salon_is_404(client, owner, other_salon):
    client.force_login(owner)
    assert client.get(api_url(other_salon)).status_code == 404
    response = client.put(api_url(other_salon), {}, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


API_NONSENSE = [
    pytest.param({"lookahead_days": 0}, "lookahead_days", id="lookahead-0"),
    pytest.param({"grace_factor": "0.5"}, "grace_factor", id="grace-0.5"),
    pytest.param({"fallback_intervals": {"Cut": "abc"}}, "fallback_intervals", id="interval-abc"),
    pytest.param({"fallback_intervals": {"Cut": 2}}, "fallback_intervals", id="interval-short"),
    pytest.param({"fallback_intervals": "Cut = 42"}, "fallback_intervals", id="interval-not-obj"),
    pytest.param(
        {"quiet_hours_start": "21:00", "quiet_hours_end": "21:00"},
        "quiet_hours_end",
        id="quiet-hours-equal",
    ),
    pytest.param({"notify": "custom", "notify_emails": []}, "notify_emails", id="custom-empty"),
    pytest.param({"notify_emails": ["nope"]}, "notify_emails", id="bad-address"),
    pytest.param({"notify": "everyone"}, "notify", id="bad-choice"),
    pytest.param({"daily_cap": 5000}, "daily_cap", id="cap-too-high"),
]


@pytest.mark.parametrize(("changes", "field"), API_NONSENSE)
def test_api_put_nonsense_is_400_with_field_errors(as_role, salon, changes, field):
    client = as_role("owner")
    body = api_body(client, salon, **changes)
    response = client.put(api_url(salon), body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert field in error["message"]
    assert RebookingSettings.objects.get(salon=salon).lookahead_days == 14


def test_api_put_needs_every_field(as_role, salon):
    response = as_role("owner").put(
        api_url(salon), {"lookahead_days": 20}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "enabled" in response.json()["error"]["fields"]
