import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from integrations.models import Membership, Salon


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo", clients=12, no_sync=True)
    call_command("seed_demo", clients=12, no_sync=True)
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
    call_command("seed_demo", password="another-password", clients=5, no_sync=True)
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


def demo_settings(settings):
    """As under `make run`: the adapters point at the sandbox of this very app."""
    public = settings.SALONSYNC_PUBLIC_URL = "http://127.0.0.1:8000"
    settings.MINDBODY_API_KEY = "sandbox-developer-key"
    settings.MINDBODY_API_URL = f"{public}/sandbox/mindbody"
    settings.VAGARO_API_URL = f"{public}/sandbox/vagaro"
    settings.PHOREST_API_URL = f"{public}/sandbox/phorest/third-party-api-server/api/business"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]


def test_seed_demo_connects_mindbody_and_phorest_and_leaves_vagaro_to_the_owner(
    db, settings, capsys
):
    from integrations.models import Integration, MirroredAppointment, MirroredCustomer
    from sandbox.models import Account

    demo_settings(settings)
    call_command("seed_demo", clients=12)
    integrations = {i.platform: i for i in Integration.objects.filter(salon__slug="demo-salon")}
    assert set(integrations) == {"mindbody", "phorest"}
    assert {i.status for i in integrations.values()} == {"connected"}
    assert integrations["mindbody"].account == {"site_id": "-99"}
    accounts = {a.platform: a for a in Account.objects.all()}
    assert set(accounts) == {"mindbody", "phorest", "vagaro"}  # Vagaro's business still exists
    assert accounts["mindbody"].account_id == "-99"
    assert accounts["mindbody"].webhook_url.endswith("/webhooks/mindbody/")
    assert accounts["phorest"].webhook_url == ""
    # Vagaro: its fake credentials and webhook token for the owner to paste, no URL until then.
    vagaro = accounts["vagaro"]
    assert (vagaro.username, vagaro.password) == (
        "demo-vagaro-client-id",
        "demo-vagaro-client-secret",
    )
    assert vagaro.webhook_secret and vagaro.webhook_url == ""
    assert all(a.clients.count() == 12 and a.appointments.exists() for a in accounts.values())
    # The first full sync filled the mirror from the sandbox, for each connected platform.
    for platform, integration in integrations.items():
        mirrored = MirroredAppointment.objects.filter(integration=integration).count()
        assert mirrored == accounts[platform].appointments.count(), platform
        assert MirroredCustomer.objects.filter(integration=integration).count() == 12
    out = capsys.readouterr().out
    assert "appointments in the mirror" in out
    assert "Vagaro: sandbox business ready; connect it from Booking platforms" in out
    # The first overdue scan ran, so the Rebooking page is not empty; once only.
    from rebooking.models import RebookingSuggestion

    made = RebookingSuggestion.objects.filter(salon__slug="demo-salon", kind="overdue").count()
    assert made > 0 and f"first overdue scan made {made} suggestions" in out
    call_command("seed_demo", clients=12)
    assert "the first overdue scan already ran" in capsys.readouterr().out
    assert RebookingSuggestion.objects.filter(salon__slug="demo-salon").count() == made


def test_seed_demo_again_keeps_the_vagaro_integration_the_owner_connected(db, settings, capsys):
    from integrations.booking import BookingService
    from integrations.models import Integration, Salon
    from integrations.services import integration_connect
    from sandbox.models import Account
    from sandbox.transport import mount

    demo_settings(settings)
    call_command("seed_demo", clients=5, no_sync=True)
    real_init = BookingService.__init__

    def in_process(self, *args, **kwargs):  # the connect test reaches the sandbox in-process
        real_init(self, *args, **kwargs)
        mount(self.adapter.http.session, settings.SALONSYNC_PUBLIC_URL)

    BookingService.__init__ = in_process
    try:
        outcome = integration_connect(
            salon=Salon.objects.get(slug="demo-salon"),
            platform="vagaro",
            values={
                "client_id": "demo-vagaro-client-id",
                "client_secret": "demo-vagaro-client-secret",
                "region": "us02",
                "business_id": "dEm0BuSiNeSs==",
            },
        )
    finally:
        BookingService.__init__ = real_init
    url = f"http://127.0.0.1:8000/webhooks/vagaro/{outcome.integration.pk}/"
    Account.objects.filter(platform="vagaro").update(webhook_url=url)
    call_command("seed_demo", clients=5, no_sync=True)
    vagaro = Integration.objects.get(platform="vagaro")
    assert vagaro.pk == outcome.integration.pk and vagaro.status == "connected"
    assert vagaro.options["write_access"] is True  # the demo business grants it (sandbox switch)
    assert Account.objects.get(platform="vagaro").webhook_url == url
    assert "Vagaro: already connected by the owner" in capsys.readouterr().out


def test_seed_demo_rejects_bad_client_count(db):
    with pytest.raises(CommandError, match="--clients must be between 1 and 5000"):
        call_command("seed_demo", clients=0)


def test_sandbox_retries_are_scheduled_on_beat(db):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.get(task="sandbox.retry_due_webhooks").interval.every == 1
