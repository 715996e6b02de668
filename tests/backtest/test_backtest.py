"""rebooking_backtest: a hand-made history whose answers are known, suppression in the replay,
the CSV errors, the throwaway salon, and the generator."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from integrations.models import MirroredAppointment, Salon
from rebooking.backtest.loader import (
    COLUMNS,
    NO_BOOKED_AT,
    NO_CATEGORY,
    NO_MINUTES,
    NO_PROVIDER,
    NO_SERVICE,
    WALK_IN,
    Appt,
    read_csv,
)
from rebooking.backtest.replay import replay
from rebooking.models import RebookingSuggestion

NY = ZoneInfo("America/New_York")
T0 = datetime(2024, 1, 2, 10, 0, tzinfo=NY)  # a Tuesday morning
pytestmark = pytest.mark.django_db
_n = iter(range(1, 10**6))


def appt(client, start, *, category="Cut", status="completed", booked=None, provider="sam"):
    return Appt(f"x{next(_n)}", client, category, category.lower(), provider, start, 60, status,
                booked if booked is not None else start - timedelta(days=3))  # fmt: skip


def every(client, days, count, *, first=T0, category="Cut", skip=(), **kw):
    return [
        appt(client, first + timedelta(days=days * i), category=category, **kw)
        for i in range(count)
        if i not in skip
    ]


def known_history():
    return [
        *every("steady", 28, 20),  # every 28 days for the whole history
        *every("skipper", 28, 20, skip={8}),  # skips one cycle
        *every("lapser", 28, 5),  # then never again
        *every("two", 42, 13, category="Cut"),
        *every("two", 21, 26, category="Nails", first=T0 + timedelta(days=3)),
    ]


def by(rows, client, category="Cut"):
    return [r for r in rows if r.client == client and r.category == category]


def test_known_history_timing_outreach_and_nothing_left_behind():
    salons, appointments = Salon.objects.count(), MirroredAppointment.objects.count()
    predicted = []
    result = replay(
        known_history(),
        tz_name="America/New_York",
        on_timing=lambda rule, row: rule == "engine" and predicted.append(row),
    )

    timing = predicted
    steady = by(timing, "steady")
    assert len(steady) == 20
    # From the 3rd visit on (min_visits) the due date is exactly the next visit.
    for row, nxt in itertools.pairwise(steady[2:]):
        assert row.due.date() == nxt.as_of.date()
    assert steady[0].due.date() == (T0 + timedelta(days=42)).date()  # the Cut fallback first
    assert (steady[5].provider, steady[5].weekday, steady[5].time_of_day) == (
        "sam", "tuesday", "morning")  # fmt: skip
    # The skipped cycle does not move the median.
    skipper = by(timing, "skipper")
    assert all((r.due - r.as_of).days == 28 for r in skipper[8:])
    # Two categories, two rhythms.
    assert (by(timing, "two", "Cut")[5].due - by(timing, "two", "Cut")[5].as_of).days == 42
    assert (by(timing, "two", "Nails")[5].due - by(timing, "two", "Nails")[5].as_of).days == 21

    s = result.summary["rules"]["engine"]
    # Only the skipped cycle misses (due after 28 days, back after 56).
    assert s["timing"]["3_plus"]["median_abs_days"] == 0
    misses = s["timing"]["3_plus"]["n"] * (1 - s["timing"]["3_plus"]["within_7_days"])
    assert round(misses) == 1
    # Outreach: the lapser is contacted after 28 × 1.25 days, and that is the only lapse.
    contacted = {c for _, c in result.outreach["engine"]}
    assert "lapser" in contacted
    lapse_at = T0 + timedelta(days=28 * 4)
    first = min(t for t, c in result.outreach["engine"] if c == "lapser")
    assert lapse_at + timedelta(days=35) <= first <= lapse_at + timedelta(days=35 + 7)
    assert s["outreach"]["lapses"] == 1 and s["outreach"]["recall"] == 1.0
    # The steady clients book at checkout-ish (3 days ahead): never contacted.
    assert "steady" not in contacted and "two" not in contacted
    assert set(result.summary["rules"]) == {"engine", "fixed", "last3"}
    # The throwaway salon and every row are gone.
    assert Salon.objects.count() == salons
    assert MirroredAppointment.objects.count() == appointments
    assert not RebookingSuggestion.objects.exists()


def test_suppression_future_booking_cooldown_and_no_show():
    rows = [
        *every("anchor", 28, 20),  # keeps the history running
        # lapses, but a far-ahead booking was already on the books: never contacted before it.
        *every("booked_ahead", 28, 4),
        appt("booked_ahead", T0 + timedelta(days=28 * 3 + 120), booked=T0 + timedelta(days=90)),
        # last visit a no-show: left out when the salon turns suggest_after_no_show off.
        *every("no_show", 28, 4),
        appt("no_show", T0 + timedelta(days=28 * 4), status="no_show"),
        *every("lapser", 28, 4),
    ]
    result = replay(
        rows,
        tz_name="America/New_York",
        settings={"cooldown_days": 60, "suggest_after_no_show": False},
    )
    contacts = result.outreach["engine"]
    ahead = [t for t, c in contacts if c == "booked_ahead"]
    assert all(t >= T0 + timedelta(days=28 * 3 + 120) for t in ahead)
    assert not [t for t, c in contacts if c == "no_show"]
    lapser = sorted(t for t, c in contacts if c == "lapser")
    assert lapser, "the lapser is contacted"
    assert all(b - a >= timedelta(days=60) for a, b in itertools.pairwise(lapser))
    # The anchors honour their own 28-day rule.
    fixed = sorted(t for t, c in result.outreach["fixed"] if c == "lapser")
    assert all(b - a >= timedelta(days=28) for a, b in itertools.pairwise(fixed))


def test_refill_offers_a_due_client_the_freed_slot():
    slot = T0 + timedelta(days=28 * 6 + 1)
    rows = [
        *every("due", 28, 6),  # due again on day 168: the slot on day 169 suits them
        appt("canceller", slot, status="cancelled", booked=T0),
        *every("canceller", 28, 3, first=T0 + timedelta(days=1)),
        appt("due", slot + timedelta(days=3)),  # and they come within 10 days
        *every("anchor", 28, 10),
    ]
    result = replay(rows, tz_name="America/New_York")
    cancelled = next(a for a in rows if a.status == "cancelled")
    assert (cancelled.id, 1, "due") in result.refill["engine"]
    assert result.summary["rules"]["engine"]["refill"]["precision_at_3"] == 1.0


def _write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows(rows)


GOOD = ["a1", "c1", "Cut", "Cut & Style", "sam", "2024-01-02T10:00", "60", "completed",
        "2023-12-20T09:00"]  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({5: "yesterday"}, "row 3: start 'yesterday' is not an ISO date-time"),
        ({0: "a1"}, "row 3: id 'a1' appears twice"),
        ({1: ""}, "row 3: client is empty"),
        ({8: "next week"}, "row 3: booked_at 'next week' is not an ISO date-time"),
        ({5: "9999-12-31T23:59:59-14:00"}, "row 3: start '9999-12-31T23:59:59-14:00' is not"),
    ],
)
def test_a_row_that_cannot_be_read_is_refused_by_number_and_the_rest_replayed(
    tmp_path, capsys, bad, message
):
    second = ["a2", *GOOD[1:]]
    for index, value in bad.items():
        second[index] = value
    _write(tmp_path / "h.csv", [GOOD, second])
    history = read_csv(tmp_path / "h.csv", NY)
    assert [a.id for a in history.rows] == ["a1"]
    assert [row for row, _ in history.refused] == [3]
    call_command("rebooking_backtest", history=str(tmp_path / "h.csv"), no_progress=True)
    out = capsys.readouterr().out
    assert "1 row refused (cannot be read): " + message in out
    assert "1 appointments, 1 clients" in out


def test_a_file_with_no_readable_row_is_refused_and_leaves_nothing(tmp_path):
    _write(tmp_path / "h.csv", [["a1", "c1", "Cut", "Cut", "sam", "soon", "60", "completed", ""]])
    salons = Salon.objects.count()
    with pytest.raises(CommandError, match="no appointments that can be read; start 'soon'"):
        call_command("rebooking_backtest", history=str(tmp_path / "h.csv"), no_progress=True)
    assert Salon.objects.count() == salons


def test_messy_rows_are_kept_and_each_adjustment_counted(tmp_path):
    rows = [
        GOOD,
        ["a2", "c1", "Cut", "Cut", "", "2024-02-02T10:00", "", "Canceled", ""],
        ["a3", "c2", "", "", "ana", "2024-02-03T10:00", "-5", "finished", "2024-02-01T10:00"],
        ["a4", "c2", "Nails", "Gel", "ana", "2024-02-04T10:00", "45", "No-Show", "2024-02-01"],
    ]
    _write(tmp_path / "h.csv", rows)
    history = read_csv(tmp_path / "h.csv", NY)
    assert [a.status for a in history.rows] == ["completed", "cancelled", "booked", "no_show"]
    a3 = history.rows[2]
    assert (a3.category, a3.service, a3.minutes) == ("Other", "Other", 60)
    assert history.rows[1].booked_at == history.rows[1].start
    assert history.adjusted == {
        NO_PROVIDER: 1,
        NO_MINUTES: 2,
        NO_BOOKED_AT: 1,
        NO_CATEGORY: 1,
        NO_SERVICE: 1,
        "status 'Canceled' read as cancelled": 1,
        "status 'finished' unknown: kept as a booking (neither a visit nor a cancellation)": 1,
        "status 'No-Show' read as no_show": 1,
    }
    assert history.refused == []


def test_a_walk_in_entered_at_checkout_is_imported_and_counted(tmp_path, capsys):
    # Booked 40 minutes after it started (entered at checkout, as real exports have them).
    walk_in = ["a2", "c2", "color", "Root Touch-up", "ana", "2024-01-03T15:00", "90", "completed",
               "2024-01-03T15:40"]  # fmt: skip
    _write(tmp_path / "h.csv", [GOOD, walk_in])
    history = read_csv(tmp_path / "h.csv", NY)
    assert [a.id for a in history.rows] == ["a1", "a2"]
    row = history.rows[1]
    assert row.booked_at == row.start == datetime(2024, 1, 3, 15, 0, tzinfo=NY)
    assert history.adjusted == {WALK_IN: 1}
    call_command("rebooking_backtest", history=str(tmp_path / "h.csv"), out=str(tmp_path / "o"),
                 no_progress=True)  # fmt: skip
    assert f"1 row adjusted: {WALK_IN}" in capsys.readouterr().out
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["import"] == {"rows": 2, "adjusted": {WALK_IN: 1}}


def test_csv_header_and_short_rows(tmp_path):
    (tmp_path / "h.csv").write_text("id,client\n1,2\n")
    with pytest.raises(CommandError, match="row 1: the header must be"):
        call_command("rebooking_backtest", history=str(tmp_path / "h.csv"))
    _write(tmp_path / "h.csv", [GOOD, GOOD[:4]])
    assert read_csv(tmp_path / "h.csv", NY).refused == [(3, "4 fields, expected 9")]


def test_bad_settings_are_refused_and_nothing_stays(tmp_path):
    _write(tmp_path / "h.csv", [GOOD])
    salons = Salon.objects.count()
    with pytest.raises(CommandError, match="min_visits"):
        call_command("rebooking_backtest", history=str(tmp_path / "h.csv"),
                     rebooking_settings=["min_visits=1"])  # fmt: skip
    assert Salon.objects.count() == salons


def test_make_history_then_backtest_writes_the_files(tmp_path, capsys):
    call_command("make_history", clients=40, seed=3, out=str(tmp_path / "h.csv"))
    with open(tmp_path / "h.csv") as f:
        rows = list(csv.DictReader(f))
    assert rows and set(rows[0]) == set(COLUMNS)
    statuses = {r["status"] for r in rows}
    assert {"completed", "cancelled"} <= statuses
    assert all(r["booked_at"] <= r["start"] for r in rows)
    call_command("rebooking_backtest", history=str(tmp_path / "h.csv"), out=str(tmp_path / "o"),
                 rebooking_settings=["grace_factor=1.5", '{"cooldown_days": 21}'],
                 no_progress=True)  # fmt: skip
    out = tmp_path / "o"
    headers = {
        "timing.csv": "client,category,as_of,due,provider,weekday,time_of_day",
        "outreach.csv": "scan_at,client",
        "refill.csv": "appointment,rank,client",
    }
    for name, header in headers.items():
        assert (out / name).read_text().splitlines()[0] == header
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["grace_factor"] == 1.5 and summary["settings"]["cooldown_days"] == 21
    assert set(summary["rules"]) == {"engine", "fixed", "last3"}
    assert "engine" in capsys.readouterr().out
