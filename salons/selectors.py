"""Reads scoped to what a user may see. Another salon's object is a 404, never a 403."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from integrations.models import Membership, Salon


def salon_list_for_user(*, user) -> QuerySet[Salon]:
    if not user.is_authenticated:
        return Salon.objects.none()
    return Salon.objects.filter(memberships__user=user).distinct()


def membership_get(*, user, slug: str) -> Membership:
    """The user's membership of the salon ``slug``; Http404 when there is none."""
    if not user.is_authenticated:
        raise Http404("No such salon.")
    try:
        return Membership.objects.select_related("salon").get(user=user, salon__slug=slug)
    except Membership.DoesNotExist:
        raise Http404("No such salon.") from None
