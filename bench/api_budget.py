"""API-call budget bench: one salon per platform, synced through a simulated day the way the
schedules run it (the 15-minute fan-out 96 times, then the nightly reconciliation), against the
sandbox emulators in-process; prints the calls each platform costs next to what it includes.

    .venv/bin/python bench/api_budget.py [--clients 300] [--runs 96]

DATABASE_URL selects the database (default postgres://postgres@127.0.0.1:5432/salonsync_budget,
created and migrated when missing). Calls are counted from ApiCall rows, which every platform
call writes. Webhook deliveries (which Vagaro also counts, docs/platforms/vagaro.md §1.1) and a
webhook's re-reads are not simulated: the figures are what the syncs alone spend.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/salonsync_budget")

from bench.sync import setup_django  # noqa: E402

PLATFORMS = {
    "mindbody": {"account_id": "-99001", "username": "bench.staff", "password": "bench-mb-pw"},
    "vagaro": {"account_id": "bEnChVaGaRo==", "username": "bench-vg", "password": "bench-vg-pw"},
    "phorest": {
        "account_id": "bEnChBuDgEt00001",
        "branch_id": "bEnChBrAnCh00001",
        "username": "global/budget@salonsync.example",
        "password": "bench-ph-pw",
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=300, help="clients per salon (300)")
    parser.add_argument("--runs", type=int, default=96, help="15-minute runs in the day (96)")
    parser.add_argument(
        "--every-run",
        action="store_true",
        help="the policy before issue 19: every integration synced on every 15-minute run",
    )
    args = parser.parse_args()
    setup_django()

    from django.conf import settings

    from integrations import sync as sync_module
    from integrations.booking import BookingService
    from integrations.call_budget import allowance_for
    from integrations.models import ApiCall, Integration, IntegrationStatus, Salon
    from integrations.sync import sync_fan_out, sync_run
    from sandbox.data import seed_account
    from sandbox.models import Account as SandboxAccount
    from tests.sandbox_transport import ORIGIN, mount

    settings.MINDBODY_API_URL = f"{ORIGIN}/sandbox/mindbody"
    settings.MINDBODY_API_KEY = "sandbox-developer-key"
    settings.VAGARO_API_URL = f"{ORIGIN}/sandbox/vagaro"
    settings.PHOREST_API_URL = f"{ORIGIN}/sandbox/phorest/third-party-api-server/api/business"

    def service_for(integration):
        service = BookingService(integration, sleep=lambda _seconds: None)
        mount(service.adapter.http.session)
        return service

    sync_module.sync_service_for = service_for

    started = time.monotonic()
    salon, _ = Salon.objects.get_or_create(
        slug="budget-salon", defaults={"name": "Budget Salon", "timezone": "America/New_York"}
    )
    Integration.objects.filter(salon=salon).delete()
    integrations = {}
    for platform, ids in PLATFORMS.items():
        stale = SandboxAccount.objects.filter(platform=platform, account_id=ids["account_id"])
        if stale.exists() and stale.first().clients.count() != args.clients:
            stale.delete()
        seed_account(
            platform=platform,
            name=f"Budget Salon ({platform})",
            seed=77,
            clients=args.clients,
            months_back=18,
            months_ahead=1,
            **ids,
        )
        account = {"business_id": ids["account_id"]}
        if platform == "mindbody":
            account = {"site_id": ids["account_id"]}
        elif platform == "vagaro":
            account = {"region": "us02", "business_id": ids["account_id"]}
        elif platform == "phorest":
            account["branch_id"] = ids["branch_id"]
        integration = Integration(
            salon=salon,
            platform=platform,
            account=account,
            options={"write_access": True} if platform == "vagaro" else {},
            status=IntegrationStatus.CONNECTED,
        )
        integration.credentials = (
            {"client_id": ids["username"], "client_secret": ids["password"]}
            if platform == "vagaro"
            else {"username": ids["username"], "password": ids["password"]}
        )
        integration.save()
        integrations[platform] = integration
    print(f"seeded {args.clients} clients per platform in {time.monotonic() - started:.0f} s")

    def calls(platform: str) -> int:
        return ApiCall.objects.filter(integration=integrations[platform]).count()

    first = {}
    for platform, integration in integrations.items():
        run = sync_run(integration=integration)
        assert run.state == "succeeded", f"{platform}: {run.error}"
        first[platform] = calls(platform)

    started = time.monotonic()
    ours = [i.pk for i in integrations.values()]
    policy = sync_fan_out("reconcile") if args.every_run else None  # reconcile: everyone
    for _ in range(args.runs):
        due = policy if policy is not None else sync_fan_out("incremental")
        for integration in due.filter(pk__in=ours):
            sync_run(integration=integration)
    for integration in sync_fan_out("reconcile").filter(pk__in=ours):
        sync_run(integration=integration, kind="reconcile")
    day_seconds = time.monotonic() - started

    policy_name = "every integration every run" if args.every_run else "sync_fan_out"
    print(
        f"a simulated day ({args.runs} scheduled runs, {policy_name}, + 1 reconciliation) "
        f"in {day_seconds:.0f} s"
    )
    print()
    print(f"{'platform':<10} {'first sync':>10} {'a day':>7} {'30 days':>8}  allowance")
    for platform in integrations:
        day = calls(platform) - first[platform]
        allowance = allowance_for(platform)
        if allowance is None:
            included = "none published"
        elif allowance.period == "day":
            included = f"{allowance.calls}/day: {100 * day / allowance.calls:.0f} % used"
        else:
            included = f"{allowance.calls}/month: {100 * day * 30 / allowance.calls:.0f} % used"
        print(f"{platform:<10} {first[platform]:>10} {day:>7} {day * 30:>8}  {included}")


if __name__ == "__main__":
    main()
