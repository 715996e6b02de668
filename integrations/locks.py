"""A per-integration lock in the cache (Redis in production), so two workers or two beats never
sync the same integration at once.

``cache.add`` sets the key only when it is absent, atomically on Redis (SET NX); the value is a
random token, so only the holder releases or extends it (compare-and-delete / compare-and-expire
in one Lua script on Redis). Every lock has a TTL: a worker that dies holding it blocks the
integration for at most that long. Long syncs call ``extend()`` after each page.

Without Redis the cache is per-process memory (LocMem): the lock then only guards one process,
which is all there is in that set-up (tasks run in-process).
"""

from __future__ import annotations

import logging
import secrets

from django.core.cache import caches

logger = logging.getLogger(__name__)

# A sync extends its lock after every page; a page (a few platform calls with their retries)
# takes well under this.
DEFAULT_TTL_SECONDS = 600
PREFIX = "salonsync:lock"

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end
return 0
"""


class IntegrationLock:
    """``with IntegrationLock(pk, "sync") as held: if held: ...`` or acquire()/release()."""

    def __init__(
        self, integration_id, purpose: str = "sync", *, ttl: int = DEFAULT_TTL_SECONDS
    ) -> None:
        self.key = f"{PREFIX}:{purpose}:{integration_id}"
        self.ttl = ttl
        self.token = secrets.token_hex(16)
        self.held = False

    @property
    def _cache(self):
        return caches["default"]

    def acquire(self) -> bool:
        self.held = bool(self._cache.add(self.key, self.token, timeout=self.ttl))
        return self.held

    def extend(self) -> bool:
        """Push the expiry back to a full TTL; False when the lock is no longer ours."""
        client = _redis_client(self._cache)
        if client is not None:
            ok = client.eval(_EXTEND, 1, self._raw_key(), self._raw_token(), self.ttl)
            self.held = bool(ok)
        else:
            self.held = self._cache.get(self.key) == self.token and self._cache.touch(
                self.key, self.ttl
            )
        return self.held

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        client = _redis_client(self._cache)
        try:
            if client is not None:
                client.eval(_RELEASE, 1, self._raw_key(), self._raw_token())
            elif self._cache.get(self.key) == self.token:
                self._cache.delete(self.key)
        except Exception:  # the TTL frees it anyway
            logger.exception("could not release lock %s", self.key)

    def is_locked(self) -> bool:
        """Whether anyone holds the lock now (for pages and tests)."""
        return self._cache.get(self.key) is not None

    # Django's RedisCache stores values pickled (ints raw) under a prefixed, versioned key.
    def _raw_key(self) -> str:
        return self._cache.make_and_validate_key(self.key)

    def _raw_token(self) -> bytes:
        return self._cache._cache._serializer.dumps(self.token)

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _redis_client(cache):
    from django.core.cache.backends.redis import RedisCache

    if isinstance(cache, RedisCache):
        return cache._cache.get_client(write=True)
    return None
