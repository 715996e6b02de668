"""The anchor rules as owners' tools apply them (issue 20): each pinned to a hand-computed answer on
a tiny history. The fixed interval matched to the salon's own category name, Phorest's average of
the last 3 gaps (the category's interval before 3 visits), the last visit's provider, weekday and
time; the scan on production's daily schedule, the engine capped per day, the anchors not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rebooking.backtest import anchors
from rebooking.backtest.loader import Appt
from rebooking.backtest.replay import replay, scan_times
from rebooking.categories import interval_lookup
from rebooking.models import default_fallback_intervals

T = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)  # a Tuesday
DEFAULTS = interval_lookup(default_fallback_intervals(), 42)  # Colour 56, Cut 42


def visit(client, start, *, category="Cut", provider="sam", n=[0]):  # noqa: B006 (a counter)
    n[0] += 1
    return Appt(f"v{n[0]}", client, category, "svc", provider, start, 60, "completed",
                start - timedelta(days=3))  # fmt: skip


def test_fixed_and_last3_intervals_after_each_visit():
    days = (0, 30, 70, 100, 160)
    h = anchors.build("x", [visit("x", T + timedelta(days=d), category="color") for d in days],
                      DEFAULTS)  # fmt: skip
    # "color" is Colour: 56 days after every visit.
    assert h.intervals["fixed"]["color"] == [56.0] * 5
    # Gaps 30, 40, 30, 60. Fewer than 3 visits: Colour's 56; then the mean of the last 3 gaps:
    # (30 + 40) / 2, (30 + 40 + 30) / 3, (40 + 30 + 60) / 3.
    assert [round(v, 3) for v in h.intervals["last3"]["color"]] == [56.0, 56.0, 35.0, 33.333,
                                                                     43.333]  # fmt: skip
    assert anchors.due_at(h, "last3", "color", 2) == T + timedelta(days=70 + 35)
    assert anchors.due_at(h, "fixed", "color", 4) == T + timedelta(days=160 + 56)


def test_the_anchor_scan_has_no_cap():
    lapsed = [anchors.build(c, [visit(c, T)], DEFAULTS) for c in ("a", "b", "c", "d", "e")]
    # Cut: 42 × 1.25 = 52.5 days; all five are due on day 53 and all five are flagged.
    flagged: dict = {}
    assert anchors.scan(lapsed, "fixed", T + timedelta(days=52), flagged) == []
    when = T + timedelta(days=53)
    assert anchors.scan(lapsed, "fixed", when, flagged) == ["a", "b", "c", "d", "e"]
    assert flagged == dict.fromkeys("abcde", when)


def test_scan_times_follow_the_beat_schedule():
    # Beat runs the overdue scan daily at 11:00 UTC (salonsync/schedules.py).
    times = scan_times(T, T + timedelta(days=3))
    assert times == [datetime(2024, 1, d, 11, 0, tzinfo=UTC) for d in (3, 4, 5)]


@pytest.mark.django_db
def test_replay_scans_daily_engine_capped_per_day_anchors_not():
    rows = [visit("keeper", T + timedelta(days=28 * i)) for i in range(10)]  # to 2024-09-10
    lapsers = ["l1", "l2", "l3", "l4", "l5"]
    rows += [visit(c, T + timedelta(days=28 * i)) for c in lapsers for i in range(4)]
    result = replay(rows, tz_name="UTC", settings={"daily_cap": 2}, parts=("outreach",))
    # One scan a day at 11:00 UTC from 2024-01-03 to 2024-09-10.
    assert result.summary["scans"] == 252
    assert result.summary["scan_schedule"] == "daily at 11:00 UTC"

    def first_contacts(rule):
        seen: dict = {}
        for when, client in result.outreach[rule]:
            seen.setdefault(client, when)
        return seen

    may = [datetime(2024, 5, d, 11, 0, tzinfo=UTC) for d in (1, 2, 3)]
    # Last visit 2024-03-26 15:00; median gap 28 × grace 1.25 = 35 days: due 2024-04-30 15:00,
    # so the 05-01 scan is the first; 2 a day (the cap), in customer order.
    assert first_contacts("engine") == {"l1": may[0], "l2": may[0], "l3": may[1], "l4": may[1],
                                        "l5": may[2]}  # fmt: skip
    # Phorest's last 3 gaps: 28 × 1.25 = 35 days too, but all five on the first day.
    assert first_contacts("last3") == dict.fromkeys(lapsers, may[0])
    # Fixed Cut interval 42 × 1.25 = 52.5 days: 2024-05-18 03:00, so the 05-18 scan, all five.
    assert first_contacts("fixed") == dict.fromkeys(lapsers, datetime(2024, 5, 18, 11, 0,
                                                                      tzinfo=UTC))  # fmt: skip


@pytest.mark.django_db
def test_anchor_timing_takes_the_last_visit_provider_weekday_and_time():
    rows = [
        visit("m", T, category="Haircuts"),
        visit("m", T + timedelta(days=28), category="Haircuts"),
        # A Wednesday morning with another provider: the last visit.
        visit("m", datetime(2024, 2, 28, 9, 0, tzinfo=UTC), category="Haircuts", provider="ana"),
        visit("m", datetime(2024, 3, 27, 15, 0, tzinfo=UTC), category="Haircuts"),
    ]
    predicted: dict = {}
    replay(rows, tz_name="UTC", parts=("timing",),
           on_timing=lambda rule, row: predicted.setdefault(rule, []).append(row))  # fmt: skip
    fixed, last3 = predicted["fixed"][2], predicted["last3"][2]
    for row in (fixed, last3):
        assert (row.provider, row.weekday, row.time_of_day) == ("ana", "wednesday", "morning")
    # "Haircuts" is Cut: 42 days.
    assert fixed.due == datetime(2024, 4, 10, 9, 0, tzinfo=UTC)
    # 3 visits: gaps 28 and 28.75 days (01-30 15:00 to 02-28 09:00), mean 28.375 = 28 d 9 h.
    assert last3.due == datetime(2024, 3, 27, 18, 0, tzinfo=UTC)
    # After the first visit both anchors give Cut's 42 days (fewer than 3 visits).
    assert predicted["last3"][0].due == predicted["fixed"][0].due == T + timedelta(days=42)


def _generated(tmp_path, clients: int, seed: int):
    """A generated history of 400 days, read back as the replay reads it: (rows, histories)."""
    from zoneinfo import ZoneInfo

    from rebooking.backtest.generator import generate, write_csv
    from rebooking.backtest.loader import read_csv

    write_csv(generate(clients, seed, days=400), tmp_path / "h.csv")
    rows = read_csv(tmp_path / "h.csv", ZoneInfo("America/New_York")).rows
    grouped: dict[str, list[Appt]] = {}
    for a in rows:
        grouped.setdefault(a.client, []).append(a)
    return rows, [anchors.build(c, appts, DEFAULTS) for c, appts in sorted(grouped.items())]


def test_the_incremental_scanner_flags_whom_the_plain_scan_flags(tmp_path):
    """anchors.Scanner (the replay's) against anchors.scan (the rule as stated) at every daily
    scan of a generated history: the same clients, in the same order, on the same days."""
    rows, histories = _generated(tmp_path, 60, 3)
    times = scan_times(min(a.start for a in rows), max(a.start for a in rows))
    for rule in anchors.RULES:
        scanner, flagged, contacts = anchors.Scanner(histories, rule), {}, 0
        for when in times:
            plain = anchors.scan(histories, rule, when, flagged)
            assert scanner.scan(when) == plain, (rule, when)
            contacts += len(plain)
        assert contacts > 20  # the history has lapses to flag, again after each cooldown


def test_the_incremental_refiller_offers_whom_the_plain_refill_offers(tmp_path):
    """anchor_refill.Refiller (the replay's) against anchors.refill (the rule as stated) at every
    cancellation of a generated history: the same clients in the same order; the random floor
    draws as many free clients of the category."""
    import random

    from rebooking.backtest.anchor_refill import Refiller
    from rebooking.backtest.replay import replayed_cancellations

    rows, histories = _generated(tmp_path, 80, 4)
    cancellations = replayed_cancellations(
        rows, since=min(a.start for a in rows), end=max(a.start for a in rows)
    )
    refiller, offered = Refiller(histories), 0
    for cancelled in sorted(cancellations.values(), key=lambda a: (a.known_at, a.id)):
        now = cancelled.known_at
        plain = anchors.refill(histories, cancelled, now, 3, rng=random.Random(1))
        fast = refiller.offers(cancelled, now, 3, rng=random.Random(1))
        for rule in anchors.RULES:
            assert fast[rule] == plain[rule], (rule, cancelled.id)
        assert len(fast["random"]) == len(plain["random"]) == len(set(fast["random"]))
        assert cancelled.client not in fast["random"]
        assert not any(h.future_booking(now) for h in histories if h.client in fast["random"])
        offered += len(plain["fixed"])
    assert offered > 100  # the history has cancellations with clients to offer them to


def test_the_anchor_refill_offers_the_clients_it_predicts_nearest_the_slot():
    """Hand-computed: a Cut slot on day S, learnt of 2 days ahead; Cut is 42 days."""
    import random

    slot = T + timedelta(days=500)
    now = slot - timedelta(days=2)

    def last_visits(client, *days_before):
        return [visit(client, slot - timedelta(days=d)) for d in days_before]

    ahead = Appt("b", "booked", "Cut", "svc", "sam", slot + timedelta(days=5), 60, "completed",
                 slot - timedelta(days=30))  # fmt: skip
    histories = [
        anchors.build("near", last_visits("near", 140, 40), DEFAULTS),  # due in 2 days either rule
        anchors.build("early", last_visits("early", 10), DEFAULTS),  # due 32 days after
        anchors.build("gone", last_visits("gone", 400), DEFAULTS),  # 358 days overdue
        # Gaps 20 and 20: Phorest's own pattern from the third visit, due a day before the slot;
        # the fixed rule puts them 42 - 21 = 21 days after it.
        anchors.build("rhythm", last_visits("rhythm", 61, 41, 21), DEFAULTS),
        # Due on the very day but booked ahead (a booking made before ``now``): never offered.
        anchors.build("booked", [*last_visits("booked", 42), ahead], DEFAULTS),
        # The canceller is not offered their own slot.
        anchors.build("canceller", last_visits("canceller", 42), DEFAULTS),
    ]
    cancelled = Appt("x", "canceller", "Cut", "svc", "sam", slot, 60, "cancelled", T)
    offers = anchors.refill(histories, cancelled, now, 3, rng=random.Random(0))
    assert offers["fixed"] == ["near", "rhythm", "early"]  # 2, 21, 32 days off
    assert offers["last3"] == ["rhythm", "near", "early"]  # 1, 2, 32 days off
    # The random floor draws from every client of the category who is free, the lapsed too.
    assert len(offers["random"]) == 3
    assert set(offers["random"]) <= {"near", "early", "gone", "rhythm"}
    # Without a generator, no random pick.
    assert set(anchors.refill(histories, cancelled, now, 3)) == {"fixed", "last3"}


def test_a_booking_that_will_be_a_no_show_is_on_the_books_until_its_start():
    """The anchors know only what the salon knew: before its start, a booking that will end as a
    no-show is a booking like any other (reading it as absent would use the future)."""
    no_show = Appt("n", "c", "Cut", "svc", "sam", T, 60, "no_show", T - timedelta(days=10))
    assert no_show.active_at(T - timedelta(days=1))
    assert not no_show.active_at(T)
    cancelled = Appt("k", "c", "Cut", "svc", "sam", T, 60, "cancelled", T - timedelta(days=10))
    assert cancelled.active_at(T - timedelta(days=3))  # the 2 days' notice had not come
    assert not cancelled.active_at(T - timedelta(days=1))


def test_future_booking_is_any_active_booking(tmp_path):
    """ClientHistory.future_booking (read from the precomputed ``holds``) against Appt.active_at
    over every appointment, at moments around each booking, start and cancellation notice."""
    from zoneinfo import ZoneInfo

    from rebooking.backtest.generator import generate, write_csv
    from rebooking.backtest.loader import read_csv

    write_csv(generate(40, 5, days=300), tmp_path / "h.csv")
    rows = read_csv(tmp_path / "h.csv", ZoneInfo("America/New_York")).rows
    grouped: dict[str, list[Appt]] = {}
    for a in rows:
        grouped.setdefault(a.client, []).append(a)
    held = checked = 0
    for client, appts in sorted(grouped.items()):
        h = anchors.build(client, appts, DEFAULTS)
        around = (-timedelta(seconds=1), timedelta(0), timedelta(seconds=1))
        marks = [m for a in appts for m in (a.booked_at, a.start, a.known_at) if m]
        moments = {m + d for m in marks for d in around}
        for when in sorted(moments):
            expected = any(a.active_at(when) for a in appts)
            assert h.future_booking(when) == expected, (client, when)
            held += expected
            checked += 1
    assert 0 < held < checked  # both answers occur


def test_a_single_visit_lapse_is_in_time_by_the_category_observed_gap():
    """Hand-computed: Nails clients come back every 35 and 33 days here (median 34), not the
    default 21. A client seen once and lapsed, messaged 44 days after their visit, is reached
    in time: 1.5 × 34 + 7 = 58 days (by the default it would be 1.5 × 21 + 7 = 38.5)."""
    from rebooking.backtest import scores

    def nails(client, *days):
        return anchors.build(
            client, [visit(client, T + timedelta(days=d), category="Nails") for d in days],
            DEFAULTS)  # fmt: skip

    histories = {h.client: h for h in (nails("a", 0, 35, 70), nails("b", 0, 33), nails("c", 0))}
    observed = scores.observed_intervals(histories, DEFAULTS)
    assert observed("Nails") == 34 and observed("Cut") == 42  # nobody came back in Cut
    contact = [(T + timedelta(days=44), "c")]
    end = T + timedelta(days=400)
    assert scores.outreach(contact, histories, end=end, fallback=observed)["lapses_caught"] == 1
    assert scores.outreach(contact, histories, end=end, fallback=DEFAULTS)["lapses_caught"] == 0
