"""The RebookingSettings form: model validators and ``RebookingSettings.clean()`` do the checking;
this form only turns two fields into something people can type (no raw JSON on the page)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .categories import words
from .category_intervals import CategoryInterval
from .models import RebookingSettings
from .weekdays_kept import WeekdayEvidence

MIN_DAYS, MAX_DAYS = 7, 365
_LINE = re.compile(r"^(?P<category>[^=]+?)\s*[=:]\s*(?P<days>.*?)\s*(days?)?$", re.IGNORECASE)


def format_intervals(intervals: dict | None) -> str:
    """{"Cut": 42} -> "Cut = 42" lines (the form's and the admin's view of the JSON)."""
    return "\n".join(f"{category} = {days}" for category, days in (intervals or {}).items())


def parse_intervals(text: str) -> dict[str, int]:
    """ "Category = days" lines -> {"Category": days}; one ValidationError naming every bad line."""
    intervals: dict[str, int] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(f"Line {number} (“{line}”): write it as “Category = days”.")
            continue
        category, days = match["category"].strip(), match["days"]
        if not days.isdigit():
            problems.append(f"Line {number} (“{line}”): the days must be a whole number.")
        elif not MIN_DAYS <= int(days) <= MAX_DAYS:
            problems.append(
                f"Line {number} (“{line}”): give between {MIN_DAYS} and {MAX_DAYS} days."
            )
        elif category.casefold() in {c.casefold() for c in intervals}:
            problems.append(f"Line {number}: “{category}” is already listed.")
        else:
            intervals[category] = int(days)
    if problems:
        raise ValidationError(problems)
    return intervals


def parse_emails(values: list[str]) -> list[str]:
    """Trimmed, de-duplicated addresses; one ValidationError naming every invalid one."""
    addresses: list[str] = []
    bad: list[str] = []
    for value in values:
        address = value.strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
            continue
        if address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    if bad:
        raise ValidationError([f"“{address}” is not an email address." for address in bad])
    return addresses


class IntervalsField(forms.CharField):
    """Edits the fallback_intervals JSON as "Category = days" lines."""

    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false"})

    def prepare_value(self, value):
        return format_intervals(value) if isinstance(value, dict) else value

    def to_python(self, value):
        if isinstance(value, dict):  # a disabled field's initial value
            return value
        return parse_intervals(super().to_python(value) or "")


# The page's sections: (title, help, fields); every editable field is in exactly one.
SECTIONS = [
    (
        "General",
        "Whether SalonSync makes rebooking suggestions for this salon at all.",
        ["enabled"],
    ),
    (
        "After a cancellation",
        "When a client cancels, SalonSync looks for new openings for them and offers the "
        "freed slot to clients who are due.",
        [
            "on_cancellation",
            "lookahead_days",
            "suggestions_per_cancellation",
            "prefer_same_provider",
            "keep_usual_time",
        ],
    ),
    (
        "Overdue clients",
        "A client is overdue when their usual gap between visits has passed without a new "
        "booking. Until a client has enough visits, the interval of the service's category "
        "is used.",
        [
            "overdue_enabled",
            "grace_factor",
            "min_visits",
            "fallback_intervals",
            "default_fallback_days",
            "cooldown_days",
            "suggest_after_no_show",
        ],
    ),
    # The rows of "Your clients' intervals" are added per category (RebookingSettingsForm).
    (
        "Client messages",
        "Messages straight to clients (a text when text messages are set up below and the "
        "client agreed to texts, else an email) go only to clients whose booking platform "
        "record says they agreed to marketing messages. One message per client even when "
        "several services are due; none above the caps; during quiet hours (salon time) a "
        "message waits until they end.",
        ["client_messages", "quiet_hours_start", "quiet_hours_end", "daily_cap", "client_cap"],
    ),
    (
        "Who hears about new suggestions",
        "One email per run lists the new suggestions, with a link to this salon's "
        "suggestions page.",
        ["notify", "notify_emails"],
    ),
]


class RebookingSettingsForm(forms.ModelForm):
    """Grouped into the page's sections by SECTIONS; labels and limits come from the model."""

    SECTIONS = SECTIONS

    fallback_intervals = IntervalsField(
        label="Starting interval per service category",
        required=False,
        help_text=(
            "One category per line, as “Category = days” (e.g. “Cut = 42”), "
            f"{MIN_DAYS}–{MAX_DAYS} days: where a category starts until your clients show "
            "their own (below). Categories not listed use the default below."
        ),
    )
    INTERVALS_TITLE = "Your clients' intervals"
    INTERVALS_HELP = (
        "How often your clients come back for each category, read from those with two or more "
        "visits in it (starting from the interval above, which it moves away from as more "
        "clients come back, and keeps while it fits them as well as their own median gap). "
        "SalonSync uses it for clients without a rhythm of their own yet. "
        "Give days to override it; leave empty to follow your clients."
    )

    def __init__(
        self,
        *args,
        categories: list[CategoryInterval] = (),
        weekdays: WeekdayEvidence | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.weekdays = weekdays
        # One override field per named category, named by its normalized words so a category
        # added between showing the page and saving it cannot shift another's value.
        self.category_fields: dict[str, CategoryInterval] = {}
        for category in categories:
            if not category.name:
                continue
            name = "override_" + "_".join(words(category.name))
            self.category_fields[name] = category
            self.fields[name] = forms.IntegerField(
                label=f"{category.name} — {category_line(category)}",
                required=False,
                min_value=MIN_DAYS,
                max_value=MAX_DAYS,
                initial=category.override,
                help_text=category_help(category),
                widget=forms.NumberInput(attrs={"placeholder": "override (days)"}),
            )

    class Meta:
        model = RebookingSettings
        fields = [name for _title, _help, names in SECTIONS for name in names]
        labels = {
            "enabled": "Make rebooking suggestions",
            "client_messages": "Message clients directly (only those who agreed to it)",
            "lookahead_days": "Look ahead (days)",
            "suggestions_per_cancellation": "Openings offered per cancellation",
            "prefer_same_provider": "Prefer the same provider",
            "grace_factor": "Grace factor",
            "default_fallback_days": "Default interval (days)",
            "quiet_hours_start": "Quiet hours start",
            "quiet_hours_end": "Quiet hours end",
            "notify": "Send the digest to",
            "notify_emails": "Addresses",
        }
        help_texts = {
            "suggestions_per_cancellation": "How many openings each suggestion ranks (1–10).",
            "min_visits": "Visits a client needs before their own rhythm is used (2–20).",
            "default_fallback_days": "For categories without their own interval (7–365 days).",
            "quiet_hours_start": "No client message from this time (salon time zone)…",
            "quiet_hours_end": "…until this time, the next morning when it is earlier.",
            "daily_cap": "At most this many client messages per day (0 turns them off).",
        }
        widgets = {
            "grace_factor": forms.NumberInput(attrs={"step": "0.05", "min": "1", "max": "5"}),
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "notify": forms.RadioSelect,
            "notify_emails": forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        }

    def clean_notify_emails(self) -> str:
        return "\n".join(parse_emails(self.cleaned_data.get("notify_emails", "").splitlines()))

    def clean(self):
        cleaned = super().clean()
        # Only the categories shown are replaced: an override stays until its row is emptied.
        overrides = dict(self.instance.interval_overrides or {})
        for name, category in self.category_fields.items():
            for spelling in [k for k in overrides if words(k) == words(category.name)]:
                del overrides[spelling]
            if cleaned.get(name) is not None:
                overrides[category.name] = cleaned[name]
        self.instance.interval_overrides = overrides
        return cleaned

    def sections(self):
        """(title, help, [bound fields]) for the template."""
        found = [
            (title, text, [self[name] for name in names]) for title, text, names in self.SECTIONS
        ]
        if self.category_fields:
            rows = [self[name] for name in self.category_fields]
            at = next(i for i, s in enumerate(self.SECTIONS) if "fallback_intervals" in s[2])
            text = self.INTERVALS_HELP
            if self.weekdays is not None and self.weekdays.kept:
                text += (
                    f" {self.weekdays.share:.0%} of your clients' usual gaps are whole weeks: they"
                    " come back on the weekday they came, so a first visit's weekday is expected"
                    " for the next."
                )
            found.insert(at + 1, (self.INTERVALS_TITLE, text, rows))
        return found

    def disable(self) -> None:
        for field in self.fields.values():
            field.disabled = True


def category_line(category: CategoryInterval) -> str:
    """ "your clients come back every 49 days (default 56)" """
    if not category.clients:
        return f"no client has come back yet: every {category.default} days (default)"
    if category.kept_default and round(category.observed) == category.default:
        return f"your clients come back every {category.default} days, as the default has it"
    if category.kept_default:
        return (
            f"your clients come back every {category.default} days, the default, which fits as"
            f" many of them as their median gap ({round(category.observed)} days) does"
        )
    return (
        f"your clients come back every {round(category.learned)} days (default {category.default})"
    )


def category_help(category: CategoryInterval) -> str:
    if not category.clients:
        return "Once clients come back, their gaps take over from the default."
    who = f"{category.clients} client{'s' if category.clients != 1 else ''}"
    return f"From {who} with two or more visits. Empty: follow your clients."
