"""Print a client's booking link for a suggestion (to send by hand, or to try the page)."""

from django.core.management.base import BaseCommand, CommandError

from rebooking.models import RebookingSuggestion, SuggestionKind
from selfbook.links import book_url


class Command(BaseCommand):
    help = "Print the signed booking link of a suggestion for its client (--customer for a refill)."

    def add_arguments(self, parser):
        parser.add_argument("suggestion", type=int)
        parser.add_argument("--customer", default="", help="The client's id (default: the first)")

    def handle(self, *args, suggestion: int, customer: str, **options):
        found = RebookingSuggestion.objects.filter(pk=suggestion).first()
        if found is None:
            raise CommandError(f"No suggestion {suggestion}.")
        if found.kind == SuggestionKind.REFILL:
            refs = [o.get("customer") for o in found.options or [] if isinstance(o, dict)]
            customer = customer or (refs[0] if refs else "")
            if customer not in refs:
                raise CommandError("That client is not offered this slot.")
        else:
            customer = found.customer_ref
        self.stdout.write(book_url(suggestion_id=found.pk, customer_ref=customer))
