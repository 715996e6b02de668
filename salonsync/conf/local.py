"""DJANGO_DEBUG=true: local development and the demo (`make run`).

Dev-only secrets when none are configured, and the platform sandbox mounted at /sandbox/ with the
adapters pointed at it, unless the environment says otherwise.
"""

from .base import FERNET_KEYS, SALONSYNC_PUBLIC_URL, SECRET_KEY
from .env import env

SECRET_KEY = SECRET_KEY or "dev-only-insecure-secret-key-not-for-production"
FERNET_KEYS = FERNET_KEYS or ["dev-only-fernet-key-not-for-production"]

SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=True)
if SANDBOX_ENABLED:
    _sandbox = f"{SALONSYNC_PUBLIC_URL.rstrip('/')}/sandbox"
    VAGARO_API_URL = env.str("VAGARO_API_URL", default=f"{_sandbox}/vagaro")  # + /{region}/api/v2
    MINDBODY_API_URL = env.str("MINDBODY_API_URL", default=f"{_sandbox}/mindbody")
    MINDBODY_PUSH_API_URL = env.str("MINDBODY_PUSH_API_URL", default=f"{_sandbox}/mindbody-push")
    PHOREST_API_URL = env.str(
        "PHOREST_API_URL", default=f"{_sandbox}/phorest/third-party-api-server/api/business"
    )
    # The sandbox serves Phorest's US region too (its businesses are EU unless set otherwise).
    PHOREST_US_API_URL = env.str(
        "PHOREST_US_API_URL", default=f"{_sandbox}/phorest-us/third-party-api-server/api/business"
    )
    MINDBODY_API_KEY = env.str("MINDBODY_API_KEY", default="sandbox-developer-key")
    MINDBODY_WEBHOOK_SIGNATURE_KEY = env.str(
        "MINDBODY_WEBHOOK_SIGNATURE_KEY", default="sandbox-message-signature-key"
    )

# The demo records the emails it sends for the sandbox's client outbox (/sandbox/outbox/) and
# still prints them; an EMAIL_URL in the environment sends them for real instead.
if SANDBOX_ENABLED and not env.str("EMAIL_URL", default=""):
    EMAIL_BACKEND = "sandbox.outbox.EmailBackend"

# Plain `make run` (no REDIS_URL): the periodic tasks run in a thread of the runserver process
# (salonsync/demo_beat.py), Phorest polled every minute. DEMO_BEAT=false turns it off.
DEMO_BEAT = env.bool("DEMO_BEAT", default=True)

# Serve static files from the app directories without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
