"""A freed slot is free when the platform's openings cover it, not only when one starts at its
start: the sandbox's Mindbody offers a 150-minute service at 10:00 and 12:30, and a cancelled
10:30 leaves 10:30 free all the same (found in the demo: every refill link said "gone")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from integrations.adapters.types import Slot
from selfbook.selectors import is_free

T = datetime(2030, 6, 4, 14, 0, tzinfo=UTC)
H = timedelta(hours=1)


def grid(*starts, length=timedelta(minutes=150), provider="p1"):
    return [Slot(T + s, T + s + length, provider, "svc") for s in starts]


def test_a_slot_off_the_grid_covered_by_the_openings_is_free():
    openings = grid(timedelta(0), timedelta(minutes=150))  # 10:00-12:30, 12:30-15:00
    assert is_free(openings, start=T + H / 2, end=T + 3 * H, provider="p1")


def test_a_gap_in_the_openings_means_busy():
    openings = grid(timedelta(0), timedelta(minutes=240))  # busy 12:30-14:00
    assert not is_free(openings, start=T + H / 2, end=T + 3 * H, provider="p1")
    assert not is_free(openings, start=T - H, end=T + H, provider="p1")  # busy before 10:00


def test_another_providers_openings_do_not_count():
    openings = grid(timedelta(0), timedelta(minutes=150), provider="p2")
    assert not is_free(openings, start=T + H / 2, end=T + 3 * H, provider="p1")
    assert is_free(openings, start=T + H / 2, end=T + 3 * H, provider="")


def test_without_an_end_an_opening_must_start_at_the_start():
    openings = grid(timedelta(0))
    assert is_free(openings, start=T, end=None, provider="p1")
    assert not is_free(openings, start=T + H / 2, end=None, provider="p1")
