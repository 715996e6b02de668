"""Re-encrypt every stored secret with the first key in FERNET_KEYS.

Rotation: put the new key first in FERNET_KEYS (keep the old one after it), deploy, run this
command, then remove the old key. Rows are read with any key and written with the first.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations.models import Integration


class Command(BaseCommand):
    help = "Re-encrypts every stored credential and token with the first key in FERNET_KEYS."

    def handle(self, *args, **options):
        from cryptography.fernet import InvalidToken

        done = 0
        try:
            with transaction.atomic():
                for integration in Integration.objects.select_for_update().order_by("pk"):
                    # Loading decrypted with any key; saving encrypts with the first.
                    integration.save(update_fields=["_credentials", "_access_token"])
                    done += 1
        except InvalidToken:
            raise CommandError(
                "A stored secret cannot be decrypted with any key in FERNET_KEYS. Add the key it "
                "was written with (after the new one) and run this again; nothing was changed."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the secrets of {done} integrations."))
