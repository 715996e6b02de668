"""The owner's backtest page: the last run (progress while it runs, then the scores as a table and
an inline SVG chart, and the best settings found), "Run backtest" and "Apply these settings".

Thin views: rebooking.backtest.service starts, runs and applies; what is here only lays the
numbers out. Every member sees the page; starting a run and applying its settings need
Action.EDIT_SALON (as changing the settings does): others get 403. Another salon's run is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import capfirst
from django.views.generic import TemplateView, View

from salons.permissions import SalonAccessMixin
from salons.roles import Action

from .backtest.service import (
    GRID,
    OBJECTIVE,
    TUNED,
    WINDOW,
    BacktestError,
    backtest_apply,
    backtest_is_stale,
    backtest_latest,
    backtest_start,
    salon_has_history,
    tuned_values,
)
from .models import BacktestRun, RebookingSettings
from .services import rebooking_settings_get

REFRESH_SECONDS = 3
RULE_LABELS = {
    "engine": "SalonSync engine (your settings)",
    "fixed": "Fixed interval per service category",
    "last3": "Phorest: average of the last 3 gaps",
}
APPLIED = {
    "grace_factor": "grace factor {}",
    "min_visits": "{} visits make a rhythm",
    "cooldown_days": "contact cooldown {} days",
}
SHORT_LABELS = {"engine": "SalonSync engine", "fixed": "Fixed interval", "last3": "Phorest last 3"}
COLOURS = {"engine": "#7c3aed", "fixed": "#98a2b3", "last3": "#2e90fa"}
# (label in plain words, path into a rule's scores); shares from 0 to 1, drawn as percentages.
# Owners read plain words; the formal metric names are in the page's footnote.
MEASURES = [
    ("On time ±7 days (3+ visits)", ("timing", "3_plus", "within_7_days")),
    ("Messages that were needed", ("outreach", "precision")),
    ("Lapsing clients reached", ("outreach", "recall")),
    ("Reached the right clients", ("outreach", "f1")),
    ("Freed-slot offers that came", ("refill", "precision_at_3")),
]


def _dig(scores: dict, path: tuple[str, ...]):
    value = scores
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _percent(value) -> int | None:
    return None if value is None else round(float(value) * 100)


def score_rows(summary: dict) -> list[dict]:
    """One row per rule for the table (percentages; median days off as a number)."""
    rules = summary.get("rules") or {}
    rows = []
    for rule, label in RULE_LABELS.items():
        scores = rules.get(rule) or {}
        rows.append(
            {
                "rule": rule,
                "label": label,
                "within_7": _percent(_dig(scores, ("timing", "3_plus", "within_7_days"))),
                "median_days": _dig(scores, ("timing", "3_plus", "median_abs_days")),
                "predictions": _dig(scores, ("timing", "3_plus", "n")),
                "precision": _percent(_dig(scores, ("outreach", "precision"))),
                "recall": _percent(_dig(scores, ("outreach", "recall"))),
                "f1": _percent(_dig(scores, ("outreach", "f1"))),
                "contacts": _dig(scores, ("outreach", "contacts")),
                "refill": _percent(_dig(scores, ("refill", "precision_at_3"))),
            }
        )
    return rows


PREDICTIONS = (  # (key, path into a rule's timing scores): the next visit, beyond 3+ visits
    ("short_history", ("under_3", "within_7_days")),
    ("provider", ("same_provider",)),
    ("weekday", ("same_weekday",)),
    ("time_of_day", ("same_time_of_day",)),
)


def prediction_rows(summary: dict) -> list[dict]:
    """One row per rule for the next-visit table: on time for clients with fewer than 3 visits,
    and the share of next visits with the stylist, weekday and time of day it expected."""
    rules = summary.get("rules") or {}
    return [
        {
            "rule": rule,
            "label": label,
            **{
                key: _percent(_dig((rules.get(rule) or {}).get("timing") or {}, path))
                for key, path in PREDICTIONS
            },
        }
        for rule, label in RULE_LABELS.items()
    ]


def chart_geometry(summary: dict, *, width: int = 720) -> dict:
    """Horizontal bars, one group per measure, one bar per rule (no JS)."""
    rules = summary.get("rules") or {}
    left, right, top, bar, gap, group_gap = 210, 48, 34, 12, 3, 16
    plot_w = width - left - right
    group_h = len(RULE_LABELS) * (bar + gap) - gap
    groups, y = [], top
    for label, path in MEASURES:
        bars = []
        for i, rule in enumerate(RULE_LABELS):
            value = _percent(_dig(rules.get(rule) or {}, path))
            w = round(plot_w * (value or 0) / 100, 1)
            bars.append(
                {
                    "y": y + i * (bar + gap),
                    "w": w,
                    "colour": COLOURS[rule],
                    "text": "—" if value is None else f"{value}%",
                    "text_x": round(left + w + 4, 1),
                    "title": f"{RULE_LABELS[rule]}: {label.lower()} "
                    + ("not measurable" if value is None else f"{value}%"),
                }
            )
        groups.append({"label": label, "label_y": y + group_h / 2 + 4, "bars": bars})
        y += group_h + group_gap
    legend = [
        {"x": left + i * 150, "label": SHORT_LABELS[rule], "colour": COLOURS[rule]}
        for i, rule in enumerate(RULE_LABELS)
    ]
    return {
        "width": width,
        "height": y,
        "left": left,
        "top": top - 6,
        "bottom": y - group_gap + 6,
        "bar": bar,
        "right_x": left + plot_w,
        "mid_x": left + plot_w / 2,
        "groups": groups,
        "legend": legend,
    }


def settings_rows(run: BacktestRun, config: RebookingSettings) -> list[dict]:
    try:
        best = tuned_values(run.best or {})
    except BacktestError:
        return []
    current = tuned_values({name: getattr(config, name) for name in TUNED})
    return [
        {
            "name": name,
            "label": capfirst(RebookingSettings._meta.get_field(name).verbose_name),
            "current": current[name],
            "best": best[name],
            "changed": current[name] != best[name],
            "grid": ", ".join(str(v) for v in GRID[name]),
        }
        for name in TUNED
    ]


class BacktestView(SalonAccessMixin, TemplateView):
    """GET: the last run. POST: start a run (or show the one already queued or running)."""

    template_name = "rebooking/backtest.html"
    write_action = Action.EDIT_SALON

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if response.context_data.get("running"):
            response["Refresh"] = str(REFRESH_SECONDS)  # no script needed (strict CSP)
        return response

    def post(self, request, *args, **kwargs):
        try:
            run, created = backtest_start(salon=self.salon, user=request.user)
        except BacktestError as exc:
            messages.error(request, str(exc))
        else:
            if created:
                messages.success(request, "Backtest started: this page updates as it runs.")
            elif run.is_active:
                messages.info(request, "A backtest is already running; here is its progress.")
        return HttpResponseRedirect(_page(self.salon))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = backtest_latest(salon=self.salon)
        stale = run is not None and backtest_is_stale(run)
        context.update(
            run=run,
            stale=stale,
            running=run is not None and run.is_active and not stale,
            has_history=salon_has_history(salon=self.salon),
            objective=OBJECTIVE,
            window_months=round(WINDOW.days / 30.4),
            refresh_seconds=REFRESH_SECONDS,
        )
        if run is not None and run.status == BacktestRun.Status.DONE:
            rows = settings_rows(run, rebooking_settings_get(salon=self.salon))
            context.update(
                rows=score_rows(run.summary),
                predictions=prediction_rows(run.summary),
                refill_floor=_percent(
                    _dig(run.summary, ("baselines", "refill_random", "precision_at_3"))
                ),
                chart=chart_geometry(run.summary),
                settings_rows=rows,
                can_apply=any(r["changed"] for r in rows),
                candidates=[
                    {
                        **c,
                        "f1_pct": _percent(c.get("f1")),
                        "on_time": _percent(c.get("within_7_days")),
                        "best": c.get("values") == run.best,
                    }
                    for c in run.candidates
                    if isinstance(c, dict)
                ],
            )
        return context


class BacktestApplyView(SalonAccessMixin, View):
    """POST: write a finished run's best values to the salon's RebookingSettings."""

    http_method_names = ["post"]
    write_action = Action.EDIT_SALON

    def post(self, request, *args, **kwargs):
        run = get_object_or_404(BacktestRun, pk=self.kwargs["pk"], salon=self.salon)
        try:
            changed = backtest_apply(run=run, user=request.user)
        except BacktestError as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, "These settings could not be saved: " + " ".join(exc.messages))
        else:
            if changed:
                names = ", ".join(APPLIED[name].format(value) for name, value in changed.items())
                messages.success(request, f"Rebooking settings updated: {names}.")
            else:
                messages.info(request, "These settings are already the ones in use.")
        return HttpResponseRedirect(_page(self.salon))


def _page(salon) -> str:
    return reverse("rebooking_backtest", kwargs={"slug": salon.slug})
