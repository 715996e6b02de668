"""URLs of the integration pages (included from integrations/urls.py)."""

from django.urls import path

from . import pages, sync_pages

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
]
