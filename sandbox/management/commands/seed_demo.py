"""Create (or bring up to date) the demo salon, its owner and, when the sandbox is on, the
sandbox's emulated businesses: the salon is connected to Mindbody and Phorest, and Vagaro is left
for the owner to connect with the credentials /sandbox/ shows (so the connect form can be tried).
The salon emails its clients directly (those who opted in): /sandbox/outbox/ shows what they got.
Safe to run again: a Vagaro integration the owner connected is kept."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations.adapters.registry import get_adapter_class
from integrations.models import Integration, IntegrationStatus, Membership, Salon, SyncRun
from rebooking.models import RebookingSettings
from salons.roles import Role

DEMO_SLUG = "demo-salon"
DEMO_OWNER = "owner"
DEMO_PASSWORD = "salonsync-demo"  # noqa: S105 - the documented demo login
DEMO_TZ = "America/New_York"

# The sandbox businesses (docs/contract.md §2: Mindbody site -99, a Vagaro business, a Phorest
# business and branch). Their credentials are the sandbox's own fake demo values.
SANDBOX_ACCOUNTS = [
    {
        "platform": "mindbody",
        "account_id": "-99",
        "name": "Demo Salon (Mindbody sandbox)",
        "username": "mindbodysandboxsite@gmail.com",
        "password": "Apitest1234",
        "account": {"site_id": "-99"},
        "seed": 1,
    },
    {
        "platform": "vagaro",
        "account_id": "dEm0BuSiNeSs==",
        "name": "Demo Salon (Vagaro sandbox)",
        "username": "demo-vagaro-client-id",
        "password": "demo-vagaro-client-secret",
        # docs/platforms/vagaro.md §2.1: the region is part of each business's connection.
        "region": "us02",
        "account": {"business_id": "dEm0BuSiNeSs==", "region": "us02"},
        "seed": 2,
        "connect": False,  # the owner connects it (the demo's connect form to try)
    },
    {
        "platform": "phorest",
        "account_id": "dEm0PhOrEsTbUsInEsS01",
        "branch_id": "dEm0BrAnCh000000000001",
        "name": "Demo Salon (Phorest sandbox)",
        "username": "global/owner@demo-salon.example",
        "password": "demo-phorest-password",
        "account": {"business_id": "dEm0PhOrEsTbUsInEsS01", "branch_id": "dEm0BrAnCh000000000001"},
        "seed": 3,
    },
]
VAGARO_WEBHOOK_TOKEN = "demo-vagaro-verification-token"  # noqa: S105 - sandbox demo value


class Command(BaseCommand):
    help = (
        "Creates the demo salon 'demo-salon', its owner and (with SANDBOX_ENABLED) one "
        "integration per platform on the sandbox, with a history of clients and appointments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help="the owner's password")
        parser.add_argument(
            "--clients", type=int, default=300, help="sandbox clients per platform (default 300)"
        )
        parser.add_argument(
            "--no-sync", action="store_true", help="skip the first full sync into the mirror"
        )

    def handle(self, *args, password: str, clients: int, no_sync: bool = False, **options):
        if len(password) < 8:
            raise CommandError("The demo password must be at least 8 characters long.")
        if clients < 1 or clients > 5000:
            raise CommandError("--clients must be between 1 and 5000.")
        with transaction.atomic():
            salon, created = self._salon_and_owner(password)
        if settings.SANDBOX_ENABLED:
            for spec in SANDBOX_ACCOUNTS:
                if not spec.get("connect", True):
                    self.stdout.write(self._offer_sandbox(salon, spec, clients))
                    continue
                with transaction.atomic():
                    integration = self._connect_sandbox(salon, spec, clients)
                line = f"  {integration.platform_name}: connected to the sandbox"
                if not no_sync:
                    line += f"; {self._first_sync(integration)}"
                self.stdout.write(line + ".")
            if not no_sync:
                self.stdout.write(self._first_overdue_scan(salon))
        else:
            self.stdout.write("SANDBOX_ENABLED is off: no demo integrations were created.")
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} salon {salon.slug!r} with owner {DEMO_OWNER}.")
        )
        self.stdout.write(f"Log in as {DEMO_OWNER!r} with password {password!r}.")

    def _salon_and_owner(self, password: str):
        salon, created = Salon.objects.get_or_create(
            slug=DEMO_SLUG, defaults={"name": "Demo Salon", "timezone": DEMO_TZ}
        )
        if not salon.currency:  # the sandbox's Mindbody site and Phorest branch say USD
            salon.currency = "USD"
            salon.save(update_fields=["currency"])
        owner, _ = get_user_model().objects.get_or_create(
            username=DEMO_OWNER, defaults={"email": "owner@demo-salon.example"}
        )
        owner.set_password(password)
        owner.save()
        Membership.objects.update_or_create(user=owner, salon=salon, defaults={"role": Role.OWNER})
        # The demo messages the clients who opted in on their platform (the sandbox's clients
        # carry the platforms' consent flags); left as the owner set it on later runs.
        RebookingSettings.objects.get_or_create(salon=salon, defaults={"client_messages": True})
        return salon, created

    def _first_sync(self, integration: Integration) -> str:
        """Fill the mirror as the first scheduled sync would; the server is not up yet, so the
        adapter reaches the sandbox in-process."""
        from integrations.adapters.errors import ConfigurationError
        from integrations.booking import BookingService
        from integrations.sync import sync_run
        from sandbox.transport import mount

        try:
            service = BookingService(integration)
        except ConfigurationError as exc:
            return f"first sync skipped: {exc}"
        mount(service.adapter.http.session, settings.SALONSYNC_PUBLIC_URL)
        run = sync_run(integration=integration, kind=SyncRun.Kind.FULL, service=service)
        if run.state != SyncRun.State.SUCCEEDED:
            return f"first sync {run.state}: {run.error or 'see the logs'}"
        return f"{run.counts.get('appointments', 0)} appointments in the mirror"

    def _first_overdue_scan(self, salon: Salon) -> str:
        """The daily overdue scan once now, so the Rebooking page has suggestions from the start
        (beat runs it daily afterwards); its adapters reach the sandbox in-process. Only the
        first: once the salon has overdue suggestions, running seed_demo again adds none."""
        from rebooking.models import RebookingSuggestion, SuggestionKind
        from rebooking.services import overdue_scan
        from sandbox.transport import in_process

        if RebookingSuggestion.objects.filter(salon=salon, kind=SuggestionKind.OVERDUE).exists():
            return "  Rebooking: the first overdue scan already ran."
        with in_process(settings.SALONSYNC_PUBLIC_URL):
            made = overdue_scan(salon=salon)
        return f"  Rebooking: first overdue scan made {len(made)} suggestions."

    def _offer_sandbox(self, salon: Salon, spec: dict, clients: int) -> str:
        """The sandbox business only; the salon connects it from its Booking platforms page. An
        integration the owner already connected keeps its webhook URL in the sandbox."""
        from sandbox.data import seed_account
        from sandbox.models import Account

        mine = Integration.objects.filter(salon=salon, platform=spec["platform"]).first()
        account = Account.objects.filter(
            platform=spec["platform"], account_id=spec["account_id"]
        ).first()
        seed_account(
            platform=spec["platform"],
            account_id=spec["account_id"],
            name=spec["name"],
            timezone=salon.timezone,
            username=spec["username"],
            password=spec["password"],
            webhook_url=account.webhook_url if account is not None and mine is not None else "",
            webhook_secret=VAGARO_WEBHOOK_TOKEN if spec["platform"] == "vagaro" else "",
            region=spec.get("region", ""),
            seed=spec["seed"],
            clients=clients,
        )
        label = get_adapter_class(spec["platform"]).display_name
        if mine is not None and mine.status == IntegrationStatus.CONNECTED:
            return f"  {label}: already connected by the owner (left as it is)."
        return (
            f"  {label}: sandbox business ready; connect it from Booking platforms with the "
            f"credentials at {settings.SALONSYNC_PUBLIC_URL.rstrip('/')}/sandbox/."
        )

    def _connect_sandbox(self, salon: Salon, spec: dict, clients: int) -> Integration:
        from sandbox.data import seed_account

        integration = Integration.objects.filter(
            platform=spec["platform"], salon=salon
        ).first() or Integration(salon=salon, platform=spec["platform"])
        integration.account = spec["account"]
        credentials = {"username": spec["username"], "password": spec["password"]}
        if spec["platform"] == "vagaro":
            credentials = {
                "client_id": spec["username"],
                "client_secret": spec["password"],
                "webhook_token": VAGARO_WEBHOOK_TOKEN,
            }
        integration.credentials = credentials
        integration.status = IntegrationStatus.CONNECTED
        integration.account_name = spec["name"]
        integration.save()
        public = settings.SALONSYNC_PUBLIC_URL.rstrip("/")
        webhook_url, webhook_secret = "", ""
        if spec["platform"] == "mindbody":
            webhook_url = f"{public}/webhooks/mindbody/"
            webhook_secret = settings.MINDBODY_WEBHOOK_SIGNATURE_KEY
        elif spec["platform"] == "vagaro":
            webhook_url = f"{public}/webhooks/vagaro/{integration.pk}/"
            webhook_secret = VAGARO_WEBHOOK_TOKEN
        seed_account(
            platform=spec["platform"],
            account_id=spec["account_id"],
            branch_id=spec.get("branch_id", ""),
            name=spec["name"],
            timezone=salon.timezone,
            username=spec["username"],
            password=spec["password"],
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            region=spec.get("region", ""),
            seed=spec["seed"],
            clients=clients,
        )
        return integration
