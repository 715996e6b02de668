"""The periodic schedule is declared once (salonsync/schedules.py) and installed after migrate;
an operator's edit in the admin survives the next migrate."""

import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from salonsync.schedules import SCHEDULES, install_schedules

pytestmark = pytest.mark.django_db


def test_every_declared_task_is_installed():
    installed = {t.name: t for t in PeriodicTask.objects.select_related("interval", "crontab")}
    for entry in SCHEDULES:
        task = installed[entry.name]
        assert task.task == entry.task
        assert json.loads(task.kwargs) == entry.kwargs and json.loads(task.args) == list(entry.args)
        if entry.crontab:
            assert (task.crontab.minute, task.crontab.hour) == (
                entry.crontab["minute"],
                entry.crontab["hour"],
            )
        else:
            minutes = task.interval.every * (60 if task.interval.period == "hours" else 1)
            assert minutes == entry.every_minutes


def test_every_declared_task_name_is_a_registered_celery_task():
    from salonsync.celery import app

    app.loader.import_default_modules()
    assert {e.task for e in SCHEDULES} <= set(app.tasks)


def test_an_operators_change_survives_and_a_deleted_entry_returns():
    task = PeriodicTask.objects.get(name="Rebooking: daily overdue scan")
    task.enabled = False
    task.save()
    PeriodicTask.objects.filter(name="Worker heartbeat").delete()
    assert install_schedules() == 1
    call_command("migrate", verbosity=0)  # post_migrate installs too
    assert PeriodicTask.objects.get(name="Rebooking: daily overdue scan").enabled is False
    assert PeriodicTask.objects.filter(name="Worker heartbeat").count() == 1
