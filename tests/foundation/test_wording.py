"""Plural and grammar slips owners and operators read: admin names and page counts."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.admin.sites import site
from django.urls import reverse

from integrations.models import ApiCall
from sandbox.models import WebhookDelivery


def test_webhook_deliveries_in_the_admin(admin_client):
    assert WebhookDelivery._meta.verbose_name_plural == "webhook deliveries"
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "Webhook deliveries" in index and "deliverys" not in index.lower()


def test_no_registered_model_has_a_naive_plural():
    """Django appends "s": any name ending in a consonant + "y" or "s" needs its own plural."""
    for model in site._registry:
        name, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
        assert not plural.endswith(("ys", "ss")) or plural.endswith(("ays", "eys", "oys")), plural
        assert not (name.endswith("y") and plural == name + "s" and name[-2] not in "aeiou")


@pytest.mark.django_db
def test_api_calls_label_in_the_admin(admin_client):
    assert ApiCall._meta.verbose_name == "API call"
    assert apps.get_model("integrations", "ApiCall")._meta.verbose_name_plural == "API calls"
