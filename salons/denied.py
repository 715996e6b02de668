"""The 403 page (handler403): inside a salon, with the salon's navigation, the role the action
needs and who in the salon has it, so a member knows whom to ask."""

from __future__ import annotations

from django.shortcuts import render

from integrations.models import Membership

from .roles import PERMISSIONS, Action, Role


def _needed_roles(action: str | None) -> str:
    if action not in PERMISSIONS:
        return ""
    labels = [role.label for role in Role if role in PERMISSIONS[action]]
    return " or ".join(labels)


def denied_context(request, exception=None) -> dict:
    """The salon, the member's role, the roles that may, and the owners to ask ({} outside one)."""
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("slug") if match else None
    user = getattr(request, "user", None)
    if not slug or user is None or not user.is_authenticated:
        return {}
    membership = (
        Membership.objects.select_related("salon").filter(user=user, salon__slug=slug).first()
    )
    if membership is None:
        return {}
    action = getattr(exception, "action", None)
    owners = (
        Membership.objects.filter(salon=membership.salon, role=Role.OWNER)
        .select_related("user")
        .order_by("user__username")
    )
    return {
        "salon": membership.salon,
        "membership": membership,
        "needed_roles": _needed_roles(action),
        "needed_for": Action(action).label if action in Action.values else "",
        "owners": [m.user for m in owners if m.user_id != user.pk],
    }


def permission_denied(request, exception=None):
    return render(request, "403.html", denied_context(request, exception), status=403)
