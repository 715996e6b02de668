"""The owner's text-message settings and Twilio's webhooks (included from salonsync/urls.py).

The webhooks are mounted under webhooks/sms/ beside the platforms' receivers: every CSRF-exempt
route lives under webhooks/ (tests/security/test_headers.py).
"""

from django.urls import include, path

from . import views

webhook_urlpatterns = [
    path(
        "twilio/<uuid:key>/inbound/", views.TwilioInboundView.as_view(), name="sms_twilio_inbound"
    ),
    path("twilio/<uuid:key>/status/", views.TwilioStatusView.as_view(), name="sms_twilio_status"),
]

urlpatterns = [
    path(
        "salons/<slug:slug>/rebooking/settings/sms/",
        views.SmsSettingsView.as_view(),
        name="sms_settings",
    ),
    path("webhooks/sms/", include(webhook_urlpatterns)),
]
