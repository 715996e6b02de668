"""Installs the periodic syncs and the token refresh on beat's DatabaseScheduler (editable
afterwards in the admin; re-running the migration never overwrites an operator's change)."""

from django.db import migrations

INCREMENTAL = "Incremental sync (every integration)"
RECONCILE = "Nightly reconciliation (every integration)"
TOKENS = "Token refresh ahead of expiry"


def install(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15_minutes, _ = interval_model.objects.get_or_create(every=15, period="minutes")
    every_10_minutes, _ = interval_model.objects.get_or_create(every=10, period="minutes")
    # 07:00 UTC: 2-3 AM in New York, before salons open in Dublin and London.
    nightly, _ = crontab_model.objects.get_or_create(
        minute="0",
        hour="7",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    task_model.objects.get_or_create(
        name=INCREMENTAL,
        defaults={
            "task": "integrations.sync_all",
            "interval": every_15_minutes,
            "kwargs": '{"kind": "incremental"}',
            "description": "Changes since each integration's cursor, into the mirror.",
        },
    )
    task_model.objects.get_or_create(
        name=RECONCILE,
        defaults={
            "task": "integrations.sync_all",
            "crontab": nightly,
            "kwargs": '{"kind": "reconcile"}',
            "description": "Last 30 and next 90 days re-read; deleted appointments detected.",
        },
    )
    task_model.objects.get_or_create(
        name=TOKENS,
        defaults={
            "task": "integrations.refresh_tokens",
            "interval": every_10_minutes,
            "description": "Renews access tokens that expire within 30 minutes.",
        },
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[INCREMENTAL, RECONCILE, TOKENS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_integration_issue"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    # Keeps one leaf while 0007 (health) still depends on 0005; redundant (and removable) once
    # 0007 depends on this migration.

    operations = [migrations.RunPython(install, uninstall)]
