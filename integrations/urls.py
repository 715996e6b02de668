from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("salons/<slug:slug>/", views.SalonDetailView.as_view(), name="salon_detail"),
    path("salons/<slug:slug>/settings/", views.SalonSettingsView.as_view(), name="salon_settings"),
    path("", include("integrations.page_urls")),
    path("", include("rebooking.urls")),
]
