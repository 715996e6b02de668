"""The standing adversarial suite for the REST API (issue 21, item 5): every write operation
(POST, PUT, PATCH, DELETE under /api/v1/, read from the URL patterns) gets bodies with one
documented field, or the whole body, replaced by a hostile value (JSON nested past the limit, a
huge string or number, an extreme date, a NUL or a lone surrogate). None may answer 5xx other than
the contract's 502/503 for a platform's failure, and every 4xx has the API's error shape.

Schemathesis (tests/fuzz/test_api_schemathesis.py) draws valid-looking bodies from the schema;
this suite draws the hostile values it does not, aimed at the same operations and objects.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.views import APIView

from tests.fuzz.test_api_schemathesis import _keep_the_test_connection, world  # noqa: F401
from tests.hostile import PLACEHOLDER, hostile_json_values, splice

WRITE_METHODS = ("post", "put", "patch", "delete")


def _api_writes(patterns=None, prefix: str = "") -> list[tuple[str, str]]:
    """(route, method) for every write method of every API view under api/v1/."""
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _api_writes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            view = getattr(entry.callback, "view_class", None) or getattr(
                entry.callback, "cls", None
            )
            if view is not None and issubclass(view, APIView):
                found += [(route, m) for m in WRITE_METHODS if hasattr(view, m)]
    return found


API_WRITES = _api_writes()


def _documented_fields() -> dict[tuple[str, str], list[str]]:
    """Each write operation's request-body fields, from the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    fields = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            fields[(path, method)] = sorted(properties)
    return fields


def _schema_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_api_write_is_listed():
    """A new write operation joins the suite by itself; this pins what it found."""
    assert {(r.split("/")[-2] or r, m) for r, m in API_WRITES} >= {
        ("<slug:slug>", "patch"),
        ("integrations", "post"),
        ("<uuid:pk>", "delete"),
        ("appointments", "post"),
        ("accept", "post"),
        ("dismiss", "post"),
        ("settings", "put"),
    }
    assert len(API_WRITES) >= 10


def _url(route: str, world: dict) -> str:  # noqa: F811 - world is the imported fixture's value
    values = {
        "slug": world["slug"],
        "pk": world["suggestion"] if "suggestions" in route else world["integrations"][0],
        "customer_id": world["customers"][0],
    }
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


@pytest.mark.django_db
@pytest.mark.parametrize("route, method", API_WRITES, ids=[f"{m} {r}" for r, m in API_WRITES])
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_hostile_bodies_never_5xx(route, method, world, data):  # noqa: F811
    fields = _documented_fields_cached().get((_schema_path(route), method)) or ["x"]
    value = data.draw(hostile_json_values, label="value")
    if data.draw(st.booleans(), label="whole body"):
        body = value
    else:
        body = splice(
            json.dumps({data.draw(st.sampled_from(fields), label="field"): PLACEHOLDER}), value
        )
    client = Client(raise_request_exception=False)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {world['token']}"
    cache.clear()  # the per-user throttle must not turn the run into 429s
    rollback = transaction.atomic()
    rollback._from_testcase = True  # as in the schemathesis suite: see its comment
    with rollback:
        response = getattr(client, method)(
            _url(route, world), data=body, content_type="application/json"
        )
        transaction.set_rollback(True)
    status = response.status_code
    assert status < 500 or status in (502, 503), (method, route, body[:120], response.content)
    if 400 <= status < 500 or status in (502, 503):
        error = response.json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)


_FIELDS: dict = {}


def _documented_fields_cached() -> dict[tuple[str, str], list[str]]:
    if not _FIELDS:
        _FIELDS.update(_documented_fields())
    return _FIELDS
