"""SalonSync settings, configured entirely by the environment (see README and docs/contract.md §3).

DJANGO_DEBUG=true gives the local development profile; otherwise the production profile applies,
which refuses to start without DJANGO_SECRET_KEY and FERNET_KEYS.
"""

from .conf.base import *  # noqa: F403
from .conf.base import DEBUG

if DEBUG:
    from .conf.local import *  # noqa: F403
else:
    from .conf.production import *  # noqa: F403
