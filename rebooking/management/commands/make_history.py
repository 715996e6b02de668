"""make_history --clients N --seed S --out FILE: a realistic synthetic history CSV for
rebooking_backtest (see rebooking/backtest/generator.py)."""

from django.core.management.base import BaseCommand, CommandError

from rebooking.backtest.generator import SHAPES, generate, write_csv


class Command(BaseCommand):
    help = "Write a synthetic appointment history CSV for rebooking_backtest."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=500)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--days", type=int, default=730, help="length of the history")
        parser.add_argument("--out", required=True, help="the CSV file to write")
        parser.add_argument(
            "--shape",
            choices=sorted(SHAPES),
            default="steady",
            help="the kind of salon (category names, rhythms, churn, booking lead, turnover)",
        )

    def handle(self, *args, clients, seed, days, out, shape, **options):
        if clients < 1 or days < 28:
            raise CommandError("--clients must be at least 1 and --days at least 28")
        rows = generate(clients, seed, days=days, shape=SHAPES[shape])
        try:
            write_csv(rows, out)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}") from None
        self.stdout.write(f"{len(rows)} appointments of {clients} clients written to {out}")
