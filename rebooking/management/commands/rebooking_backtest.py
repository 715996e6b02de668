"""rebooking_backtest --salon SLUG | --history FILE.csv [--set k=v ...] [--out DIR]: replay a
history through the production rebooking code in a throwaway salon (deleted afterwards) and
score the engine against the two anchor rules (see rebooking/backtest/replay.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations.models import Salon
from rebooking.backtest.loader import REFUSED_SHOWN, HistoryError, read_csv, read_salon
from rebooking.backtest.replay import RULES, TimingCsv, replay, settings_values, write
from rebooking.services import rebooking_settings_get


def parse_settings(items: list[str]) -> dict:
    """``k=v`` pairs (values read as JSON when they parse: 2, 1.5, true, {"Cut": 35}) or one
    JSON object."""
    values: dict = {}
    for item in items:
        if item.lstrip().startswith("{"):
            try:
                values.update(json.loads(item))
            except json.JSONDecodeError as exc:
                raise CommandError(f"--set {item!r} is not valid JSON: {exc}") from None
            continue
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--set {item!r}: expected name=value")
        try:
            values[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            values[name.strip()] = raw
    return values


class Command(BaseCommand):
    help = "Replay a salon's or a CSV's history through the rebooking engine and score it."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--salon", help="replay this salon's own mirror (read only)")
        source.add_argument("--history", help="a CSV history (see make_history)")
        parser.add_argument("--timezone", default="America/New_York",
                            help="the salon zone of a --history file")  # fmt: skip
        # Django's own --settings (the settings module) is read by manage.py before any command
        # runs, so the RebookingSettings to try come under another name.
        parser.add_argument("--rebooking-settings", "--set", dest="rebooking_settings",
                            nargs="*", default=[], metavar="NAME=VALUE",
                            help="RebookingSettings values to try")  # fmt: skip
        parser.add_argument("--out", help="directory for timing/outreach/refill.csv, summary.json")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, salon=None, history=None, timezone="America/New_York",
               rebooking_settings=(), out=None, no_progress=False, **options):  # fmt: skip
        values = parse_settings(list(rebooking_settings or []))
        adjusted: dict[str, int] = {}
        refused: list[tuple[int, str]] = []
        if salon:
            found = Salon.objects.filter(slug=salon).first()
            if found is None:
                raise CommandError(f"no salon {salon!r}")
            values = {**settings_values(rebooking_settings_get(salon=found)), **values}
            rows, tz_name = read_salon(found), found.timezone
            if not rows:
                raise CommandError(f"salon {salon!r} has no appointments to replay")
        else:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                tz = ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise CommandError(f"unknown time zone {timezone!r}") from None
            try:
                imported = read_csv(history, tz)
            except HistoryError as exc:
                raise CommandError(f"{history}: {exc}") from None
            rows, adjusted, tz_name = imported.rows, imported.adjusted, timezone
            refused = imported.refused
        bar = None
        if not no_progress and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(desc="replay", unit=" steps", file=sys.stderr)

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.total = total
                bar.update(done - bar.n)

        from zoneinfo import ZoneInfo

        try:
            timing_csv = TimingCsv(Path(out), ZoneInfo(tz_name)) if out else None
        except OSError as exc:
            raise CommandError(f"--out {out}: cannot write there ({exc.strerror})") from None
        try:
            result = replay(
                rows, tz_name=tz_name, settings=values, progress=progress, on_timing=timing_csv
            )
        except ValidationError as exc:
            problems = (
                [f"{name}: {' '.join(m)}" for name, m in exc.message_dict.items()]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError(f"--set: {'; '.join(problems)}") from None
        finally:
            if bar is not None:
                bar.close()
            if timing_csv is not None:
                timing_csv.close()
        result.summary["import"] = {"rows": len(rows), "adjusted": adjusted}
        if refused:
            result.summary["import"]["refused"] = [
                {"row": row, "problem": problem} for row, problem in refused
            ]
        if out:
            write(result, Path(out), ZoneInfo(tz_name))
        self.stdout.write(report(result.summary))
        if out:
            self.stdout.write(f"Files written to {out}")


def report(summary: dict) -> str:
    adjusted = summary.get("import", {}).get("adjusted", {})
    refused = summary.get("import", {}).get("refused", [])
    named = "; ".join(f"row {r['row']}: {r['problem']}" for r in refused[:REFUSED_SHOWN])
    more = f"; and {len(refused) - REFUSED_SHOWN} more" if len(refused) > REFUSED_SHOWN else ""
    plural = "s" if len(refused) != 1 else ""
    lines = [
        *(f"{n} row{'s' if n != 1 else ''} adjusted: {why}" for why, n in adjusted.items()),
        *([f"{len(refused)} row{plural} refused (cannot be read): {named}{more}"] * bool(refused)),
        f"{summary['appointments']} appointments, {summary['clients']} clients, "
        f"{summary['scans']} overdue scans ({summary['scan_schedule']}), "
        f"{summary['cancellations']} cancellations",
        f"{'rule':8} {'within7 <3':>10} {'within7 3+':>10} {'med 3+':>7} {'provider':>8} "
        f"{'weekday':>8} {'time':>6} {'out P':>6} {'out R':>6} {'out F1':>6} {'refill P@3':>10}",
    ]
    for rule in RULES:
        s = summary["rules"][rule]
        t, o, r = s["timing"], s["outreach"], s["refill"]
        cells = [t["under_3"]["within_7_days"], t["3_plus"]["within_7_days"],
                 t["3_plus"]["median_abs_days"], t["same_provider"], t["same_weekday"],
                 t["same_time_of_day"], o["precision"], o["recall"], o["f1"],
                 r["precision_at_3"]]  # fmt: skip
        text = ["-" if c is None else f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells]
        widths = [10, 10, 7, 8, 8, 6, 6, 6, 6, 10]
        lines.append(
            f"{rule:8} " + " ".join(f"{c:>{w}}" for c, w in zip(text, widths, strict=True))
        )
    return "\n".join(lines)
