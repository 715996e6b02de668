from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Salons and integrations"

    def ready(self) -> None:
        # The demo's in-process beat (plain `make run` only; salonsync/demo_beat.py says when).
        from salonsync.demo_beat import demo_beat_start

        demo_beat_start()
