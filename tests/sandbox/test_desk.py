"""The sandbox's pages: accounts, the front desk (book, refused slot, cancel -> webhook), login,
and the admin of the sandbox's models."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import requests
from django.apps import apps
from django.utils import timezone

from sandbox import calendar, data, webhooks
from sandbox.models import ACTIVE, Appointment, Status, WebhookDelivery
from tests.factories import make_user
from tests.sandbox.test_webhooks import HOOK, Receiver, build_webhooks

TZ = ZoneInfo("America/New_York")


@pytest.fixture
def user_client(client, db):
    client.force_login(make_user("frontdesk"))
    return client


@pytest.fixture
def account(db):
    return data.seed_account(
        platform="mindbody",
        account_id="-99",
        name="Sandbox Spa",
        username="mb-staff",
        password="mb-demo-pass",
        webhook_url=HOOK,
        webhook_secret="sig-key",
        clients=30,
        seed=3,
    )


@pytest.fixture
def receiver(monkeypatch):
    module = SimpleNamespace(build_webhooks=build_webhooks, RETRY_SCHEDULE=[timedelta(minutes=15)])
    monkeypatch.setattr(webhooks, "platform_module", lambda platform: module)
    receiver = Receiver()
    session = requests.Session()
    session.mount("http://hooks.test", receiver)
    monkeypatch.setattr(webhooks, "SESSION", session)
    return receiver


def desk_url(account) -> str:
    return f"/sandbox/{account.platform}/{account.pk}/desk/"


def open_times(client, account, **params) -> tuple[list[str], dict]:
    customer = account.clients.order_by("pk").first()
    service = account.services.get(name="Men's Cut")
    day = (timezone.now().astimezone(TZ) + timedelta(days=2)).date()
    query = {"client": customer.pk, "service": service.pk, "day": day.isoformat(), **params}
    page = client.get(desk_url(account), query)
    assert page.status_code == 200
    slots = [unescape(v) for v in re.findall(r'name="slot" value="([^"]+)"', page.content.decode())]
    return slots, {"action": "book", "client": customer.pk, "service": service.pk, **query}


@pytest.mark.parametrize("path", ["/sandbox/", "/sandbox/control/", "/sandbox/mindbody/1/desk/"])
def test_anonymous_is_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_index_shows_credentials_counts_and_links(user_client, account):
    page = user_client.get("/sandbox/")
    text = page.content.decode()
    assert page.status_code == 200
    for expected in ("Sandbox Spa", "Site ID", "-99", "mb-staff", "mb-demo-pass", "sig-key"):
        assert expected in text
    assert "MINDBODY_API_URL=http://testserver/sandbox/mindbody" in text
    assert "30 clients" in text and "6 providers" in text and "15 services" in text
    assert desk_url(account) in text


def test_desk_lists_upcoming_and_open_times(user_client, account):
    upcoming = (
        Appointment.objects.filter(account=account, status__in=ACTIVE, start__gte=timezone.now())
        .order_by("start")
        .first()
    )
    slots, _ = open_times(user_client, account)
    page = user_client.get(desk_url(account)).content.decode()
    assert str(upcoming.client) in page
    assert 'value="cancel"' in page
    assert len(slots) > 10
    provider_pk, start = slots[0].split("|")
    assert account.providers.filter(pk=provider_pk).exists()
    assert start.endswith("+00:00")


def test_client_search_narrows_the_list(user_client, account):
    customer = account.clients.order_by("pk")[3]
    page = user_client.get(desk_url(account), {"q": customer.email}).content.decode()
    assert page.count("<option") < 30
    assert customer.email in page


def test_wrong_platform_is_404(user_client, account):
    assert user_client.get(f"/sandbox/vagaro/{account.pk}/desk/").status_code == 404


def test_book_fires_the_webhook(user_client, account, receiver, transactional_db):
    slots, form = open_times(user_client, account)
    before = Appointment.objects.count()
    response = user_client.post(desk_url(account), {**form, "slot": slots[0]}, follow=True)
    assert response.status_code == 200
    assert Appointment.objects.count() == before + 1
    booked = Appointment.objects.latest("pk")
    provider_pk, start = slots[0].split("|")
    assert (booked.provider_id, booked.start.isoformat()) == (int(provider_pk), start)
    assert booked.status == Status.BOOKED and booked.ext_id.isdigit()
    text = unescape(response.content.decode())
    assert "Booked Men's Cut" in text
    assert f"Webhook sent to {HOOK}: appointment.created → delivered (HTTP 200)" in text
    assert receiver.events() == [("appointment.created", f"evt-appointment.created-{booked.pk}")]


def test_taken_slot_is_a_form_error(user_client, account, receiver):
    slots, form = open_times(user_client, account)
    provider_pk, start = slots[0].split("|")
    other = account.clients.order_by("pk")[1]
    calendar.book(
        client=other,
        provider=account.providers.get(pk=provider_pk),
        service=account.services.get(name="Men's Cut"),
        start=timezone.datetime.fromisoformat(start),
        ext_id="taken-1",
    )
    before = Appointment.objects.count()
    response = user_client.post(desk_url(account), {**form, "slot": slots[0]})
    assert response.status_code == 200
    assert "is already booked at that time" in unescape(response.content.decode())
    assert Appointment.objects.count() == before


def test_bad_slot_is_a_form_error(user_client, account):
    _, form = open_times(user_client, account)
    for slot in ("", "x|y", "999999|2030-01-01T10:00:00+00:00", "1|2030-01-01T10:00:00"):
        response = user_client.post(desk_url(account), {**form, "slot": slot})
        assert response.status_code == 200
        assert b"open times" in response.content


def test_cancel_fires_a_delivery(user_client, account, receiver, transactional_db):
    appointment = (
        Appointment.objects.filter(
            account=account, status__in=ACTIVE, start__gte=timezone.now() + timedelta(days=2)
        )
        .order_by("start")
        .first()
    )
    response = user_client.post(
        desk_url(account), {"action": "cancel", "appointment": appointment.pk}, follow=True
    )
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    text = unescape(response.content.decode())
    assert f"Cancelled {appointment.client}'s appointment {appointment.ext_id}" in text
    assert "appointment.cancelled → delivered (HTTP 200)" in text
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "appointment.cancelled"
    assert delivery.state == WebhookDelivery.State.DELIVERED
    # Again: not active any more, so a message, never a 500.
    again = user_client.post(
        desk_url(account), {"action": "cancel", "appointment": appointment.pk}, follow=True
    )
    assert again.status_code == 200
    assert b"That appointment is not active." in again.content
    assert WebhookDelivery.objects.count() == 1


def test_cancel_of_another_accounts_appointment_is_404(user_client, account):
    other = data.seed_account(
        platform="vagaro", account_id="biz", name="V", username="u", password="p", clients=5
    )
    foreign = Appointment.objects.filter(account=other).first()
    response = user_client.post(desk_url(account), {"action": "cancel", "appointment": foreign.pk})
    assert response.status_code == 404


def test_phorest_desk_says_it_is_polled(user_client, db):
    phorest = data.seed_account(
        platform="phorest",
        account_id="biz",
        branch_id="br-1",
        name="P",
        username="global/u",
        password="p",
        webhook_url=HOOK,
        clients=10,
    )
    appointment = (
        Appointment.objects.filter(account=phorest, status__in=ACTIVE, start__gte=timezone.now())
        .order_by("start")
        .first()
    )
    response = user_client.post(
        desk_url(phorest), {"action": "cancel", "appointment": appointment.pk}, follow=True
    )
    text = unescape(response.content.decode())
    assert "Phorest sends no webhooks: SalonSync polls Phorest" in text
    assert "at the next incremental sync" in text  # no demo beat in this process
    desk = unescape(user_client.get(desk_url(phorest)).content.decode())
    assert "webhook to SalonSync" not in desk and "SalonSync polls Phorest" in desk
    assert not WebhookDelivery.objects.exists()


def test_phorest_desk_says_a_minute_when_the_demo_beat_runs(user_client, db, monkeypatch):
    from salonsync import demo_beat

    monkeypatch.setattr(demo_beat, "_started", SimpleNamespace(is_set=lambda: True))
    phorest = data.seed_account(
        platform="phorest",
        account_id="biz",
        branch_id="br-1",
        name="P",
        username="global/u",
        password="p",
        clients=5,
    )
    desk = unescape(user_client.get(desk_url(phorest)).content.decode())
    assert "appears in SalonSync within about 1 minute" in desk
    assert "polls Phorest every 1 minute" in desk


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_app_config("sandbox").get_models()],
    ids=lambda m: m.__name__,
)
def test_admin_pages(admin_client, account, model):
    from django.contrib import admin

    assert admin.site.is_registered(model)
    base = f"/admin/sandbox/{model._meta.model_name}/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(base, {"q": "a"}).status_code == 200
    assert admin_client.get(base + "add/").status_code == 200


def test_vagaro_desk_sends_the_real_emulators_webhook(user_client, monkeypatch, transactional_db):
    """The real platform module's build_webhooks, end to end from the front desk."""
    import json

    receiver = Receiver()
    session = requests.Session()
    session.mount("http://hooks.test", receiver)
    monkeypatch.setattr(webhooks, "SESSION", session)
    vagaro = data.seed_account(
        platform="vagaro",
        account_id="biz-1",
        name="V",
        username="client-id",
        password="client-secret",
        webhook_url="http://hooks.test/webhooks/vagaro/",
        webhook_secret="verify-me",
        clients=10,
    )
    appointment = (
        Appointment.objects.filter(account=vagaro, status__in=ACTIVE, start__gte=timezone.now())
        .order_by("start")
        .first()
    )
    user_client.post(desk_url(vagaro), {"action": "cancel", "appointment": appointment.pk})
    [sent] = receiver.received
    delivery = WebhookDelivery.objects.get()
    assert sent.body == delivery.body.encode()
    assert sent.headers["X-Vagaro-Signature"] == "verify-me"
    assert json.loads(sent.body)["type"] == "appointment"
    assert delivery.state == WebhookDelivery.State.DELIVERED


def test_the_index_sets_a_phorest_business_switches(user_client, db):
    phorest = data.seed_account(
        platform="phorest", account_id="biz-sw", branch_id="br-sw", name="P",
        username="global/u", password="p", clients=2,
    )  # fmt: skip
    page = user_client.get("/sandbox/").content.decode()
    assert 'data-testid="phorest-settings-form"' in page
    url = f"/sandbox/accounts/{phorest.pk}/phorest/"
    response = user_client.post(url, {"appointment_reads_404": "on", "cancel_answers_empty": "on"})
    assert response.status_code == 302
    phorest.refresh_from_db()
    assert (phorest.online_booking, phorest.appointment_reads_404) == (False, True)
    assert phorest.cancel_answers_empty is True
    assert user_client.post(f"/sandbox/accounts/{data_mindbody_pk(db)}/phorest/").status_code == 404


def data_mindbody_pk(db) -> int:
    return data.seed_account(
        platform="mindbody", account_id="-7", name="M", username="u", password="p", clients=1
    ).pk
