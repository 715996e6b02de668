"""How well a freed slot fits a client due for its category (issue 20): the refill offers the slot
to the clients it fits best, not to the most overdue.

    fit = DUE × due-ness at the slot + LEAD × booking lead
          + PROVIDER × their usual provider + WEEKDAY × weekday + HOUR × hour of day

- due-ness: 1 when the slot falls on the day their rhythm brings them due, falling to 0 half an
  interval either side (a client long past due who has not booked is more likely gone than
  waiting for an opening);
- booking lead: 1 when they usually book no further ahead than the slot is (not having booked
  it yet says nothing), falling to 0 three weeks beyond (a client who books at checkout and has
  not booked is likely lapsing);
- provider, weekday and hour: the client's habits over their last visits (rhythm.RECENT_VISITS),
  weighed only when the salon's settings ask for them (prefer_same_provider, keep_usual_time).

The weights were chosen on the generated "steady" shape (rebooking/backtest/generator.py) and
reported on the others (bench/rebooking_backtest.py --shape): due-ness decides most, the rest
breaks near-ties.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .rhythm import due_on, usual, weekday_habit

DUE, LEAD, PROVIDER, WEEKDAY, HOUR = 4.0, 1.0, 1.0, 0.5, 0.5
# How far a due date is to be trusted, by the client's visits in the category: a first-time
# client's is the category's guess (and many never come back), a regular's is their own rhythm.
# Tuned on the steady shape and the demo salon (refill precision@3, whole history: steady 27.6 %
# -> 31.6 %, demo 43.4 % -> 52.0 %; a half and three quarters gave 50.7 % on the demo).
CERTAINTY = {1: 0.25, 2: 0.5}  # 3+ visits: 1
DUE_WIDTH = 0.5  # intervals either side of the due date where due-ness reaches 0
LEAD_SLACK, LEAD_WIDTH = 3.0, 21.0  # days
DAY = 86400.0


@dataclass(frozen=True)
class Habits:
    provider: str = ""
    weekday: int | None = None  # Monday = 0, salon-local
    minutes: int | None = None  # after local midnight
    lead_days: float | None = None  # median days between booking and visit
    # the weekday their recent visits in the slot's category keep, if they keep one
    # (rhythm.weekday_habit): their due date falls on it, as the rhythm's does (due_on)
    kept_weekday: int | None = None


def habits_from_visits(
    rows: list[tuple[datetime, str, datetime | None]],
    tz: ZoneInfo,
    in_category: list[datetime] = (),
) -> Habits:
    """From a client's recent completed visits (start, provider_ref, booked_at), oldest first,
    and the starts of their recent visits in the slot's category (``in_category``)."""
    if not rows:
        return Habits()
    local = [start.astimezone(tz) for start, _, _ in rows]
    day, kept = weekday_habit([start.astimezone(tz).weekday() for start in in_category])
    leads = [(s - b).total_seconds() / DAY for s, _, b in rows if b is not None and b <= s]
    return Habits(
        provider=usual([p for _, p, _ in rows if p]) or "",
        weekday=usual([d.weekday() for d in local]),
        minutes=int(statistics.median(d.hour * 60 + d.minute for d in local)),
        lead_days=statistics.median(leads) if leads else None,
        kept_weekday=day if kept else None,
    )


def slot_fit(
    *,
    last_visit: datetime,
    interval: float,
    habits: Habits,
    slot_start: datetime,
    slot_provider: str,
    now: datetime,
    tz: ZoneInfo,
    same_provider: bool = True,
    usual_time: bool = True,
    visits: int = 3,
) -> float:
    """The client's fit for the slot, higher is better (see the module doc)."""
    # Due on the weekday they keep in the category, as the rhythm predicts (rhythm.due_on).
    due = due_on(last_visit, interval, weekday=habits.kept_weekday, tz=tz)
    gap = max((due - last_visit).total_seconds() / DAY, 1.0)
    ratio = (slot_start - last_visit).total_seconds() / DAY / gap
    score = DUE * max(0.0, 1 - abs(ratio - 1) / DUE_WIDTH) * CERTAINTY.get(visits, 1.0)
    ahead = (slot_start - now).total_seconds() / DAY
    if habits.lead_days is None or habits.lead_days <= ahead + LEAD_SLACK:
        score += LEAD
    else:
        score += LEAD * max(0.0, 1 - (habits.lead_days - ahead - LEAD_SLACK) / LEAD_WIDTH)
    if same_provider and habits.provider:
        score += PROVIDER * (habits.provider == slot_provider)
    local = slot_start.astimezone(tz)
    if usual_time and habits.weekday is not None:
        distance = abs(local.weekday() - habits.weekday)
        score += WEEKDAY * (1 - min(distance, 7 - distance) / 3.5)
    if usual_time and habits.minutes is not None:
        hours = abs(local.hour * 60 + local.minute - habits.minutes) / 60
        score += HOUR * max(0.0, 1 - hours / 4)
    return round(score, 4)
