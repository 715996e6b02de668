"""``anchors.refill`` at each cancellation of a replay, without a pass over the category's clients
(a 3,000-client replay asks it 5,000 times): each rule's due dates per category are kept sorted as
visits start, and the clients nearest a slot are read outwards from it. ``anchors.refill`` stays
the rule's plain statement; a test checks that both offer the same clients."""

from __future__ import annotations

import bisect
import random

from .anchors import DAY, RULES, ClientHistory
from .loader import Appt

RANDOM_TRIES = 10  # draws per client wanted before the random floor reads every client


class Refiller:
    def __init__(self, histories: list[ClientHistory]):
        self.by_client = {h.client: h for h in histories}
        # Every completed visit, by start: once it has started, it is the client's latest known
        # visit in its category (anchors.refill counts the visits started before ``now``).
        self.visits = sorted(
            (start, h.client, category, j)
            for h in histories
            for category, starts in h.starts.items()
            for j, start in enumerate(starts)
        )
        self.next = 0
        self.dues: dict[tuple[str, str], list[tuple[float, str]]] = {}  # (rule, cat) -> sorted
        self.due: dict[tuple[str, str, str], tuple[float, str]] = {}  # (rule, cat, client)
        # category -> its clients with a known visit, by their first one (the random floor's)
        self.members: dict[str, list[str]] = {}

    def _advance(self, now) -> None:
        while self.next < len(self.visits) and self.visits[self.next][0] < now:
            start, client, category, j = self.visits[self.next]
            self.next += 1
            if j == 0:
                self.members.setdefault(category, []).append(client)
            intervals = self.by_client[client].intervals
            for rule in RULES:
                dues = self.dues.setdefault((rule, category), [])
                old = self.due.get((rule, category, client))
                if old is not None:
                    del dues[bisect.bisect_left(dues, old)]
                new = (start.timestamp() + intervals[rule][category][j] * DAY, client)
                bisect.insort(dues, new)
                self.due[(rule, category, client)] = new

    def offers(
        self, cancelled: Appt, now, limit: int, *, rng: random.Random | None = None
    ) -> dict[str, list[str]]:
        """What ``anchors.refill`` offers for ``cancelled`` at ``now`` (times given in order)."""
        self._advance(now)
        slot = cancelled.start.timestamp()
        out = {
            rule: self._nearest(self.dues.get((rule, cancelled.category), []), slot,
                                cancelled.client, now, limit)
            for rule in RULES
        }  # fmt: skip
        if rng is not None:
            members = self.members.get(cancelled.category, [])
            out["random"] = self._random(members, cancelled.client, now, limit, rng)
        return out

    def _free(self, client: str, exclude: str, now) -> bool:
        return client != exclude and not self.by_client[client].future_booking(now)

    def _nearest(self, dues, slot: float, exclude: str, now, limit: int) -> list[str]:
        """The ``limit`` free clients whose due date is nearest ``slot`` (ties by client):
        outwards from the slot, both ways, until the next is further than the last wanted."""
        lo = bisect.bisect_left(dues, (slot, ""))
        hi, lo = lo, lo - 1
        picked: list[tuple[float, str]] = []
        while lo >= 0 or hi < len(dues):
            if hi >= len(dues) or (lo >= 0 and slot - dues[lo][0] <= dues[hi][0] - slot):
                due, client = dues[lo]
                lo -= 1
            else:
                due, client = dues[hi]
                hi += 1
            distance = abs(slot - due)
            if len(picked) >= limit and distance > picked[limit - 1][0]:
                break
            if self._free(client, exclude, now):
                picked.append((distance, client))
        picked.sort()
        return [client for _, client in picked[:limit]]

    def _random(self, members, exclude: str, now, limit: int, rng: random.Random) -> list[str]:
        """``limit`` free clients drawn at random (uniformly, without replacement): draws from
        all the category's clients, the booked ones put back, then the rest read when few are
        free."""
        chosen: list[str] = []
        seen: set[str] = set()
        for _ in range(RANDOM_TRIES * limit if members else 0):
            if len(chosen) == limit:
                break
            client = members[rng.randrange(len(members))]
            if client not in seen:
                seen.add(client)
                if self._free(client, exclude, now):
                    chosen.append(client)
        if len(chosen) < limit:
            rest = [c for c in members if c not in seen and self._free(c, exclude, now)]
            chosen += rng.sample(rest, min(limit - len(chosen), len(rest)))
        return chosen
