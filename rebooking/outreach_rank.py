"""Whom the daily overdue scan contacts first, within its daily cap (issue 20).

1. Left alone: clients who book by themselves and have been this late before. A client whose
   past visits in the category were mostly (SELF_BOOKED_SHARE) booked by themselves, not at
   checkout of the visit before, and who once came back on their own after a gap at least as
   long as today's, is left alone until today's gap passes that (and never past REACH ×
   their interval, when a lapse must still be caught in time).
2. Then the clients most likely to have lapsed and still reachable in time: those whose days
   since their last visit are at most REACH × their interval, most overdue first (the further
   past due without a booking, the likelier the lapse, and the sooner they leave the window in
   which a message still brings them back: earliest deadline first).
3. Then the long-lapsed, least overdue first (the more recent, the more winnable).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from .scan import DueClient

SELF_BOOKED_SHARE = 0.5
REACH = 1.5  # intervals: the window in which a lapse is still reached in time
AT_CHECKOUT = timedelta(days=1)  # booked within this of the previous visit's end: at checkout
DAY = 86400.0


@dataclass(frozen=True)
class BookingHistory:
    """A client's visits in one category: how each was booked, and the gaps between them."""

    self_booked: int = 0  # visits (after the first) they booked themselves
    rebooked: int = 0  # visits after the first
    longest_self_gap: float = 0.0  # days: the longest gap after which they booked themselves

    @property
    def self_share(self) -> float:
        return self.self_booked / self.rebooked if self.rebooked else 0.0


def booking_history(visits: list[tuple[datetime, datetime, datetime | None]]) -> BookingHistory:
    """From (start, end, booked_at) of a client's completed visits in a category, oldest first."""
    own = rebooked = 0
    longest = 0.0
    for (previous, previous_end, _), (start, _, booked) in itertools.pairwise(visits):
        rebooked += 1
        if booked is not None and booked > previous_end + AT_CHECKOUT:
            own += 1
            longest = max(longest, (start - previous).total_seconds() / DAY)
    return BookingHistory(own, rebooked, longest)


def leave_alone(due: DueClient, history: BookingHistory) -> bool:
    """Whether to leave this due client alone today (rule 1)."""
    return (
        history.self_share >= SELF_BOOKED_SHARE
        and due.days_since <= history.longest_self_gap
        and due.days_since <= REACH * due.interval
    )


def outreach_order(
    due: list[DueClient], histories: dict[tuple[str, str], BookingHistory], limit: int | None
) -> list[DueClient]:
    """``due`` (one row per client) in the order the scan contacts them, those left alone out,
    at most ``limit``. ``histories`` by (customer_ref, category)."""
    kept = [
        d
        for d in due
        if not leave_alone(d, histories.get((d.customer_ref, d.category), BookingHistory()))
    ]

    def key(d: DueClient):
        reachable = d.days_since <= REACH * d.interval
        return (
            (0, -d.overdue_ratio, d.customer_ref)
            if reachable
            else (1, d.overdue_ratio, d.customer_ref)
        )

    kept.sort(key=key)
    return kept[:limit] if limit else kept
