from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.generic import TemplateView, UpdateView

from .forms import SalonForm
from .permissions import SalonAccessMixin
from .roles import PERMISSIONS, Action, Role
from .selectors import salon_list_for_user


@login_required
def home(request):
    """Land on the user's salon (the first, when they belong to several)."""
    salon = salon_list_for_user(user=request.user).first()
    if salon is not None:
        return redirect(salon)
    return render(request, "salons/no_salon.html")


class SalonDetailView(SalonAccessMixin, TemplateView):
    template_name = "salons/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = self.salon.memberships.select_related("user")
        context["permission_rows"] = [
            (label, [role in PERMISSIONS[action] for role in Role.values])
            for action, label in Action.choices
        ]
        context["roles"] = Role.labels
        return context


class SalonSettingsView(SalonAccessMixin, UpdateView):
    template_name = "salons/settings.html"
    form_class = SalonForm

    def get_object(self, queryset=None):
        return self.salon

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timezones"] = SalonForm.timezone_choices()
        if not context["can_edit"]:
            for field in context["form"].fields.values():
                field.disabled = True
        return context

    def form_valid(self, form):
        messages.success(self.request, "Salon settings saved.")
        return super().form_valid(form)

    def get_success_url(self) -> str:
        return self.salon.get_absolute_url()
