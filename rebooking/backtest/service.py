"""The owner's backtest (the page at /salons/<slug>/rebooking/backtest/): the salon's last 12
months replayed through the engine with its current settings, scored next to the two anchor rules,
and a small search for better values of the three settings that shape outreach.

**What "the last 12 months" means.** The scored window is the 365 days before the run starts. The
replay is fed the salon's mirror from ``WARMUP`` (6 months) before the window up to the run's
start: that earlier history is what the salon already knew when the window opened (enough visits
for rhythms of up to 4 visits, and the cooldowns of earlier contacts); anything later (future
bookings) is left out, because the replay must not see the future. The replay scans over the whole
span, then every score is recomputed on the window alone with the backtest's own scoring
functions (``scores``): timing on the predictions made in the window, outreach on the contacts
made in the window and the lapses after visits in the window, refill on the cancellations learnt
of in the window. The switches ``enabled``, ``on_cancellation`` and ``overdue_enabled`` are
replayed as on: the point is what the engine would have done.

**The search.** ``OBJECTIVE`` (also on the page): the engine's outreach F1 in the window, ties
broken by the share of predictions for clients with 3+ visits that were within 7 days. From the
current values, a coordinate search over ``GRID``: each tuned setting in turn tries its grid
values with the others at the best so far; a value must score strictly better to replace the
incumbent, so the current settings win ties. At most 6 extra replays (9 when no current value is
on the grid), each without the refill part, which none of the tuned settings' objective needs.

**Cost.** On the demo salon (891 clients, 12.5k appointments over 18 months) one run is one full
replay and 6 outreach-only replays: about 70 s on a 2-core machine with weekly scans; the scans
are daily since issue 20 (7 times as many), so re-measure with bench/rebooking_backtest.py.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import MirroredAppointment, Salon
from rebooking.models import BacktestRun, RebookingSettings
from rebooking.services import rebooking_settings_get

from . import anchors, scores
from .loader import Appt, read_salon
from .replay import (
    RULES,
    Result,
    anchor_intervals,
    replay,
    replayed_cancellations,
    scan_times,
    settings_values,
)

logger = logging.getLogger(__name__)

WINDOW = timedelta(days=365)
WARMUP = timedelta(days=183)
GRID: dict[str, tuple] = {
    "grace_factor": (Decimal("1.00"), Decimal("1.25"), Decimal("1.50")),
    "min_visits": (2, 3, 4),
    "cooldown_days": (14, 28, 45),
}
TUNED = tuple(GRID)
OBJECTIVE = (
    "how well the engine reached the right clients (its overdue messages balance reaching clients "
    "who lapse against messaging clients who would have booked anyway: the outreach F1 score); "
    "ties are broken by the share of clients with 3+ visits whose next visit it predicted within "
    "7 days"
)
SWITCHED_ON = {"enabled": True, "on_cancellation": True, "overdue_enabled": True}
# A queued or running run whose progress has not moved for this long lost its worker.
STALE_AFTER = timedelta(minutes=15)
THROTTLE_SECONDS = 2.0

Values = dict[str, object]


class BacktestError(Exception):
    """A problem the owner can read: shown on the page as it is."""


# -- reads --------------------------------------------------------------------------------------
def backtest_latest(*, salon: Salon) -> BacktestRun | None:
    return BacktestRun.objects.filter(salon=salon).select_related("requested_by").first()


def backtest_is_stale(run: BacktestRun, *, now: datetime | None = None) -> bool:
    return run.is_active and run.updated_at < (now or timezone.now()) - STALE_AFTER


def salon_has_history(*, salon: Salon) -> bool:
    return (
        MirroredAppointment.objects.filter(integration__salon=salon, deleted=False)
        .exclude(customer_ref="")
        .exists()
    )


def tuned_values(values: dict) -> Values:
    """The tuned settings from RebookingSettings values or from a run's JSON (``best``)."""
    try:
        return {
            "grace_factor": Decimal(str(values["grace_factor"])).quantize(Decimal("0.01")),
            "min_visits": int(values["min_visits"]),
            "cooldown_days": int(values["cooldown_days"]),
        }
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise BacktestError("This backtest has no usable settings to apply.") from None


def _json(values: Values) -> dict:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


# -- start --------------------------------------------------------------------------------------
def backtest_start(*, salon: Salon, user) -> tuple[BacktestRun, bool]:
    """Queue a backtest of ``salon`` (the task starts once the transaction commits). While one is
    queued or running, that one is returned instead: ``(run, created)``."""
    now = timezone.now()
    has_history = salon_has_history(salon=salon)
    with transaction.atomic():
        BacktestRun.objects.filter(
            salon=salon, status__in=BacktestRun.ACTIVE, updated_at__lt=now - STALE_AFTER
        ).update(
            status=BacktestRun.Status.FAILED,
            error="This backtest stopped without finishing (its worker went away).",
            finished_at=now,
            updated_at=now,
        )
        active = BacktestRun.objects.filter(salon=salon, status__in=BacktestRun.ACTIVE).first()
        if active is not None:
            return active, False
        if not has_history:
            raise BacktestError(
                "There is no booking history to test yet: connect a booking platform and let "
                "its first sync finish."
            )
        try:
            with transaction.atomic():
                run = BacktestRun.objects.create(salon=salon, requested_by=user)
        except IntegrityError:  # another request started one a moment ago
            active = BacktestRun.objects.filter(salon=salon, status__in=BacktestRun.ACTIVE).first()
            if active is None:
                raise
            return active, False
        transaction.on_commit(lambda: _enqueue(run.pk), robust=True)
    return run, True


def _enqueue(run_id: int) -> None:
    """A Celery task on a broker; without one, a thread of the web process (the request returns
    at once and the page shows progress either way)."""
    from rebooking.tasks import backtest_task
    from salonsync.background import task_start

    try:
        task_start(backtest_task, args=(run_id,), on_failure=lambda: _fail_active(run_id))
    except Exception:
        logger.exception("backtest %s could not be queued", run_id)
        BacktestRun.objects.filter(pk=run_id, status=BacktestRun.Status.QUEUED).update(
            status=BacktestRun.Status.FAILED,
            error="The backtest could not be queued (the task queue is unreachable). "
            "Try again in a few minutes.",
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )


# -- the run (the Celery task calls this) --------------------------------------------------------
def backtest_run(*, run_id: int) -> BacktestRun | None:
    """Run a queued backtest; a run that is already running, done or failed is left alone (a
    redelivered task does nothing). Every failure is recorded in plain words, never a trace."""
    now = timezone.now()
    claimed = BacktestRun.objects.filter(pk=run_id, status=BacktestRun.Status.QUEUED).update(
        status=BacktestRun.Status.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        return None
    run = BacktestRun.objects.select_related("salon").get(pk=run_id)
    try:
        _backtest(run, now=now)
    except BacktestError as exc:
        _fail(run, str(exc))
    except SoftTimeLimitExceeded:
        _fail(run, "The backtest took too long and was stopped. Please tell support.")
    except ValidationError as exc:
        _fail(run, "The salon's rebooking settings cannot be replayed: " + " ".join(exc.messages))
    except Exception:
        logger.exception("backtest %s failed", run_id)
        _fail(run, "The backtest stopped on an unexpected error; it has been logged for support.")
    run.refresh_from_db()
    return run


def _fail_active(run_id: int) -> None:
    """The task died outside ``backtest_run``'s own handling: the page must not wait forever."""
    now = timezone.now()
    BacktestRun.objects.filter(pk=run_id, status__in=BacktestRun.ACTIVE).update(
        status=BacktestRun.Status.FAILED,
        error="The backtest stopped on an unexpected error; it has been logged for support.",
        finished_at=now,
        updated_at=now,
    )


def _fail(run: BacktestRun, message: str) -> None:
    now = timezone.now()
    BacktestRun.objects.filter(pk=run.pk).update(
        status=BacktestRun.Status.FAILED, error=message[:500], finished_at=now, updated_at=now
    )


def _backtest(run: BacktestRun, *, now: datetime) -> None:
    salon = run.salon
    since = now - WINDOW
    rows = [a for a in read_salon(salon) if since - WARMUP <= a.start <= now]
    if not any(a.start >= since for a in rows):
        raise BacktestError(
            "There are no appointments in the last 12 months to replay, so there is nothing to "
            "score yet."
        )
    config = rebooking_settings_get(salon=salon)
    values = {**settings_values(config), **SWITCHED_ON}
    current = tuned_values(values)
    BacktestRun.objects.filter(pk=run.pk).update(
        period_start=since, period_end=now, settings_used=_json(values), updated_at=timezone.now()
    )

    extra = sum(1 for name in TUNED for v in GRID[name] if v != current[name])
    scans = len(scan_times(min(a.start for a in rows), max(a.start for a in rows)))
    progress = _Progress(run.pk, later=extra * scans)

    def evaluate(tuned: Values, parts) -> dict:
        result = replay(
            rows,
            tz_name=salon.timezone,
            settings={**values, **tuned},
            progress=progress,
            parts=parts,
            since=since,
        )
        progress.replay_done(scans)
        return window_scores(result, rows, since=since, tz=salon.tz, config=config)

    summary = evaluate(current, ("timing", "outreach", "refill"))
    best, tried = coordinate_search(
        current, summary, lambda tuned: evaluate(tuned, ("timing", "outreach"))
    )
    summary.update(settings=_json(values), objective=OBJECTIVE)
    progress.finish()
    BacktestRun.objects.filter(pk=run.pk).update(
        status=BacktestRun.Status.DONE,
        summary=summary,
        candidates=tried,
        best=_json(best),
        error="",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


class _Progress:
    """done/total over every replay of the run, written with one UPDATE at most every
    THROTTLE_SECONDS (and when a replay ends), never per event."""

    def __init__(self, run_id: int, *, later: int) -> None:
        self.run_id, self.later = run_id, later
        self.offset = self.current = 0
        self.written = 0.0

    def __call__(self, done: int, total: int) -> None:
        self.current = total
        if done >= total or time.monotonic() - self.written >= THROTTLE_SECONDS:
            self._write(self.offset + done, self.offset + total + self.later)

    def replay_done(self, planned: int) -> None:
        """A replay ended: its steps are done, and the next one (planned at ``planned`` steps)
        is no longer in ``later``."""
        self.offset += self.current
        self.current = 0
        self.later = max(0, self.later - planned)

    def finish(self) -> None:
        self._write(self.offset, self.offset)

    def _write(self, done: int, total: int) -> None:
        self.written = time.monotonic()
        BacktestRun.objects.filter(pk=self.run_id).update(
            progress_done=min(done, total), progress_total=total, updated_at=timezone.now()
        )


# -- scoring on the window, and the search ------------------------------------------------------
def window_scores(
    result: Result, rows: list[Appt], *, since: datetime, tz, config: RebookingSettings
) -> dict:
    """The replay's scores again, on what happened from ``since`` on (see the module doc)."""
    fallback = anchor_intervals(config)
    grouped: dict[str, list[Appt]] = {}
    for a in rows:
        grouped.setdefault(a.client, []).append(a)
    histories = {c: anchors.build(c, appts, fallback) for c, appts in grouped.items()}
    # Lapses are judged on visits in the window: the same histories, earlier visits left out.
    in_window = {
        c: dataclasses.replace(
            h, starts={cat: [s for s in v if s >= since] for cat, v in h.starts.items()}
        )
        for c, h in histories.items()
    }
    end = max(a.start for a in rows)
    cancellations = replayed_cancellations(rows, since=since, end=end)
    out: dict = {"rules": {}}
    observed = scores.observed_intervals(histories, fallback)  # the whole history's
    for rule in RULES:
        parts = result.summary["rules"][rule]  # what the replay did (see replay's ``parts``)
        scored: dict = {}
        if "timing" in parts:
            scored["timing"] = result.timing_since[rule].result()  # replayed with since=
        if "outreach" in parts:
            contacts = [(when, c) for when, c in result.outreach[rule] if when >= since]
            scored["outreach"] = scores.outreach(contacts, in_window, end=end, fallback=observed)
        if "refill" in parts:
            offers = [o for o in result.refill[rule] if o[0] in cancellations]
            scored["refill"] = scores.refill(offers, cancellations, histories)
        out["rules"][rule] = scored
    if "random" in result.refill:  # the floor: a random pick of the category's free clients
        offers = [o for o in result.refill["random"] if o[0] in cancellations]
        out["baselines"] = {"refill_random": scores.refill(offers, cancellations, histories)}
    window = [a for a in rows if a.start >= since]
    out.update(
        appointments=len(window),
        clients=len({a.client for a in window}),
        cancellations=len(cancellations),
        history_from=min(a.start for a in rows).isoformat(),
        **{"from": since.isoformat(), "to": end.isoformat()},
    )
    return out


def objective(summary: dict) -> tuple[float, float]:
    engine = summary["rules"]["engine"]
    f1 = engine["outreach"]["f1"]
    timing = engine.get("timing", {}).get("3_plus", {}).get("within_7_days")
    return (-1.0 if f1 is None else f1, -1.0 if timing is None else timing)


def _candidate(tuned: Values, summary: dict, *, current: bool) -> dict:
    engine = summary["rules"]["engine"]
    outreach = engine["outreach"]
    return {
        "values": _json(tuned),
        "current": current,
        "f1": outreach.get("f1"),
        "precision": outreach.get("precision"),
        "recall": outreach.get("recall"),
        "contacts": outreach.get("contacts"),
        "within_7_days": engine.get("timing", {}).get("3_plus", {}).get("within_7_days"),
    }


def coordinate_search(
    current: Values, baseline: dict, evaluate: Callable[[Values], dict]
) -> tuple[Values, list[dict]]:
    """(best values, every candidate tried with its scores, the current ones first)."""
    best, best_score = dict(current), objective(baseline)
    tried = [_candidate(current, baseline, current=True)]
    for name in TUNED:
        incumbent = dict(best)
        for value in GRID[name]:
            if value == incumbent[name]:
                continue
            candidate = {**incumbent, name: value}
            summary = evaluate(candidate)
            tried.append(_candidate(candidate, summary, current=False))
            score = objective(summary)
            if score > best_score:
                best, best_score = candidate, score
    return best, tried


# -- apply --------------------------------------------------------------------------------------
def backtest_apply(*, run: BacktestRun, user) -> Values:
    """Write the run's best values to the salon's RebookingSettings (model validation); returns
    the values that changed (empty: already in use)."""
    if run.status != BacktestRun.Status.DONE:
        raise BacktestError(
            "This backtest has not finished, so there are no settings to apply yet."
            if run.is_active
            else "This backtest failed, so there are no settings to apply."
        )
    best = tuned_values(run.best or {})
    with transaction.atomic():
        config = RebookingSettings.objects.select_for_update().get(
            pk=rebooking_settings_get(salon=run.salon).pk
        )
        changed = {name: v for name, v in best.items() if getattr(config, name) != v}
        if not changed:
            return {}
        for name, value in changed.items():
            setattr(config, name, value)
        config.full_clean(exclude=["salon"])
        config.save()
        BacktestRun.objects.filter(pk=run.pk).update(applied_at=timezone.now(), applied_by=user)
    return changed
