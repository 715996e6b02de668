"""Reprocess stored webhook events by id or by status (rejected events are never processed)."""

from django.core.management.base import BaseCommand, CommandError

from webhooks.models import WebhookEvent, WebhookStatus
from webhooks.services import webhook_process, webhook_replay

REPLAYABLE = sorted(set(WebhookStatus.values) - {WebhookStatus.REJECTED})


class Command(BaseCommand):
    help = "Reprocesses webhook events: replay_webhooks --id 12 13 | --status failed dead"

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, nargs="+", dest="ids", default=[])
        parser.add_argument("--status", nargs="+", default=[], help=", ".join(REPLAYABLE))
        parser.add_argument(
            "--now", action="store_true", help="process here and now instead of via the broker"
        )

    def handle(self, *args, ids, status, now, **options):
        if not ids and not status:
            raise CommandError("Say which events: --id N [N ...] or --status STATUS [...].")
        unknown = set(status) - set(REPLAYABLE)
        if unknown:
            raise CommandError(
                f"Unknown or non-replayable status {', '.join(sorted(unknown))}; "
                f"choose from {', '.join(REPLAYABLE)}."
            )
        events = WebhookEvent.objects.none()
        if ids:
            events |= WebhookEvent.objects.filter(pk__in=ids)
        if status:
            events |= WebhookEvent.objects.filter(status__in=status)
        missing = set(ids) - set(
            WebhookEvent.objects.filter(pk__in=ids).values_list("pk", flat=True)
        )
        if missing:
            raise CommandError(f"No webhook event with id {', '.join(map(str, sorted(missing)))}.")
        chosen = list(events.exclude(status=WebhookStatus.REJECTED).values_list("pk", flat=True))
        if now:
            WebhookEvent.objects.filter(pk__in=chosen).update(
                status=WebhookStatus.RECEIVED, attempts=0, next_attempt_at=None, last_error=""
            )
            results = [webhook_process(event_id=pk) for pk in chosen]
            summary = ", ".join(f"{s}: {results.count(s)}" for s in sorted(set(results)))
            self.stdout.write(f"Processed {len(chosen)} event(s). {summary}")
        else:
            count = webhook_replay(events=WebhookEvent.objects.filter(pk__in=chosen))
            self.stdout.write(f"Queued {count} event(s) for processing.")
