"""DJANGO_DEBUG false: production. Refuses to start without its secrets; passes check --deploy."""

from django.core.exceptions import ImproperlyConfigured

from ..logging import logging_config
from .base import FERNET_KEYS, LOG_LEVEL, SANDBOX_ENABLED, SECRET_KEY
from .env import env

_missing = [
    name
    for name, value in (("DJANGO_SECRET_KEY", SECRET_KEY), ("FERNET_KEYS", FERNET_KEYS))
    if not value
]
if _missing:
    raise ImproperlyConfigured(
        f"{' and '.join(_missing)} must be set when DJANGO_DEBUG is false "
        "(production). Set them in the environment or in .env; see README, 'Settings'."
    )
if SANDBOX_ENABLED and not env.bool("SANDBOX_ALLOWED_IN_PRODUCTION", default=False):
    raise ImproperlyConfigured(
        "SANDBOX_ENABLED must not be set in production: the sandbox fakes booking platforms."
    )

DEMO_BEAT = False  # the demo's in-process beat never runs in production (beat + workers do)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Structured JSON logs (request id, integration id, secrets scrubbed) unless told otherwise.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
