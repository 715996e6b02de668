"""Whether a salon's clients come back on the weekday they came (issue 20): then a client with a
single visit in a category is expected back on that visit's weekday (rhythm.rhythm_from_visits),
before they have shown a weekday of their own.

The evidence is the clients' median gaps (the stored rhythms, the rows the learned category
intervals read): a client who keeps a weekday has gaps of whole weeks. By chance about 1 in 7
gaps lies within half a day of a whole number of weeks; a salon counts as keeping weekdays when
at least WEEKLY_SHARE of its clients' median gaps do, over at least MIN_CLIENTS clients.

Measured with bench/rebooking_backtest.py's timing (1,000 generated clients, about 45 % of
median gaps in whole weeks; the demo salon, 86 %): the next visit after a first one predicted
within 7 days, steady 53.7 -> 55.2 %, loose 44.7 -> 48.8 %, steady seed 7 52.3 -> 55.0 %, demo
36.6 -> 43.2 %. A salon whose clients' gaps are spread over the week keeps the plain interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .models import ClientRhythm

WEEKLY_SHARE = 0.3  # about twice what chance gives (1/7)
MIN_CLIENTS = 30
WEEK = 7.0


def in_whole_weeks(days: float) -> bool:
    weeks = round(days / WEEK)
    return weeks >= 1 and abs(days - weeks * WEEK) <= 0.5


@dataclass(frozen=True)
class WeekdayEvidence:
    clients: int  # clients with a median gap (2+ visits in a category)
    in_weeks: int  # of them, those whose median gap is whole weeks

    @property
    def share(self) -> float:
        return self.in_weeks / self.clients if self.clients else 0.0

    @property
    def kept(self) -> bool:
        return self.clients >= MIN_CLIENTS and self.in_weeks >= WEEKLY_SHARE * self.clients


def weekday_evidence(median_gaps: Iterable[float]) -> WeekdayEvidence:
    gaps = list(median_gaps)
    return WeekdayEvidence(len(gaps), sum(in_whole_weeks(g) for g in gaps))


def keeps_weekdays(median_gaps: Iterable[float]) -> bool:
    """Whether clients with these median gaps (days) keep their weekday (see the module doc)."""
    return weekday_evidence(median_gaps).kept


def salon_weekday_evidence(*, integration_ids: list[str]) -> WeekdayEvidence:
    """Over the stored rhythms of the salon's clients with 2+ visits in a category."""
    gaps = ClientRhythm.objects.filter(
        integration_id__in=integration_ids, visits__gte=2, median_gap__isnull=False
    ).values_list("median_gap", flat=True)
    return weekday_evidence(gaps)


def salon_keeps_weekdays(*, integration_ids: list[str]) -> bool:
    return salon_weekday_evidence(integration_ids=integration_ids).kept
