"""Backtest bench: a generated history of N clients over two years replayed through the rebooking
engine; prints the scores, the time and the peak memory, and PASS/FAIL per target (not a test).
On PostgreSQL it first vacuums the tables a replay writes (see ``vacuum``).

    DJANGO_DEBUG=true DATABASE_URL=postgres://... .venv/bin/python bench/rebooking_backtest.py \
        --clients 3000 --seed 1
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salonsync.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

# As in production: DEBUG would keep the SQL of the last 9,000 queries in memory (the bench runs
# with DJANGO_DEBUG=true only because the production settings want real secrets).
settings.DEBUG = False

from zoneinfo import ZoneInfo  # noqa: E402

from rebooking.backtest.loader import read_csv  # noqa: E402
from rebooking.backtest.replay import replay  # noqa: E402
from rebooking.management.commands.rebooking_backtest import report  # noqa: E402


def vacuum() -> None:
    """Each replay leaves its throwaway salon's dead rows behind (MVCC), and back-to-back runs
    outpace autovacuum: start from the state autovacuum keeps a database in."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    tables = ("integrations_mirroredappointment", "integrations_mirroredcustomer",
              "rebooking_clientrhythm", "rebooking_rebookingsuggestion")  # fmt: skip
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"vacuumed {', '.join(tables)}")


ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    """This process's resident memory now."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


FIGURES = (  # (label, path into a rule's scores), the seven figures of issue 20
    ("A within 7 d, < 3 visits", ("timing", "under_3", "within_7_days")),
    ("A within 7 d, 3+ visits", ("timing", "3_plus", "within_7_days")),
    ("B same provider", ("timing", "same_provider")),
    ("B same weekday", ("timing", "same_weekday")),
    ("B same time of day", ("timing", "same_time_of_day")),
    ("C outreach F1", ("outreach", "f1")),
    ("D refill precision@3", ("refill", "precision_at_3")),
)


def _value(scores: dict, path) -> float | None:
    for key in path:
        scores = (scores or {}).get(key)
    return scores


def figures_table(rules: dict) -> str:
    """Engine against the best faithful anchor, figure by figure (a Markdown table)."""
    lines = ["| figure | engine | best anchor | engine ahead |", "|---|---|---|---|"]
    for label, path in FIGURES:
        engine = _value(rules["engine"], path)
        best = max(("fixed", "last3"), key=lambda r: _value(rules[r], path) or 0)
        anchor = _value(rules[best], path)
        extra = ""
        if path[0] == "outreach":
            e, a = rules["engine"]["outreach"], rules[best]["outreach"]
            extra = f" (P {_pct(e['precision'])} / R {_pct(e['recall'])})"
            best += f", P {_pct(a['precision'])} / R {_pct(a['recall'])}"
        ahead = "yes" if (engine or 0) > (anchor or 0) else "NO"
        lines.append(f"| {label} | {_pct(engine)}{extra} | {_pct(anchor)} ({best}) | {ahead} |")
    return "\n".join(lines)


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", default="steady", help="make_history's --shape")
    parser.add_argument("--history", type=Path, help="a history CSV instead of a generated one")
    parser.add_argument("--salon", help="a salon's own mirror instead (its slug: the demo salon)")
    args = parser.parse_args()
    tz_name = "America/New_York"
    if args.salon:
        from integrations.models import Salon
        from rebooking.backtest.loader import read_salon

        salon = Salon.objects.get(slug=args.salon)
        rows, tz_name = read_salon(salon), salon.timezone
    with tempfile.TemporaryDirectory() as tmp:
        path = args.history or Path(tmp) / "history.csv"
        # Generated in a child process, so this one's peak memory is the replay's (and the
        # history's, loaded as `rebooking_backtest --history` loads it), not the generator's.
        if args.salon:
            pass
        elif args.history is None:
            subprocess.run(
                [sys.executable, str(ROOT / "manage.py"), "make_history", "--clients",
                 str(args.clients), "--seed", str(args.seed), "--shape", args.shape,
                 "--out", str(path)],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        if not args.salon:
            rows = read_csv(path, ZoneInfo(tz_name)).rows
    vacuum()
    loaded_mb = rss_mb()
    began = time.perf_counter()
    result = replay(rows, tz_name=tz_name)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(report(result.summary))
    print(
        f"replay: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB; "
        f"RSS before the replay {loaded_mb:.0f} MB (the history loaded: {len(rows)} appointments)"
    )
    rules = result.summary["rules"]
    print(figures_table(rules))
    floor = result.summary.get("baselines", {}).get("refill_random", {})
    print(f"refill precision@3 of a random pick (the floor): {_pct(floor.get('precision_at_3'))}")

    def beats(path):
        def value(rule):
            v = rules[rule]
            for key in path:
                v = v[key]
            return v or 0

        return all(value("engine") > value(a) for a in ("fixed", "last3"))

    targets = {
        "timing within 7 days (3+ visits) beats both anchors": beats(
            ("timing", "3_plus", "within_7_days")
        ),
        "outreach F1 beats both anchors": beats(("outreach", "f1")),
        "refill precision@3 beats both anchors": beats(("refill", "precision_at_3")),
        "replay under 2 minutes": seconds < 120,
    }
    for name, ok in targets.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")


if __name__ == "__main__":
    main()
