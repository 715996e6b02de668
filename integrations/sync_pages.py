"""ConnectionStatus's sync panel: what it shows (``sync_panel_context``) and its two buttons
("Sync now", "Full resync"), which post to ``IntegrationSyncView``."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect
from django.views import View

from salons.permissions import SalonAccessMixin
from salons.roles import Action

from .adapters.types import WebhookAuth
from .models import Integration, SyncRun
from .selectors import integration_capabilities, integration_get_for_salon
from .sync import LIGHT_CHECK_EVERY, sync_request, sync_skip_reason

# Counts shown on the panel, in this order, with their labels.
COUNT_LABELS = [
    ("appointments", "appointments read"),
    ("customers", "customers read"),
    ("created", "new"),
    ("updated", "changed"),
    ("deleted", "deleted"),
    ("events", "events"),
    # Records cleaned or refused before the mirror write (integrations/mirror_guard.py).
    ("adjusted", "adjusted (unstorable values)"),
    ("skipped", "skipped (impossible dates)"),
]


def _counts(run: SyncRun) -> list[tuple[str, int]]:
    counts = run.counts or {}
    return [(label, counts[key]) for key, label in COUNT_LABELS if key in counts]


def _duration(value: timedelta) -> str:
    seconds = max(int(value.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def sync_panel_context(*, integration: Integration, can_operate: bool) -> dict:
    """Context for templates/integrations/_sync_panel.html."""
    runs = SyncRun.objects.filter(integration=integration)
    running = runs.filter(state=SyncRun.State.RUNNING).order_by("-started_at").first()
    last = (
        runs.exclude(state=SyncRun.State.RUNNING)
        .exclude(state=SyncRun.State.SKIPPED)
        .order_by("-started_at")
        .first()
    )
    return {
        "sync_running": running,
        "sync_running_queued": bool(running and (running.counts or {}).get("queued")),
        "sync_running_counts": _counts(running) if running else [],
        "sync_last": last,
        "sync_last_counts": _counts(last) if last else [],
        "sync_last_duration": (
            _duration(last.finished_at - last.started_at) if last and last.finished_at else ""
        ),
        "sync_can_operate": can_operate,
        "sync_unavailable": sync_skip_reason(integration),
        "sync_cadence": sync_cadence(integration),
    }


def sync_cadence(integration: Integration) -> str:
    """When this integration syncs by itself (integrations.sync.sync_fan_out), in words."""
    caps = integration_capabilities(integration)
    name = integration.platform_name
    if caps.webhooks == WebhookAuth.NONE:
        return (
            f"{name} sends no webhooks: syncs run by themselves every 15 minutes, and a "
            "reconciliation every night."
        )
    if not caps.appointments_by_date:
        return (
            f"{name}'s webhooks bring changes as they happen; each night SalonSync re-reads the "
            "clients with appointments near today."
        )
    hours = int(LIGHT_CHECK_EVERY.total_seconds() // 3600)
    return (
        f"{name}'s webhooks bring changes as they happen; a light check runs every {hours} hours "
        "(every 15 minutes while webhooks fail), and a reconciliation every night."
    )


def sync_outcome_message(run: SyncRun) -> tuple[int, str]:
    """(message level, text) for a requested run: the outcome once it has one, else "started"."""
    what = "Full resync" if run.kind == SyncRun.Kind.FULL else "Sync"
    name = run.integration.platform_name
    if run.state == SyncRun.State.SUCCEEDED:
        counts = ", ".join(f"{value} {label}" for label, value in _counts(run))
        return messages.SUCCESS, f"{what} of {name} finished" + (f": {counts}." if counts else ".")
    if run.state == SyncRun.State.FAILED:
        return messages.ERROR, f"{what} of {name} failed: {run.error or 'unknown error'}"
    if run.state == SyncRun.State.SKIPPED:
        return messages.WARNING, f"{what} of {name} did not run: {run.error}"
    return (
        messages.INFO,
        f"{what} of {name} started. This page shows its progress; refresh it to see the outcome.",
    )


# The session remembers the run each "Sync now" started (integration pk -> run pk), so the detail
# page can announce its outcome once, when it is known, instead of a success it cannot promise.
_WATCH_KEY = "sync_watch"


def _requested_outcome(integration: Integration, run: SyncRun) -> SyncRun:
    """The run that answers this request: a retry after a failure records a new run, so the
    newest run since the requested one (eager tasks have finished them all by now)."""
    newest = (
        SyncRun.objects.filter(integration=integration, pk__gte=run.pk)
        .select_related("integration")
        .order_by("-pk")
        .first()
    )
    return newest or run


def sync_watch_announce(*, request, integration: Integration) -> None:
    """On the detail page: if a sync this session started has finished since, say how it went."""
    watch = request.session.get(_WATCH_KEY) or {}
    run_pk = watch.get(str(integration.pk))
    if run_pk is None:
        return
    run = SyncRun.objects.filter(pk=run_pk, integration=integration).first()
    if run is None:
        watch.pop(str(integration.pk), None)
    else:
        run = _requested_outcome(integration, run)
        if run.state == SyncRun.State.RUNNING:
            return
        level, text = sync_outcome_message(run)
        messages.add_message(request, level, text)
        watch.pop(str(integration.pk), None)
    request.session[_WATCH_KEY] = watch


class IntegrationSyncView(SalonAccessMixin, View):
    """POST kind=incremental ("Sync now") or kind=full ("Full resync"); managers and owners."""

    write_action = Action.OPERATE

    def get(self, request, slug, pk):
        return redirect(integration_get_for_salon(salon=self.salon, pk=pk))

    def post(self, request, slug, pk):
        integration = integration_get_for_salon(salon=self.salon, pk=pk)
        full = request.POST.get("kind") == SyncRun.Kind.FULL
        reason = sync_skip_reason(integration)
        if reason:
            messages.error(request, reason)
            return redirect(integration)
        run = sync_request(
            integration=integration, kind=SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL
        )
        # Eager tasks (no broker) have run by now; with a worker the run is usually still going.
        run = _requested_outcome(integration, run)
        level, text = sync_outcome_message(run)
        messages.add_message(request, level, text)
        if run.state == SyncRun.State.RUNNING:
            watch = request.session.get(_WATCH_KEY) or {}
            watch[str(integration.pk)] = run.pk
            request.session[_WATCH_KEY] = watch
        return redirect(integration)
