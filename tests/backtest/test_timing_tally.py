"""The timing scores counted one prediction at a time equal the scores of the rows held in a list
(the definition), whole-history and from a date on; the median from counts is statistics.median."""

import statistics
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from rebooking.backtest import anchors
from rebooking.backtest.loader import Appt
from rebooking.backtest.scores import (
    WEEKDAYS,
    TimingRow,
    TimingTally,
    _median_of_counts,
    time_of_day,
)

TZ = ZoneInfo("America/New_York")
T0 = datetime(2025, 1, 6, 10, 0, tzinfo=TZ)


@given(st.lists(st.integers(min_value=0, max_value=400), max_size=60))
def test_median_of_counts_is_the_median(values):
    expected = statistics.median(values) if values else None
    assert _median_of_counts(Counter(values)) == expected


def _history():
    appts = []
    for client, every in (("a", 28), ("b", 35), ("c", 21)):
        for i in range(10):
            start = T0 + timedelta(days=every * i + (3 if i % 3 else 0), hours=i % 4)
            appts.append(
                Appt(f"{client}{i}", client, "Cut", "Trim", "sam", start, 45, "completed", start)
            )
    grouped = {}
    for a in appts:
        grouped.setdefault(a.client, []).append(a)
    return {c: anchors.build(c, rows, lambda category: 42) for c, rows in grouped.items()}


def _reference(rows, histories):
    """The scores as first defined: over a list, medians by statistics.median."""
    errors = {"under_3": [], "3_plus": []}
    scored = same_provider = 0
    for row in rows:
        starts = histories[row.client].starts[row.category]
        later = [s for s in starts if s > row.as_of]
        if not later:
            continue
        scored += 1
        days = abs((later[0].astimezone(TZ).date() - row.due.astimezone(TZ).date()).days)
        errors["under_3" if row.past_visits < 3 else "3_plus"].append(days)
        same_provider += row.provider == "sam"
    return (
        scored,
        {k: statistics.median(v) if v else None for k, v in errors.items()},
        (same_provider),
    )


def test_tally_equals_the_list_definition_whole_and_since():
    histories = _history()
    rows = []
    for h in histories.values():
        for i, start in enumerate(h.starts["Cut"]):
            due = start + timedelta(days=26 + (i * 7) % 11)
            provider = "sam" if i % 2 else "alex"
            rows.append(
                TimingRow(
                    h.client,
                    "Cut",
                    start,
                    due,
                    provider,
                    WEEKDAYS[i % 7],
                    time_of_day(start),
                    i + 1,
                )
            )
    since = T0 + timedelta(days=150)
    for cut, kept in ((None, rows), (since, [r for r in rows if r.as_of >= since])):
        tally = TimingTally(histories, TZ, since=cut)
        for row in rows:
            tally.add(row)
        got = tally.result()
        scored, medians, same_provider = _reference(kept, histories)
        assert got["predictions"] == len(kept)
        assert got["scored"] == scored > 0
        assert {k: got[k]["median_abs_days"] for k in medians} == medians
        assert got["same_provider"] == round(same_provider / scored, 4)
