"""Installs the integration health check on beat's DatabaseScheduler, every 15 minutes (editable
afterwards in the admin; re-running the migration never overwrites an operator's change)."""

from django.db import migrations

NAME = "Integration health check"


def install(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15_minutes, _ = interval_model.objects.get_or_create(every=15, period="minutes")
    task_model.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "integrations.health_check_all",
            "interval": every_15_minutes,
            "description": "Opens and resolves integration issues; alerts owners once per change.",
        },
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0006_sync_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
