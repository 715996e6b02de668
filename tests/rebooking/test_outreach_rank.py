"""The overdue scan's order (issue 20): clients who book by themselves and have been this late
before are left alone; then the likeliest lapses still reachable in time, most overdue first;
then the long-lapsed, least overdue first. Pinned to hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.models import MirroredAppointment
from rebooking.outreach_rank import BookingHistory, booking_history, leave_alone, outreach_order
from rebooking.scan import DueClient
from rebooking.selectors import overdue_candidates
from rebooking.services import rebooking_settings_get
from tests.rebooking.helpers import customer, integration_for, visit

T = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def due(ref, *, days_since, interval=20.0, grace=1.25):
    return DueClient("i", ref, "Cut", 4, T, "s", "p", interval, interval, days_since,
                     days_since / (interval * grace))  # fmt: skip


def test_booking_history_tells_checkout_from_self_booked():
    d30, d100 = T + timedelta(days=30), T + timedelta(days=100)
    visits = [
        (T, T + HOUR, T - timedelta(days=3)),
        (d30, d30 + HOUR, T + timedelta(days=25)),  # booked 25 days after: by themselves
        (d100, d100 + HOUR, d30 + HOUR),  # booked as the visit before ended: at checkout
    ]
    history = booking_history(visits)
    assert history == BookingHistory(self_booked=1, rebooked=2, longest_self_gap=30.0)
    assert history.self_share == 0.5
    assert booking_history(visits[:1]) == BookingHistory()


def test_a_self_booker_within_their_own_longest_gap_is_left_alone():
    history = BookingHistory(self_booked=1, rebooked=2, longest_self_gap=30.0)
    assert leave_alone(due("a", days_since=28), history)  # 28 <= 30 and <= 1.5 x 20
    assert not leave_alone(due("a", days_since=31), history)  # later than ever before
    # a longer gap once, but past 1.5 intervals a lapse must still be reached in time
    assert not leave_alone(due("a", days_since=31), BookingHistory(1, 2, 40.0))
    # mostly booked at checkout: no habit of booking by themselves
    assert not leave_alone(due("a", days_since=28), BookingHistory(1, 3, 30.0))


def test_reachable_most_overdue_first_then_the_long_lapsed_least_overdue_first():
    clients = [
        due("a", days_since=27.5),  # ratio 1.1, reachable (<= 30 days)
        due("b", days_since=29.75),  # ratio 1.19, reachable
        due("c", days_since=75),  # ratio 3, long lapsed
        due("d", days_since=50),  # ratio 2, long lapsed
        due("e", days_since=28),  # left alone
    ]
    histories = {("e", "Cut"): BookingHistory(2, 2, 29.0)}
    order = outreach_order(clients, histories, None)
    assert [d.customer_ref for d in order] == ["b", "a", "d", "c"]
    assert [d.customer_ref for d in outreach_order(clients, histories, 3)] == ["b", "a", "d"]


@pytest.mark.django_db
def test_the_scan_leaves_alone_a_self_booker_and_contacts_the_same_rhythm_booked_at_checkout(
    salon,
):
    """Two clients with the same visits (gaps 28, 50 and 28 days; the usual gap 26.5 days with
    the 50 counted as two cycles), last seen 38 days ago: due (38 >= 1.25 x 26.5). One booked
    each visit days later by themselves and once came back after 50 days: left alone. The other
    booked every visit at checkout: contacted."""
    integration = integration_for(salon)
    now = datetime(2026, 4, 1, 14, tzinfo=UTC)
    last = now - timedelta(days=38)
    for ref in ("self", "desk"):
        customer(integration, ref)
        starts = [last - timedelta(days=d) for d in (106, 78, 28, 0)]
        previous_end = None
        for start in starts:
            row = visit(integration, ref, start)
            booked = start - timedelta(days=3) if ref == "self" else previous_end or start
            MirroredAppointment.objects.filter(pk=row.pk).update(platform_created_at=booked)
            previous_end = row.end
    settings = rebooking_settings_get(salon=salon)
    due = overdue_candidates(settings=settings, integration_ids=[str(integration.pk)], now=now)
    assert [d.customer_ref for d in due] == ["desk"]
    assert due[0].interval == pytest.approx(26.504, abs=1e-3)
