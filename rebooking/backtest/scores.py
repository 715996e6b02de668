"""The scores, with the same definitions for the engine and for each anchor rule."""

from __future__ import annotations

import bisect
import itertools
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from .anchors import DAY, ClientHistory
from .loader import Appt

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


def timing(rows: list[TimingRow], histories: dict[str, ClientHistory], tz) -> dict:
    errors: dict[str, list[float]] = {"under_3": [], "3_plus": []}
    same = {"provider": 0, "weekday": 0, "time_of_day": 0}
    scored = 0
    for row in rows:
        h = histories[row.client]
        starts = h.starts[row.category]
        j = bisect.bisect_right(starts, row.as_of)
        if j >= len(starts):
            continue  # no next visit to compare with
        actual = starts[j]
        scored += 1
        days = abs((actual.astimezone(tz).date() - row.due.astimezone(tz).date()).days)
        errors["under_3" if row.past_visits < 3 else "3_plus"].append(days)
        visit = next(a for a in h.appts if a.start == actual and a.category == row.category)
        local = actual.astimezone(tz)
        same["provider"] += visit.provider == row.provider
        same["weekday"] += WEEKDAYS[local.weekday()] == row.weekday
        same["time_of_day"] += time_of_day(local) == row.time_of_day
    out: dict = {"predictions": len(rows), "scored": scored}
    for bucket, values in errors.items():
        out[bucket] = {
            "n": len(values),
            "median_abs_days": statistics.median(values) if values else None,
            "within_7_days": _share(sum(v <= 7 for v in values), len(values)),
        }
    out.update({f"same_{k}": _share(v, scored) for k, v in same.items()})
    return out


def _median_gap(starts: list[datetime]) -> float | None:
    gaps = [(b - a).total_seconds() / DAY for a, b in itertools.pairwise(starts)]
    return statistics.median(gaps) if gaps else None


def outreach(
    contacts: list[tuple[datetime, str]],
    histories: dict[str, ClientHistory],
    *,
    end: datetime,
    fallback,
) -> dict:
    """precision: contacts whose client did not book on their own within 14 days; recall:
    lapses whose client was contacted after the visit and by 1.5 × median gap + 7 days."""
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
        if rank > 3:
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
