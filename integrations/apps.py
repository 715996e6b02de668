from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Salons and integrations"

    def ready(self) -> None:
        from django.db.models import Q

        from .models import ApiCall, SyncRun
        from .retention import keep

        keep(ApiCall, date_field="created_at", setting="RETENTION_API_CALLS_DAYS")
        keep(
            SyncRun,
            date_field="started_at",
            setting="RETENTION_SYNC_RUNS_DAYS",
            only=Q(finished_at__isnull=False),  # a running sync keeps its row
        )
