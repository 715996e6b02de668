"""The 403 page: inside a salon it keeps the salon's navigation and says which role the action
needs and whom to ask; elsewhere a plain page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from integrations.models import Integration
from salons.denied import permission_denied
from salons.roles import Role
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_viewer_refused_a_sync_sees_the_salon_the_role_and_the_owners(client, salon, owner, viewer):
    owner.first_name, owner.last_name, owner.email = "Olivia", "Stone", "olivia@example.com"
    owner.save()
    make_member(salon, "otto", Role.OWNER)
    integration = Integration.objects.create(
        salon=salon, platform="phorest", account={"business_id": "b", "branch_id": "r"}
    )
    client.force_login(viewer)
    url = reverse("integration_sync", kwargs={"slug": salon.slug, "pk": integration.pk})
    response = client.post(url, {"kind": "incremental"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="mainnav"' in html  # the salon's navigation
    assert f'href="{reverse("team", kwargs={"slug": salon.slug})}"' in html
    assert "This needs the <strong>Owner or Manager</strong> role in Alpha Hair" in html
    assert "(run syncs, accept or dismiss suggestions)" in html
    assert "Your role here is <strong>Viewer</strong>" in html
    assert "Ask the salon's owners (Olivia Stone &lt;olivia@example.com&gt;, otto)" in html


def test_manager_refused_an_owner_page_is_told_owner(client, salon, owner, manager):
    client.force_login(manager)
    response = client.post(reverse("team", kwargs={"slug": salon.slug}), {"email": "a@b.co"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This needs the <strong>Owner</strong> role" in html
    assert "invite team members, change their roles, remove them" in html
    assert "Ask the salon's owner (olivia)" in html


def test_outside_a_salon_the_page_is_plain():
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = permission_denied(request, None)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Ask the salon's owner." in html and 'class="mainnav"' not in html
