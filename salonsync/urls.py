from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import favicon, health, metrics

urlpatterns = [
    path("", include("salons.urls")),
    path("", include("integrations.urls")),
    path("", include("rebooking.urls")),
    path("", include("selfbook.urls")),
    path("", include("sms.urls")),
    path("accounts/", include("salons.auth_urls")),
    path("admin/", admin.site.urls),
    path("webhooks/", include("webhooks.urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "api/docs/",
        # Our template: Swagger UI's inline <style> moved to a static file (strict CSP).
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", template_name="api/swagger_ui.html"
        ),
        name="api_docs",
    ),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

handler404 = "salonsync.api.not_found"
handler403 = "salons.denied.permission_denied"
handler500 = "salonsync.server_error.server_error"
