from django.urls import include, path

from . import integrations as i
from . import views
from .sync import IntegrationSyncApi

SALON = "salons/<slug:slug>/"
INTEGRATION = SALON + "integrations/<uuid:pk>/"

urlpatterns = [
    path("salons/", views.SalonListApi.as_view(), name="api_salon_list"),
    path(SALON, views.SalonDetailApi.as_view(), name="api_salon_detail"),
    path(SALON + "integrations/", i.IntegrationListApi.as_view(), name="api_integration_list"),
    path(INTEGRATION, i.IntegrationDetailApi.as_view(), name="api_integration_detail"),
    path(INTEGRATION + "test/", i.IntegrationTestApi.as_view(), name="api_integration_test"),
    path(INTEGRATION + "sync/", IntegrationSyncApi.as_view(), name="api_integration_sync"),
    path(INTEGRATION + "availability/", i.AvailabilityApi.as_view(), name="api_availability"),
    path(INTEGRATION + "appointments/", i.BookingApi.as_view(), name="api_booking"),
    path(
        INTEGRATION + "customers/<str:customer_id>/appointments/",
        i.CustomerAppointmentsApi.as_view(),
        name="api_customer_appointments",
    ),
    path("salons/<slug:slug>/rebooking/", include("rebooking.api_urls")),
]
