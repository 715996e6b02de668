"""The scores, with the same definitions for the engine and for each anchor rule."""

from __future__ import annotations

import bisect
import itertools
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from .anchors import DAY, ClientHistory
from .loader import Appt

TOP = 3  # refill is scored on the top three clients offered each slot
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def time_of_day(when: datetime) -> str:
    if when.hour < 12:
        return "morning"
    return "afternoon" if when.hour < 17 else "evening"


@dataclass(frozen=True, slots=True)
class TimingRow:
    client: str
    category: str
    as_of: datetime
    due: datetime
    provider: str
    weekday: str
    time_of_day: str
    past_visits: int  # completed visits in the category up to and including as_of


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


class TimingTally:
    """The timing scores, counted one prediction at a time, so a replay never holds its rows
    (one a completed visit per rule). The errors are whole days, so their medians come from a
    count per value: memory bounded by the spread of the errors, not by the visits."""

    def __init__(self, histories: dict[str, ClientHistory], tz, *, since: datetime | None = None):
        self.histories, self.tz, self.since = histories, tz, since
        self.predictions = self.scored = 0
        self.errors: dict[str, Counter[int]] = {"under_3": Counter(), "3_plus": Counter()}
        self.same = {"provider": 0, "weekday": 0, "time_of_day": 0}

    def add(self, row: TimingRow) -> None:
        if self.since is not None and row.as_of < self.since:
            return
        self.predictions += 1
        h = self.histories[row.client]
        starts = h.starts[row.category]
        j = bisect.bisect_right(starts, row.as_of)
        if j >= len(starts):
            return  # no next visit to compare with
        actual = starts[j]
        self.scored += 1
        days = abs((actual.astimezone(self.tz).date() - row.due.astimezone(self.tz).date()).days)
        self.errors["under_3" if row.past_visits < 3 else "3_plus"][days] += 1
        visit = next(a for a in h.appts if a.start == actual and a.category == row.category)
        local = actual.astimezone(self.tz)
        self.same["provider"] += visit.provider == row.provider
        self.same["weekday"] += WEEKDAYS[local.weekday()] == row.weekday
        self.same["time_of_day"] += time_of_day(local) == row.time_of_day

    def result(self) -> dict:
        out: dict = {"predictions": self.predictions, "scored": self.scored}
        for bucket, counts in self.errors.items():
            n = counts.total()
            out[bucket] = {
                "n": n,
                "median_abs_days": _median_of_counts(counts),
                "within_7_days": _share(sum(c for v, c in counts.items() if v <= 7), n),
            }
        out.update({f"same_{k}": _share(v, self.scored) for k, v in self.same.items()})
        return out


def _median_of_counts(counts: Counter[int]) -> float | int | None:
    """statistics.median of the multiset ``counts`` (value -> how many times)."""
    n = counts.total()
    if not n:
        return None
    middle = [(n - 1) // 2, n // 2]  # the 0-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return found[0] if n % 2 else (found[0] + found[1]) / 2


def timing(rows, histories: dict[str, ClientHistory], tz) -> dict:
    """The timing scores of ``rows`` (TimingRow)."""
    tally = TimingTally(histories, tz)
    for row in rows:
        tally.add(row)
    return tally.result()


def _median_gap(starts: list[datetime]) -> float | None:
    gaps = [(b - a).total_seconds() / DAY for a, b in itertools.pairwise(starts)]
    return statistics.median(gaps) if gaps else None


def observed_intervals(histories: dict[str, ClientHistory], fallback):
    """category -> the median of the median gaps of its clients with 2+ visits over the whole
    history (``fallback`` for a category nobody came back in): what "their median gap" means
    for a client with a single visit. Observed, like every score's outcome, so it is neither
    rule's: the fixed interval (the defaults) put the fixed rule's own contacts in time by
    definition, and a salon whose clients come back every 5 weeks for nails, not 3, had its
    later, truer contacts counted late (demo salon: 6 of 405 lapses)."""
    medians: dict[str, list[float]] = {}
    for h in histories.values():
        for category, starts in h.starts.items():
            if (gap := _median_gap(starts)) is not None:
                medians.setdefault(category, []).append(gap)
    found = {c: statistics.median(v) for c, v in medians.items()}
    return lambda category: found.get(category) or fallback(category)


def outreach(
    contacts: list[tuple[datetime, str]],
    histories: dict[str, ClientHistory],
    *,
    end: datetime,
    fallback,
) -> dict:
    """precision: contacts whose client did not book on their own within 14 days; recall:
    lapses whose client was contacted after the visit and by 1.5 × median gap + 7 days (a
    client with a single visit: the category's, ``fallback``, see ``observed_intervals``)."""
    by_client: dict[str, list[datetime]] = {}
    useful = 0
    for when, client in contacts:
        by_client.setdefault(client, []).append(when)
        booked = any(
            when < a.booked_at <= when + timedelta(days=14) for a in histories[client].appts
        )
        useful += not booked
    lapses = caught = 0
    for h in histories.values():
        times = sorted(by_client.get(h.client, []))
        for category, starts in h.starts.items():
            gap = _median_gap(starts)
            window = timedelta(days=max(90.0, 3 * gap) if gap else 90.0)
            reach = timedelta(days=1.5 * (gap or fallback(category)) + 7)
            for j, visit in enumerate(starts):
                following = starts[j + 1] if j + 1 < len(starts) else None
                if following is not None and following - visit <= window:
                    continue
                if following is None and visit + window > end:
                    continue  # the history ends before we could tell
                lapses += 1
                k = bisect.bisect_right(times, visit)
                caught += k < len(times) and times[k] <= visit + reach
    precision = useful / len(contacts) if contacts else None
    recall = caught / lapses if lapses else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {
        "contacts": len(contacts),
        "precision": _round(precision),
        "lapses": lapses,
        "lapses_caught": caught,
        "recall": _round(recall),
        "f1": _round(f1),
    }


def refill(
    offers: list[tuple[str, int, str]], cancelled: dict[str, Appt], histories, *, tz=None
) -> dict:
    """precision@3: of the top three offered each freed slot, the share who came for that
    category within 10 days of the slot (after the cancellation became known)."""
    offered = came = 0
    slots = set()
    for appointment, rank, client in offers:
        if rank > TOP:
            continue
        slot = cancelled[appointment]
        slots.add(appointment)
        offered += 1
        starts = histories[client].starts.get(slot.category, [])
        lo = bisect.bisect_left(starts, max(slot.known_at, slot.start - timedelta(days=10)))
        came += lo < len(starts) and starts[lo] <= slot.start + timedelta(days=10)
    return {
        "slots_offered": len(slots),
        "offers_top3": offered,
        "came": came,
        "precision_at_3": _round(came / offered if offered else None),
    }


def _round(value):
    return round(value, 4) if value is not None else None
