"""The rebooking pages: suggestions (accept books it, dismiss) and the RebookingSettings form.

Thin views: RebookingService (``services``) decides and books. Every member sees both pages;
accepting and dismissing need Action.OPERATE, changing settings Action.EDIT_SALON (others get
the page read-only and 403 on POST). Another salon's suggestion is a 404.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView, UpdateView, View

from integrations.selectors import integration_capabilities
from integrations.selectors_schedule import periodic_tasks_state
from salons.permissions import SalonAccessMixin
from salons.roles import Action

from .accept import suggestion_accept
from .category_intervals import category_intervals
from .extensions import card_notes, settings_panels
from .forms import RebookingSettingsForm
from .models import RebookingSuggestion, SuggestionKind, SuggestionStatus
from .presenters import option_rows, slot_label
from .selectors import rebooking_figures, suggestion_counts, suggestion_tab_list
from .selectors_messages import chart_rows, message_figures
from .services import rebooking_settings_get, suggestion_dismiss
from .weekdays_kept import salon_weekday_evidence

FIGURES_DAYS = 30
PAGE_SIZE = 25


# -- suggestions --------------------------------------------------------------------------------
class SuggestionListView(SalonAccessMixin, TemplateView):
    """Tabs by status (open first), one card per suggestion, the figures of the last 30 days."""

    template_name = "rebooking/suggestions.html"
    write_action = Action.OPERATE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", SuggestionStatus.OPEN)
        if status not in SuggestionStatus.values or status == SuggestionStatus.BOOKING:
            status = SuggestionStatus.OPEN
        counts = suggestion_counts(salon=self.salon)
        queryset = suggestion_tab_list(salon=self.salon, status=status)
        page = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        picked = self._picked()
        cards = []
        can_book: dict = {}  # integration id -> whether SalonSync may book on it
        notes = card_notes(page.object_list)  # from apps built on rebooking (extensions.py)
        for suggestion in page.object_list:
            if suggestion.integration_id not in can_book:
                can_book[suggestion.integration_id] = integration_capabilities(
                    suggestion.integration
                ).can_book
            rows = option_rows(suggestion)
            choice = picked.get(suggestion.pk)
            if choice is None or not any(r.index == choice and not r.taken for r in rows):
                choice = next((r.index for r in rows if not r.taken), None)
            cards.append(
                {
                    "suggestion": suggestion,
                    "options": rows,
                    "selected": choice,
                    "slot": slot_label(suggestion),
                    "is_refill": suggestion.kind == SuggestionKind.REFILL,
                    "can_book": can_book[suggestion.integration_id],
                    "notes": notes.get(suggestion.pk, []),
                }
            )
        since = timezone.now() - timedelta(days=FIGURES_DAYS)
        figures = rebooking_figures(salon=self.salon, since=since)
        message_rows = chart_rows(message_figures(salon=self.salon, since=since))
        rate = figures.get("rebook_rate")
        context.update(
            status=status,
            tabs=[
                {"value": value, "label": label, "count": counts.get(value, 0)}
                for value, label in SuggestionStatus.choices
                if value != SuggestionStatus.BOOKING
            ],
            cards=cards,
            page_obj=page,
            figures=figures,
            message_rows=message_rows,
            rebook_rate=None if rate is None else round(rate * 100),
            figures_days=FIGURES_DAYS,
            can_operate=self.membership.can(Action.OPERATE),
            schedule_state=periodic_tasks_state(),
        )
        return context

    def _picked(self) -> dict[int, int]:
        """?pick=<suggestion>:<option> pre-selects an option (the next one after a taken slot)."""
        try:
            pk, option = (int(part) for part in self.request.GET.get("pick", "").split(":"))
        except ValueError:
            return {}
        return {pk: option}


class _SuggestionActionView(SalonAccessMixin, View):
    http_method_names = ["post"]
    write_action = Action.OPERATE

    def get_suggestion(self) -> RebookingSuggestion:
        return get_object_or_404(
            RebookingSuggestion.objects.select_related("salon", "integration"),
            pk=self.kwargs["pk"],
            salon=self.salon,
        )

    def back(self, **query) -> HttpResponseRedirect:
        url = reverse("rebooking_suggestions", kwargs={"slug": self.salon.slug})
        anchor = query.pop("anchor", "")
        if query:
            url += "?" + urlencode(query)
        return HttpResponseRedirect(url + (f"#suggestion-{anchor}" if anchor else ""))


class SuggestionAcceptView(_SuggestionActionView):
    def post(self, request, *args, **kwargs):
        suggestion = self.get_suggestion()
        try:
            option = int(request.POST.get("option", 0))
        except ValueError:
            option = -1
        if not 0 <= option < len(suggestion.options or []):
            messages.error(request, "Choose one of the offered options.")
            return self.back(anchor=suggestion.pk)
        outcome = suggestion_accept(suggestion=suggestion, option_index=option, user=request.user)
        if outcome.ok:
            messages.success(request, f"{_who(suggestion)}: {outcome.message}")
            return self.back()
        messages.error(request, f"{_who(suggestion)}: {outcome.message}")
        if outcome.next_option is not None:
            return self.back(pick=f"{suggestion.pk}:{outcome.next_option}", anchor=suggestion.pk)
        return self.back(anchor=suggestion.pk)


class SuggestionDismissView(_SuggestionActionView):
    def post(self, request, *args, **kwargs):
        suggestion = self.get_suggestion()
        if suggestion.status != SuggestionStatus.OPEN:
            messages.error(
                request,
                f"{_who(suggestion)}: this suggestion is already "
                f"{suggestion.get_status_display().lower()}.",
            )
            return self.back()
        suggestion_dismiss(suggestion=suggestion, user=request.user)
        messages.success(request, f"{_who(suggestion)}: dismissed.")
        return self.back()


def _who(suggestion: RebookingSuggestion) -> str:
    if suggestion.kind == SuggestionKind.REFILL:
        return f"Freed slot {slot_label(suggestion)}".strip()
    return suggestion.customer_name or "Client"


# -- settings -----------------------------------------------------------------------------------
class RebookingSettingsView(SalonAccessMixin, UpdateView):
    template_name = "rebooking/settings.html"
    form_class = RebookingSettingsForm
    write_action = Action.EDIT_SALON

    def get_object(self, queryset=None):
        return rebooking_settings_get(salon=self.salon)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        integration_ids = [str(pk) for pk in self.salon.integrations.values_list("pk", flat=True)]
        kwargs["categories"] = category_intervals(
            settings=self.object, integration_ids=integration_ids
        )
        kwargs["weekdays"] = salon_weekday_evidence(integration_ids=integration_ids)
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.membership.can(Action.EDIT_SALON):
            form.disable()
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = settings_panels(salon=self.salon, membership=self.membership)
        return context

    def form_valid(self, form):
        messages.success(self.request, "Rebooking settings saved.")
        return super().form_valid(form)

    def get_success_url(self) -> str:
        return reverse("rebooking_settings", kwargs={"slug": self.salon.slug})
