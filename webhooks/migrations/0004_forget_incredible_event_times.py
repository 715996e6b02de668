"""Rows stored before event times were checked (issue 21, W2): a time Python cannot read
(9999-12-31T23:59:59-14:00 is after year 9999 in UTC) made every read of the row fail, so the
event was re-queued forever and the admin's list failed. Such times, and any later than the
receipt plus the clock skew or earlier than 2000, are cleared: the body keeps the text, and
processing uses the receipt time (webhooks/platforms/base.py, credible_time).

The filter runs in SQL, so no unreadable value is ever loaded into Python."""

from datetime import UTC, datetime, timedelta

from django.db import migrations
from django.db.models import F, Q

# The values of EARLIEST_EVENT_TIME and MAX_CLOCK_SKEW when this was written.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SKEW = timedelta(minutes=5)


def forget(apps, schema_editor):
    WebhookEvent = apps.get_model("webhooks", "WebhookEvent")
    WebhookEvent.objects.filter(
        Q(occurred_at__gt=F("received_at") + SKEW) | Q(occurred_at__lt=EARLIEST)
    ).update(occurred_at=None)


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0003_rejected_body_length")]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
