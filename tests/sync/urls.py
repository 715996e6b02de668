"""The project's URLs plus the two sync routes (the lead adds them to integrations/api/urls.py and
integrations/urls.py; listed first here so these tests do not depend on that wiring)."""

from django.urls import include, path

from integrations.api.sync import IntegrationSyncApi
from integrations.sync_pages import IntegrationSyncView

urlpatterns = [
    path(
        "api/v1/salons/<slug:slug>/integrations/<uuid:pk>/sync/",
        IntegrationSyncApi.as_view(),
        name="api_integration_sync",
    ),
    path(
        "salons/<slug:slug>/integrations/<uuid:pk>/sync/",
        IntegrationSyncView.as_view(),
        name="integration_sync",
    ),
    path("", include("salonsync.urls")),
]
