"""The learned category intervals as the engine knew them at each daily scan, for the replay's
timing predictions (issue 20: no future leak). Production reads them from the stored rhythms
(category_intervals.category_intervals); this is the same arithmetic
(``category_intervals_from``) over the completed visits known by each scan, without a query
per prediction. The replay's outreach and refill read production's own selector."""

from __future__ import annotations

import bisect
import itertools
import statistics
from datetime import datetime

from integrations.adapters.types import AppointmentStatus
from rebooking.category_intervals import category_intervals_from, days_by_name
from rebooking.models import RebookingSettings
from rebooking.weekdays_kept import keeps_weekdays

from .loader import Appt

DAY = 86400.0


class LearnedTimeline:
    """category name -> days (override > learned > default) at each of ``times`` (sorted)."""

    def __init__(self, rows: list[Appt], settings: RebookingSettings, times: list[datetime]):
        names = {a.category for a in rows}
        visits = sorted(
            (a for a in rows if a.status == AppointmentStatus.COMPLETED),
            key=lambda a: (a.known_at, a.id),
        )
        starts: dict[tuple[str, str], list[float]] = {}  # POSIX seconds: absolute, as in SQL
        gaps: dict[tuple[str, str], float] = {}  # (client, category) -> their median gap
        self.before = days_by_name(category_intervals_from([], names, settings))
        self.times, self.days, self.weekly = list(times), [], []
        current, weekly, i = self.before, False, 0
        for when in self.times:
            changed = False
            while i < len(visits) and visits[i].known_at <= when:
                a = visits[i]
                known = starts.setdefault((a.client, a.category), [])
                bisect.insort(known, a.start.timestamp())
                if len(known) >= 2:
                    gaps[(a.client, a.category)] = statistics.median(
                        (y - x) / DAY for x, y in itertools.pairwise(known)
                    )
                changed, i = True, i + 1
            if changed:
                pairs = ((category, gap) for (_, category), gap in gaps.items())
                current = days_by_name(category_intervals_from(pairs, names, settings))
                weekly = keeps_weekdays(gaps.values())
            self.days.append(current)
            self.weekly.append(weekly)

    def at(self, when: datetime) -> dict[str, float]:
        """As of the last scan at or before ``when``."""
        k = bisect.bisect_right(self.times, when)
        return self.days[k - 1] if k else self.before

    def keeps_weekdays(self, when: datetime) -> bool:
        """Whether the salon's clients kept their weekday, as known at the last scan (the
        stored rhythms' median gaps: weekdays_kept.salon_keeps_weekdays)."""
        k = bisect.bisect_right(self.times, when)
        return self.weekly[k - 1] if k else False
