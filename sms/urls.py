"""The owner's text-message settings and Twilio's webhooks (included from salonsync/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "salons/<slug:slug>/rebooking/settings/sms/",
        views.SmsSettingsView.as_view(),
        name="sms_settings",
    ),
    path(
        "sms/twilio/<uuid:key>/inbound/",
        views.TwilioInboundView.as_view(),
        name="sms_twilio_inbound",
    ),
    path(
        "sms/twilio/<uuid:key>/status/", views.TwilioStatusView.as_view(), name="sms_twilio_status"
    ),
]
