"""One simulated salon day per platform against the in-process sandbox emulators, counting the
platform calls SalonSync makes (bench/api_budget.py prints it; tests/sync/test_budget_day.py runs
it small so it cannot rot).

What a day is (issue 19 item 4), per platform, one salon each:
- before it: the sandbox business is seeded and SalonSync's first sync (the baseline; Vagaro's
  backfill) runs; its calls are reported apart and the day's count starts after it;
- the salon's hours: the front desk books, changes (confirmations, then completions of today's
  visits), cancels and marks no-shows through the sandbox's own calendar functions
  (sandbox/calendar.py), so Mindbody and Vagaro send their webhooks (Phorest sends none); the
  webhooks reach SalonSync's /webhooks/ receivers in-process and are stored and processed by
  webhooks/services.py, hints re-read from the platform included; cancellations become rebooking
  suggestions (their availability reads count); the owner logs in and opens the dashboard, the
  suggestions and the integration pages a few times, and accepts suggestions through the page's
  accept button (rebooking/accept.py: a booking on the platform, whose webhook comes back);
- the schedules as salonsync/schedules.py sets them: the 15-minute incremental fan-out
  (integrations.sync.sync_fan_out) ``runs`` times across the day with the health check that
  steers it, the token refresh every 10 minutes, the webhook sweep and the sandbox's own delivery
  retries every 5 minutes, and the nightly reconciliation at 07:00 UTC, which closes the day.

Time: the clock is simulated with time-machine (every datetime.now/time.time in the process,
Django's timezone.now and the emulators' clocks included): it jumps to each event's time and runs
on in real time from there, so the syncs' cursors, the 6-hour light check, tokens' expiry, the
24-hour late-cancel rule and "today" are those of the simulated day. Celery tasks run in-process
(no broker), in order. ``before`` replays the policy from before issue 19: every integration
synced on every 15-minute run.

At the end each platform's mirror (MirroredAppointment, not deleted) is compared with the
emulator's books (sandbox Appointment, not deleted) over the window the first sync filled
(integrations/sync.py FULL_DAYS_BACK .. FULL_DAYS_AHEAD): status, start, client, provider and
service, with each platform's statuses read as its API can say them (STATUS_AS_READ).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

PLATFORMS = ("mindbody", "vagaro", "phorest")
ZONE = "America/New_York"
ORIGIN = "http://sandbox.test"  # sandbox/transport.py's; imported late (it needs Django)
MINDBODY_SIGNATURE_KEY = "bench-mindbody-signature-key"
VAGARO_TOKEN = "bench-vagaro-verification-token"  # noqa: S105 (the sandbox's, not a secret)
ACCOUNTS = {
    "mindbody": {"account_id": "-99001", "username": "bench.staff", "password": "bench-mb-pw"},
    "vagaro": {"account_id": "bEnChVaGaRo==", "username": "bench-vg", "password": "bench-vg-pw"},
    "phorest": {
        "account_id": "bEnChBuDgEt00001",
        "branch_id": "bEnChBrAnCh00001",
        "username": "global/budget@salonsync.example",
        "password": "bench-ph-pw",
    },
}
# Targets per salon per day (issue 19).
TARGETS = {"mindbody": 150, "vagaro": 160, "phorest": 400}
# The emulator's status as the platform's API can say it, then as the adapter reads it: Vagaro's
# read and webhook vocabularies have one word for booked and confirmed, and no late cancel
# (sandbox/platforms/vagaro.py READ_STATUS, BOOKING_STATUS; integrations/adapters/vagaro.py
# STATUS_MAP); Phorest records no late cancel (sandbox/platforms/phorest.py APPOINTMENT_STATES).
STATUS_AS_READ = {
    "mindbody": {},
    "vagaro": {"booked": "confirmed", "late_cancelled": "cancelled"},
    "phorest": {"late_cancelled": "cancelled"},
}
# --before: what the adapters did then, where an option can say it (Phorest's changed-since read
# looked 365 days ahead until commit 227841e made it 90).
BEFORE_OPTIONS = {"phorest": {"changed_future_days": 365}}
# The nightly reconciliation's hour (salonsync/schedules.py): the simulated day ends with it.
NIGHTLY_UTC = time(7, 0)
OPENS, CLOSES = time(8, 30), time(19, 30)  # the front desk's day, local
# The calls a desk change brings: its webhook's processing, and a cancellation's suggestions.
DESK = "webhooks, suggestions"
SAME_DAY = 0.3  # the share of the day's bookings that are for the same day


@dataclass(frozen=True)
class DayPlan:
    clients: int = 200
    months_back: int = 18
    bookings: int = 40
    changes: int = 10
    cancellations: int = 6
    no_shows: int = 2
    accepts: int = 3
    visits: int = 3
    runs: int = 96  # 15-minute runs in the day (fewer: spread evenly over the day)
    before: bool = False
    seed: int = 77
    day: date | None = None  # the local date; default: next Wednesday (a full working day)
    # Integration options per platform, to try a setting (e.g. Phorest's changed_past_days).
    options: dict[str, dict] = field(default_factory=dict)


@dataclass
class PlatformDay:
    platform: str
    salon: object
    integration: object
    account: object
    owner: object
    browser: object  # the owner's django.test.Client, logged in
    rng: random.Random
    first_sync: int = 0
    calls: Counter = field(default_factory=Counter)  # the day's calls by what made them
    done: Counter = field(default_factory=Counter)  # front-desk and owner actions done
    notes: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    # The same comparison just before the nightly reconciliation: what webhooks and the
    # 15-minute syncs alone kept exact.
    differences_before_nightly: list[str] = field(default_factory=list)
    webhooks: Counter = field(default_factory=Counter)  # stored deliveries by status

    @property
    def day_calls(self) -> int:
        return sum(self.calls.values())


# -- the environment -------------------------------------------------------------------------
@contextmanager
def sandbox_routes() -> Iterator[None]:
    """Every adapter session and the sandbox's webhook sender reach this process: platforms at
    /sandbox/..., SalonSync's receivers at /webhooks/... (as tests/conftest.py sandbox_http)."""
    import requests
    from django.test import override_settings

    import sandbox.webhooks
    from sandbox.transport import DjangoClientAdapter

    transport = DjangoClientAdapter()

    class RoutedSession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.mount(ORIGIN, transport)

    mounted = dict(sandbox.webhooks.SESSION.adapters)
    sandbox.webhooks.SESSION.mount(ORIGIN, transport)
    routes = override_settings(
        MINDBODY_API_URL=f"{ORIGIN}/sandbox/mindbody",
        MINDBODY_API_KEY="sandbox-developer-key",
        MINDBODY_WEBHOOK_SIGNATURE_KEY=MINDBODY_SIGNATURE_KEY,
        VAGARO_API_URL=f"{ORIGIN}/sandbox/vagaro",
        PHOREST_API_URL=f"{ORIGIN}/sandbox/phorest/third-party-api-server/api/business",
        PHOREST_US_API_URL=f"{ORIGIN}/sandbox/phorest-us/third-party-api-server/api/business",
        SALONSYNC_PUBLIC_URL=ORIGIN,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",  # digests: not printed
    )
    try:
        with routes, mock.patch("integrations.adapters.http.requests.Session", RoutedSession):
            yield
    finally:
        sandbox.webhooks.SESSION.adapters.clear()
        sandbox.webhooks.SESSION.adapters.update(mounted)


def default_day(today: date) -> date:
    """The next Wednesday after ``today``: every seeded stylist but one works it."""
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


# -- the day ---------------------------------------------------------------------------------
def run_day(plan: DayPlan, log: Callable[[str], None] = lambda _line: None) -> list[PlatformDay]:
    """Seed, first-sync and live one day on every platform; the mirror compared at the end.
    Needs Django set up and a database; changes the clock only inside."""
    import time_machine
    from django.utils import timezone

    zone = ZoneInfo(ZONE)
    local_day = plan.day or default_day(timezone.now().astimezone(zone).date())
    day_start = datetime.combine(local_day, NIGHTLY_UTC, UTC)  # after the last nightly run
    day_end = day_start + timedelta(days=1)
    with sandbox_routes(), time_machine.travel(day_start - timedelta(hours=1), tick=True) as clock:
        days = [set_up_salon(platform, plan, log) for platform in PLATFORMS]
        for pd in days:
            _first_sync(pd, log)
        steps = _timeline(plan, local_day, day_start, day_end)
        log(f"the day: {local_day:%a %d %b %Y} ({ZONE}), {len(steps)} scheduled steps")
        for at, name, kind in steps:
            clock.move_to(max(at, timezone.now()))  # never back: earlier steps ran in real time
            before = [_calls(pd) for pd in days]
            for pd in days:
                ACTIONS[name](pd, plan)
            for pd, count in zip(days, before, strict=True):  # a step may serve every platform
                pd.calls[kind] += _calls(pd) - count
        for pd in days:
            _finish(pd)
    return days


def _timeline(plan: DayPlan, local_day: date, start: datetime, end: datetime):
    """[(when, action, call category)], sorted; the front desk's times drawn from the seed."""
    zone = ZoneInfo(ZONE)
    rng = random.Random(plan.seed)

    def desk(count: int, opens: time = OPENS, closes: time = CLOSES) -> list[datetime]:
        first = datetime.combine(local_day, opens, zone)
        span = (datetime.combine(local_day, closes, zone) - first).total_seconds()
        return [first + timedelta(seconds=rng.uniform(0, span)) for _ in range(count)]

    steps = []
    for minutes in range(0, 24 * 60, 5):
        at = start + timedelta(minutes=minutes, seconds=30)
        steps.append((at, "housekeeping", DESK))
        if minutes % 10 == 0:
            steps.append((at, "tokens", "tokens"))
    every = timedelta(days=1) / plan.runs
    steps += [(start + i * every, "sync", "15-min syncs") for i in range(plan.runs)]
    steps += [(t, "book", DESK) for t in desk(plan.bookings)]
    confirms = plan.changes - plan.changes // 2
    steps += [(t, "confirm", DESK) for t in desk(confirms)]
    steps += [(t, "complete", DESK) for t in desk(plan.changes - confirms, time(13, 0))]
    steps += [(t, "cancel", DESK) for t in desk(plan.cancellations, closes=time(14, 0))]
    steps += [(t, "no_show", DESK) for t in desk(plan.no_shows, time(11, 0), time(17, 0))]
    steps += [(t, "accept", "accepts") for t in desk(plan.accepts, time(14, 30))]
    steps += [(t, "visit", "pages") for t in desk(plan.visits)]
    steps.append((end, "nightly", "nightly reconciliation"))
    order = {"sync": 0, "tokens": 1, "housekeeping": 2}
    return sorted(steps, key=lambda s: (s[0], order.get(s[1], 3)))


def _calls(pd: PlatformDay) -> int:
    from integrations.models import ApiCall

    return ApiCall.objects.filter(integration=pd.integration).count()


# -- set-up ----------------------------------------------------------------------------------
def set_up_salon(platform: str, plan: DayPlan, log) -> PlatformDay:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from integrations.models import Integration, IntegrationStatus, Membership, Salon
    from sandbox.data import seed_account
    from sandbox.models import Account

    slug = f"budget-{platform}"
    username = f"budget-owner-{platform}"
    Salon.objects.filter(slug=slug).delete()
    Account.objects.filter(platform=platform, account_id=ACCOUNTS[platform]["account_id"]).delete()
    get_user_model().objects.filter(username=username).delete()
    salon = Salon.objects.create(name=f"Budget Salon ({platform})", slug=slug, timezone=ZONE)
    owner = get_user_model().objects.create_user(username=username)
    Membership.objects.create(user=owner, salon=salon, role="owner")
    ids = ACCOUNTS[platform]
    account = seed_account(
        platform=platform,
        name=f"Budget Salon ({platform})",
        timezone=ZONE,
        seed=plan.seed,
        clients=plan.clients,
        months_back=plan.months_back,
        months_ahead=1,
        **ids,
    )
    if platform == "mindbody":
        account_ids, options = {"site_id": ids["account_id"]}, {}
        credentials = {"username": ids["username"], "password": ids["password"]}
    elif platform == "vagaro":
        account_ids = {"region": "us02", "business_id": ids["account_id"]}
        options = {"write_access": True}  # what the connection test finds on the sandbox
        credentials = {
            "client_id": ids["username"],
            "client_secret": ids["password"],
            "webhook_token": VAGARO_TOKEN,
        }
    else:
        account_ids = {"business_id": ids["account_id"], "branch_id": ids["branch_id"]}
        options = {}
        credentials = {"username": ids["username"], "password": ids["password"]}
    integration = Integration(
        salon=salon,
        platform=platform,
        account=account_ids,
        options={
            **options,
            **(BEFORE_OPTIONS.get(platform, {}) if plan.before else {}),
            **plan.options.get(platform, {}),
        },
        status=IntegrationStatus.CONNECTED,
        account_name=account.name,
    )
    integration.credentials = credentials
    integration.save()
    if platform == "mindbody":  # the app-wide subscription (docs/platforms/mindbody.md §6)
        account.webhook_url = f"{ORIGIN}/webhooks/mindbody/"
        account.webhook_secret = MINDBODY_SIGNATURE_KEY
    elif platform == "vagaro":  # the URL and token the owner pastes on Vagaro's Webhooks tab
        account.webhook_url = f"{ORIGIN}/webhooks/vagaro/{integration.pk}/"
        account.webhook_secret = VAGARO_TOKEN
    account.save()
    browser = Client()
    browser.force_login(owner)
    log(f"{platform}: seeded {plan.clients} clients, {account.appointments.count()} appointments")
    return PlatformDay(
        platform=platform,
        salon=salon,
        integration=integration,
        account=account,
        owner=owner,
        browser=browser,
        rng=random.Random(f"{plan.seed}-{platform}"),
    )


def _first_sync(pd: PlatformDay, log) -> None:
    from integrations.sync import sync_run

    run = sync_run(integration=pd.integration)
    if run.state != "succeeded":
        raise RuntimeError(f"{pd.platform}: the first sync {run.state}: {run.error}")
    pd.integration.refresh_from_db()
    pd.first_sync = _calls(pd)
    log(f"{pd.platform}: first sync {pd.first_sync} calls")


# -- the schedules ---------------------------------------------------------------------------
def _sync(pd: PlatformDay, plan: DayPlan) -> None:
    from integrations.health import integration_health_check
    from integrations.sync import sync_fan_out, sync_run

    integration_health_check(pd.integration)  # every 15 minutes too; it steers the fan-out
    due = sync_fan_out("reconcile" if plan.before else "incremental")
    if due.filter(pk=pd.integration.pk).exists():
        _succeeded(pd, sync_run(integration=pd.integration), "a 15-minute sync")


def _nightly(pd: PlatformDay, plan: DayPlan) -> None:
    from integrations.sync import sync_fan_out, sync_run

    pd.differences_before_nightly = mirror_differences(pd.integration, pd.account)
    if sync_fan_out("reconcile").filter(pk=pd.integration.pk).exists():
        _succeeded(pd, sync_run(integration=pd.integration, kind="reconcile"), "the nightly run")


def _tokens(pd: PlatformDay, plan: DayPlan) -> None:
    from integrations.sync import integration_token_refresh, token_refresh_due

    if token_refresh_due().filter(pk=pd.integration.pk).exists():
        pd.integration.refresh_from_db()
        integration_token_refresh(integration=pd.integration)
        pd.done["token refreshes"] += 1


def _housekeeping(pd: PlatformDay, plan: DayPlan) -> None:
    """The webhook sweep (failed events whose retry is due) and the sandbox's own retries."""
    from sandbox.webhooks import retry_due_webhooks
    from webhooks.services import webhook_sweep

    if pd.platform == PLATFORMS[0]:  # both are global: once per step
        webhook_sweep()
        retry_due_webhooks()


def _succeeded(pd: PlatformDay, run, what: str) -> None:
    pd.integration.refresh_from_db()
    if run.state != "succeeded":
        pd.notes.append(f"{what} {run.state}: {run.error}")


# -- the front desk --------------------------------------------------------------------------
def _now():
    from django.utils import timezone

    return timezone.now()


def _today(pd: PlatformDay):
    """[start, end) of the salon's local today."""
    zone = ZoneInfo(ZONE)
    start = datetime.combine(_now().astimezone(zone).date(), time(), zone)
    return start, start + timedelta(days=1)


def _pick(pd: PlatformDay, rows, what: str):
    rows = list(rows[:40])
    if not rows:
        pd.notes.append(f"no appointment to {what} at {_now():%H:%M} UTC")
        return None
    return pd.rng.choice(rows)


def _book(pd: PlatformDay, plan: DayPlan) -> None:
    from sandbox import calendar
    from sandbox.data import new_ext_id

    account, rng = pd.account, pd.rng
    today = _now().astimezone(ZoneInfo(ZONE)).date()
    for _ in range(20):
        # About a third are for later today (the phone, walk-ins): they are what the afternoon
        # checks out or marks as no-shows; the rest within three weeks.
        day = today + timedelta(days=0 if rng.random() < SAME_DAY else rng.randint(1, 21))
        slots = calendar.open_slots(account, day, day)
        if slots:
            break
    else:
        pd.notes.append("no open slot to book in three weeks")
        return
    slot = rng.choice(slots)
    client = rng.choice(list(account.clients.order_by("pk")))
    ext_id = new_ext_id(pd.platform, "appointment")
    while account.appointments.filter(ext_id=ext_id).exists():
        ext_id = new_ext_id(pd.platform, "appointment")
    calendar.book(
        client=client, provider=slot.provider, service=slot.service, start=slot.start, ext_id=ext_id
    )
    pd.done["booked"] += 1


def _confirm(pd: PlatformDay, plan: DayPlan) -> None:
    from sandbox import calendar
    from sandbox.models import Status

    now = _now()
    rows = pd.account.appointments.filter(
        deleted=False, status=Status.BOOKED, start__gte=now + timedelta(days=1)
    ).order_by("start", "pk")
    appointment = _pick(pd, rows, "confirm")
    if appointment is not None:
        calendar.set_status(appointment, Status.CONFIRMED)
        pd.done["changed"] += 1


def _complete(pd: PlatformDay, plan: DayPlan) -> None:
    """A visit of today that has ended is checked out (a change); none: a confirmation."""
    from sandbox import calendar
    from sandbox.models import ACTIVE, Status

    start, _ = _today(pd)
    rows = pd.account.appointments.filter(
        deleted=False, status__in=ACTIVE, start__gte=start, end__lte=_now()
    ).order_by("-end", "pk")
    appointment = _pick(pd, rows, "complete")
    if appointment is None:
        _confirm(pd, plan)
        return
    calendar.set_status(appointment, Status.COMPLETED)
    pd.done["changed"] += 1


def _cancel(pd: PlatformDay, plan: DayPlan) -> None:
    """A client with a finished visit behind them cancels one of the next two weeks (the 24-hour
    rule decides late or not), so rebooking has a rhythm to suggest from."""
    from django.db.models import Exists, OuterRef

    from sandbox import calendar
    from sandbox.models import ACTIVE, Appointment, Status

    now = _now()
    visited = Appointment.objects.filter(
        client=OuterRef("client"), status=Status.COMPLETED, start__lt=now
    )
    rows = (
        pd.account.appointments.filter(
            deleted=False,
            status__in=ACTIVE,
            start__gte=now + timedelta(days=1),
            start__lt=now + timedelta(days=14),
        )
        .filter(Exists(visited))
        .order_by("start", "pk")
    )
    appointment = _pick(pd, rows, "cancel")
    if appointment is not None:
        calendar.cancel(appointment)
        pd.done["cancelled"] += 1


def _no_show(pd: PlatformDay, plan: DayPlan) -> None:
    from sandbox import calendar
    from sandbox.models import ACTIVE, Status

    start, _ = _today(pd)
    rows = pd.account.appointments.filter(
        deleted=False,
        status__in=ACTIVE,
        start__gte=start,
        start__lte=_now() - timedelta(minutes=15),
    ).order_by("-start", "pk")
    appointment = _pick(pd, rows, "mark as a no-show")
    if appointment is not None:
        calendar.set_status(appointment, Status.NO_SHOW)
        pd.done["no-shows"] += 1


# -- the owner -------------------------------------------------------------------------------
def _pages(pd: PlatformDay) -> list[str]:
    from django.urls import reverse

    slug = pd.salon.slug
    return [
        reverse("salon_detail", args=[slug]),
        reverse("rebooking_suggestions", args=[slug]),
        reverse("integration_list", args=[slug]),
        reverse("integration_detail", args=[slug, pd.integration.pk]),
    ]


def _visit(pd: PlatformDay, plan: DayPlan) -> None:
    for url in _pages(pd):
        answer = pd.browser.get(url)
        if answer.status_code != 200:
            pd.notes.append(f"GET {url} answered {answer.status_code}")
    pd.done["page visits"] += 1


def _accept(pd: PlatformDay, plan: DayPlan) -> None:
    """The owner presses "Book" on the oldest open suggestion that has options; when the
    platform refuses (the opening was taken since), the page marks it taken and offers the next
    option, and the owner presses again, up to three times, then turns to the next one."""
    from django.urls import reverse

    from rebooking.models import RebookingSuggestion, SuggestionStatus

    open_ones = (
        RebookingSuggestion.objects.filter(integration=pd.integration, status=SuggestionStatus.OPEN)
        .exclude(options=[])
        .order_by("created_at", "pk")
    )
    for suggestion in open_ones[:3]:
        url = reverse("rebooking_suggestion_accept", args=[pd.salon.slug, suggestion.pk])
        offered = [i for i, o in enumerate(suggestion.options) if not o.get("taken")]
        for option in offered[:3]:  # the page shows a refused option as taken
            pd.browser.post(url, {"option": option})
            suggestion.refresh_from_db()
            if suggestion.status == SuggestionStatus.ACCEPTED:
                pd.done["accepted"] += 1
                return
            pd.notes.append(f"suggestion {suggestion.pk} option {option}: {suggestion.last_error}")
            if suggestion.status != SuggestionStatus.OPEN:
                break
    pd.notes.append(f"nothing accepted at {_now():%H:%M} UTC")


ACTIONS: dict[str, Callable[[PlatformDay, DayPlan], None]] = {
    "sync": _sync,
    "nightly": _nightly,
    "tokens": _tokens,
    "housekeeping": _housekeeping,
    "book": _book,
    "confirm": _confirm,
    "complete": _complete,
    "cancel": _cancel,
    "no_show": _no_show,
    "visit": _visit,
    "accept": _accept,
}


# -- the end of the day ----------------------------------------------------------------------
def _finish(pd: PlatformDay) -> None:
    from django.db.models import Count

    from rebooking.models import RebookingSuggestion
    from webhooks.models import WebhookEvent

    rows = WebhookEvent.objects.filter(integration=pd.integration).values("status")
    pd.webhooks = Counter({r["status"]: r["n"] for r in rows.annotate(n=Count("pk"))})
    pd.done["suggestions"] = RebookingSuggestion.objects.filter(integration=pd.integration).count()
    pd.differences = mirror_differences(pd.integration, pd.account)


def mirror_differences(integration, account) -> list[str]:
    """Where the mirror and the emulator's books disagree, over the window the first sync read."""
    from integrations.models import MirroredAppointment
    from integrations.sync import FULL_DAYS_AHEAD, FULL_DAYS_BACK
    from sandbox.models import Appointment

    now = _now()
    start, end = now - timedelta(days=FULL_DAYS_BACK), now + timedelta(days=FULL_DAYS_AHEAD)
    as_read = STATUS_AS_READ[integration.platform]
    books = {
        a.ext_id: (
            as_read.get(a.status, a.status),
            a.start,
            a.client.ext_id,
            a.provider.ext_id,
            a.service.ext_id,
        )
        for a in Appointment.objects.filter(
            account=account, deleted=False, start__gte=start, start__lt=end
        ).select_related("client", "provider", "service")
    }
    mirror = {
        m.platform_id: (m.status, m.start, m.customer_ref, m.provider_ref, m.service_ref)
        for m in MirroredAppointment.objects.filter(
            integration=integration, deleted=False, start__gte=start, start__lt=end
        )
    }
    names = ("status", "start", "client", "provider", "service")
    differences = [f"{pid}: on the platform, not in the mirror" for pid in books.keys() - mirror]
    differences += [f"{pid}: in the mirror, not on the platform" for pid in mirror.keys() - books]
    for pid in sorted(books.keys() & mirror.keys()):
        for name, theirs, ours in zip(names, books[pid], mirror[pid], strict=True):
            if theirs != ours:
                differences.append(f"{pid}: {name} {ours} in the mirror, {theirs} on the platform")
    return sorted(differences)
