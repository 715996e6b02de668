"""The Celery app: configured from Django settings (CELERY_* names), tasks found in each app."""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salonsync.settings")

app = Celery("salonsync")
app.config_from_object("django.conf:settings", namespace="CELERY")


@setup_logging.connect
def _use_django_logging(*args, **kwargs) -> None:
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


app.autodiscover_tasks()

import salonsync.metrics  # noqa: E402,F401  (task outcome counters via Celery signals)
