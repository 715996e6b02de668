"""Mounted at /sandbox/ only when SANDBOX_ENABLED. Base URLs the adapters are pointed at:
VAGARO_API_URL={origin}/sandbox/vagaro (the adapter adds the connection's /{region}/api/v2),
MINDBODY_API_URL={origin}/sandbox/mindbody,
PHOREST_API_URL={origin}/sandbox/phorest/third-party-api-server/api/business (Phorest's EU
region) and PHOREST_US_API_URL={origin}/sandbox/phorest-us/third-party-api-server/api/business."""

from django.urls import include, path

from .platforms import phorest

urlpatterns = [
    # The desk and control pages first, so no emulator route can ever shadow them.
    path("", include("sandbox.desk_urls")),
    path("vagaro/<str:region>/", include("sandbox.platforms.vagaro")),
    path("mindbody/", include("sandbox.platforms.mindbody")),
    path("phorest/third-party-api-server/api/business/", include("sandbox.platforms.phorest")),
    # Phorest's US/CA/AU host: the same emulator, answering for businesses in that region only.
    path(
        "phorest-us/third-party-api-server/api/business/",
        include((phorest.urlpatterns, "phorest_us"), namespace="sandbox_phorest_us"),
        {"region": "us"},
    ),
]
