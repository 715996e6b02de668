"""The per-integration lock: one holder, only the holder releases, a TTL frees a dead one."""

from __future__ import annotations

import time
import uuid

import pytest

from integrations.locks import IntegrationLock


@pytest.fixture
def key():
    return uuid.uuid4()


def test_one_holder_at_a_time(key):
    first, second = IntegrationLock(key), IntegrationLock(key)
    assert first.acquire() is True
    assert second.acquire() is False
    first.release()
    assert second.acquire() is True
    second.release()


def test_only_the_holder_releases(key):
    holder, other = IntegrationLock(key), IntegrationLock(key)
    holder.acquire()
    other.held = True  # even if it believed it held the lock, its token is not the holder's
    other.release()
    assert IntegrationLock(key).acquire() is False
    assert holder.extend() is True
    holder.release()
    assert IntegrationLock(key).is_locked() is False


def test_purposes_and_integrations_are_separate(key):
    with IntegrationLock(key, "sync") as held:
        assert held
        assert IntegrationLock(key, "token").acquire() is True
        assert IntegrationLock(uuid.uuid4(), "sync").acquire() is True
        assert IntegrationLock(key, "sync").acquire() is False


def test_a_dead_holders_lock_expires(key):
    dead = IntegrationLock(key, ttl=1)
    assert dead.acquire()
    time.sleep(1.3)
    successor = IntegrationLock(key)
    assert successor.acquire() is True
    assert dead.extend() is False  # the old holder learns it lost the lock
    dead.release()
    assert successor.is_locked() is True  # and cannot release the successor's
    successor.release()
