"""Small builders for test data (plain functions: fewer moving parts than a factory library)."""

from django.contrib.auth import get_user_model

from integrations.models import Integration, IntegrationStatus, Membership, Salon

PASSWORD = "correct-horse-battery"


def make_salon(name: str, slug: str, timezone: str = "America/New_York") -> Salon:
    return Salon.objects.create(name=name, slug=slug, timezone=timezone)


def make_user(username: str, password: str = PASSWORD, **extra):
    return get_user_model().objects.create_user(username=username, password=password, **extra)


def make_member(salon: Salon, username: str, role: str):
    user = make_user(username)
    Membership.objects.create(user=user, salon=salon, role=role)
    return user


def make_integration(salon: Salon, name: str) -> Integration:
    """A connected Phorest integration whose business id and account name are ``name``."""
    return Integration.objects.create(
        salon=salon,
        platform="phorest",
        account={"business_id": name, "branch_id": "br"},
        status=IntegrationStatus.CONNECTED,
        account_name=name,
    )
