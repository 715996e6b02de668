"""Beat runs the daily overdue scan and the hourly expiry of stale suggestions."""

from django.db import migrations

SCAN = "Rebooking: daily overdue scan"
EXPIRE = "Rebooking: expire stale suggestions"


def install(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    # 11:00 UTC: the morning in the Americas, midday in Europe, before salons' busy hours end.
    daily, _ = crontab_model.objects.get_or_create(
        minute="0", hour="11", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    hourly, _ = interval_model.objects.get_or_create(every=1, period="hours")
    task_model.objects.get_or_create(
        name=SCAN, defaults={"task": "rebooking.overdue_scan_all", "crontab": daily}
    )
    task_model.objects.get_or_create(
        name=EXPIRE, defaults={"task": "rebooking.expire_suggestions", "interval": hourly}
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[SCAN, EXPIRE]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rebooking", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
