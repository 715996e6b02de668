from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(name="integrations.heartbeat")
def heartbeat(source: str = "beat") -> str:
    """Proves the broker → worker → database path works; beat runs it so operators can see
    (admin, /readyz later) that workers and beat are alive."""
    WorkerHeartbeat.objects.update_or_create(source=source, defaults={"seen_at": timezone.now()})
    return source
