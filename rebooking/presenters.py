"""What the suggestions page and the emails both show: options, slots and times in words.

Pure presentation (no queries beyond the suggestion's own salon): the page (``views``) and the
digest and client emails (``notifications``) render suggestions the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from integrations.dates import format_clock, format_day, format_moment

from .models import RebookingSuggestion, SuggestionKind


def _parse_time(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def format_when(value, tz) -> str:
    """A slot time in the salon's time zone, in the owner's date-time format
    (settings.DATETIME_FORMAT), e.g. "Tue, Mar 4, 2026, 2:30 PM"."""
    moment = _parse_time(value)
    if moment is None:
        return ""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, tz)
    return format_moment(moment, tz)


def format_due(value) -> str:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return ""
    return format_day(day)


@dataclass(frozen=True)
class OptionRow:
    index: int
    label: str
    detail: str
    taken: bool


def option_rows(suggestion: RebookingSuggestion) -> list[OptionRow]:
    """The ranked options in words: slot times (salon time) with the provider, or, for a freed
    slot, the clients who are due."""
    tz = suggestion.salon.tz
    rows = []
    for index, option in enumerate(suggestion.options or []):
        if not isinstance(option, dict):
            continue
        if suggestion.kind == SuggestionKind.REFILL:
            label = option.get("name") or option.get("customer") or "Client"
            due = format_due(option.get("due")) if option.get("due") else ""
            detail = f"due since {due}" if due else ""
        else:
            label = format_when(option.get("start"), tz)
            detail = option.get("provider_name") or ""
        rows.append(OptionRow(index, label, detail, bool(option.get("taken"))))
    return rows


def best_option(suggestion: RebookingSuggestion) -> OptionRow | None:
    return next((row for row in option_rows(suggestion) if not row.taken), None)


def slot_label(suggestion: RebookingSuggestion) -> str:
    if suggestion.slot_start is None:
        return ""
    text = format_when(suggestion.slot_start, suggestion.salon.tz)
    if suggestion.slot_end:
        text += f"–{format_clock(suggestion.slot_end, suggestion.salon.tz)}"
    return text


def suggestion_page_url(suggestion_or_salon, *, absolute_base: str = "") -> str:
    salon = getattr(suggestion_or_salon, "salon", suggestion_or_salon)
    return absolute_base.rstrip("/") + reverse("rebooking_suggestions", kwargs={"slug": salon.slug})
