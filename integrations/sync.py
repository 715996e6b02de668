"""Syncs: pull each integration's platform data into the mirror, page by page, and emit the
normalized events for the changes they discover (the same events a webhook would bring).

Kinds (SyncRun.Kind):
- incremental (every 15 minutes): customers changed since the cursor; appointments changed since
  the cursor where the platform can filter by change time (Phorest), else the appointments of a
  bounded window around today (yesterday .. +30 days: Vagaro and Mindbody, whose webhooks carry
  the rest). The first sync of an integration (no cursor yet) is a full one, and a silent
  baseline: it announces nothing.
- reconcile (nightly): locations, services, providers, changed customers, and every appointment
  from 30 days back to 90 days ahead; appointments the mirror holds in that window that the
  platform no longer lists are marked deleted (appointment.deleted events).
- full ("Full resync"): everything, appointments from FULL_DAYS_BACK to FULL_DAYS_AHEAD.

Streaming: objects are read and written PAGE_SIZE at a time; nothing holds the whole result set.
Each page is one transaction (mirror upsert + events), so a domain handler that fails rolls its
page back and the next run finds the same changes again. Only rows that really changed are
written and announced, so a re-run (or an overlapping window) changes nothing.

The cursor advances only when a run succeeds: a run that fails (rate limits or 5xx beyond the
adapter's own retries) loses nothing, the next run (or the task's retry) reads from the same
cursor. Every run holds the integration's lock (integrations/locks.py); a run that finds it held
is recorded as skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from . import sync_by_customer as by_customer
from .adapters.errors import (
    ConfigurationError,
    IntegrationError,
    UnsupportedOperation,
)
from .adapters.registry import per_customer_platforms, webhook_platforms
from .booking import BookingService
from .events import EventService
from .locks import IntegrationLock
from .mirror import mirror_mark_deleted
from .models import (
    ApiCall,
    Integration,
    IntegrationIssue,
    IntegrationStatus,
    MirroredAppointment,
    SyncRun,
)

logger = logging.getLogger(__name__)

Kind = SyncRun.Kind
State = SyncRun.State

PAGE_SIZE = 500  # normalized objects per page (one transaction, a handful of queries)
# The next cursor is the read time minus this, so a platform clock a little behind ours loses
# nothing; what the overlap re-reads is unchanged and neither written nor announced.
CURSOR_OVERLAP = timedelta(minutes=2)
INCREMENTAL_DAYS_BACK, INCREMENTAL_DAYS_AHEAD = 1, 30  # platforms without changed-since
RECONCILE_DAYS_BACK, RECONCILE_DAYS_AHEAD = 30, 90
FULL_DAYS_BACK, FULL_DAYS_AHEAD = 730, 365
# Refuse to mark a whole window deleted because the platform listed nothing at all.
EMPTY_LISTING_GUARD = 10
# Syncs pause after this long of authentication failure, until the owner reconnects.
AUTH_PAUSE_AFTER = timedelta(days=3)
# A requested run whose task never started within this long is marked failed.
QUEUED_EXPIRY = timedelta(hours=1)
TOKEN_REFRESH_AHEAD = timedelta(minutes=30)
# "In use": a platform call this recently (the owner at work, a webhook being read).
TOKEN_IN_USE = timedelta(minutes=30)
# How often a platform whose webhooks arrive is still checked by the 15-minute sync.
LIGHT_CHECK_EVERY = timedelta(hours=6)

Progress = Callable[[SyncRun], None]


class SyncAborted(Exception):
    """The run cannot go on (lost its lock, an implausible platform answer); not retried."""


def sync_service_for(integration: Integration) -> BookingService:
    """The BookingService syncs use (tests replace this to reach the sandbox in-process)."""
    return BookingService(integration)


# -- who syncs --------------------------------------------------------------------------------
def _paused_for_auth() -> Exists:
    return Exists(
        IntegrationIssue.objects.filter(
            integration=OuterRef("pk"),
            kind=IntegrationIssue.Kind.AUTH_FAILING,
            resolved_at__isnull=True,
            opened_at__lte=timezone.now() - AUTH_PAUSE_AFTER,
        )
    )


def sync_eligible_integrations() -> QuerySet[Integration]:
    """Integrations the periodic syncs cover: connected (or in error, which is how they recover),
    and not needing re-authentication for more than AUTH_PAUSE_AFTER."""
    return (
        Integration.objects.exclude(
            status__in=[IntegrationStatus.DISABLED, IntegrationStatus.PENDING]
        )
        .annotate(paused=_paused_for_auth())
        .exclude(Q(status=IntegrationStatus.NEEDS_REAUTH) & Q(paused=True))
        .order_by("pk")
    )


def sync_fan_out(kind: str) -> QuerySet[Integration]:
    """The integrations a scheduled run of ``kind`` syncs. The nightly reconciliation covers
    every eligible one. The 15-minute incremental spends calls only where they buy something
    (issue 19: calls cost salons money):
    - platforms without webhooks (Phorest) every time, with their cheap changed-since reads;
    - platforms with webhooks (Mindbody) only as a light check every LIGHT_CHECK_EVERY while
      their webhooks flow, and every time while they fail or have gone silent (an open
      "webhooks failing" issue, integrations/health.py);
    - platforms read per customer (Vagaro): their webhooks and the nightly re-read keep them
      current, so only until their first backfill has finished (no cursor yet), which starts it
      and resumes it after an interruption.
    Any platform's first sync (no cursor) is always due."""
    eligible = sync_eligible_integrations()
    if kind != Kind.INCREMENTAL:
        return eligible
    now = timezone.now()
    failing = Exists(
        IntegrationIssue.objects.filter(
            integration=OuterRef("pk"),
            kind=IntegrationIssue.Kind.WEBHOOKS_FAILING,
            resolved_at__isnull=True,
        )
    )
    light_due = Q(last_sync_at__isnull=True) | Q(last_sync_at__lte=now - LIGHT_CHECK_EVERY)
    first_sync = Q(sync_cursor__isnull=True)
    with_webhooks = Q(platform__in=webhook_platforms())
    per_customer = Q(platform__in=per_customer_platforms())
    return eligible.annotate(webhooks_failing=failing).filter(
        first_sync
        | ~with_webhooks
        | (with_webhooks & ~per_customer & (Q(webhooks_failing=True) | light_due))
    )


def sync_skip_reason(integration: Integration) -> str:
    """Why this integration must not sync now ('' when it may)."""
    if integration.status == IntegrationStatus.DISABLED:
        return "This integration is disconnected: reconnect it to sync again."
    if integration.status == IntegrationStatus.PENDING:
        return "This integration is not connected yet."
    if (
        integration.status == IntegrationStatus.NEEDS_REAUTH
        and IntegrationIssue.objects.filter(
            integration=integration,
            kind=IntegrationIssue.Kind.AUTH_FAILING,
            resolved_at__isnull=True,
            opened_at__lte=timezone.now() - AUTH_PAUSE_AFTER,
        ).exists()
    ):
        return (
            f"{integration.platform_name} has refused the saved credentials for more than 3 days: "
            "syncing is paused until the owner reconnects."
        )
    return ""


# -- requests from the page, the admin and the API ---------------------------------------------
def sync_request(*, integration: Integration, kind: str = Kind.INCREMENTAL) -> SyncRun:
    """Record a requested sync and queue it (after the transaction commits). The run shows as
    waiting until a worker starts it; the caller gets its id at once."""
    from .tasks import sync_integration as sync_integration_task

    run = SyncRun.objects.create(integration=integration, kind=kind, counts={"queued": True})

    def enqueue() -> None:
        try:
            sync_integration_task.delay(str(integration.pk), str(kind), run.pk)
        except Exception:
            if SyncRun.objects.filter(pk=run.pk, state=State.RUNNING).exists():
                _finish(run, State.FAILED, "Could not queue the sync: the task queue is down.")
            raise

    transaction.on_commit(enqueue, robust=True)
    return run


# -- the sync itself --------------------------------------------------------------------------
def sync_run(
    *,
    integration: Integration,
    kind: str = Kind.INCREMENTAL,
    run: SyncRun | None = None,
    service: BookingService | None = None,
    progress: Progress | None = None,
    raise_retryable: bool = False,
) -> SyncRun:
    """Sync one integration under its lock. Returns the finished SyncRun (succeeded, failed or
    skipped). With ``raise_retryable`` (the Celery task), a RateLimitError/TransientError is
    re-raised after the failure is recorded, so the task retries with backoff."""
    if run is not None and run.state != State.RUNNING:
        run = None  # finished or cleaned up already (a retried task): record a new run
    reason = sync_skip_reason(integration)
    if reason:
        return _skipped(integration, kind, run, reason)
    lock = IntegrationLock(integration.pk, "sync")
    if not lock.acquire():
        return _skipped(integration, kind, run, "Another sync of this integration is running.")
    try:
        run = _start(integration, kind, run)
        try:
            syncer = _Syncer(
                integration=integration,
                run=run,
                service=service or sync_service_for(integration),
                lock=lock,
                progress=progress,
            )
            syncer.execute()
        except (IntegrationError, ConfigurationError, SyncAborted) as exc:
            _finish(run, State.FAILED, str(exc)[:500])
            logger.warning(
                "sync %s of integration %s failed: %s",
                run.kind,
                integration.pk,
                getattr(exc, "code", type(exc).__name__),
            )
            if raise_retryable and getattr(exc, "retryable", False):
                raise
            return run
        except Exception as exc:
            _finish(run, State.FAILED, f"Internal error ({type(exc).__name__}); see the logs.")
            logger.exception("sync %s of integration %s crashed", run.kind, integration.pk)
            raise
        _finish(run, State.SUCCEEDED)
        return run
    finally:
        lock.release()


def _start(integration: Integration, kind: str, run: SyncRun | None) -> SyncRun:
    now = timezone.now()
    # We hold the lock, so no other run of this integration is really running: close the ones
    # a dead worker left behind, and requests whose task never came.
    others = SyncRun.objects.filter(integration=integration, state=State.RUNNING)
    if run is not None:
        others = others.exclude(pk=run.pk)
    others.exclude(counts__has_key="queued").update(
        state=State.FAILED,
        finished_at=now,
        error="Interrupted: the worker stopped before the sync finished.",
    )
    others.filter(counts__has_key="queued", started_at__lt=now - QUEUED_EXPIRY).update(
        state=State.FAILED, finished_at=now, error="Never started: the queued task was lost."
    )
    if run is None:
        return SyncRun.objects.create(integration=integration, kind=kind, counts={})
    run.kind, run.counts, run.started_at = kind, {}, now  # the wait in the queue is not its time
    run.save(update_fields=["kind", "counts", "started_at"])
    return run


def _skipped(integration: Integration, kind: str, run: SyncRun | None, reason: str) -> SyncRun:
    if run is None:
        run = SyncRun(integration=integration, kind=kind)
    run.state, run.error, run.finished_at = State.SKIPPED, reason[:500], timezone.now()
    run.counts = {}
    run.save()
    logger.info("sync %s of integration %s skipped: %s", kind, integration.pk, reason)
    return run


def _finish(run: SyncRun, state: str, error: str = "") -> None:
    run.state, run.error, run.finished_at = state, error, timezone.now()
    run.counts = {k: v for k, v in (run.counts or {}).items() if k != "queued"}
    run.save(update_fields=["state", "error", "finished_at", "counts"])


@dataclass
class _Syncer:
    integration: Integration
    run: SyncRun
    service: BookingService
    lock: IntegrationLock
    progress: Progress | None = None
    read_at: datetime = field(default_factory=timezone.now)
    counts: dict[str, int] = field(default_factory=dict)
    # The first sync of an integration is its baseline: it fills the mirror silently. History
    # read then (18 months of cancellations) is not news a webhook would ever have brought, and
    # announcing it would set rebooking (and the "webhooks silent" health check) off on all of it.
    announce: bool = True

    def execute(self) -> None:
        integration, adapter = self.integration, self.service.adapter
        cursor = integration.sync_cursor
        kind = self.run.kind
        if kind == Kind.INCREMENTAL and cursor is None:
            kind = Kind.FULL  # the first sync reads everything
        self.announce = cursor is not None
        if not self.announce:
            self.counts["baseline"] = 1
        self.counts.update(
            {k: 0 for k in ("appointments", "customers", "created", "updated", "events")}
        )
        if kind in (Kind.FULL, Kind.RECONCILE):
            self.sync_stream(adapter.iter_locations)
            self.sync_stream(adapter.iter_services)
            self.sync_stream(adapter.iter_providers)
            self.keep_facts(adapter.learned_facts())
        if not adapter.connection_capabilities().appointments_by_date:
            by_customer.SYNCS[kind](self)  # the customers come with the walk
        else:
            self.sync_by_date(kind, cursor)
        values: dict[str, Any] = {"last_sync_at": timezone.now()}
        if kind != Kind.RECONCILE:  # a window does not cover every change since the cursor
            values["sync_cursor"] = self.read_at - CURSOR_OVERLAP
        Integration.objects.filter(pk=integration.pk).update(**values)
        for name, value in values.items():
            setattr(integration, name, value)
        EventService.sync_finished(integration=integration, kind=kind)

    def keep_facts(self, facts: dict[str, Any]) -> None:
        """Save what the catalog read established (e.g. the branch's zone) where it changed."""
        options = self.integration.options or {}
        if all(options.get(k) == v for k, v in facts.items()):
            return
        with transaction.atomic():
            row = (
                Integration.objects.select_for_update().only("options").get(pk=self.integration.pk)
            )
            merged = {**(row.options or {}), **facts}
            Integration.objects.filter(pk=row.pk).update(options=merged)
        self.integration.options = merged

    def sync_by_date(self, kind: str, cursor: datetime | None) -> None:
        adapter = self.service.adapter
        since = None if kind == Kind.FULL else cursor
        self.sync_stream(lambda: adapter.iter_customers(changed_since=since))
        if kind == Kind.FULL:
            self.sync_window(FULL_DAYS_BACK, FULL_DAYS_AHEAD)
        elif kind == Kind.RECONCILE:
            self.reconcile()
        else:
            try:
                self.sync_stream(lambda: adapter.iter_changed_appointments(since=cursor))
            except UnsupportedOperation:
                self.sync_window(INCREMENTAL_DAYS_BACK, INCREMENTAL_DAYS_AHEAD)

    # -- windows -------------------------------------------------------------------------------
    def _today(self) -> date:
        return self.read_at.astimezone(self._zone()).date()

    def _zone(self) -> ZoneInfo:
        return getattr(self.service.adapter, "tz", None) or ZoneInfo("UTC")

    def sync_window(self, back: int, ahead: int, seen: set[str] | None = None) -> None:
        today = self._today()
        start, end = today - timedelta(days=back), today + timedelta(days=ahead)
        self.sync_stream(lambda: self.service.adapter.iter_appointments(start, end), seen=seen)

    def reconcile(self) -> None:
        """Read the window (a day wider on each side than the one judged, so time-zone edges
        never make an appointment look missing), then mark what the platform no longer has."""
        seen: set[str] = set()
        self.sync_window(RECONCILE_DAYS_BACK + 1, RECONCILE_DAYS_AHEAD + 1, seen=seen)
        today, zone = self._today(), self._zone()
        window_start = datetime.combine(today - timedelta(days=RECONCILE_DAYS_BACK), time(), zone)
        window_end = datetime.combine(today + timedelta(days=RECONCILE_DAYS_AHEAD), time(), zone)
        self.run.window_start, self.run.window_end = window_start, window_end
        self.run.save(update_fields=["window_start", "window_end"])
        candidates = (
            MirroredAppointment.objects.filter(
                integration=self.integration,
                deleted=False,
                start__gte=window_start,
                start__lt=window_end,
            )
            .exclude(version_at__gt=self.read_at)  # applied by a webhook while we read
            .values_list("platform_id", flat=True)
        )
        missing = [pid for pid in candidates.iterator(chunk_size=2000) if pid not in seen]
        if not seen and len(missing) > EMPTY_LISTING_GUARD:
            raise SyncAborted(
                f"{self.integration.platform_name} listed no appointments at all for the "
                f"reconciliation window, where the mirror has {len(missing)}; nothing was marked "
                "deleted."
            )
        self.counts.setdefault("deleted", 0)
        for chunk in _chunks(missing, PAGE_SIZE):
            with transaction.atomic():
                if self.announce:
                    marked = EventService.announce_deleted(
                        integration=self.integration, platform_ids=chunk, version_at=self.read_at
                    )
                    self.counts["events"] = self.counts.get("events", 0) + len(chunk)
                else:
                    marked = mirror_mark_deleted(
                        integration=self.integration, platform_ids=chunk, version_at=self.read_at
                    )
            self.counts["deleted"] += marked
            self.save_progress()

    # -- pages ---------------------------------------------------------------------------------
    def sync_stream(self, make_iterator: Callable[[], Iterable[Any]], seen=None) -> None:
        """Read a platform listing PAGE_SIZE objects at a time and apply each page."""
        for page in self._pages(make_iterator):
            if seen is not None:
                seen.update(o.platform_id for o in page)
            self.apply(page)
            self.counts["pages"] = self.counts.get("pages", 0) + 1
            self.save_progress()
            self.extend_lock()

    def extend_lock(self) -> None:
        if not self.lock.extend():
            raise SyncAborted("The sync lost its lock (it ran longer than the lock's TTL).")

    def _pages(self, make_iterator) -> Iterator[list[Any]]:
        iterator: Iterator[Any] | None = None

        def next_page() -> list[Any]:
            nonlocal iterator
            if iterator is None:
                iterator = iter(make_iterator())
            return list(islice(iterator, PAGE_SIZE))

        while True:
            # One BookingService.run per page: its platform calls are recorded as ApiCalls and
            # failures update the integration's state.
            page = self.service.run(next_page)
            if page:
                yield page
            if len(page) < PAGE_SIZE:
                return

    def apply(self, objects: list[Any]) -> None:
        """Write the page through the EventService, which announces what changed."""
        EventService.apply_page(
            integration=self.integration,
            records=objects,
            read_at=self.read_at,
            counts=self.counts,
            announce=self.announce,
        )

    def save_progress(self) -> None:
        self.run.counts = dict(self.counts)
        SyncRun.objects.filter(pk=self.run.pk).update(counts=self.run.counts)
        if self.progress is not None:
            self.progress(self.run)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- token refresh ----------------------------------------------------------------------------
def token_refresh_due() -> QuerySet[Integration]:
    """Integrations in use (a platform call within TOKEN_IN_USE) whose cached token expires
    within TOKEN_REFRESH_AHEAD. An idle one is not renewed: every renewal is a billed call (a
    Vagaro token lasts an hour, so renewing idle ones cost 37 calls a day per salon in
    bench/api_budget.py), and the adapter issues a token when a call next needs one."""
    now = timezone.now()
    recent = ApiCall.objects.filter(integration=OuterRef("pk"), created_at__gte=now - TOKEN_IN_USE)
    return Integration.objects.filter(
        Exists(recent),
        token_expires_at__isnull=False,
        token_expires_at__lte=now + TOKEN_REFRESH_AHEAD,
        status__in=[IntegrationStatus.CONNECTED, IntegrationStatus.ERROR],
    ).order_by("token_expires_at")


def integration_token_refresh(
    *, integration: Integration, service: BookingService | None = None
) -> bool:
    """Renew the integration's token ahead of expiry (persisted through BookingService's
    on_token). False when there was nothing to do or another worker is at it."""
    lock = IntegrationLock(integration.pk, "token", ttl=120)
    if not lock.acquire():
        return False
    try:
        service = service or sync_service_for(integration)
        if not service.adapter.uses_token:
            return False
        service.run(service.adapter.authenticate, force=True)
        return True
    finally:
        lock.release()
