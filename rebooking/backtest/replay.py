"""The replay: time moves forward over a history; at each moment the throwaway salon's mirror holds
only what the salon knew then, and the production code answers.

- timing: ``rhythm_from_visits`` (what ``client_rhythm`` computes) after each completed visit;
- outreach: once a week, production ``overdue_candidates`` with the salon's settings exactly as
  ``overdue_scan`` calls it (grace, min visits, fallbacks, cooldown, no-show rule, the daily cap),
  recording an overdue suggestion row per client contacted (dated then) so the cooldown works as
  in production. ``overdue_scan`` itself is not called: it only reads *connected* integrations
  and asks the platform for openings, neither of which "who would be contacted" needs;
- refill: production ``suggestion_refill_slot`` at the moment each cancellation becomes known.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from integrations.models import MirroredAppointment
from rebooking.models import RebookingSettings, RebookingSuggestion, SuggestionKind
from rebooking.rhythm import provider_names, rhythm_from_visits, service_catalog
from rebooking.rhythm_store import rhythms_refresh
from rebooking.services import (
    REFILL_CANDIDATES,
    overdue_candidates,
    rebooking_settings_get,
    suggestion_refill_slot,
)

from . import anchors, scores
from .loader import Appt, create_sandbox, drop_sandbox, reveal
from .scores import WEEKDAYS, TimingRow, time_of_day

STEP = timedelta(days=7)
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
    timing: dict[str, list[TimingRow]] = field(default_factory=dict)
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


def replayed_cancellations(rows: list[Appt], *, since: datetime, end: datetime) -> dict[str, Appt]:
    """The cancellations a replay offers the freed slot of: known between ``since`` and ``end``,
    and booked before they were known (a booking cancelled as it was made frees nothing)."""
    return {
        a.id: a
        for a in rows
        if a.status in ("cancelled", "late_cancelled")
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
) -> Result:
    """Replay ``rows`` in a throwaway salon (deleted at the end, also on error). ``parts``
    leaves out what is not needed (no weekly scans without "outreach", no cancellations without
    "refill"); the summary then scores only those parts."""
    with _throwaway_commits():
        integration = create_sandbox(rows, tz_name=tz_name)
        try:
            config = rebooking_settings_get(salon=integration.salon)
            _apply(config, settings or {})
            return _replay(integration, config, rows, progress, parts)
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


def _replay(integration, config, rows, progress, parts=PARTS) -> Result:
    tz = integration.salon.tz
    fallback = config.fallback_days
    grouped: dict[str, list[Appt]] = {}
    for a in rows:
        grouped.setdefault(a.client, []).append(a)
    histories = {c: anchors.build(c, appts, fallback) for c, appts in grouped.items()}
    ordered = list(histories.values())
    by_category: dict[str, list[anchors.ClientHistory]] = {}
    for h in ordered:
        for category in h.starts:
            by_category.setdefault(category, []).append(h)
    result = Result()
    result.timing = _timing(histories, config, tz) if "timing" in parts else {r: [] for r in RULES}

    first = min(a.start for a in rows)
    end = max(a.start for a in rows)
    events: list[tuple[datetime, int, Appt | None]] = []
    when = first + STEP
    while "outreach" in parts and when <= end:
        events.append((when, 0, None))
        when += STEP
    cancellations = replayed_cancellations(rows, since=first, end=end)
    events += [(a.known_at, 1, a) for a in cancellations.values() if "refill" in parts]
    events.sort(key=lambda e: (e[0], e[1], e[2].id if e[2] else ""))

    outreach = {rule: [] for rule in RULES}
    refill = {rule: [] for rule in RULES}
    flagged = {rule: {} for rule in anchors.RULES}
    mirror = _Mirror(integration, rows)
    catalog, providers = service_catalog(integration), provider_names(integration)
    for done, (now, kind, cancelled) in enumerate(events, start=1):
        with transaction.atomic():  # one commit per moment, not one per write
            mirror.advance(now)
            if kind == 0:
                mirror.analyze(now)
                if config.enabled and config.overdue_enabled:
                    for client in _engine_scan(integration, config, now):
                        outreach["engine"].append((now, client))
                    for rule in anchors.RULES:
                        flags = flagged[rule]
                        for client in anchors.scan(ordered, rule, now, flags, config.daily_cap):
                            outreach[rule].append((now, client))
            elif config.enabled and config.on_cancellation:
                row = MirroredAppointment.objects.get(
                    integration=integration, platform_id=cancelled.id
                )
                mirror.refresh_rhythms(now)
                made = suggestion_refill_slot(
                    integration=integration,
                    row=row,
                    settings=config,
                    now=now,
                    catalog=catalog,  # the throwaway salon's services never change
                    providers=providers,
                    stored=True,  # refresh_rhythms has just built or refreshed them
                )
                if made is not None:
                    RebookingSuggestion.objects.filter(pk=made.pk).update(created_at=now)
                    for rank, option in enumerate(made.options, start=1):
                        refill["engine"].append((cancelled.id, rank, option["customer"]))
                offers = anchors.refill(
                    by_category.get(cancelled.category, []), cancelled, now, REFILL_CANDIDATES
                )
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
        "weekly_scans": sum(1 for e in events if e[1] == 0),
        "cancellations": len(cancellations),
        "settings": {k: _plain(v) for k, v in settings_values(config).items()},
        "rules": {},
    }
    for rule in RULES:
        scored = {
            "timing": scores.timing(result.timing[rule], histories, tz),
            "outreach": scores.outreach(outreach[rule], histories, end=end, fallback=fallback),
            "refill": scores.refill(refill[rule], cancellations, histories),
        }
        summary["rules"][rule] = {part: scored[part] for part in PARTS if part in parts}
    result.summary = summary
    return result


class _Mirror:
    """The throwaway mirror moved forward in time: at each step only the rows whose booking or
    final status became known since the last step are revealed (an index lookup, not a pass
    over the salon), and the stored rhythms are kept in step as the EventService keeps them in
    production: a client's rows are refreshed once a completed visit of theirs is known, lazily,
    just before a refill reads them."""

    def __init__(self, integration, rows: list[Appt]):
        self.integration = integration
        pks = dict(
            MirroredAppointment.objects.filter(integration=integration).values_list(
                "platform_id", "pk"
            )
        )
        self.timeline = sorted(
            [(a.booked_at, pks[a.id], "", a.client) for a in rows]
            + [(a.known_at, pks[a.id], a.status, a.client) for a in rows if a.known_at is not None]
        )
        self.next = 0
        self.dirty: set[str] = set()
        self.built = False
        self.analyzed: datetime | None = None

    def advance(self, now: datetime) -> None:
        pks = []
        while self.next < len(self.timeline) and self.timeline[self.next][0] <= now:
            _, pk, status, client = self.timeline[self.next]
            pks.append(pk)
            if status == "completed":
                self.dirty.add(client)
            self.next += 1
        # A status known before its booking was revealed waits for that booking: both entries
        # reveal the row, and reveal() applies what holds at ``now``.
        reveal(self.integration, now, pks)

    def analyze(self, now: datetime) -> None:
        """Fresh planner statistics once a month of history has been revealed: autovacuum
        would take minutes to notice, and the plans of a salon revealed a week at a time go
        wrong with statistics from its hidden start."""
        if connection.vendor != "postgresql" or (self.analyzed and now - self.analyzed < MONTH):
            return
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE integrations_mirroredappointment, rebooking_clientrhythm")
        self.analyzed = now

    def refresh_rhythms(self, now: datetime) -> None:
        integration_id = str(self.integration.pk)
        if not self.built:
            rhythms_refresh(integration_id=integration_id, now=now)
            self.built = True
        elif self.dirty:
            rhythms_refresh(integration_id=integration_id, customer_refs=list(self.dirty), now=now)
        self.dirty.clear()


def _engine_scan(integration, config, now) -> list[str]:
    """Who the daily overdue scan would contact at ``now`` (production's own query), with the
    suggestion rows it would leave behind for the cooldown."""
    due = overdue_candidates(settings=config, integration_ids=[str(integration.pk)], now=now)
    if not due:
        return []
    made = RebookingSuggestion.objects.bulk_create(
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
        )
        for d in due
    )
    RebookingSuggestion.objects.filter(pk__in=[m.pk for m in made]).update(created_at=now)
    return [d.customer_ref for d in due]


def _timing(histories, config, tz) -> dict[str, list[TimingRow]]:
    out: dict[str, list[TimingRow]] = {rule: [] for rule in RULES}
    for h in histories.values():
        catalog = {a.service_ref: (a.service, a.category) for a in h.appts}
        past = [a for a in h.appts if a.status in ("completed", "no_show")]
        seen: dict[str, int] = {}
        for i, visit in enumerate(past):
            if visit.status != "completed":
                continue
            index = seen.get(visit.category, 0)
            seen[visit.category] = index + 1
            rhythm = rhythm_from_visits(
                customer_ref=h.client,
                rows=[(a.start, a.provider, a.service_ref, a.status) for a in past[: i + 1]],
                tz=tz,
                min_visits=config.min_visits,
                catalog=catalog,
            )
            gap = rhythm.gap_for(visit.category, config.fallback_days(visit.category))
            minutes = rhythm.usual_minutes or 0
            out["engine"].append(
                TimingRow(
                    h.client,
                    visit.category,
                    visit.start,
                    visit.start + timedelta(days=gap),
                    rhythm.usual_provider,
                    WEEKDAYS[rhythm.usual_weekday or 0],
                    time_of_day(visit.start.replace(hour=minutes // 60, minute=minutes % 60)),
                    index + 1,
                )
            )
            local = visit.start.astimezone(tz)
            for rule in anchors.RULES:
                out[rule].append(
                    TimingRow(
                        h.client,
                        visit.category,
                        visit.start,
                        anchors.due_at(h, rule, visit.category, index),
                        visit.provider,
                        WEEKDAYS[local.weekday()],
                        time_of_day(local),
                        index + 1,
                    )
                )
    return out


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


def write(result: Result, out: Path, tz) -> None:
    """timing.csv, outreach.csv, refill.csv (the engine's) and summary.json (every rule)."""
    import csv

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "timing.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["client", "category", "as_of", "due", "provider", "weekday", "time_of_day"])
        for r in result.timing["engine"]:
            w.writerow([r.client, r.category, r.as_of.astimezone(tz).isoformat(),
                        r.due.astimezone(tz).date().isoformat(), r.provider, r.weekday,
                        r.time_of_day])  # fmt: skip
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
