"""Mirror rows whose version was set from an event dated in the future (issue 21, W3: a signed
client.updated dated 2099 or 9999) refuse every change until then. Their version becomes now, so
the next sync or webhook applies again; integrations/mirror.py (version_cap) keeps new versions
within the present plus the clock skew."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

# MAX_CLOCK_SKEW when this was written.
SKEW = timedelta(minutes=5)
MIRRORS = (
    "MirroredAppointment",
    "MirroredCustomer",
    "MirroredService",
    "MirroredProvider",
    "MirroredLocation",
)


def unfreeze(apps, schema_editor):
    now = timezone.now()
    for name in MIRRORS:
        apps.get_model("integrations", name).objects.filter(version_at__gt=now + SKEW).update(
            version_at=now
        )


class Migration(migrations.Migration):
    dependencies = [("integrations", "0013_vagaro_region")]

    operations = [migrations.RunPython(unfreeze, migrations.RunPython.noop)]
