"""ConnectionStatus's sync panel: what it shows (``sync_panel_context``) and its two buttons
("Sync now", "Full resync"), which post to ``IntegrationSyncView``."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect
from django.views import View

from .models import Integration, SyncRun
from .permissions import SalonAccessMixin
from .roles import Action
from .selectors_integrations import integration_get_for_salon
from .sync import sync_request, sync_skip_reason

# Counts shown on the panel, in this order, with their labels.
COUNT_LABELS = [
    ("appointments", "appointments read"),
    ("customers", "customers read"),
    ("created", "new"),
    ("updated", "changed"),
    ("deleted", "deleted"),
    ("events", "events"),
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
    }


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
        sync_request(
            integration=integration, kind=SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL
        )
        what = "A full resync" if full else "A sync"
        messages.success(
            request,
            f"{what} of {integration.platform_name} has started; this page shows its progress.",
        )
        return redirect(integration)
