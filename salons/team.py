"""The salon's team: invitations (create, re-send, revoke, accept) and members' roles.

An invitation's token is emailed once and stored only as its sha256, so a link works until it is
used, revoked or 7 days old, and re-sending issues a new one. A salon always keeps an owner:
the last one can be neither demoted nor removed.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from integrations.models import INVITATION_LIFETIME, Invitation, Membership, Salon

from .roles import Role

logger = logging.getLogger(__name__)

INVITABLE_ROLES = (Role.MANAGER, Role.VIEWER)


@dataclass
class TeamError(Exception):
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return self.message


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    # ?token= keeps it out of the logs (the scrubber redacts token=…); the page then drops it.
    base = settings.SALONSYNC_PUBLIC_URL.rstrip("/")
    return f"{base}{reverse('invitation_accept')}?{urlencode({'token': token})}"


def _members_with_email(salon: Salon, email: str):
    return Membership.objects.filter(salon=salon, user__email__iexact=email)


def _send(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "salon": invitation.salon,
        "link": invitation_link(token),
        "inviter": invitation.invited_by,
        "days": INVITATION_LIFETIME.days,
    }
    send_mail(
        f"Join {invitation.salon.name} on SalonSync",
        render_to_string("team/email/invitation.txt", context),
        None,
        [invitation.email],
    )
    logger.info("invitation %s sent for salon %s", invitation.pk, invitation.salon_id)


def _issue(invitation: Invitation) -> str:
    """A fresh token for the invitation (its only copy goes into the email), expiry renewed."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    return token


def invitation_create(*, salon: Salon, email: str, role: str, invited_by) -> Invitation:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise TeamError("Enter a valid email address, e.g. sam@example.com.", "email") from None
    if role not in INVITABLE_ROLES:
        raise TeamError("Invite as a manager or a viewer.", "role")
    if _members_with_email(salon, email).exists():
        raise TeamError(f"{email} is already a member of {salon.name}.", "email")
    pending = [
        i for i in Invitation.objects.filter(salon=salon, email__iexact=email) if i.is_pending
    ]
    if pending:
        raise TeamError(
            f"{email} has already been invited; re-send or revoke that invitation below.", "email"
        )
    invitation = Invitation(salon=salon, email=email, role=role, invited_by=invited_by)
    token = _issue(invitation)
    invitation.save()
    try:
        _send(invitation, token)
    except Exception:
        logger.exception("invitation email to salon %s's invitee failed", salon.pk)
        invitation.delete()
        raise TeamError("The invitation email could not be sent; try again later.") from None
    return invitation


def invitation_resend(*, invitation: Invitation) -> Invitation:
    """A new link (the old one stops working) and 7 more days; expired ones may be renewed."""
    if invitation.accepted_at or invitation.revoked_at:
        raise TeamError("This invitation was already used or revoked; send a new one.")
    token = _issue(invitation)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    try:
        _send(invitation, token)
    except Exception:
        logger.exception("invitation %s re-send failed", invitation.pk)
        raise TeamError("The invitation email could not be sent; try again later.") from None
    return invitation


def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise TeamError("This invitation was already accepted; remove the member instead.")
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


# -- the invitee's side -----------------------------------------------------------------------
INVALID = "This invitation link is not valid. Ask the salon's owner to send you a new one."
USED = "This invitation has already been used. Log in to reach the salon."
REVOKED = "This invitation was withdrawn. Ask the salon's owner if you should still join."
EXPIRED = "This invitation has expired. Ask the salon's owner to re-send it."


def invitation_for_token(*, token: str) -> Invitation:
    """The pending invitation behind ``token``; TeamError with the reason otherwise."""
    invitation = (
        Invitation.objects.select_related("salon", "invited_by")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise TeamError(INVALID)
    state = invitation.state
    if state != Invitation.State.PENDING:
        raise TeamError(
            {Invitation.State.ACCEPTED: USED, Invitation.State.REVOKED: REVOKED}.get(state, EXPIRED)
        )
    return invitation


def invitation_existing_user(*, invitation: Invitation):
    """The account the invitation's email already belongs to, if any."""
    return get_user_model().objects.filter(email__iexact=invitation.email).order_by("pk").first()


def email_matches(user, invitation: Invitation) -> bool:
    return bool(user.email) and user.email.strip().lower() == invitation.email.strip().lower()


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """Join the salon with the invitation's role, once. The user must own the invited email."""
    invitation = invitation_for_token(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != Invitation.State.PENDING:  # a concurrent accept won
        raise TeamError(USED)
    if not email_matches(user, invitation):
        raise TeamError(
            f"This invitation was sent to {invitation.email}, but you are logged in as "
            f"{user.get_username()}. Log out, then open the link again."
        )
    membership, created = Membership.objects.get_or_create(
        user=user, salon=invitation.salon, defaults={"role": invitation.role}
    )
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if not created:
        logger.info("invitation %s accepted by an existing member", invitation.pk)
    return membership


# -- members ----------------------------------------------------------------------------------
def _owner_count(salon: Salon) -> int:
    # Lock the salon's memberships so two owners cannot demote each other at the same moment.
    owners = Membership.objects.select_for_update().filter(salon=salon, role=Role.OWNER)
    return len(list(owners))


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise TeamError("Choose owner, manager or viewer.", "role")
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER and _owner_count(membership.salon) <= 1:
        raise TeamError(
            f"{membership.user.get_username()} is the salon's only owner: make someone else an "
            f"owner first."
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    if membership.role == Role.OWNER and _owner_count(membership.salon) <= 1:
        raise TeamError(
            f"{membership.user.get_username()} is the salon's only owner and cannot be removed: "
            f"make someone else an owner first."
        )
    membership.delete()
