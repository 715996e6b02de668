"""sync_integration <id>|--all [--full|--reconcile]: sync now, in this process, with a progress
bar on a terminal. Exits 1 (with a sentence) for an unknown id or when a sync fails."""

from __future__ import annotations

import sys
import uuid

from django.core.management.base import BaseCommand, CommandError

from integrations.models import Integration, SyncRun
from integrations.sync import sync_eligible_integrations, sync_run


class Command(BaseCommand):
    help = (
        "Syncs one integration (by id) or every active one (--all) from its platform into the "
        "mirror: incremental by default, --full for everything, --reconcile for the last 30 and "
        "next 90 days with deletions."
    )

    def add_arguments(self, parser):
        parser.add_argument("integration_id", nargs="?", help="the integration's id (a UUID)")
        parser.add_argument("--all", action="store_true", help="every integration that syncs")
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--full", action="store_true", help="a full resync")
        kind.add_argument("--reconcile", action="store_true", help="a reconciliation")
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar even on a terminal"
        )

    def handle(self, *args, integration_id=None, all=False, full=False, reconcile=False,
               no_progress=False, **options):  # fmt: skip
        if bool(integration_id) == bool(all):
            raise CommandError("Give one integration id, or --all (not both).")
        kind = SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL
        if reconcile:
            kind = SyncRun.Kind.RECONCILE
        if all:
            integrations = list(sync_eligible_integrations().select_related("salon"))
            if not integrations:
                self.stdout.write("No integration to sync.")
        else:
            integrations = [self._get(integration_id)]
        show_progress = not no_progress and sys.stderr.isatty()
        failed = 0
        for integration in integrations:
            run = self._sync(integration, kind, show_progress)
            failed += run.state == SyncRun.State.FAILED
            self.stdout.write(self._summary(integration, run))
        if failed:
            raise CommandError(f"{failed} of {len(integrations)} syncs failed (see above).")

    def _get(self, value: str) -> Integration:
        try:
            pk = uuid.UUID(str(value))
        except ValueError:
            raise CommandError(f"{value!r} is not an integration id (a UUID).") from None
        integration = Integration.objects.select_related("salon").filter(pk=pk).first()
        if integration is None:
            raise CommandError(f"There is no integration with id {pk}.")
        return integration

    def _sync(self, integration: Integration, kind: str, show_progress: bool) -> SyncRun:
        bar = None
        if show_progress:
            from tqdm import tqdm

            bar = tqdm(desc=f"{integration}", unit=" rows", file=sys.stderr, leave=True)

        def progress(run: SyncRun) -> None:
            if bar is None:
                return
            counts = run.counts or {}
            read = sum(counts.get(k, 0) for k in ("appointments", "customers"))
            bar.update(read - bar.n)
            bar.set_postfix(
                new=counts.get("created", 0),
                changed=counts.get("updated", 0),
                events=counts.get("events", 0),
            )

        try:
            return sync_run(integration=integration, kind=kind, progress=progress)
        finally:
            if bar is not None:
                bar.close()

    def _summary(self, integration: Integration, run: SyncRun) -> str:
        counts = run.counts or {}
        parts = ", ".join(
            f"{counts[k]} {k}"
            for k in ("appointments", "customers", "created", "updated", "deleted", "events")
            if k in counts
        )
        line = f"{integration} [{integration.pk}]: {run.get_kind_display()} {run.state}"
        if parts:
            line += f" ({parts})"
        if run.error:
            line += f": {run.error}"
        style = {
            SyncRun.State.SUCCEEDED: self.style.SUCCESS,
            SyncRun.State.FAILED: self.style.ERROR,
        }.get(run.state, self.style.WARNING)
        return style(line)
