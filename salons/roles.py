"""What each role may do. The one place a permission is decided; views and the API ask here."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    VIEWER = "viewer", "Viewer"


class Action(models.TextChoices):
    VIEW = "view", "See the salon's pages and data"
    OPERATE = "operate", "Run syncs, accept or dismiss suggestions"
    EDIT_SALON = "edit_salon", "Change the salon's name, time zone and currency, rebooking settings"
    MANAGE_INTEGRATIONS = "manage_integrations", "Connect, reconnect and remove platforms"
    MANAGE_TEAM = "manage_team", "Invite team members, change their roles, remove them"


PERMISSIONS: dict[str, frozenset[str]] = {
    Action.VIEW: frozenset({Role.OWNER, Role.MANAGER, Role.VIEWER}),
    Action.OPERATE: frozenset({Role.OWNER, Role.MANAGER}),
    Action.EDIT_SALON: frozenset({Role.OWNER, Role.MANAGER}),
    Action.MANAGE_INTEGRATIONS: frozenset({Role.OWNER}),
    Action.MANAGE_TEAM: frozenset({Role.OWNER}),
}


def role_can(role: str | None, action: str) -> bool:
    return role is not None and role in PERMISSIONS[action]
