"""Mindbody sites' activation switch, and one region field for every platform: empty means the
platform's default (Vagaro us02, Phorest eu; sandbox/models.py Account.api_region)."""

from django.db import migrations, models


def platform_default_regions(apps, schema_editor):
    Account = apps.get_model("sandbox", "Account")
    Account.objects.exclude(platform="vagaro").update(region="")


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0004_vagaro_region_access_scope")]

    operations = [
        migrations.AddField(
            model_name="account",
            name="activated",
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name="account",
            name="region",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.RunPython(platform_default_regions, migrations.RunPython.noop),
    ]
