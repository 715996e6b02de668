"""Create (or bring up to date) the demo salon and its owner. Safe to run again."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations.models import Membership, Salon
from integrations.roles import Role

DEMO_SLUG = "demo-salon"
DEMO_OWNER = "owner"
DEMO_PASSWORD = "salonsync-demo"  # noqa: S105 - the documented demo login


class Command(BaseCommand):
    help = "Creates the demo salon 'demo-salon' and its owner (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help="the owner's password")

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        if len(password) < 8:
            raise CommandError("The demo password must be at least 8 characters long.")
        salon, created = Salon.objects.get_or_create(
            slug=DEMO_SLUG, defaults={"name": "Demo Salon", "timezone": "America/New_York"}
        )
        user_model = get_user_model()
        owner, _ = user_model.objects.get_or_create(
            username=DEMO_OWNER, defaults={"email": "owner@demo-salon.example"}
        )
        owner.set_password(password)
        owner.save()
        Membership.objects.update_or_create(user=owner, salon=salon, defaults={"role": Role.OWNER})
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} salon {salon.slug!r} with owner {owner}."))
        self.stdout.write(f"Log in as {DEMO_OWNER!r} with password {password!r}.")
