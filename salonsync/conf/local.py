"""DJANGO_DEBUG=true: local development. Dev-only secrets when none are configured."""

from .base import FERNET_KEYS, SECRET_KEY

SECRET_KEY = SECRET_KEY or "dev-only-insecure-secret-key-not-for-production"
FERNET_KEYS = FERNET_KEYS or ["dev-only-fernet-key-not-for-production"]

# Serve static files from the app directories without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
