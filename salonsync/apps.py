from django.apps import AppConfig


class SalonSyncConfig(AppConfig):
    """The project itself: what belongs to no single app (the periodic schedule, the demo beat)."""

    name = "salonsync"
    verbose_name = "SalonSync"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from .schedules import install_schedules

        # After every migrate (and every test-database flush), the schedule's missing entries.
        # Sent per app with models: the beat app's signal comes once its tables exist.
        post_migrate.connect(
            install_schedules,
            sender=apps.get_app_config("django_celery_beat"),
            dispatch_uid="salonsync-schedules",
        )
        # The demo's in-process beat (plain `make run` only; salonsync/demo_beat.py says when).
        from .demo_beat import demo_beat_start

        demo_beat_start()
