"""Tokens issued by DRF's authtoken (table authtoken_token, raw keys in plain text) become knox
tokens stored as digests; the plain-text rows are deleted.

Those keys are 40 hex characters, and knox finds a token by its first 15 characters and compares
the SHA-512 digest of the whole, so every existing client keeps working with the token it has,
without expiry, until it is rotated (``manage.py api_token``). The emptied table is left in place:
the previous release, still serving during a rolling restart, answers such a call 401 rather than
500. Not reversible: the raw keys are gone.
"""

from datetime import UTC

from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

LEGACY_TABLE = "authtoken_token"


def hash_legacy_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return  # a database created after authtoken was removed
    AuthToken = apps.get_model("knox", "AuthToken")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "key", user_id, created FROM {LEGACY_TABLE}')  # noqa: S608
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        token = AuthToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=None,
        )
        token.save(force_insert=True)
        # Keep when it was issued (SQLite hands back text, naive UTC).
        issued = parse_datetime(created) if isinstance(created, str) else created
        if issued is not None:
            if timezone.is_naive(issued):
                issued = timezone.make_aware(issued, UTC)
            AuthToken.objects.filter(pk=token.pk).update(created=issued)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {LEGACY_TABLE}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("knox", "0009_extend_authtoken_field")]

    operations = [
        migrations.RunPython(hash_legacy_tokens, migrations.RunPython.noop, elidable=True),
    ]
