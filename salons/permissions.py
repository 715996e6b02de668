"""Tenancy for pages: resolve the salon from the URL and check the member's role."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.template.response import SimpleTemplateResponse
from django.utils import timezone

from .roles import Action
from .selectors import membership_get


class RoleRequired(PermissionDenied):
    """403 for a member whose role lacks ``action``; the 403 page names the roles that have it."""

    def __init__(self, action: str) -> None:
        super().__init__("Your role in this salon does not allow this.")
        self.action = action


class SalonAccessMixin(LoginRequiredMixin):
    """Sets ``self.salon`` and ``self.membership``; 404 for a salon the user is not a member of.

    ``read_action`` guards safe methods, ``write_action`` everything else; a member whose role
    lacks the action gets 403 (they know the salon exists, so nothing leaks).
    """

    read_action: str = Action.VIEW
    write_action: str = Action.EDIT_SALON

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = membership_get(user=request.user, slug=kwargs["slug"])
        self.salon = self.membership.salon
        action = self.read_action if request.method in ("GET", "HEAD") else self.write_action
        if not self.membership.can(action):
            raise RoleRequired(action)
        # Dates on the salon's pages read in its zone: rendered here, inside the override, so
        # the zone never outlives this request.
        with timezone.override(self.salon.tz):
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            salon=self.salon,
            membership=self.membership,
            can_edit=self.membership.can(self.write_action),
        )
        return context
