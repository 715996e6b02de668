"""Operator endpoints: liveness and readiness (database, and the broker and cache when Redis is
configured). GET and HEAD: load balancers probe with either."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

READY = ("ok", "not_configured")


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    checks = {"database": _check_database(), "broker": _check_broker(), "cache": _check_cache()}
    down = [name for name, value in checks.items() if value not in READY]
    return JsonResponse(
        {"status": "unavailable" if down else "ok", **checks, "down": down},
        status=503 if down else 200,
    )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        logger.warning("readiness: database unreachable", exc_info=True)
        return "unavailable"


def _check_broker() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    try:
        import redis

        redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT
        ).ping()
        return "ok"
    except Exception:
        logger.warning("readiness: broker unreachable", exc_info=True)
        return "unavailable"


def _check_cache() -> str:
    """The cache Django uses (throttles, locks, availability), when it is Redis; a per-process
    memory cache has nothing to be down."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return "not_configured"
    try:
        cache.get("salonsync:readyz")
        return "ok"
    except Exception:
        logger.warning("readiness: cache unreachable", exc_info=True)
        return "unavailable"
