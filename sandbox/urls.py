"""Mounted at /sandbox/ only when SANDBOX_ENABLED. Base URLs the adapters are pointed at:
VAGARO_API_URL={origin}/sandbox/vagaro (the adapter adds the connection's /{region}/api/v2),
MINDBODY_API_URL={origin}/sandbox/mindbody,
PHOREST_API_URL={origin}/sandbox/phorest/third-party-api-server/api/business."""

from django.urls import include, path

urlpatterns = [
    # The desk and control pages first, so no emulator route can ever shadow them.
    path("", include("sandbox.desk_urls")),
    path("vagaro/<str:region>/", include("sandbox.platforms.vagaro")),
    path("mindbody/", include("sandbox.platforms.mindbody")),
    path("phorest/third-party-api-server/api/business/", include("sandbox.platforms.phorest")),
]
