"""The product's loop on the sandbox: a cancellation at the Vagaro front desk -> Vagaro's webhook
-> stored, verified, processed -> mirror -> rebooking suggestion with real openings and a digest
email -> accepting it books the slot in the sandbox."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from integrations.models import Integration, IntegrationStatus
from rebooking.accept import suggestion_accept
from rebooking.models import RebookingSuggestion
from sandbox import calendar
from sandbox.data import seed_account
from sandbox.models import ACTIVE
from sandbox.models import Appointment as SandboxAppointment
from tests.sandbox_transport import ORIGIN
from webhooks.models import WebhookEvent

TOKEN = "e2e-vagaro-verification-token"


def _candidate(account):
    """A future booking whose client has no other future booking and whose last visit was
    completed (the suppression rules would rightly skip anyone else)."""
    now = timezone.now()
    for appointment in account.appointments.filter(
        start__gt=now + timedelta(days=1), status__in=ACTIVE, deleted=False
    ).order_by("start"):
        client = appointment.client
        others = client.appointments.filter(start__gt=now, status__in=ACTIVE, deleted=False)
        last = (
            client.appointments.filter(start__lt=now, deleted=False)
            .exclude(status__in=["cancelled", "late_cancelled"])
            .order_by("-start")
            .first()
        )
        if others.count() == 1 and last is not None and last.status == "completed":
            return appointment
    raise AssertionError("the seeded sandbox has no suitable booking")


@pytest.mark.rebooking
@pytest.mark.django_db(transaction=True)
def test_desk_cancellation_becomes_a_suggestion_and_accepting_books_it(salon, owner, sandbox_http):
    owner.email = "olivia@alpha.example"
    owner.save()
    account = seed_account(
        platform="vagaro",
        account_id="e2eBuSiNeSs==",
        name="E2E Salon",
        username="e2e-client",
        password="e2e-secret",
        clients=60,
        months_back=8,
        seed=7,
    )
    integration = Integration(
        salon=salon,
        platform="vagaro",
        account={"region": "us02", "business_id": account.account_id},
        options={"write_access": True},  # what the connection test finds on the sandbox
        status=IntegrationStatus.CONNECTED,
    )
    integration.credentials = {
        "client_id": "e2e-client",
        "client_secret": "e2e-secret",
        "webhook_token": TOKEN,
    }
    integration.save()
    account.webhook_url = f"{ORIGIN}/webhooks/vagaro/{integration.pk}/"
    account.webhook_secret = TOKEN
    account.save()

    from integrations.sync import sync_run

    assert sync_run(integration=integration, kind="full").state == "succeeded"
    appointment = _candidate(account)
    calendar.cancel(appointment, late=False)

    event = WebhookEvent.objects.get(verified=True, event_type="appointment.updated")
    assert event.status == "processed"
    suggestion = RebookingSuggestion.objects.get(
        kind="cancellation", source_appointment_ref=appointment.ext_id
    )
    assert suggestion.customer_ref == appointment.client.ext_id
    assert suggestion.options and "opening" in suggestion.reason
    digest = [m for m in mail.outbox if "olivia@alpha.example" in m.to]
    assert len(digest) == 1 and appointment.client.first_name in digest[0].body

    outcome = suggestion_accept(suggestion=suggestion, option_index=0, user=owner)
    assert outcome.ok, outcome.message
    booked = SandboxAppointment.objects.get(account=account, ext_id=outcome.appointment_ref)
    assert booked.client == appointment.client and booked.status in ACTIVE
    assert booked.start.isoformat()[:16] == suggestion.options[0]["start"][:16] or (
        booked.start == timezone.datetime.fromisoformat(suggestion.options[0]["start"])
    )
