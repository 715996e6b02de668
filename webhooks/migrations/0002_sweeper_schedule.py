"""Once installed this schedule; the periodic tasks are now declared in salonsync/schedules.py
(installed after migrate). Kept as a no-op so the migration graph stays intact."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
