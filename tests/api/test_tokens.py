"""Issue 21: API tokens are stored as digests (django-rest-knox), shown once when issued, expire,
and tokens issued before (DRF's plain-text authtoken table) keep working, hashed by a migration."""

from __future__ import annotations

import importlib
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from salons.api_tokens import api_token_create

pytestmark = pytest.mark.django_db

LEGACY_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # DRF's format: 40 hex characters


def call_api(client, token):
    return client.get(reverse("api_salon_list"), HTTP_AUTHORIZATION=f"Token {token}")


def stored_text() -> str:
    """Every column of every token row, as text."""
    rows = AuthToken.objects.values_list("digest", "token_key", "user_id", "created", "expiry")
    return " ".join(str(value) for row in rows for value in row)


def test_an_issued_token_authenticates_and_only_its_digest_is_stored(client, owner):
    raw = api_token_create(user=owner)

    assert call_api(client, raw).status_code == 200
    assert raw not in stored_text()
    token = AuthToken.objects.get(user=owner)
    assert len(token.digest) == 128 and token.digest != raw
    assert call_api(client, raw[:-1] + ("0" if raw[-1] != "0" else "1")).status_code == 401


def test_tokens_expire(client, owner, settings):
    raw = api_token_create(user=owner, days=1)
    AuthToken.objects.filter(user=owner).update(expiry=timezone.now() - timedelta(seconds=1))
    response = call_api(client, raw)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_user_may_hold_several_tokens(client, owner):
    first, second = api_token_create(user=owner), api_token_create(user=owner)
    assert first != second
    assert [call_api(client, t).status_code for t in (first, second)] == [200, 200]


def test_the_command_prints_the_token_once_and_revokes(client, owner):
    out = StringIO()
    call_command("api_token", "create", "olivia", "--days", "30", stdout=out)
    printed = out.getvalue()
    raw = printed.strip().splitlines()[-1].strip()
    assert call_api(client, raw).status_code == 200
    assert "shown once" in printed
    token = AuthToken.objects.get(user=owner)
    assert timedelta(days=29) < token.expiry - timezone.now() <= timedelta(days=30)

    out = StringIO()
    call_command("api_token", "revoke", "olivia", stdout=out)
    assert "1" in out.getvalue()
    assert call_api(client, raw).status_code == 401


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("api_token", "create", "nobody", stdout=StringIO())


def test_the_admin_shows_a_new_token_once(client, owner):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(admin)
    added = client.post(
        reverse("admin:knox_authtoken_add"), {"user": owner.pk, "expiry": ""}, follow=True
    )
    assert added.status_code == 200
    shown = [str(m) for m in added.context["messages"]]
    (raw,) = [m.removeprefix("TOKEN ") for m in shown if m.startswith("TOKEN ")]
    assert call_api(client, raw).status_code == 200
    listing = client.get(reverse("admin:knox_authtoken_changelist"))
    assert listing.status_code == 200
    assert raw.encode() not in listing.content


# -- tokens issued before: DRF's authtoken table held them in plain text --------------------------
@pytest.fixture
def legacy_table(owner):
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, '
            "created timestamp NOT NULL, user_id integer NOT NULL)"
        )
        cursor.execute(
            'INSERT INTO authtoken_token ("key", created, user_id) VALUES (%s, %s, %s)',
            [LEGACY_KEY, timezone.now(), owner.pk],
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE authtoken_token")


def test_the_migration_hashes_legacy_tokens_which_keep_working(client, owner, legacy_table):
    migration = importlib.import_module("salons.migrations.0001_hash_legacy_api_tokens")
    migration.hash_legacy_tokens(apps, SimpleNamespace(connection=connection))

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)  # the plain-text copies are gone
    assert LEGACY_KEY not in stored_text()
    token = AuthToken.objects.get(user=owner)
    assert token.expiry is None  # works until rotated
    assert call_api(client, LEGACY_KEY).status_code == 200


def test_the_migration_does_nothing_without_the_legacy_table(owner):
    migration = importlib.import_module("salons.migrations.0001_hash_legacy_api_tokens")
    migration.hash_legacy_tokens(apps, SimpleNamespace(connection=connection))
    assert not AuthToken.objects.exists()
