"""Every model is in the admin, and its list, search, filters and add pages work."""

import pytest
from django.apps import apps
from django.contrib import admin

from integrations.models import Membership, Salon, WorkerHeartbeat

OUR_APPS = {"integrations", "webhooks", "rebooking"}


@pytest.fixture
def admin_client_with_data(admin_client, owner):
    WorkerHeartbeat.objects.create(source="test", seen_at="2026-01-01T00:00:00Z")
    return admin_client


def our_models():
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


def test_every_model_is_registered():
    missing = [m.__name__ for m in our_models() if not admin.site.is_registered(m)]
    assert missing == []


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m.__name__)
def test_changelist_search_and_add_pages(admin_client_with_data, model):
    meta = model._meta
    base = f"/admin/{meta.app_label}/{meta.model_name}/"
    assert admin_client_with_data.get(base).status_code == 200
    assert admin_client_with_data.get(base, {"q": "alpha"}).status_code == 200
    add = admin_client_with_data.get(base + "add/")
    assert add.status_code in (200, 403)


def test_salon_change_page_and_filters(admin_client_with_data, salon):
    response = admin_client_with_data.get(f"/admin/integrations/salon/{salon.pk}/change/")
    assert response.status_code == 200
    listing = admin_client_with_data.get("/admin/integrations/membership/", {"role": "owner"})
    assert listing.status_code == 200
    assert b"olivia" in listing.content
    assert Membership.objects.count() == 1 and Salon.objects.count() == 1
