"""Production settings refuse to start without their secrets and pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LONG_SECRET = "k3J#9vQ!x2Lm$8pRt7&Wz4Yb6Nc1Hd5Fg0Sa^Ue(Io)Ky_Xw+Vq=Tr*Ms%Ln@Bj"


def manage(*args, **env_overrides):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FERNET", "DATABASE"))
    }
    env.pop("SANDBOX_ENABLED", None)
    env.update(DJANGO_SETTINGS_MODULE="salonsync.settings", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "env, missing",
    [
        ({}, "DJANGO_SECRET_KEY and FERNET_KEYS must be set"),
        ({"DJANGO_SECRET_KEY": LONG_SECRET}, "FERNET_KEYS must be set"),
        ({"FERNET_KEYS": "abc"}, "DJANGO_SECRET_KEY must be set"),
    ],
)
def test_production_refuses_to_start_without_secrets(env, missing):
    result = manage("check", **env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert LONG_SECRET not in result.stderr


def test_production_refuses_sandbox():
    result = manage("check", DJANGO_SECRET_KEY=LONG_SECRET, FERNET_KEYS="k1", SANDBOX_ENABLED="1")
    assert result.returncode != 0
    assert "SANDBOX_ENABLED must not be set in production" in result.stderr


def test_production_passes_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=LONG_SECRET,
        FERNET_KEYS="k1,k2",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_starts_without_secrets():
    result = manage("check", DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_defaults_are_sqlite_and_eager():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)"
    )
    result = manage("shell", "--no-imports", "-c", code, DJANGO_DEBUG="true", REDIS_URL="")
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "memory://localhost/",
    ]


def test_database_and_redis_urls_select_postgres_and_redis():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER,"
        " s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'])"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "False",
        "redis://127.0.0.1:6379/3",
        "django.core.cache.backends.redis.RedisCache",
    ]


@pytest.mark.django_db
def test_an_eager_task_publishes_without_the_kombu_hostname_warning(caplog):
    """Eager tasks round-trip their arguments through a producer of the in-memory broker; with no
    hostname in its URL kombu warned "No hostname was supplied" on every sync (issue 16). The
    producer pool is made once per process, so the connection is also cloned here (each clone
    reads the URL again, as the pool's first connection does)."""
    from integrations.tasks import heartbeat
    from salonsync.celery import app

    with caplog.at_level("WARNING", logger="kombu"):
        assert heartbeat.delay("settings-test").get() == "settings-test"
        with app.connection_for_write() as connection:
            connection.clone().release()
    assert not [r for r in caplog.records if r.name.startswith("kombu")], caplog.text


def test_sqlite_takes_the_write_lock_up_front_waits_for_it_and_uses_wal(tmp_path):
    """The embedded default writes from several threads (requests, the backtest's thread, the
    demo's beat): a deferred transaction upgrading to a write fails at once with "database is
    locked", so transactions start IMMEDIATE, wait 20 s, and the file runs in WAL."""
    code = (
        "from django.conf import settings as s; from django.db import connection;"
        "o = s.DATABASES['default']['OPTIONS'];"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        "print(o['transaction_mode'], o['timeout'], c.fetchone()[0])"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DJANGO_DEBUG="true",
        REDIS_URL="",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    )
    assert result.stdout.split()[-3:] == ["IMMEDIATE", "20", "wal"], result.stderr
