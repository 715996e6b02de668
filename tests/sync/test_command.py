"""manage.py sync_integration <id>|--all [--full|--reconcile]."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.models import IntegrationStatus, MirroredAppointment, SyncRun
from tests.sync.conftest import make_phorest, make_vagaro, sandbox_appointments

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("sync_integration", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_syncs_one_integration_by_id(phorest):
    output = run(str(phorest.pk))

    count = sandbox_appointments("biz-sync-01").count()
    assert MirroredAppointment.objects.filter(integration=phorest).count() == count
    assert f"[{phorest.pk}]: Incremental succeeded ({count} appointments," in output
    assert SyncRun.objects.get().state == SyncRun.State.SUCCEEDED


def test_full_and_reconcile(phorest):
    run(str(phorest.pk), "--full")
    run(str(phorest.pk), "--reconcile")
    assert list(SyncRun.objects.order_by("started_at").values_list("kind", "state")) == [
        ("full", "succeeded"),
        ("reconcile", "succeeded"),
    ]


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        ("not-a-uuid", "'not-a-uuid' is not an integration id (a UUID)."),
        (
            "00000000-0000-0000-0000-000000000042",
            "There is no integration with id 00000000-0000-0000-0000-000000000042.",
        ),
    ],
)
def test_a_bad_id_exits_non_zero_with_a_sentence(db, value, sentence):
    with pytest.raises(CommandError) as info:
        run(value)
    assert str(info.value) == sentence
    assert info.value.returncode == 1
    assert not SyncRun.objects.exists()


def test_an_id_or_all_is_required(db):
    with pytest.raises(CommandError, match="Give one integration id, or --all"):
        run()
    with pytest.raises(CommandError, match="Give one integration id, or --all"):
        run(str(uuid.uuid4()), "--all")


def test_all_syncs_every_active_integration(salon, sandbox_http):
    phorest = make_phorest(salon)
    vagaro = make_vagaro(salon)
    off = make_phorest(salon, account_id="biz-sync-02", seed=9)
    off.status = IntegrationStatus.DISABLED
    off.save()

    output = run("--all")

    assert f"[{phorest.pk}]: Incremental succeeded" in output
    assert f"[{vagaro.pk}]: Incremental succeeded" in output
    assert str(off.pk) not in output
    assert set(SyncRun.objects.values_list("integration_id", flat=True)) == {phorest.pk, vagaro.pk}


def test_a_failed_sync_exits_non_zero(phorest):
    phorest.credentials = {"username": "global/owner@sync.example", "password": "wrong"}
    phorest.save()
    with pytest.raises(CommandError, match="1 of 1 syncs failed"):
        run(str(phorest.pk))
    assert SyncRun.objects.get().state == SyncRun.State.FAILED


def test_a_disabled_integration_is_reported_skipped(phorest):
    phorest.status = IntegrationStatus.DISABLED
    phorest.save()
    output = run(str(phorest.pk))
    assert "Incremental skipped: This integration is disconnected" in output
