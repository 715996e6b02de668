"""Once installed this schedule; the periodic tasks are now declared in salonsync/schedules.py
(installed after migrate). Kept as a no-op so the migration graph stays intact."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_integration_issue"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    # Keeps one leaf while 0007 (health) still depends on 0005; redundant (and removable) once
    # 0007 depends on this migration.

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
