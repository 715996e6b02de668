"""API tokens (django-rest-knox): only a digest is stored, so the raw token exists once, when it is
issued, and is shown to whoever issued it then. A user may hold several (one per client or
script); each expires after API_TOKEN_TTL_DAYS unless issued with other ``days``."""

from __future__ import annotations

from datetime import timedelta

from knox.models import AuthToken


def api_token_create(*, user, days: int | None = None) -> str:
    """Issue a token for ``user`` and return it raw: it cannot be read back later. ``days``: its
    lifetime, 0 for never expiring; None: API_TOKEN_TTL_DAYS (knox's TOKEN_TTL)."""
    if days is None:
        _, raw = AuthToken.objects.create(user=user)
    else:
        _, raw = AuthToken.objects.create(user=user, expiry=timedelta(days=days) if days else None)
    return raw


def api_token_revoke_all(*, user) -> int:
    """Revoke every token of ``user``; returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
