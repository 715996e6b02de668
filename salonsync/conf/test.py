"""pytest: the base profile with test-friendly pieces.

Real services where the machine has them: when DATABASE_URL / REDIS_URL are unset, PostgreSQL and
Redis on their standard local ports are used if reachable (SALONSYNC_TEST_AUTODETECT=0 turns this
off, giving SQLite and in-process tasks). The test run's header says what was used.
"""

import os
import socket

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASES, FERNET_KEYS, REDIS_CONNECT_TIMEOUT, REDIS_URL
from .env import env


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


_autodetect = env.bool("SALONSYNC_TEST_AUTODETECT", default=True)
if _autodetect and not env.str("DATABASE_URL", default="") and _reachable("127.0.0.1", 5432):
    DATABASES = {"default": env.db_url_config("postgres://postgres@127.0.0.1:5432/salonsync")}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if _autodetect and not REDIS_URL and _reachable("127.0.0.1", 6379):
    REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed by the tests
# Threads of the live server and the in-process worker must not keep connections open, or the
# test database cannot be dropped at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT},
            # One prefix per test run, so runs sharing this Redis database never see (or clear)
            # each other's keys (locks, throttles, caches).
            "KEY_PREFIX": f"salonsync-test-{os.getpid()}",
        }
    }
# Eager tasks still borrow a producer to round-trip their arguments through JSON; the in-memory
# transport then wants a hostname (kombu warns "No hostname was supplied" without one).
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# Request-level tests run tasks in-process; tests marked "integration" switch a real worker on.
CELERY_TASK_ALWAYS_EAGER = True
DEMO_BEAT = False  # never a scheduler thread in tests (tests call demo_beat_tick themselves)
TASKS_IN_THREADS = False  # tasks run inline in tests; a test turns threads on to try them

SECRET_KEY = "test-secret-key-" + "x" * 40
FERNET_KEYS = FERNET_KEYS or ["test-fernet-key-one"]
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Serve static files from the app directories without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The platform emulators are mounted for tests (never in production; tested).
SANDBOX_ENABLED = True
# Never a real Phorest host from a test: a region probe (integrations/services.py) reaches the
# in-process sandbox where tests route it (tests/conftest.py sandbox_http), or fails offline.
PHOREST_US_API_URL = "http://sandbox.test/sandbox/phorest-us/third-party-api-server/api/business"
# A test fails if any platform call runs inside a database transaction.
PLATFORM_CALLS_IN_TRANSACTION = "raise"
