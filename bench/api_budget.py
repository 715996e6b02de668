"""API-call budget bench (issue 19): one simulated salon day per platform through the in-process
sandbox emulators, counting the calls each platform receives, against the issue's targets and
what the platform includes; the mirror is compared with the emulator's books at the end.

    .venv/bin/python bench/api_budget.py [--clients 200] [--runs 96] [--before]

The day (bench/budget_day.py says it in full): 40 appointments booked at the front desk, 10
changed, 6 cancelled, 2 no-shows, the webhooks Mindbody and Vagaro send for them received and
processed (hint re-reads count), the 15-minute incremental fan-out 96 times with its health
check, token refreshes, the nightly reconciliation, the owner's page visits and 3 accepted
suggestions. The clock is simulated (time-machine); Celery tasks run in-process, in order.
``--before`` replays the policy from before issue 19: every integration on every 15-minute run.

Calls are ApiCall rows (every platform call writes one), counted from the start of the day,
after the first sync (Vagaro: the backfill), which is reported apart. Webhook deliveries are not
calls SalonSync makes; they are shown beside (Vagaro may count them too, docs/platforms/vagaro.md
§1.1). DATABASE_URL selects the database (default postgres://postgres@127.0.0.1:5432/
salonsync_budget, created and migrated when missing); the bench's salons are rebuilt each run.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/salonsync_budget")
os.environ.pop("REDIS_URL", None)  # tasks in-process and in order; locks in process memory
os.environ["DEMO_BEAT"] = "false"  # no scheduler thread of the demo's own
os.environ["TASKS_IN_THREADS"] = "false"
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")  # each emulator answer would reconnect

from bench.sync import setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="clients per salon (200)")
    parser.add_argument("--runs", type=int, default=96, help="15-minute runs in the day (96)")
    parser.add_argument(
        "--before",
        action="store_true",
        help="the policy before issue 19: every integration synced on every 15-minute run",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="PLATFORM:KEY=VALUE",
        help="an integration option to try, e.g. phorest:changed_past_days=1 (repeatable)",
    )
    parser.add_argument("--verbose", action="store_true", help="the calls by operation, too")
    args = parser.parse_args()
    setup_django()
    logging.disable(logging.INFO)  # every task and webhook logs a line: warnings only

    from bench.budget_day import PLATFORMS, TARGETS, DayPlan, run_day
    from integrations.call_budget import allowance_for

    started = time.monotonic()
    plan = DayPlan(
        clients=args.clients, runs=args.runs, before=args.before, options=_options(args.option)
    )
    days = run_day(plan, log=print)
    policy = "every integration every run (before issue 19)" if args.before else "sync_fan_out"
    print(f"\n{args.runs} scheduled runs ({policy}) + the nightly reconciliation, ", end="")
    print(f"{args.clients} clients per salon, in {time.monotonic() - started:.0f} s")

    print(f"\n{'platform':<9} | {'first sync':>10} | {'calls/day':>9} | {'target':>6} | allowance")
    for pd in days:
        day = pd.day_calls
        allowance = allowance_for(pd.platform)
        if allowance is None:
            included = "none published"
        elif allowance.period == "day":
            included = f"{allowance.calls}/day: {100 * day / allowance.calls:.0f} % used"
        else:
            used = 100 * day * 30 / allowance.calls
            included = f"{allowance.calls}/month: {used:.0f} % used at 30 such days"
        target = TARGETS[pd.platform]
        mark = "" if day <= target else "  MISSED"
        print(
            f"{pd.platform:<9} | {pd.first_sync:>10} | {day:>9} | {'<=' + str(target):>6} | "
            f"{included}{mark}"
        )

    print("\nthe day's calls by what made them; the day's events and webhooks")
    for pd in days:
        parts = "; ".join(f"{k} {v}" for k, v in sorted(pd.calls.items()) if v)
        print(f"  {pd.platform}: {parts or 'none'}")
        done = ", ".join(f"{k} {v}" for k, v in sorted(pd.done.items()))
        hooks = ", ".join(f"{k} {v}" for k, v in sorted(pd.webhooks.items())) or "none"
        print(f"    done: {done}; webhooks stored: {hooks}")
        for note in pd.notes[:10]:
            print(f"    note: {note}")
        if args.verbose:
            _by_operation(pd)
    for pd in days:
        waiting = len(pd.differences_before_nightly)
        print(f"  {pd.platform}: {waiting} mirror differences before the nightly run")
        for difference in pd.differences[:20]:
            print(f"  mirror {pd.platform}: {difference}")

    print()
    for pd in days:
        print(f"calls/day {pd.platform} {pd.day_calls}")
    wrong = [pd for pd in days if pd.differences]
    if not wrong:
        print("mirror exact")
    else:
        print(
            "mirror NOT exact: "
            + "; ".join(f"{pd.platform}: {len(pd.differences)} differences" for pd in wrong)
        )
    assert [pd.platform for pd in days] == list(PLATFORMS)


def _options(values: list[str]) -> dict[str, dict]:
    options: dict[str, dict] = {}
    for value in values:
        platform, _, setting = value.partition(":")
        key, _, raw = setting.partition("=")
        if not key or not raw:
            raise SystemExit(f"--option {value!r}: expected PLATFORM:KEY=VALUE")
        options.setdefault(platform, {})[key] = int(raw) if raw.isdigit() else raw
    return options


def _by_operation(pd) -> None:
    from django.db.models import Count

    from integrations.models import ApiCall

    rows = (
        ApiCall.objects.filter(integration=pd.integration)
        .order_by()
        .values("operation")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    print("    all calls by operation: " + ", ".join(f"{r['operation']} {r['n']}" for r in rows))


if __name__ == "__main__":
    main()
