"""URLs of the integration pages (included from integrations/urls.py)."""

from django.urls import path

from . import pages, sync_pages, team_pages

urlpatterns = [
    path(
        "salons/<slug:slug>/integrations/",
        pages.IntegrationListView.as_view(),
        name="integration_list",
    ),
    path(
        "salons/<slug:slug>/integrations/new/",
        pages.PlatformSelectorView.as_view(),
        name="integration_new",
    ),
    path(
        "salons/<slug:slug>/integrations/new/<str:platform>/",
        pages.IntegrationConnectView.as_view(),
        name="integration_connect",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/",
        pages.IntegrationDetailView.as_view(),
        name="integration_detail",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/reauthenticate/",
        pages.IntegrationReauthView.as_view(),
        name="integration_reauth",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/disconnect/",
        pages.IntegrationDisconnectView.as_view(),
        name="integration_disconnect",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/sync/",
        sync_pages.IntegrationSyncView.as_view(),
        name="integration_sync",
    ),
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
