"""The replay: time moves forward over a history; at each moment the throwaway salon's mirror holds
only what the salon knew then, and the production code answers.

- timing: ``rhythm_from_visits`` (what ``client_rhythm`` computes) after each completed visit,
  with the category intervals learned from what was known at the last daily scan before it
  (``learned.LearnedTimeline``);
- outreach: on production's schedule (daily, at the time salonsync/schedules.py gives beat),
  production ``overdue_candidates`` with the salon's settings exactly as ``overdue_scan`` calls
  it (grace, min visits, fallbacks, cooldown, no-show rule, the daily cap per daily scan),
  recording an overdue suggestion row per client contacted (dated then) so the cooldown works as
  in production. The stored rhythms are refreshed before each scan (the category intervals the
  scan learns from them hold only the visits known by then), and the scan reads them rather than
  recomputing every rhythm from the whole history (the same SQL, scan.summary_ctes, wrote them:
  730 whole-history passes were most of a replay's time). The anchors' scans and refills are
  incremental (anchors.Scanner, anchor_refill.Refiller). ``overdue_scan`` itself is not
  called: it only reads *connected* integrations and asks the platform for openings, neither of
  which "who would be contacted" needs;
- refill: production ``suggestion_refill_slot`` at the moment each cancellation becomes known.
"""

from __future__ import annotations

import csv
import json
import random
from array import array
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from sys import intern

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from integrations.adapters.types import AppointmentStatus
from integrations.models import MirroredAppointment
from rebooking.categories import interval_lookup
from rebooking.category_intervals import category_days_by_name
from rebooking.models import RebookingSettings, RebookingSuggestion, SuggestionKind
from rebooking.rhythm import VISIT_STATUSES, provider_names, rhythm_from_visits, service_catalog
from rebooking.rhythm_store import rhythms_refresh
from rebooking.selectors import CANCELLED_STATUSES, overdue_candidates
from rebooking.services import rebooking_settings_get, suggestion_refill_slot
from salonsync.schedules import SCHEDULES

from . import anchors, scores
from .anchor_refill import Refiller
from .learned import LearnedTimeline
from .loader import Appt, create_sandbox, drop_sandbox, reveal, sandbox_pks
from .scores import WEEKDAYS, TimingRow, time_of_day

DAY = timedelta(days=1)
MONTH = timedelta(days=28)
SETTING_FIELDS = (
    "lookahead_days", "suggestions_per_cancellation", "prefer_same_provider", "keep_usual_time",
    "grace_factor", "min_visits", "fallback_intervals", "default_fallback_days", "cooldown_days",
    "suggest_after_no_show", "daily_cap", "enabled", "on_cancellation", "overdue_enabled",
)  # fmt: skip
RULES = ("engine", *anchors.RULES)
PARTS = ("timing", "outreach", "refill")


@dataclass
class Result:
    # Timing is scored as it is predicted, never held (one row per completed visit and rule):
    # per rule over the whole history, and from ``since`` on when the replay was given one.
    timing: dict[str, scores.TimingTally] = field(default_factory=dict)
    timing_since: dict[str, scores.TimingTally] = field(default_factory=dict)
    outreach: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    refill: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)


def settings_values(settings: RebookingSettings) -> dict:
    return {name: getattr(settings, name) for name in SETTING_FIELDS}


def _apply(settings: RebookingSettings, values: dict) -> None:
    unknown = sorted(set(values) - set(SETTING_FIELDS))
    if unknown:
        raise ValidationError(f"unknown setting(s): {', '.join(unknown)}")
    for name, value in values.items():
        setattr(settings, name, value)
    settings.full_clean(exclude=["salon"])
    settings.save()


def scan_time() -> time:
    """The UTC time of day beat runs the overdue scan (its crontab in salonsync/schedules.py)."""
    entry = next(p for p in SCHEDULES if p.task == "rebooking.overdue_scan_all")
    return time(int(entry.crontab["hour"]), int(entry.crontab["minute"]), tzinfo=UTC)


def scan_times(first: datetime, end: datetime) -> list[datetime]:
    """Every daily scan production would have run after ``first`` up to ``end``."""
    when = datetime.combine(first.astimezone(UTC).date(), scan_time())
    if when <= first:
        when += DAY
    times = []
    while when <= end:
        times.append(when)
        when += DAY
    return times


def anchor_intervals(settings: RebookingSettings):
    """category -> the anchors' fixed days: the salon's intervals matched to its own category
    names ("color" takes Colour's), as the owner reads them (categories.interval_lookup)."""
    return interval_lookup(settings.fallback_intervals, settings.default_fallback_days)


def replayed_cancellations(rows: list[Appt], *, since: datetime, end: datetime) -> dict[str, Appt]:
    """The cancellations a replay offers the freed slot of: known between ``since`` and ``end``,
    and booked before they were known (a booking cancelled as it was made frees nothing)."""
    return {
        a.id: a
        for a in rows
        if a.status in CANCELLED_STATUSES
        and a.booked_at <= a.known_at
        and since <= a.known_at <= end
    }


def replay(
    rows: list[Appt],
    *,
    tz_name: str,
    settings: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
    parts: Collection[str] = PARTS,
    since: datetime | None = None,
    on_timing: Callable[[str, TimingRow], None] | None = None,
) -> Result:
    """Replay ``rows`` in a throwaway salon (deleted at the end, also on error). ``parts``
    leaves out what is not needed (no daily scans without "outreach", no cancellations without
    "refill"); the summary then scores only those parts. ``since`` also scores timing from
    then on (``Result.timing_since``); ``on_timing(rule, row)`` sees each timing prediction
    as it is made (the rows themselves are not kept)."""
    with _throwaway_commits():
        integration = create_sandbox(rows, tz_name=tz_name)
        try:
            config = rebooking_settings_get(salon=integration.salon)
            _apply(config, settings or {})
            return _replay(integration, config, rows, progress, parts, since, on_timing)
        finally:
            drop_sandbox(integration)


@contextmanager
def _throwaway_commits():
    """The throwaway salon needs no durability (it is deleted at the end, and a crash loses only
    a replay): its commits do not wait for the disk (PostgreSQL's synchronous_commit, for this
    connection only, restored afterwards). The replay commits thousands of small writes."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _replay(integration, config, rows, progress, parts, since, on_timing) -> Result:
    tz = integration.salon.tz
    fallback = anchor_intervals(config)
    grouped: dict[str, list[Appt]] = {}
    for a in rows:
        grouped.setdefault(a.client, []).append(a)
    histories = {c: anchors.build(c, appts, fallback) for c, appts in grouped.items()}
    ordered = list(histories.values())
    result = Result(
        timing={r: scores.TimingTally(histories, tz) for r in RULES},
        timing_since={r: scores.TimingTally(histories, tz, since=since) for r in RULES}
        if since is not None
        else {},
    )
    first = min(a.start for a in rows)
    end = max(a.start for a in rows)
    if "timing" in parts:
        learned = LearnedTimeline(rows, config, scan_times(first, end))
        for rule, row in _timing(histories, config, tz, learned):
            result.timing[rule].add(row)
            if since is not None:
                result.timing_since[rule].add(row)
            if on_timing is not None:
                on_timing(rule, row)

    events: list[tuple[datetime, int, Appt | None]] = []
    if "outreach" in parts:
        events += [(when, 0, None) for when in scan_times(first, end)]
    cancellations = replayed_cancellations(rows, since=first, end=end)
    events += [(a.known_at, 1, a) for a in cancellations.values() if "refill" in parts]
    events.sort(key=lambda e: (e[0], e[1], e[2].id if e[2] else ""))

    outreach = {rule: [] for rule in RULES}
    refill = {rule: [] for rule in (*RULES, "random")}
    rng = random.Random(0)  # noqa: S311 (the random refill baseline: the same draw each run)
    scanners = {rule: anchors.Scanner(ordered, rule) for rule in anchors.RULES}
    refiller = Refiller(ordered)
    mirror = _Mirror(integration, rows)
    catalog, providers = service_catalog(integration), provider_names(integration)
    intervals = None  # read at each daily scan; a refill before the first reads its own
    for done, (now, kind, cancelled) in enumerate(events, start=1):
        # Before the moment's transaction (VACUUM cannot run in one); at refills too, which a
        # refill-only replay (no daily scans) needs as much.
        mirror.analyze(now)
        with transaction.atomic():  # one commit per moment, not one per write
            mirror.advance(now)
            if kind == 0:
                # The category intervals learned from the stored rhythms, as of this scan: the
                # day's refills read them too (a median over the salon's clients, which a
                # day's visits barely move; reading it at every cancellation was a fifth of
                # the replay).
                mirror.refresh_rhythms(now)
                if mirror.rewritten or intervals is None:
                    intervals = category_days_by_name(
                        settings=config, integration_ids=[str(integration.pk)]
                    )
                    mirror.rewritten = False
                if config.enabled and config.overdue_enabled:
                    for client in _engine_scan(integration, config, now, intervals):
                        outreach["engine"].append((now, client))
                    for rule, scanner in scanners.items():
                        outreach[rule] += [(now, client) for client in scanner.scan(now)]
            elif config.enabled and config.on_cancellation:
                row = _cancelled_row(integration, cancelled)
                mirror.refresh_rhythms(now)
                made = suggestion_refill_slot(
                    integration=integration,
                    row=row,
                    settings=config,
                    now=now,
                    catalog=catalog,  # the throwaway salon's services never change
                    providers=providers,
                    stored=True,  # refresh_rhythms has just built or refreshed them
                    intervals=intervals,
                )
                if made is not None:
                    for rank, option in enumerate(made.options, start=1):
                        refill["engine"].append((cancelled.id, rank, intern(option["customer"])))
                # only their top three are scored (precision@3)
                offers = refiller.offers(cancelled, now, scores.TOP, rng=rng)
                for rule, offered in offers.items():
                    refill[rule] += [(cancelled.id, r, c) for r, c in enumerate(offered, start=1)]
        if progress:
            progress(done, len(events))
    result.outreach, result.refill = outreach, refill

    summary: dict = {
        "appointments": len(rows),
        "clients": len(histories),
        "from": first.isoformat(),
        "to": end.isoformat(),
        "scans": sum(1 for e in events if e[1] == 0),
        "scan_schedule": f"daily at {scan_time():%H:%M} UTC",
        "cancellations": len(cancellations),
        "settings": {k: _plain(v) for k, v in settings_values(config).items()},
        "rules": {},
    }
    observed = scores.observed_intervals(histories, fallback)
    for rule in RULES:
        scored = {
            "timing": result.timing[rule].result(),
            "outreach": scores.outreach(outreach[rule], histories, end=end, fallback=observed),
            "refill": scores.refill(refill[rule], cancellations, histories),
        }
        summary["rules"][rule] = {part: scored[part] for part in PARTS if part in parts}
    if "refill" in parts:  # the floor a refill rule must clear: a random pick of the category
        summary["baselines"] = {
            "refill_random": scores.refill(refill["random"], cancellations, histories)
        }
    result.summary = summary
    return result


class _Mirror:
    """The throwaway mirror moved forward in time: at each step only the rows whose booking or
    final status became known since the last step are revealed (an index lookup, not a pass
    over the salon), and the stored rhythms are kept in step as the EventService keeps them in
    production: a client's rows are refreshed once a completed visit of theirs is known, lazily,
    just before a refill reads them."""

    def __init__(self, integration, rows: list[Appt]):
        self.integration, self.rows = integration, rows
        self.pks = sandbox_pks(integration, rows)
        # Two queues of row indices, by booking time and by the time the final status became
        # known (8 bytes a row each, not a tuple per event): advance() walks both up to ``now``.
        self.booked = array("l", sorted(range(len(rows)), key=lambda i: rows[i].booked_at))
        final = (i for i, a in enumerate(rows) if a.known_at is not None)
        self.known = array("l", sorted(final, key=lambda i: rows[i].known_at))
        self.next_booked = self.next_known = 0
        self.dirty: set[str] = set()
        self.built = self.rewritten = False
        self.analyzed: datetime | None = None

    def advance(self, now: datetime) -> None:
        rows, pks = self.rows, []
        while self.next_booked < len(self.booked):
            i = self.booked[self.next_booked]
            if rows[i].booked_at > now:
                break
            pks.append(self.pks[i])
            self.next_booked += 1
        while self.next_known < len(self.known):
            i = self.known[self.next_known]
            if rows[i].known_at > now:
                break
            pks.append(self.pks[i])
            if rows[i].status == AppointmentStatus.COMPLETED:
                self.dirty.add(rows[i].client)
            self.next_known += 1
        # A status known before its booking was revealed waits for that booking: both queues
        # reveal the row, and reveal() applies what holds at ``now``.
        reveal(self.integration, now, pks)

    def analyze(self, now: datetime) -> None:
        """Fresh planner statistics once a month of history has been revealed: autovacuum
        would take minutes to notice, and the plans of a salon revealed a week at a time go
        wrong with statistics from its hidden start. The suggestions too: with the statistics
        of the empty table the bench's VACUUM ANALYZE leaves, the scans' cooldown check read
        every suggestion of the salon (1,000 clients: the daily scan 16 -> 206 ms).

        And the dead rows vacuumed (where no caller's transaction is open: VACUUM runs in
        none), as autovacuum would: every reveal and rhythm refresh leaves one behind, and the
        scans' index and sequential reads walk them."""
        if connection.vendor != "postgresql" or (self.analyzed and now - self.analyzed < MONTH):
            return
        tables = "integrations_mirroredappointment, rebooking_clientrhythm, " + (
            "rebooking_rebookingsuggestion"
        )
        vacuum = "" if connection.in_atomic_block else "VACUUM "
        with connection.cursor() as cursor:
            cursor.execute(f"{vacuum}ANALYZE {tables}")
        self.analyzed = now

    def refresh_rhythms(self, now: datetime) -> None:
        """``rewritten`` notes that a stored rhythm changed (until the reader clears it)."""
        integration_id = str(self.integration.pk)
        self.rewritten |= not self.built or bool(self.dirty)
        if not self.built:
            rhythms_refresh(integration_id=integration_id, now=now)
            self.built = True
        elif self.dirty:
            rhythms_refresh(integration_id=integration_id, customer_refs=list(self.dirty), now=now)
        self.dirty.clear()


def _cancelled_row(integration, a: Appt) -> MirroredAppointment:
    """The cancelled row as create_sandbox wrote it and reveal() shows it now (what the refill
    reads of it), built here rather than read back once per cancellation."""
    return MirroredAppointment(
        integration=integration,
        platform_id=a.id,
        status=a.status,
        start=a.start,
        end=a.start + timedelta(minutes=a.minutes),
        customer_ref=a.client,
        service_ref=a.service_ref,
        provider_ref=a.provider,
        service_name=a.service,
        price=Decimal("0"),
    )


def _engine_scan(integration, config, now, intervals) -> list[str]:
    """Who the daily overdue scan would contact at ``now`` (production's own query, on the
    stored rhythms the replay has just refreshed), with the suggestion rows it would leave
    behind for the cooldown."""
    due = overdue_candidates(
        settings=config,
        integration_ids=[str(integration.pk)],
        now=now,
        stored=True,
        intervals=intervals,
    )
    if not due:
        return []
    RebookingSuggestion.objects.bulk_create(
        RebookingSuggestion(
            salon=integration.salon,
            integration=integration,
            kind=SuggestionKind.OVERDUE,
            dedupe_key=f"overdue:{integration.pk}:{d.customer_ref}:{now.date().isoformat()}",
            customer_ref=d.customer_ref,
            service_ref=d.last_service_ref,
            provider_ref=d.last_provider_ref,
            reason="backtest",
            expires_at=now + timedelta(days=config.lookahead_days),
            created_at=now,
        )
        for d in due
    )
    return [intern(d.customer_ref) for d in due]  # one string per client, the history's


def _timing(histories, config, tz, learned: LearnedTimeline) -> Iterator[tuple[str, TimingRow]]:
    """(rule, prediction) after each completed visit, client by client; before a client has a
    rhythm of their own, the category's interval as the engine knew it then (``learned``)."""
    for h in histories.values():
        catalog = {a.service_ref: (a.service, a.category) for a in h.appts}
        past = [a for a in h.appts if a.status in VISIT_STATUSES]
        seen: dict[str, int] = {}
        for i, visit in enumerate(past):
            if visit.status != AppointmentStatus.COMPLETED:
                continue
            index = seen.get(visit.category, 0)
            seen[visit.category] = index + 1
            rhythm = rhythm_from_visits(
                customer_ref=h.client,
                rows=[(a.start, a.provider, a.service_ref, a.status) for a in past[: i + 1]],
                tz=tz,
                min_visits=config.min_visits,
                catalog=catalog,
                first_on_weekday=learned.keeps_weekdays(visit.start),
            )
            known = learned.at(visit.start)
            gap = rhythm.gap_for(
                visit.category, known.get(visit.category) or config.fallback_days(visit.category)
            )
            minutes = rhythm.usual_minutes or 0
            yield (
                "engine",
                TimingRow(
                    h.client,
                    visit.category,
                    visit.start,
                    rhythm.due_after(visit.category, visit.start, gap, tz),
                    rhythm.usual_provider,
                    WEEKDAYS[rhythm.usual_weekday or 0],
                    time_of_day(visit.start.replace(hour=minutes // 60, minute=minutes % 60)),
                    index + 1,
                ),
            )
            local = visit.start.astimezone(tz)
            for rule in anchors.RULES:
                yield (
                    rule,
                    TimingRow(
                        h.client,
                        visit.category,
                        visit.start,
                        anchors.due_at(h, rule, visit.category, index),
                        visit.provider,
                        WEEKDAYS[local.weekday()],
                        time_of_day(local),
                        index + 1,
                    ),
                )


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


class TimingCsv:
    """timing.csv, written as the replay predicts (``replay(on_timing=...)``): the engine's
    rows only, never held in memory."""

    HEADER = ["client", "category", "as_of", "due", "provider", "weekday", "time_of_day"]

    def __init__(self, out: Path, tz):
        out.mkdir(parents=True, exist_ok=True)
        self.tz = tz
        self.file = open(out / "timing.csv", "w", newline="")  # noqa: SIM115 (closed in close())
        self.writer = csv.writer(self.file)
        self.writer.writerow(self.HEADER)

    def __call__(self, rule: str, r: TimingRow) -> None:
        if rule == "engine":
            self.writer.writerow([r.client, r.category, r.as_of.astimezone(self.tz).isoformat(),
                                  r.due.astimezone(self.tz).date().isoformat(), r.provider,
                                  r.weekday, r.time_of_day])  # fmt: skip

    def close(self) -> None:
        self.file.close()


def write(result: Result, out: Path, tz) -> None:
    """outreach.csv, refill.csv (the engine's) and summary.json (every rule); timing.csv is
    written during the replay, by ``TimingCsv``."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "outreach.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scan_at", "client"])
        for when, client in result.outreach["engine"]:
            w.writerow([when.astimezone(tz).isoformat(), client])
    with open(out / "refill.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["appointment", "rank", "client"])
        w.writerows(result.refill["engine"])
    (out / "summary.json").write_text(json.dumps(result.summary, indent=2, default=str) + "\n")
