"""Issue or revoke a user's REST API tokens (replaces DRF's drf_create_token).

manage.py api_token create <username> [--days N]   # prints the token, once
manage.py api_token revoke <username>              # revokes all of that user's tokens
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from salons.api_tokens import api_token_create, api_token_revoke_all


class Command(BaseCommand):
    help = "Issue (printed once; only its digest is stored) or revoke a user's API tokens."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="lifetime in days (0: never expires); default API_TOKEN_TTL_DAYS",
        )

    def handle(self, *args, action, username, days, **options):
        model = get_user_model()
        try:
            user = model.objects.get(**{model.USERNAME_FIELD: username})
        except model.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if action == "revoke":
            count = api_token_revoke_all(user=user)
            self.stdout.write(f"Revoked {count} token(s) of {username}.")
            return
        if days is not None and days < 0:
            raise CommandError("--days must be 0 (never expires) or more.")
        raw = api_token_create(user=user, days=days)
        self.stdout.write(
            f"API token for {username} (shown once; only its digest is stored, keep it now):"
        )
        self.stdout.write(raw)
