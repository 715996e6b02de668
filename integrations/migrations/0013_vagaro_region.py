"""Vagaro connections made before the region was asked for ran against the deployment-wide base
URL, whose default region was us02: they keep it, so they go on working (the owner can correct it
by reconnecting; docs/platforms/vagaro.md §2.1)."""

from django.db import migrations

OLD_DEFAULT_REGION = "us02"


def add_region(apps, schema_editor):
    Integration = apps.get_model("integrations", "Integration")
    for integration in Integration.objects.filter(platform="vagaro").iterator():
        account = dict(integration.account or {})
        if not account.get("region"):
            account["region"] = OLD_DEFAULT_REGION
            Integration.objects.filter(pk=integration.pk).update(account=account)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0012_integration_sync_checkpoint")]
    operations = [migrations.RunPython(add_region, migrations.RunPython.noop)]
