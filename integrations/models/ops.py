from django.db import models


class WorkerHeartbeat(models.Model):
    """Last time a Celery worker ran the heartbeat task for ``source``."""

    source = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
