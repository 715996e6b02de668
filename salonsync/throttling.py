"""REST API throttles that survive a Redis outage.

DRF keeps throttle counters in the default cache (Redis in production). When Redis is unreachable
DRF's throttles raise and every API call became a 500. These count in this process's memory
instead until Redis answers again: per process rather than shared, but still a limit. The switch
is logged once per outage, not on every call.
"""

from __future__ import annotations

import logging
import threading

from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)

_fallback = LocMemCache("salonsync-throttle-fallback", {})
_state = threading.Lock()
_on_fallback = False


def _note(down: bool) -> None:
    global _on_fallback
    with _state:
        if down == _on_fallback:
            return
        _on_fallback = down
    if down:
        logger.warning("API throttling: Redis unreachable, counting in process memory meanwhile")
    else:
        logger.info("API throttling: Redis reachable again, counting in Redis")


class _FallBackToMemory:
    def allow_request(self, request, view):
        try:
            allowed = super().allow_request(request, view)
        except RedisError:
            _note(down=True)
            self.cache = _fallback  # this instance only: the next request tries Redis again
            return super().allow_request(request, view)
        if _on_fallback and getattr(self, "key", None) is not None:  # it did reach Redis
            _note(down=False)
        return allowed


class UserThrottle(_FallBackToMemory, UserRateThrottle):
    pass


class AnonThrottle(_FallBackToMemory, AnonRateThrottle):
    pass
