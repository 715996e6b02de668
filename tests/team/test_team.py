"""The Team page and invitations: invite, accept (new or existing account), expire, single use,
re-send, revoke, role changes and removal (never the last owner), and what a page may show."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from integrations.models import Invitation, Membership
from salons.roles import Role
from salons.team import TeamError, invitation_create, token_hash
from tests.factories import make_member, make_user

pytestmark = pytest.mark.django_db

ACCEPT = "/invitations/accept/"


def team_url(salon) -> str:
    return reverse("team", kwargs={"slug": salon.slug})


def invite(client, salon, email="sam@example.com", role=Role.MANAGER):
    return client.post(team_url(salon), {"email": email, "role": role})


def emailed_token(message) -> str:
    return re.search(r"/invitations/accept/\?token=([\w-]+)", message.body)[1]


def banners(response) -> list[str]:
    return [m.message for m in response.context["messages"]]


# -- the owner invites -------------------------------------------------------------------------
def test_owner_invites_by_email_and_only_a_hash_is_stored(client, salon, owner):
    client.force_login(owner)
    response = invite(client, salon)
    assert response.status_code == 302 and response["Location"] == team_url(salon)
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    assert message.subject == "Join Alpha Hair on SalonSync"
    assert "as a manager" in message.body and "7 days" in message.body
    token = emailed_token(message)
    invitation = Invitation.objects.get()
    assert invitation.token_hash == token_hash(token) and token not in invitation.token_hash
    assert invitation.role == Role.MANAGER and invitation.invited_by == owner
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
    page = client.get(team_url(salon))
    html = page.content.decode()
    assert "Invitation sent to sam@example.com as a manager" in " ".join(banners(page))
    assert 'data-email="sam@example.com"' in html
    assert token not in html


@pytest.mark.parametrize(
    "email, role, error",
    [
        ("not-an-email", Role.VIEWER, "Enter a valid email address"),
        ("", Role.VIEWER, "This field is required."),
        ("sam@example.com", Role.OWNER, "Select a valid choice."),
        ("sam@example.com", "admin", "Select a valid choice."),
    ],
)
def test_bad_invitations_are_form_errors(client, salon, owner, email, role, error):
    client.force_login(owner)
    response = invite(client, salon, email=email, role=role)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


def test_inviting_a_member_or_an_invitee_twice_is_refused(client, salon, owner, manager):
    manager.email = "Max@Example.com"
    manager.save()
    client.force_login(owner)
    response = invite(client, salon, email="max@example.com")
    assert response.status_code == 400
    assert "max@example.com is already a member of Alpha Hair." in response.content.decode()
    assert invite(client, salon).status_code == 302
    again = invite(client, salon, email="SAM@example.com")
    assert again.status_code == 400
    assert "has already been invited; re-send or revoke" in again.content.decode()
    assert Invitation.objects.count() == 1


def test_a_failing_mail_server_is_a_clear_error_and_leaves_no_invitation(
    client, salon, owner, settings
):
    settings.EMAIL_BACKEND = "tests.team.broken_mail.EmailBackend"
    client.force_login(owner)
    response = invite(client, salon)
    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert not Invitation.objects.exists()


def test_non_owners_see_the_team_but_no_controls(client, salon, owner, manager, viewer):
    invitation_create(salon=salon, email="sam@example.com", role=Role.VIEWER, invited_by=owner)
    for user in (manager, viewer):
        client.force_login(user)
        html = client.get(team_url(salon)).content.decode()
        assert 'data-username="olivia"' in html and 'data-username="vera"' in html
        assert "invite-form" not in html and "sam@example.com" not in html
        assert "role-select" not in html
        assert invite(client, salon, email="x@example.com").status_code == 403
    assert Invitation.objects.count() == 1


def test_team_is_in_the_salon_navigation(client, salon, viewer):
    client.force_login(viewer)
    html = client.get(reverse("salon_detail", kwargs={"slug": salon.slug})).content.decode()
    assert f'href="{team_url(salon)}"' in html


# -- the invitee accepts -----------------------------------------------------------------------
def open_link(client, token):
    response = client.get(ACCEPT, {"token": token})
    assert response.status_code == 302 and response["Location"] == ACCEPT  # token off the URL
    return client.get(ACCEPT)


def test_new_person_sets_a_password_and_lands_in_the_salon(client, salon, owner):
    invitation = invitation_create(
        salon=salon, email="sam@example.com", role=Role.VIEWER, invited_by=owner
    )
    token = emailed_token(mail.outbox[0])
    page = open_link(client, token)
    html = page.content.decode()
    assert "Join Alpha Hair" in html and "sam@example.com" in html and token not in html
    assert 'value="sam@example.com"' in html  # the username proposed

    short = client.post(ACCEPT, {"username": "sam", "password1": "abc", "password2": "abc"})
    assert short.status_code == 400 and "too short" in short.content.decode()
    assert not get_user_model().objects.filter(username="sam").exists()

    password = "a-Long-enough-pass-9"
    done = client.post(ACCEPT, {"username": "sam", "password1": password, "password2": password})
    assert done.status_code == 302 and done["Location"] == salon.get_absolute_url()
    user = get_user_model().objects.get(username="sam")
    assert user.email == "sam@example.com" and user.check_password(password)
    assert Membership.objects.get(user=user, salon=salon).role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at
    landing = client.get(done["Location"])
    assert landing.status_code == 200 and landing.context["user"] == user
    assert "Welcome to Alpha Hair: you are a viewer." in banners(landing)

    # Single use: the same link again says so.
    client.logout()
    used = open_link(client, token)
    assert used.status_code == 410 and "already been used" in used.content.decode()


def test_existing_account_logs_in_then_joins(client, salon, owner, other_salon):
    bob = make_member(other_salon, "bob", Role.OWNER)
    bob.email = "bob@example.com"
    bob.save()
    invitation_create(salon=salon, email="BOB@example.com", role=Role.MANAGER, invited_by=owner)
    token = emailed_token(mail.outbox[0])
    page = open_link(client, token)
    assert 'data-testid="login-to-join"' in page.content.decode()
    assert "password1" not in page.content.decode()  # no second account for that email
    refused = client.post(ACCEPT, {"username": "bob2", "password1": "x", "password2": "x"})
    assert refused.status_code == 400 and get_user_model().objects.count() == 2

    client.force_login(bob)
    page = client.get(ACCEPT)
    assert 'data-testid="join"' in page.content.decode()
    done = client.post(ACCEPT)
    assert done["Location"] == salon.get_absolute_url()
    assert Membership.objects.get(user=bob, salon=salon).role == Role.MANAGER


def test_someone_else_logged_in_cannot_use_the_link(client, salon, owner, other_salon):
    invitation_create(salon=salon, email="sam@example.com", role=Role.MANAGER, invited_by=owner)
    token = emailed_token(mail.outbox[0])
    client.force_login(make_member(other_salon, "mallory", Role.OWNER))
    page = open_link(client, token)
    assert "you are logged in as mallory" in page.content.decode()
    refused = client.post(ACCEPT)
    assert refused.status_code == 400
    assert not Membership.objects.filter(salon=salon, user__username="mallory").exists()


def test_expired_revoked_and_unknown_links_are_clear_errors(client, salon, owner):
    invitation = invitation_create(
        salon=salon, email="sam@example.com", role=Role.VIEWER, invited_by=owner
    )
    token = emailed_token(mail.outbox[0])
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    expired = open_link(client, token)
    assert expired.status_code == 410 and "has expired" in expired.content.decode()
    assert client.post(ACCEPT, {"username": "sam"}).status_code == 410

    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    assert "withdrawn" in open_link(client, token).content.decode()

    unknown = open_link(client, "not-a-real-token")
    assert unknown.status_code == 404 and "not valid" in unknown.content.decode()
    fresh = type(client)()
    assert fresh.get(ACCEPT).status_code == 400  # no link opened in this browser
    assert not get_user_model().objects.filter(username="sam").exists()


def test_resend_issues_a_new_link_and_kills_the_old(client, salon, owner):
    invitation = invitation_create(
        salon=salon, email="sam@example.com", role=Role.VIEWER, invited_by=owner
    )
    old = emailed_token(mail.outbox[0])
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())  # expired
    client.force_login(owner)
    url = reverse("team_invitation_resend", kwargs={"slug": salon.slug, "pk": invitation.pk})
    assert client.post(url).status_code == 302
    new = emailed_token(mail.outbox[1])
    assert new != old
    invitation.refresh_from_db()
    assert invitation.is_pending and invitation.token_hash == token_hash(new)
    client.logout()
    assert open_link(client, old).status_code == 404
    assert open_link(client, new).status_code == 200


def test_revoke_hides_the_invitation_and_kills_the_link(client, salon, owner):
    invitation = invitation_create(
        salon=salon, email="sam@example.com", role=Role.VIEWER, invited_by=owner
    )
    token = emailed_token(mail.outbox[0])
    client.force_login(owner)
    url = reverse("team_invitation_revoke", kwargs={"slug": salon.slug, "pk": invitation.pk})
    page = client.post(url, follow=True)
    assert "Invitation to sam@example.com revoked." in banners(page)
    assert 'data-email="sam@example.com"' not in page.content.decode()
    client.logout()
    assert open_link(client, token).status_code == 410
    # Revoked, it can be sent again (a new invitation).
    invitation_create(salon=salon, email="sam@example.com", role=Role.VIEWER, invited_by=owner)


def test_the_token_never_reaches_the_logs(client, salon, owner, caplog):
    caplog.set_level("DEBUG")
    invitation_create(salon=salon, email="sam@example.com", role=Role.VIEWER, invited_by=owner)
    token = emailed_token(mail.outbox[0])
    open_link(client, token)
    assert token not in caplog.text


# -- roles and removal -------------------------------------------------------------------------
def role_url(salon, membership) -> str:
    return reverse("team_member_role", kwargs={"slug": salon.slug, "pk": membership.pk})


def remove_url(salon, membership) -> str:
    return reverse("team_member_remove", kwargs={"slug": salon.slug, "pk": membership.pk})


def test_owner_changes_a_role_and_removes_a_member(client, salon, owner, manager, viewer):
    client.force_login(owner)
    vera = Membership.objects.get(user=viewer)
    page = client.post(role_url(salon, vera), {"role": Role.MANAGER}, follow=True)
    assert "vera is now a manager." in banners(page)
    vera.refresh_from_db()
    assert vera.role == Role.MANAGER
    bad = client.post(role_url(salon, vera), {"role": "emperor"}, follow=True)
    assert "Choose owner, manager or viewer." in banners(bad)
    page = client.post(remove_url(salon, Membership.objects.get(user=manager)), follow=True)
    assert "max was removed from Alpha Hair." in banners(page)
    assert not Membership.objects.filter(user=manager).exists()
    assert client.get(reverse("salon_detail", kwargs={"slug": salon.slug})).status_code == 200


def test_the_last_owner_is_never_demoted_or_removed(client, salon, owner, viewer):
    client.force_login(owner)
    mine = Membership.objects.get(user=owner)
    page = client.post(role_url(salon, mine), {"role": Role.VIEWER}, follow=True)
    assert "olivia is the salon's only owner" in " ".join(banners(page))
    page = client.post(remove_url(salon, mine), follow=True)
    assert "cannot be removed" in " ".join(banners(page))
    mine.refresh_from_db()
    assert mine.role == Role.OWNER
    assert "The only owner" in page.content.decode()

    # With a second owner, the first may step down or leave.
    vera = Membership.objects.get(user=viewer)
    client.post(role_url(salon, vera), {"role": Role.OWNER})
    left = client.post(remove_url(salon, mine))
    assert left["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=mine.pk).exists()


def test_service_refuses_to_remove_the_last_owner():
    from salons.team import membership_remove
    from tests.factories import make_salon

    salon = make_salon("Solo", "solo")
    only = Membership.objects.create(user=make_user("solo"), salon=salon, role=Role.OWNER)
    with pytest.raises(TeamError, match="only owner"):
        membership_remove(membership=only)


def test_another_salons_member_or_invitation_is_404(client, salon, owner, other_salon):
    stranger = Membership.objects.get(user=make_member(other_salon, "bob", Role.VIEWER))
    client.force_login(owner)
    assert client.post(role_url(salon, stranger), {"role": Role.OWNER}).status_code == 404
    assert client.post(remove_url(salon, stranger)).status_code == 404
    stranger.refresh_from_db()
    assert stranger.role == Role.VIEWER


def test_the_access_log_line_of_a_link_is_scrubbed():
    import logging

    from salonsync.logging import ScrubSecretsFilter, logging_config

    config = logging_config("plain", "INFO")
    assert config["loggers"]["django.server"]["handlers"] == ["console"]
    assert "scrub" in config["handlers"]["console"]["filters"]
    token = "6OweAgmf57IbJMLNAzrJj42M_1prbr0BVnGftfmgMII"
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /invitations/accept/?token={token} HTTP/1.1", 302, 0),
        None,
    )
    ScrubSecretsFilter().filter(record)
    line = record.getMessage()
    assert "/invitations/accept/?token=" in line and token not in line
