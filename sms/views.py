"""The owner's text-message settings, and Twilio's two webhooks (a client's reply, a message's
delivery status), each verified with the X-Twilio-Signature of the salon's auth token.

Webhook answers: unknown salon key 404, missing or wrong signature 403, a verified request
without the fields it needs 400, otherwise 200 (an empty TwiML reply to inbound messages).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView
from twilio.request_validator import RequestValidator

from salons.permissions import SalonAccessMixin
from salons.roles import Action

from .forms import SmsSenderForm
from .models import SmsSender
from .phone import to_e164
from .services import sms_reply_record, sms_status_record

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class SmsSettingsView(SalonAccessMixin, FormView):
    template_name = "sms/settings.html"
    form_class = SmsSenderForm
    write_action = Action.EDIT_SALON

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = SmsSender.objects.filter(salon=self.salon).first() or SmsSender(
            salon=self.salon
        )
        return kwargs

    def form_valid(self, form):
        form.save()
        messages.success(self.request, "Text message settings saved.")
        return HttpResponseRedirect(reverse("rebooking_settings", kwargs={"slug": self.salon.slug}))


@method_decorator(csrf_exempt, name="dispatch")
class _TwilioWebhookView(View):
    http_method_names = ["post"]

    def post(self, request, key):
        sender = get_object_or_404(SmsSender.objects.select_related("salon"), webhook_key=key)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not sender.auth_token or not self._valid(request, sender, signature):
            logger.warning("twilio webhook for salon %s: signature refused", sender.salon_id)
            return HttpResponse("Signature refused.", status=403, content_type="text/plain")
        return self.handle(request, sender)

    @staticmethod
    def _valid(request, sender: SmsSender, signature: str) -> bool:
        validator = RequestValidator(sender.auth_token)
        public = settings.SALONSYNC_PUBLIC_URL.rstrip("/") + request.get_full_path()
        urls = dict.fromkeys([public, request.build_absolute_uri()])
        return any(validator.validate(url, request.POST, signature) for url in urls)

    def handle(self, request, sender: SmsSender) -> HttpResponse:
        raise NotImplementedError


class TwilioInboundView(_TwilioWebhookView):
    """A client's text to the salon's number: STOP / START (and Twilio's other keywords) set
    whether SalonSync may text that number; anything else is left to the salon."""

    def handle(self, request, sender):
        phone = to_e164(request.POST.get("From", ""))
        if not phone:
            return HttpResponse("From is missing.", status=400, content_type="text/plain")
        sms_reply_record(
            sender=sender,
            phone=phone,
            body=request.POST.get("Body", ""),
            opt_out_type=request.POST.get("OptOutType", ""),
        )
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")


class TwilioStatusView(_TwilioWebhookView):
    """A delivery status callback for a message SalonSync sent (StatusCallback)."""

    def handle(self, request, sender):
        sid, status = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
        if not sid or not status:
            return HttpResponse("MessageSid and MessageStatus are needed.", status=400)
        sms_status_record(
            sender=sender,
            message_sid=sid[:64],
            status=status,
            error_code=request.POST.get("ErrorCode", ""),
        )
        return HttpResponse(status=204)
