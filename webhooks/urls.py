"""One path per webhook platform, declared by its module (``WebhookPlatform.url_path``) and
named ``<platform>_webhook``; a platform that sends no webhooks has none."""

from django.urls import path

from . import views
from .platforms import WEBHOOK_PLATFORMS

urlpatterns = [
    path(handler.url_path, views.receive, {"platform": key}, name=f"{key}_webhook")
    for key, handler in sorted(WEBHOOK_PLATFORMS.items())
]
