"""URLs of the integration pages (included from salonsync/urls.py)."""

from django.urls import path

from . import settings_pages, sync_pages, views

urlpatterns = [
    path(
        "salons/<slug:slug>/integrations/",
        views.IntegrationListView.as_view(),
        name="integration_list",
    ),
    path(
        "salons/<slug:slug>/integrations/new/",
        views.PlatformSelectorView.as_view(),
        name="integration_new",
    ),
    path(
        "salons/<slug:slug>/integrations/new/<str:platform>/",
        views.IntegrationConnectView.as_view(),
        name="integration_connect",
    ),
    path(
        "salons/<slug:slug>/integrations/new/<str:platform>/activation/",
        views.IntegrationActivationView.as_view(),
        name="integration_activation",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/timezone/",
        views.IntegrationTimezoneView.as_view(),
        name="integration_timezone",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/",
        views.IntegrationDetailView.as_view(),
        name="integration_detail",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/reauthenticate/",
        views.IntegrationReauthView.as_view(),
        name="integration_reauth",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/settings/",
        settings_pages.IntegrationSettingsView.as_view(),
        name="integration_settings",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/disconnect/",
        views.IntegrationDisconnectView.as_view(),
        name="integration_disconnect",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/sync/",
        sync_pages.IntegrationSyncView.as_view(),
        name="integration_sync",
    ),
]
