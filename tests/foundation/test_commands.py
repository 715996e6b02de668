import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from integrations.models import Membership, Salon


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Log in as 'owner' with password 'salonsync-demo'" in out
    salon = Salon.objects.get(slug="demo-salon")
    assert salon.timezone == "America/New_York"
    assert Salon.objects.count() == 1
    membership = Membership.objects.get()
    assert (membership.user.username, membership.role, membership.salon) == (
        "owner",
        "owner",
        salon,
    )
    assert membership.user.check_password("salonsync-demo")


def test_seed_demo_password_option(db):
    call_command("seed_demo", password="another-password")
    assert get_user_model().objects.get(username="owner").check_password("another-password")


def test_seed_demo_rejects_short_password(db):
    with pytest.raises(CommandError, match="at least 8 characters"):
        call_command("seed_demo", password="short")
    assert not Salon.objects.exists()


def test_heartbeat_is_scheduled_on_beat(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Worker heartbeat")
    assert (task.task, task.interval.every, task.interval.period) == (
        "integrations.heartbeat",
        1,
        "minutes",
    )
