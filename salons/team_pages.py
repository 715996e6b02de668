"""The salon's Team page (members, pending invitations, invite) and the page an invitee opens.

Everyone in the salon sees who is on the team; inviting, changing roles and removing are for
owners (Action.MANAGE_TEAM). The invitation link is not salon-scoped: whoever holds it may open it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from integrations.models import Invitation, Membership

from .permissions import SalonAccessMixin
from .roles import Action, Role
from .team import (
    INVALID,
    TeamError,
    email_matches,
    invitation_accept,
    invitation_create,
    invitation_existing_user,
    invitation_for_token,
    invitation_resend,
    invitation_revoke,
    membership_remove,
    membership_role_change,
)
from .team_forms import InviteForm, JoinForm, RoleForm

_ROLE_ORDER = {Role.OWNER: 0, Role.MANAGER: 1, Role.VIEWER: 2}


class TeamView(SalonAccessMixin, TemplateView):
    template_name = "team/team.html"
    write_action = Action.MANAGE_TEAM
    invite_form: InviteForm | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        members = sorted(
            self.salon.memberships.select_related("user"),
            key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.user.get_username().lower()),
        )
        can_manage = self.membership.can(Action.MANAGE_TEAM)
        invitations = (
            [i for i in self.salon.invitations.select_related("invited_by") if i.is_pending]
            if can_manage
            else []
        )
        context.update(
            members=members,
            owner_count=sum(1 for m in members if m.role == Role.OWNER),
            invitations=invitations,
            can_manage=can_manage,
            invite_form=self.invite_form or InviteForm(),
            roles=Role.choices,
        )
        return context

    def post(self, request, slug):
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                invitation = invitation_create(
                    salon=self.salon,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                )
            except TeamError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    f"Invitation sent to {invitation.email} as a "
                    f"{invitation.get_role_display().lower()}. The link works for 7 days.",
                )
                return redirect("team", slug=self.salon.slug)
        self.invite_form = form
        return self.render_to_response(self.get_context_data(), status=400)


class _TeamAction(SalonAccessMixin, View):
    """POST-only actions of the team page; GET goes back to the page."""

    write_action = Action.MANAGE_TEAM

    def get(self, request, slug, pk):
        return redirect("team", slug=slug)

    def back(self):
        return redirect("team", slug=self.salon.slug)


class MemberRoleView(_TeamAction):
    def post(self, request, slug, pk):
        member = get_object_or_404(
            Membership.objects.select_related("user"), salon=self.salon, pk=pk
        )
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose owner, manager or viewer.")
            return self.back()
        try:
            membership_role_change(membership=member, role=form.cleaned_data["role"])
        except TeamError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"{member.user.get_username()} is now a {member.get_role_display().lower()}.",
            )
        return self.back()


class MemberRemoveView(_TeamAction):
    def post(self, request, slug, pk):
        member = get_object_or_404(
            Membership.objects.select_related("user"), salon=self.salon, pk=pk
        )
        try:
            membership_remove(membership=member)
        except TeamError as exc:
            messages.error(request, exc.message)
            return self.back()
        if member.user_id == request.user.pk:
            messages.success(request, f"You left {self.salon.name}.")
            return redirect("home")
        messages.success(
            request, f"{member.user.get_username()} was removed from {self.salon.name}."
        )
        return self.back()


class InvitationResendView(_TeamAction):
    def post(self, request, slug, pk):
        invitation = get_object_or_404(Invitation, salon=self.salon, pk=pk)
        try:
            invitation_resend(invitation=invitation)
        except TeamError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Invitation re-sent to {invitation.email}; the earlier link no longer works.",
            )
        return self.back()


class InvitationRevokeView(_TeamAction):
    def post(self, request, slug, pk):
        invitation = get_object_or_404(Invitation, salon=self.salon, pk=pk)
        try:
            invitation_revoke(invitation=invitation)
        except TeamError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Invitation to {invitation.email} revoked.")
        return self.back()


# -- the invitee ------------------------------------------------------------------------------
_SESSION_KEY = "invitation_token"


class InvitationAcceptView(View):
    """GET ?token=… keeps the token in the session and drops it from the address bar (and from
    Referer headers and history); the page then offers: set a password (new email), log in
    (an account has this email), or join (logged in as that account)."""

    template_name = "team/accept.html"

    def get(self, request):
        if "token" in request.GET:
            request.session[_SESSION_KEY] = request.GET["token"]
            return redirect("invitation_accept")
        return self.show(request)

    def post(self, request):
        token = request.session.get(_SESSION_KEY, "")
        try:
            invitation = invitation_for_token(token=token)
        except TeamError as exc:
            return self.error(request, exc.message)
        user = request.user
        form = None
        try:
            if user.is_authenticated:
                membership = invitation_accept(token=token, user=user)
            elif invitation_existing_user(invitation=invitation) is not None:
                return self.show(request, status=400)  # they must log in first
            else:
                form = JoinForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    return self.show(request, form=form, status=400)
                with transaction.atomic():
                    user = form.save()
                    membership = invitation_accept(token=token, user=user)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except TeamError as exc:
            return self.show(request, form=form, error=exc.message, status=400)
        request.session.pop(_SESSION_KEY, None)
        messages.success(
            request,
            f"Welcome to {membership.salon.name}: you are a "
            f"{membership.get_role_display().lower()}.",
        )
        return redirect(membership.salon)

    def error(self, request, message: str):
        status = 404 if message == INVALID else 410
        return render(request, self.template_name, {"error": message}, status=status)

    def show(self, request, *, form=None, error: str = "", status: int = 200):
        token = request.session.get(_SESSION_KEY)
        if not token:
            return render(
                request,
                self.template_name,
                {"error": "Open the invitation link from your email to accept it."},
                status=400,
            )
        try:
            invitation = invitation_for_token(token=token)
        except TeamError as exc:
            return self.error(request, exc.message)
        user = request.user
        existing = (
            None if user.is_authenticated else invitation_existing_user(invitation=invitation)
        )
        context = {
            "invitation": invitation,
            "salon": None,  # not a member yet: no salon navigation
            "form_error": error,
            "mode": (
                ("join" if email_matches(user, invitation) else "wrong_account")
                if user.is_authenticated
                else ("login" if existing else "create")
            ),
            "login_url": reverse("login") + "?" + urlencode({"next": reverse("invitation_accept")}),
            "form": form or (JoinForm(email=invitation.email) if existing is None else None),
        }
        return render(request, self.template_name, context, status=status)
