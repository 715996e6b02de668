from rest_framework.permissions import SAFE_METHODS, BasePermission

from salons.roles import Action
from salons.selectors import membership_get


class SalonMember(BasePermission):
    """Resolves ``view.membership`` from the URL's slug (404 for non-members) and checks the role:
    ``view.read_action`` for safe methods, ``view.write_action`` otherwise (403)."""

    message = "Your role in this salon does not allow this."

    def has_permission(self, request, view) -> bool:
        view.membership = membership_get(user=request.user, slug=view.kwargs["slug"])
        view.salon = view.membership.salon
        safe = request.method in SAFE_METHODS
        action = getattr(view, "read_action", Action.VIEW) if safe else view.write_action
        return view.membership.can(action)
