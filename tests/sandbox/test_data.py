"""The demo data generator: counts, client rhythms, a consistent calendar, idempotency, DST."""

from __future__ import annotations

import itertools
import statistics
import time as clock
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sandbox import data
from sandbox.models import ACTIVE, Account, Appointment, Client, Provider, Service, Status

NOW = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)  # history spans two DST changes each way
TZ = ZoneInfo("America/New_York")


def seed(**extra):
    options = {
        "platform": "mindbody",
        "account_id": "-99",
        "name": "Sandbox Salon",
        "username": "frontdesk",
        "password": "demo-pass",
        "seed": 7,
        "now": NOW,
    }
    options.update(extra)
    return data.seed_account(**options)


@pytest.fixture
def account(db):
    return seed()


def minutes(text: str) -> int:
    hour, minute = map(int, text.split(":"))
    return hour * 60 + minute


def test_counts_and_speed(db):
    started = clock.monotonic()
    account = seed()
    assert clock.monotonic() - started < 15
    assert Provider.objects.filter(account=account).count() == 6
    assert Service.objects.filter(account=account).count() == 15
    assert Client.objects.filter(account=account).count() == 300
    total = Appointment.objects.filter(account=account).count()
    assert 2500 < total < 8000
    services = Service.objects.filter(account=account)
    assert {s.category for s in services} >= {"Cut", "Colour", "Treatment", "Nails", "Brows"}
    assert all(30 <= s.duration_minutes <= 180 and s.price > 0 for s in services)
    clients = Client.objects.filter(account=account)
    assert len({c.email for c in clients}) == 300
    assert all(c.phone.startswith("+1") and "@" in c.email for c in clients)
    opted = sum(c.sms_opt_in for c in clients)
    assert 100 < opted < 300  # consent varies


def test_history_span_statuses_and_future(account):
    rows = list(Appointment.objects.filter(account=account))
    first = min(a.start for a in rows)
    last = max(a.start for a in rows)
    assert first < NOW - timedelta(days=480)
    assert NOW < last <= NOW + timedelta(days=32)
    past = Counter(a.status for a in rows if a.start < NOW)
    future = Counter(a.status for a in rows if a.start >= NOW)
    assert set(past) <= {Status.COMPLETED, Status.CANCELLED, Status.LATE_CANCELLED, Status.NO_SHOW}
    assert past[Status.COMPLETED] > 0.8 * sum(past.values())
    assert past[Status.CANCELLED] and past[Status.LATE_CANCELLED] and past[Status.NO_SHOW]
    assert set(future) <= {Status.BOOKED, Status.CONFIRMED, Status.CANCELLED}
    assert future[Status.BOOKED] > 20
    assert all(a.created_at <= a.start and a.created_at <= NOW for a in rows)
    assert all(a.end - a.start == timedelta(minutes=a.service.duration_minutes) for a in rows)


def test_most_clients_have_a_rhythm_and_a_provider(account):
    visits = defaultdict(list)
    rows = Appointment.objects.filter(account=account, status=Status.COMPLETED).order_by("start")
    for a in rows:
        visits[a.client_id].append(a)
    regular = rhythmic = loyal = same_weekday = 0
    for seen in visits.values():
        if len(seen) < 4:
            continue
        regular += 1
        gaps = [(b.start - a.start).days for a, b in itertools.pairwise(seen)]
        if 21 <= statistics.median(gaps) <= 56:
            rhythmic += 1
        top = Counter(a.provider_id for a in seen).most_common(1)[0][1]
        loyal += top / len(seen) >= 0.7
        days = Counter(a.start.astimezone(TZ).weekday() for a in seen).most_common(1)[0][1]
        same_weekday += days / len(seen) >= 0.5
    assert regular > 150
    assert rhythmic / regular > 0.75
    assert loyal / regular > 0.75
    assert same_weekday / regular > 0.6


def test_some_clients_lapse(account):
    last_visit = {}
    for client_id, start in Appointment.objects.filter(account=account).values_list(
        "client_id", "start"
    ):
        last_visit[client_id] = max(start, last_visit.get(client_id, start))
    lapsed = [c for c, last in last_visit.items() if last < NOW - timedelta(days=90)]
    assert 20 < len(lapsed) < 150


def test_no_overlaps_and_inside_working_hours(account):
    by_provider = defaultdict(list)
    rows = Appointment.objects.filter(account=account).select_related("provider")
    for a in rows:
        local_start, local_end = a.start.astimezone(TZ), a.end.astimezone(TZ)
        hours = a.provider.working_hours.get(str(local_start.weekday()))
        assert hours, f"{a} on a day off"
        start_min = local_start.hour * 60 + local_start.minute
        end_min = local_end.hour * 60 + local_end.minute
        assert minutes(hours[0]) <= start_min and end_min <= minutes(hours[1]), a
        assert local_start.minute % 15 == 0
        by_provider[a.provider_id].append((a.start, a.end))
    for spans in by_provider.values():
        spans.sort()
        for (_, end), (next_start, _) in itertools.pairwise(spans):
            assert end <= next_start


def test_times_are_dst_correct(account):
    rows = list(Appointment.objects.filter(account=account))
    offsets = {a.start.astimezone(TZ).utcoffset() for a in rows}
    assert offsets == {timedelta(hours=-5), timedelta(hours=-4)}
    # The same local opening time in winter and summer: 09:00 local, 14:00 or 13:00 UTC.
    winter = [a for a in rows if a.start.astimezone(TZ).utcoffset() == timedelta(hours=-5)]
    summer = [a for a in rows if a.start.astimezone(TZ).utcoffset() == timedelta(hours=-4)]
    earliest_winter = min(a.start.astimezone(TZ).time() for a in winter)
    earliest_summer = min(a.start.astimezone(TZ).time() for a in summer)
    assert earliest_winter == earliest_summer
    assert earliest_winter.hour == 9 and earliest_winter.minute == 0
    opening = {(a.start.astimezone(TZ).utcoffset(), a.start.astimezone(UTC).hour)
               for a in rows if a.start.astimezone(TZ).hour == 9}  # fmt: skip
    assert opening == {(timedelta(hours=-5), 14), (timedelta(hours=-4), 13)}


def test_future_bookings_fit_the_calendar(account):
    """Active future bookings hold their time: calendar.open_slots must not offer it."""
    from sandbox import calendar

    booked = (
        Appointment.objects.filter(account=account, start__gt=NOW, status__in=ACTIVE)
        .select_related("provider")
        .order_by("start")
        .first()
    )
    day = booked.start.astimezone(TZ).date()
    slots = calendar.open_slots(account, day, day, providers=[booked.provider], now=NOW)
    assert slots
    assert not any(s.start < booked.end and s.end > booked.start for s in slots)


def test_idempotent_and_updates_credentials(account):
    count = Appointment.objects.filter(account=account).count()
    again = seed(password="new-pass", webhook_url="http://hooks.test/mb", webhook_secret="k1")
    assert again.pk == account.pk
    assert Account.objects.count() == 1
    assert Appointment.objects.filter(account=account).count() == count
    again.refresh_from_db()
    assert (again.password, again.webhook_url, again.webhook_secret) == (
        "new-pass",
        "http://hooks.test/mb",
        "k1",
    )


def test_deterministic_from_seed(db):
    def shape(account):
        return [
            (a.client.first_name, a.client.last_name, a.provider.first_name, a.service.name,
             a.start, a.status)
            for a in Appointment.objects.filter(account=account)
            .select_related("client", "provider", "service")
            .order_by("start", "provider__first_name")
        ]  # fmt: skip

    one = seed(account_id="1", clients=40)
    two = seed(account_id="2", clients=40)
    three = seed(account_id="3", clients=40, seed=8)
    assert shape(one) == shape(two)
    assert shape(one) != shape(three)


@pytest.mark.parametrize("platform", ["mindbody", "vagaro", "phorest"])
def test_ids_in_the_platform_style_and_unique(db, platform):
    account = seed(platform=platform, clients=60)
    ids = list(Appointment.objects.filter(account=account).values_list("ext_id", flat=True))
    ids += list(Client.objects.filter(account=account).values_list("ext_id", flat=True))
    assert len(ids) == len(set(ids))
    if platform == "mindbody":
        assert all(i.isdigit() for i in ids)
    else:
        assert all(not i.isdigit() and len(i) >= 16 for i in ids)


def test_a_short_history_still_has_visits(db):
    account = seed(clients=20, months_back=1)
    rows = Appointment.objects.filter(account=account)
    assert rows.filter(start__lt=NOW).count() >= 15
    assert min(a.start for a in rows) >= NOW - timedelta(days=32)
