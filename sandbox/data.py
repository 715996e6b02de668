"""Demo data for the sandbox: ids in each platform's style, and a generated salon (providers with
working hours, services, clients with consent flags, 18 months of appointments with real rhythms).

The generator is deterministic for a given ``seed`` and ``now`` (except the ids, which come from
``new_ext_id``). Clients keep a rhythm: a preferred provider, weekday and time of day, and a
personal interval of 3-8 weeks; some lapse, some cancel or do not show. Times are computed on the
account's local wall clock and stored aware (DST-correct); one provider never has two
appointments at once, and everything lies inside working hours.
"""

from __future__ import annotations

import base64
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from .models import Account, Appointment, Client, Platform, Provider, Service, Status


def new_ext_id(platform: str, kind: str) -> str:
    """A new id in the platform's own style: Mindbody numbers, Vagaro and Phorest opaque
    base64-like strings (Vagaro's contain '=' and '/', so clients must URL-encode them)."""
    if platform == Platform.MINDBODY:
        return str(100000 + secrets.randbelow(899_999_999))
    raw = secrets.token_bytes(16 if platform == Platform.VAGARO else 12)
    text = base64.b64encode(raw).decode()
    return text if platform == Platform.VAGARO else text.replace("/", "_").replace("+", "-")


def unique_ext_id(platform: str, kind: str, taken) -> str:
    """new_ext_id, drawn again on the (rare, but real for Mindbody's numbers) collision."""
    while True:
        value = new_ext_id(platform, kind)
        if value not in taken:
            return value


# --- the salon's fixed parts -------------------------------------------------------------------

# (first, last, {weekday: (opens, closes)}, popularity weight). Monday is 0.
PROVIDERS = [
    ("Maya", "Lindqvist", {1: ("09:00", "18:00"), 2: ("09:00", "18:00"), 3: ("09:00", "18:00"),
                           4: ("09:00", "18:00"), 5: ("09:00", "18:00")}, 5),
    ("Jordan", "Okafor", {0: ("10:00", "19:00"), 1: ("10:00", "19:00"), 2: ("10:00", "19:00"),
                          3: ("10:00", "19:00"), 4: ("10:00", "19:00")}, 4),
    ("Priya", "Raman", {1: ("12:00", "21:00"), 2: ("12:00", "21:00"), 3: ("12:00", "21:00"),
                        4: ("09:00", "17:00"), 5: ("09:00", "17:00")}, 4),
    ("Luca", "Moretti", {0: ("09:00", "17:30"), 1: ("09:00", "17:30"), 3: ("09:00", "17:30"),
                         4: ("09:00", "17:30"), 5: ("09:00", "15:00")}, 3),
    ("Sofia", "Hernandez", {2: ("10:00", "20:00"), 3: ("10:00", "20:00"),
                            4: ("10:00", "20:00"), 5: ("10:00", "20:00")}, 3),
    ("Grace", "Kim", {0: ("09:00", "17:00"), 1: ("09:00", "17:00"), 2: ("09:00", "17:00"),
                      3: ("11:00", "20:00"), 6: ("10:00", "16:00")}, 2),
]  # fmt: skip

# (name, category, minutes, price, how often clients choose it as their usual service)
SERVICES = [
    ("Women's Cut & Style", "Cut", 60, "85.00", 10),
    ("Men's Cut", "Cut", 30, "45.00", 8),
    ("Children's Cut", "Cut", 30, "30.00", 2),
    ("Blow-dry", "Cut", 45, "50.00", 3),
    ("Full Colour", "Colour", 120, "150.00", 3),
    ("Root Touch-up", "Colour", 90, "95.00", 5),
    ("Balayage", "Colour", 180, "260.00", 2),
    ("Half-head Highlights", "Colour", 150, "180.00", 2),
    ("Toner & Gloss", "Colour", 45, "60.00", 1),
    ("Deep Conditioning Treatment", "Treatment", 30, "40.00", 1),
    ("Keratin Smoothing", "Treatment", 180, "300.00", 1),
    ("Manicure", "Nails", 45, "40.00", 3),
    ("Gel Pedicure", "Nails", 60, "55.00", 2),
    ("Brow Shape", "Brows", 30, "25.00", 2),
    ("Brow Tint & Shape", "Brows", 45, "40.00", 2),
]

# fmt: off
FIRST_NAMES = [
    "Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Amelia", "Harper", "Evelyn",
    "Abigail", "Emily", "Ella", "Chloe", "Grace", "Zoe", "Nora", "Lily", "Hannah", "Aria",
    "Layla", "Riley", "Aubrey", "Leah", "Hazel", "Violet", "Aurora", "Savannah", "Audrey",
    "Claire", "Lucy", "Anna", "Sarah", "Naomi", "Elena", "Maria", "Fatima", "Aisha", "Mei",
    "Yuki", "Ingrid", "Liam", "Noah", "James", "Lucas", "Mason", "Ethan", "Daniel", "Henry",
    "Owen", "Samuel", "David", "Omar", "Mateo", "Ravi", "Kenji", "Tomas", "Felix", "Marcus",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Nguyen", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter",
    "Mitchell", "Perez", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans",
    "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Patel", "Shah",
    "Cohen", "Kowalski", "Novak", "Rossi", "Silva", "Tanaka", "Larsen",
]
# fmt: on
AREA_CODES = ("212", "347", "646", "718", "917", "929")

SLOT = 15  # minutes: appointments start on the quarter hour


@dataclass
class _Profile:
    provider: int  # index into PROVIDERS
    weekday: int
    minute: int  # preferred start, minutes after local midnight
    service: int  # index into SERVICES
    interval_weeks: int
    kind: str  # "regular", "lapsing", "irregular"
    first: date
    lapse: date | None = None
    visits: list = field(default_factory=list)


def _minutes(clock: str) -> int:
    hour, minute = map(int, clock.split(":"))
    return hour * 60 + minute


class _Book:
    """Who is busy when: provider index -> day -> [(start minute, end minute)]."""

    def __init__(self) -> None:
        self.busy: dict[tuple[int, date], list[tuple[int, int]]] = {}

    def free(self, provider: int, day: date, start: int, end: int) -> bool:
        return all(e <= start or s >= end for s, e in self.busy.get((provider, day), ()))

    def take(self, provider: int, day: date, start: int, end: int) -> None:
        self.busy.setdefault((provider, day), []).append((start, end))

    def place(self, provider: int, day: date, target: int, length: int) -> int | None:
        """The free start nearest ``target`` inside the provider's hours that day, or None."""
        hours = PROVIDERS[provider][2].get(day.weekday())
        if not hours:
            return None
        opens, closes = _minutes(hours[0]), _minutes(hours[1])
        starts = range(opens, closes - length + 1, SLOT)
        for start in sorted(starts, key=lambda s: (abs(s - target), s)):
            if self.free(provider, day, start, start + length):
                return start
        return None


def _nearest_working_day(provider: int, around: date, weekday: int) -> date:
    """``around`` moved to the nearest day the provider works, preferring ``weekday``."""
    hours = PROVIDERS[provider][2]
    shift = (weekday - around.weekday() + 3) % 7 - 3  # -3..3: to the preferred weekday
    candidate = around + timedelta(days=shift)
    if candidate.weekday() in hours:
        return candidate
    for delta in (1, -1, 2, -2, 3, -3):
        if (around + timedelta(days=delta)).weekday() in hours:
            return around + timedelta(days=delta)
    return candidate


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Local wall-clock time -> aware UTC (zoneinfo applies the day's own offset)."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    return local.astimezone(UTC)


def _profile(rng: random.Random, first_day: date, today: date) -> _Profile:
    provider = rng.choices(range(len(PROVIDERS)), weights=[p[3] for p in PROVIDERS])[0]
    weekday = rng.choice(sorted(PROVIDERS[provider][2]))
    opens, closes = (_minutes(t) for t in PROVIDERS[provider][2][weekday])
    part = rng.choice(("morning", "midday", "late"))
    span = max(closes - opens - 60, 0)
    base = {"morning": opens, "midday": opens + span // 2, "late": opens + span}[part]
    minute = base + rng.choice((-30, -15, 0, 0, 15, 30))
    service = rng.choices(range(len(SERVICES)), weights=[s[4] for s in SERVICES])[0]
    interval = rng.choices((3, 4, 5, 6, 7, 8), weights=(2, 4, 4, 3, 2, 1))[0]
    roll = rng.random()
    kind = "regular" if roll < 0.72 else "lapsing" if roll < 0.88 else "irregular"
    history_days = (today - first_day).days
    early = max(1, min(70, history_days // 4))  # the first weeks of the history
    if rng.random() < 0.8:  # an established client: came early in the history
        first = first_day + timedelta(days=rng.randrange(0, early))
    else:  # a newer client
        first = first_day + timedelta(days=rng.randrange(early, max(history_days - 14, early + 1)))
    lapse = None
    if kind == "lapsing":
        ago = min(rng.randrange(90, 330), int(history_days * 0.6))
        lapse = today - timedelta(days=ago)
    return _Profile(provider, weekday, minute, service, interval, kind, first, lapse)


def _plan_visits(rng: random.Random, profile: _Profile, book: _Book, now_local: datetime,
                 horizon: date) -> list[tuple[int, date, int, int, str]]:  # fmt: skip
    """(provider, day, start minute, service, status) for one client, in date order."""
    visits = []
    today = now_local.date()
    now_minute = now_local.hour * 60 + now_local.minute
    day = profile.first
    while day <= horizon:
        if profile.lapse and day > profile.lapse:
            break
        provider = profile.provider
        if profile.kind == "irregular" or rng.random() < 0.08:
            provider = rng.randrange(len(PROVIDERS))  # now and then someone else
        service = profile.service if rng.random() < 0.82 else rng.randrange(len(SERVICES))
        length = SERVICES[service][2]
        placed = None
        day = _nearest_working_day(provider, day, profile.weekday)
        for delta in (0, 7, 1, -1, 2, 14):  # same weekday first, then nearby days
            candidate = day + timedelta(days=delta)
            start = book.place(provider, candidate, profile.minute, length)
            if start is not None:
                placed = (candidate, start)
                break
        if placed is None:
            day += timedelta(days=7)
            continue
        day, start = placed
        future = day > today or (day == today and start >= now_minute)
        if future and day > horizon:
            break
        if future and not visits:
            break  # a client's first visit is in the past
        if future and rng.random() < 0.35 and visits and visits[-1][4] == Status.COMPLETED:
            break  # has not booked the next visit yet: a rebooking opportunity
        status = _status(rng, future, day, today)
        book.take(provider, day, start, start + length)
        visits.append((provider, day, start, service, status))
        if status in (Status.CANCELLED, Status.LATE_CANCELLED, Status.NO_SHOW) and not future:
            day += timedelta(days=rng.randrange(5, 12))  # rebooks soon after
            continue
        if profile.kind == "irregular":
            gap = rng.randrange(60, 150)
        else:
            weeks = min(8, max(3, profile.interval_weeks + rng.choice((-1, 0, 0, 0, 0, 1))))
            gap = weeks * 7 + (rng.choice((-2, -1, 1, 2)) if rng.random() < 0.25 else 0)
        day += timedelta(days=gap)
    return visits


def _status(rng: random.Random, future: bool, day: date, today: date) -> str:
    roll = rng.random()
    if future:
        if roll < 0.04:
            return Status.CANCELLED
        return Status.CONFIRMED if (day - today).days <= 2 and roll < 0.6 else Status.BOOKED
    if roll < 0.05:
        return Status.CANCELLED
    if roll < 0.08:
        return Status.LATE_CANCELLED
    if roll < 0.11:
        return Status.NO_SHOW
    return Status.COMPLETED


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


@transaction.atomic
def seed_account(
    *,
    platform: str,
    account_id: str,
    name: str,
    timezone: str = "America/New_York",
    username: str,
    password: str,
    branch_id: str = "",
    webhook_url: str = "",
    webhook_secret: str = "",
    region: str = "",
    seed: int = 0,
    clients: int = 300,
    months_back: int = 18,
    months_ahead: int = 1,
    now: datetime | None = None,
) -> Account:
    """The demo business on one platform, created with its data once (idempotent: an existing
    account with data only gets its credentials, region and webhook settings updated). ``region``
    (Vagaro) empty keeps the model's default, us02."""
    credentials = {
        "username": username,
        "password": password,
        "webhook_url": webhook_url,
        "webhook_secret": webhook_secret,
        **({"region": region} if region else {}),
    }
    account, _ = Account.objects.update_or_create(
        platform=platform,
        account_id=account_id,
        defaults=credentials,
        create_defaults={
            "name": name,
            "timezone": timezone,
            "branch_id": branch_id,
            **credentials,
        },
    )
    if account.providers.exists():
        return account
    _generate(account, random.Random(seed), clients, months_back, months_ahead, now)  # noqa: S311
    return account


def _generate(account: Account, rng: random.Random, client_count: int, months_back: int,
              months_ahead: int, now: datetime | None) -> None:  # fmt: skip
    tz = ZoneInfo(account.timezone)
    now = now or timezone.now()
    now_local = now.astimezone(tz)
    today = now_local.date()
    first_day = _add_months(today, -months_back)
    horizon = _add_months(today, months_ahead)
    platform = account.platform
    ids: set[str] = set()

    def ext(kind: str) -> str:
        value = unique_ext_id(platform, kind, ids)
        ids.add(value)
        return value

    providers = Provider.objects.bulk_create(
        Provider(
            account=account,
            ext_id=ext("staff"),
            first_name=first,
            last_name=last,
            working_hours={str(day): list(span) for day, span in sorted(hours.items())},
        )
        for first, last, hours, _ in PROVIDERS
    )
    services = Service.objects.bulk_create(
        Service(
            account=account,
            ext_id=ext("service"),
            name=label,
            category=category,
            duration_minutes=minutes,
            price=Decimal(price),
        )
        for label, category, minutes, price, _ in SERVICES
    )
    book = _Book()
    plans = []
    for number in range(client_count):
        profile = _profile(rng, first_day, today)
        plans.append((number, profile, _plan_visits(rng, profile, book, now_local, horizon)))

    client_rows = []
    for number, profile, visits in plans:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        first_seen = _at(visits[0][1] if visits else profile.first, 9 * 60, tz)
        created = first_seen - timedelta(days=rng.randrange(0, 15), minutes=rng.randrange(600))
        created = min(created, now)
        updated = created
        if rng.random() < 0.3:  # some details changed since
            updated = min(created + timedelta(days=rng.randrange(1, 300)), now)
        client_rows.append(
            Client(
                account=account,
                ext_id=ext("client"),
                first_name=first,
                last_name=last,
                email=f"{first}.{last}{number}@example.com".lower(),
                phone=f"+1{rng.choice(AREA_CODES)}555{rng.randrange(10000):04d}",
                email_opt_in=rng.random() < 0.85,
                sms_opt_in=rng.random() < 0.7,
                created_at=created,
                updated_at=updated,
            )
        )
    clients = Client.objects.bulk_create(client_rows, batch_size=500)

    appointments = []
    for (_, _, visits), client in zip(plans, clients, strict=True):
        for provider, day, minute, service, status in visits:
            start = _at(day, minute, tz)
            end = start + timedelta(minutes=SERVICES[service][2])
            booked = min(start - timedelta(days=rng.randrange(1, 35), hours=rng.randrange(9)), now)
            booked = max(booked, client.created_at)
            if status in (Status.CANCELLED,):
                updated = start - timedelta(days=rng.randrange(2, 8))
            elif status == Status.LATE_CANCELLED:
                updated = start - timedelta(hours=rng.randrange(2, 20))
            elif status in (Status.COMPLETED, Status.NO_SHOW):
                updated = end + timedelta(minutes=rng.randrange(5, 90))
            else:
                updated = booked
            updated = min(max(updated, booked), now)
            appointments.append(
                Appointment(
                    account=account,
                    ext_id=ext("appointment"),
                    client=client,
                    provider=providers[provider],
                    service=services[service],
                    start=start,
                    end=end,
                    status=status,
                    created_at=booked,
                    updated_at=updated,
                )
            )
    Appointment.objects.bulk_create(appointments, batch_size=1000)
