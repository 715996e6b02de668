"""URLs of the salon pages: home, overview, settings and the team (included from
salonsync/urls.py)."""

from django.urls import path

from . import team_pages, views

urlpatterns = [
    path("", views.home, name="home"),
    path("salons/<slug:slug>/", views.SalonDetailView.as_view(), name="salon_detail"),
    path("salons/<slug:slug>/settings/", views.SalonSettingsView.as_view(), name="salon_settings"),
    path("salons/<slug:slug>/team/", team_pages.TeamView.as_view(), name="team"),
    path(
        "salons/<slug:slug>/team/members/<int:pk>/role/",
        team_pages.MemberRoleView.as_view(),
        name="team_member_role",
    ),
    path(
        "salons/<slug:slug>/team/members/<int:pk>/remove/",
        team_pages.MemberRemoveView.as_view(),
        name="team_member_remove",
    ),
    path(
        "salons/<slug:slug>/team/invitations/<int:pk>/resend/",
        team_pages.InvitationResendView.as_view(),
        name="team_invitation_resend",
    ),
    path(
        "salons/<slug:slug>/team/invitations/<int:pk>/revoke/",
        team_pages.InvitationRevokeView.as_view(),
        name="team_invitation_revoke",
    ),
    path(
        "invitations/accept/", team_pages.InvitationAcceptView.as_view(), name="invitation_accept"
    ),
]
