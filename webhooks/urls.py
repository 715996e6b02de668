from django.urls import path

from . import views

urlpatterns = [
    path("mindbody/", views.mindbody_webhook, name="mindbody_webhook"),
    path("vagaro/<uuid:integration_id>/", views.vagaro_webhook, name="vagaro_webhook"),
]
