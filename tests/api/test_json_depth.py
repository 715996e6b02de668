"""JSON nested a thousand deep is a 400 in the API's error shape, never a RecursionError's 500
(issue 21, W1); the depth limit itself (salonsync/safe_json.py) is exact and ignores strings."""

import json

import pytest
from django.test import Client

from salonsync.safe_json import (
    MAX_DEPTH,
    JSONTooDeep,
    has_unstorable_text,
    loads_limited,
    nesting_exceeds,
)


def nested_text(levels: int, leaf: str = "1") -> str:
    return "[" * levels + leaf + "]" * levels


@pytest.fixture
def api(owner):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


def _too_deep(response):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "nested deeper" in error["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("levels", [500, 1000, 100_000])
def test_a_deep_salon_name_is_a_400(api, salon, levels):
    body = '{"name": ' + nested_text(levels) + "}"
    _too_deep(api.patch("/api/v1/salons/alpha/", data=body, content_type="application/json"))


@pytest.mark.django_db
def test_deep_integration_settings_are_a_400(api, salon):
    body = json.dumps(
        {"platform": "phorest", "credentials": {}, "account": {}, "settings": "HERE"}
    ).replace('"HERE"', '{"x": ' + nested_text(1000) + "}")
    _too_deep(
        api.post("/api/v1/salons/alpha/integrations/", data=body, content_type="application/json")
    )


@pytest.mark.django_db
def test_ordinary_json_still_works(api, salon):
    response = api.patch(
        "/api/v1/salons/alpha/",
        data={"name": "Alpha [Hair] {Studio}"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Alpha [Hair] {Studio}"
    broken = api.patch("/api/v1/salons/alpha/", data="{", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["error"]["message"].startswith("JSON parse error")


def test_the_limit_is_exact():
    assert loads_limited(nested_text(MAX_DEPTH)) is not None
    with pytest.raises(JSONTooDeep):
        loads_limited(nested_text(MAX_DEPTH + 1))
    assert not nesting_exceeds(nested_text(3), 3) and nesting_exceeds(nested_text(4), 3)


def test_brackets_inside_strings_do_not_nest():
    text = json.dumps({"note": "[[[[{{{{" * 50, "quote": 'a \\" [[[[ "'})
    assert loads_limited(text, max_depth=2)["note"].startswith("[[[[")
    assert loads_limited(text.encode(), max_depth=2)["quote"] == 'a \\" [[[[ "'


def test_bytes_and_unreadable_json():
    with pytest.raises(JSONTooDeep):
        loads_limited(nested_text(100).encode(), max_depth=10)
    with pytest.raises(ValueError):
        loads_limited(b'{"a": "unterminated ' + b"[" * 200)
    with pytest.raises(ValueError):
        loads_limited(b"\xff\xfe[")


def test_unstorable_text_is_found_in_keys_and_values():
    assert has_unstorable_text({"a": ["x", {"b": "n\x00l"}]})
    assert has_unstorable_text({"\ud800": 1})
    assert not has_unstorable_text({"emoji": "\U0001f600", "n": [1, None, True]})
    assert not has_unstorable_text(json.loads('"\\ud83d\\ude00"'))  # a pair is one character


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model_path", "field"),
    [
        ("integrations.models.Integration", "account"),
        ("integrations.models.Integration", "options"),
        ("rebooking.models.RebookingSettings", "fallback_intervals"),
    ],
)
def test_admin_json_fields_refuse_deep_json(rf, admin_user, model_path, field):
    from django.contrib.admin import site
    from django.utils.module_loading import import_string

    request = rf.get("/")
    request.user = admin_user
    form_class = site._registry[import_string(model_path)].get_form(request)
    form = form_class(data={field: nested_text(1000)})
    assert not form.is_valid()
    assert form.errors[field] == ["Enter a valid JSON."]


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["1e999", "-1e999", "NaN", "Infinity"])
def test_numbers_no_json_column_stores_are_a_400(api, salon, number):
    body = '{"platform": "phorest", "credentials": {}, "account": {}, "settings": {"x": N}}'
    response = api.post(
        "/api/v1/salons/alpha/integrations/",
        data=body.replace("N", number, 1),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "\\udfff"])
def test_nul_or_lone_surrogate_in_an_api_body_is_a_400(api, salon, bad):
    """Found by tests/api/test_adversarial_writes.py: a lone surrogate echoed in a 400's message
    could not be encoded, so the answer was a 500."""
    body = '{"platform": "X", "credentials": {}, "account": {}}'.replace("X", f"ph{bad}orest")
    response = api.post(
        "/api/v1/salons/alpha/integrations/", data=body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "cannot be stored" in response.json()["error"]["message"]
