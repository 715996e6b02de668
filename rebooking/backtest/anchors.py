"""The two anchor rules the engine is compared with, replayed on the same history and knowledge,
as owners' own tools apply them (none of the engine's settings, caps or ranking):

- ``fixed``: a fixed interval per category (Vagaro's lost-customer texts, Phorest's fallback):
  RebookingSettings.fallback_intervals / default_fallback_days, matched to the salon's own
  category names (rebooking/categories.py: "color" and "Hair Colour" take Colour's interval);
- ``last3``: Phorest's rebook rule: the category's interval while the client has had fewer than
  3 visits, then their own pattern, the average of their last 3 gaps in the category (support.
  phorest.com/hc/en-us/articles/360017375980, "Using the Predicted Time Sending Option").

Outreach: the scan runs when the engine's does (daily) and flags every client once due × 1.25
has passed, with no future booking and no flag in the last 28 days: no daily cap (the tools
text whoever is due), most overdue first. Refill: the clients whose next visit the rule puts
nearest the freed slot (``refill``), next to a random pick as the floor. Timing's provider,
weekday and time of day: the last visit's.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from integrations.adapters.types import AppointmentStatus

from .loader import NOTICE, Appt

RULES = ("fixed", "last3")
OWN_PATTERN_FROM = 3  # visits in the category before Phorest uses the client's own gaps
LAST_GAPS = 3
FLAG_GRACE = 1.25
FLAG_COOLDOWN = timedelta(days=28)
DAY = 86400.0


@dataclass
class ClientHistory:
    """One client's appointments, with per-category completed starts and anchor intervals."""

    client: str
    appts: list[Appt]  # by start
    starts: dict[str, list[datetime]]  # category -> completed starts
    intervals: dict[str, dict[str, list[float]]]  # rule -> category -> interval after visit j
    appt_starts: list[datetime] = field(default_factory=list)  # appts' starts, in order
    max_lead: timedelta = timedelta(0)  # the longest time between a booking and its start
    # per appointment, the span it holds a time on the books: [booked_at, until), until being
    # its start or the moment its cancellation is known (Appt.active_at; a no-show is on the
    # books until its start, when nobody knew yet)
    holds: list[tuple[datetime, datetime]] = field(default_factory=list)

    def future_booking(self, when: datetime) -> bool:
        """Whether a booking after ``when`` was on the books at ``when``: only the appointments
        starting within the client's longest booking lead can be (two bisections, not a pass).
        Appt.active_at, read from ``holds`` (the anchors' refill asks this a million times in
        a 3,000-client replay)."""
        first = bisect.bisect_right(self.appt_starts, when)
        last = bisect.bisect_right(self.appt_starts, when + self.max_lead)
        for i in range(first, last):
            span = self.holds[i]
            if span[0] <= when < span[1]:
                return True
        return False

    def known(self, category: str, when: datetime) -> int:
        """How many completed visits in the category had started before ``when``."""
        return bisect.bisect_left(self.starts.get(category, []), when)


def build(client: str, appts: list[Appt], fallback: Callable[[str], int]) -> ClientHistory:
    """``fallback``: category -> days, already matched to the salon's categories
    (categories.interval_lookup)."""
    appts = sorted(appts, key=lambda a: a.start)
    starts: dict[str, list[datetime]] = {}
    for a in appts:
        if a.status == AppointmentStatus.COMPLETED:
            starts.setdefault(a.category, []).append(a.start)
    intervals: dict[str, dict[str, list[float]]] = {rule: {} for rule in RULES}
    for category, visits in starts.items():
        fixed = float(fallback(category))
        gaps = [(b - a).total_seconds() / DAY for a, b in itertools.pairwise(visits)]
        intervals["fixed"][category] = [fixed] * len(visits)
        last3 = []
        for j in range(len(visits)):  # after visit j: j + 1 visits, gaps[:j] known
            recent = gaps[max(0, j - LAST_GAPS) : j]
            own = j + 1 >= OWN_PATTERN_FROM
            last3.append(sum(recent) / len(recent) if own else fixed)
        intervals["last3"][category] = last3
    lead = max((a.start - a.booked_at for a in appts), default=timedelta(0))
    holds = [
        (a.booked_at, a.start - NOTICE[a.status] if a.status in NOTICE else a.start) for a in appts
    ]
    return ClientHistory(
        client, appts, starts, intervals, [a.start for a in appts], max(lead, timedelta(0)), holds
    )


def due_at(history: ClientHistory, rule: str, category: str, index: int) -> datetime:
    """The rule's due date after the client's ``index``-th completed visit in the category."""
    start = history.starts[category][index]
    return start + timedelta(days=history.intervals[rule][category][index])


def _overdue(history: ClientHistory, rule: str, category: str, when: datetime, grace: float):
    """(ratio, due) if the client is due by ``when`` × grace in the category, else None."""
    k = history.known(category, when)
    if k == 0:
        return None
    last = history.starts[category][k - 1]
    interval = history.intervals[rule][category][k - 1]
    since = (when - last).total_seconds() / DAY
    if interval <= 0 or since < interval * grace:
        return None
    return since / (interval * grace)


def scan(histories: list[ClientHistory], rule: str, when: datetime, flagged: dict) -> list[str]:
    """Every client the rule flags at ``when`` (no cap); ``flagged`` (client -> last flag) is
    updated."""
    found = []
    for h in histories:
        last_flag = flagged.get(h.client)
        if last_flag is not None and when - last_flag < FLAG_COOLDOWN:
            continue
        ratios = [r for c in h.starts if (r := _overdue(h, rule, c, when, FLAG_GRACE))]
        if ratios and not h.future_booking(when):
            found.append((max(ratios), h.client))
    found.sort(key=lambda pair: (-pair[0], pair[1]))
    picked = [client for _, client in found]
    for client in picked:
        flagged[client] = when
    return picked


class Scanner:
    """``scan`` run at every daily scan in turn, without a pass over every client each day: a
    client is looked at again only when something can have changed for them (a visit of theirs
    starts, the earliest of their categories comes due, a cooldown or a future booking ends: a
    heap of those moments). Between two of their visits a client's due-ness only grows with
    time, so nothing in between can flag them. ``scan`` stays the rule's plain statement;
    a test checks that both flag the same clients on a generated history."""

    def __init__(self, histories: list[ClientHistory], rule: str):
        self.rule, self.flagged = rule, {}
        self.by_client = {h.client: h for h in histories}
        self.visits = {h.client: sorted(s for v in h.starts.values() for s in v) for h in histories}
        self.heap = [(v[0], h.client) for h in histories if (v := self.visits[h.client])]
        heapq.heapify(self.heap)

    def scan(self, when: datetime) -> list[str]:
        """The clients the rule flags at ``when`` (times given in order)."""
        found, later, seen = [], [], set()
        while self.heap and self.heap[0][0] <= when:
            _, client = heapq.heappop(self.heap)
            if client in seen:
                continue
            seen.add(client)
            h = self.by_client[client]
            last_flag = self.flagged.get(client)
            if last_flag is not None and when - last_flag < FLAG_COOLDOWN:
                later.append((last_flag + FLAG_COOLDOWN, client))
                continue
            ratios = [r for c in h.starts if (r := _overdue(h, self.rule, c, when, FLAG_GRACE))]
            if ratios and not h.future_booking(when):
                found.append((max(ratios), client))
                later.append((when + FLAG_COOLDOWN, client))
            elif ratios:  # booked ahead: look again once that booking no longer holds
                later.append((self._booking_ends(h, when), client))
            else:
                later.append((self._next_change(h, when), client))
        for entry in later:
            heapq.heappush(self.heap, entry)
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        picked = [client for _, client in found]
        for client in picked:
            self.flagged[client] = when
        return picked

    @staticmethod
    def _booking_ends(h: ClientHistory, when: datetime) -> datetime:
        """The first moment after ``when`` a booking the client holds at ``when`` no longer
        does (its start, or its cancellation becoming known); new bookings only add to them."""
        first = bisect.bisect_right(h.appt_starts, when)
        last = bisect.bisect_right(h.appt_starts, when + h.max_lead)
        ends = []
        for a in h.appts[first:last]:
            if a.active_at(when):
                known = a.known_at if a.status in NOTICE else None
                ends.append(min(a.start, known) if known is not None else a.start)
        return max(min(ends, default=when), when)

    def _next_change(self, h: ClientHistory, when: datetime) -> datetime:
        """The earliest moment after ``when`` the client can be due: a category's due date (a
        second early, against rounding) or their next visit's start (which changes them)."""
        visits = self.visits[h.client]
        k = bisect.bisect_left(visits, when)
        moments = [visits[k]] if k < len(visits) else []
        for category, starts in h.starts.items():
            j = bisect.bisect_left(starts, when)
            if j:
                days = h.intervals[self.rule][category][j - 1] * FLAG_GRACE
                moments.append(starts[j - 1] + timedelta(days=days, seconds=-1))
        return max(min(moments, default=datetime.max.replace(tzinfo=when.tzinfo)), when)


def refill(
    histories: list[ClientHistory], cancelled: Appt, now: datetime, limit: int, *, rng=None
) -> dict[str, list[str]]:
    """Per rule, the clients it offers the freed slot of ``cancelled``, learnt of at ``now``
    (both rules in one pass: the clients' knowledge at ``now`` is the same for both): the
    clients of the category whose next visit the rule puts nearest the slot, without a booking
    on the books. With ``rng`` (a random.Random), also "random": ``limit`` of those clients
    drawn at random, the floor any rule must clear.

    Nearest, not "most overdue first": taken literally, the most overdue are the clients who
    came once a year ago and left, and that reading scored below a random pick (0.1 % against
    about 20 %); a rule that predicts a client's next visit offers a slot to the clients it
    predicts around that slot, as Phorest's predicted-time reminder is sent at the predicted
    time (support.phorest.com/hc/en-us/articles/360017375980)."""
    found: dict[str, list] = {rule: [] for rule in RULES}
    pool: list[ClientHistory] = []
    category = cancelled.category
    for h in histories:
        starts = h.starts.get(category)
        if not starts or h.client == cancelled.client:
            continue
        k = bisect.bisect_left(starts, now)  # completed visits known at ``now``
        if k == 0:
            continue
        pool.append(h)
        gap = (cancelled.start - starts[k - 1]).total_seconds() / DAY
        for rule in RULES:
            found[rule].append((abs(gap - h.intervals[rule][category][k - 1]), h.client, h))
    out = {}
    for rule, candidates in found.items():
        candidates.sort(key=lambda c: (c[0], c[1]))
        # The booking check reads the client's appointments: only as far down as needed.
        out[rule] = list(itertools.islice(
            (client for _, client, h in candidates if not h.future_booking(now)), limit
        ))  # fmt: skip
    if rng is not None:
        free = [h.client for h in pool if not h.future_booking(now)]
        out["random"] = rng.sample(free, min(limit, len(free)))
    return out
