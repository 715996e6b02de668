"""The sandbox's own pages: accounts, front desk, control page, the faults endpoint and the
client outbox."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="sandbox_index"),
    path("control/", views.control, name="sandbox_control"),
    path("outbox/", views.client_outbox, name="sandbox_outbox"),
    path("control/faults", views.control_faults, name="sandbox_control_faults"),
    path("<str:platform>/<int:pk>/desk/", views.desk, name="sandbox_desk"),
    path("accounts/<int:pk>/webhook/", views.webhook_url, name="sandbox_webhook_url"),
    path("accounts/<int:pk>/vagaro/", views.vagaro_settings, name="sandbox_vagaro_settings"),
    path("accounts/<int:pk>/phorest/", views.phorest_settings, name="sandbox_phorest_settings"),
    path(
        "accounts/<int:pk>/mindbody-activation/",
        views.mindbody_activation,
        name="sandbox_mindbody_activation",
    ),
]
