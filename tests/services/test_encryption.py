"""Credentials are Fernet-encrypted with FERNET_KEYS (never SECRET_KEY) and keys rotate."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from integrations.models import Integration
from tests.services.phorest_stubs import SECRET, make_integration


def _raw_column(integration, column="credentials") -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM integrations_integration WHERE id = %s",  # noqa: S608
            [integration.pk.hex if connection.vendor == "sqlite" else integration.pk],
        )
        value = cursor.fetchone()[0]
    return bytes(value)


def _use_keys(settings, keys):
    settings.FERNET_KEYS = keys
    for name in ("_credentials", "_access_token"):
        field = Integration._meta.get_field(name)
        for cached in ("keys", "fernet_keys", "fernet"):
            field.__dict__.pop(cached, None)


@pytest.fixture
def keys(settings):
    _use_keys(settings, ["key-one"])
    yield lambda keys: _use_keys(settings, keys)
    _use_keys(settings, ["test-fernet-key-one"])


def test_column_holds_ciphertext(salon, keys):
    integration = make_integration(salon)
    integration.access_token = "token-plain-value"
    integration.save()
    raw = _raw_column(integration)
    assert SECRET.encode() not in raw and b"password" not in raw
    assert raw.startswith(b"gAAAA")  # a Fernet token
    assert b"token-plain-value" not in _raw_column(integration, "access_token")
    assert Integration.objects.get(pk=integration.pk).credentials["password"] == SECRET


def test_rotation_reencrypts_and_old_key_can_be_dropped(salon, keys, capsys):
    integration = make_integration(salon)
    before = _raw_column(integration)
    keys(["key-two", "key-one"])  # new key first, old key still there to read
    assert Integration.objects.get(pk=integration.pk).credentials["password"] == SECRET
    call_command("rotate_fernet_keys")
    assert "Re-encrypted the secrets of 1 integrations" in capsys.readouterr().out
    assert _raw_column(integration) != before
    keys(["key-two"])  # old key removed
    assert Integration.objects.get(pk=integration.pk).credentials["password"] == SECRET


def test_unreadable_secret_fails_rotation_clearly(salon, keys):
    make_integration(salon)
    keys(["unrelated-key"])
    with pytest.raises(CommandError, match="cannot be decrypted with any key"):
        call_command("rotate_fernet_keys")


def test_fernet_keys_are_not_secret_key(settings):
    assert settings.FERNET_KEYS and settings.SECRET_KEY not in settings.FERNET_KEYS
