"""The owner's backtest page: the service and the Celery task on a small generated history in the
salon's own mirror (scores for the engine and both anchor rules, best values on the grid, the last
12 months only), applying the best values, one run per salon at a time, plain-words failures,
roles (viewer reads only), another salon's run (404), an empty salon, and the
``rebooking_backtest --salon`` command's progress bar."""

from __future__ import annotations

import io
import sys
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from integrations.models import MirroredAppointment, MirroredService, Salon
from rebooking.backtest import service
from rebooking.backtest.generator import generate
from rebooking.backtest.replay import replay
from rebooking.models import BacktestRun, RebookingSettings, RebookingSuggestion
from rebooking.services import rebooking_settings_get
from salonsync import background
from tests.backtest.test_backtest import known_history
from tests.factories import make_member, make_salon
from tests.rebooking_ui.conftest import make_integration

pytestmark = pytest.mark.django_db
HISTORY_DAYS = 420  # 14 months: 2 months before the scored 12 (enough for rhythms to form)


def load_history(salon, *, clients: int = 20, seed: int = 5, days: int = HISTORY_DAYS) -> int:
    """A generated history ending today, written into a new integration's mirror as a sync
    would have (what ``read_salon`` reads). Returns the number of appointments."""
    integration = make_integration(salon)
    tz = salon.tz
    rows = generate(clients, seed, start=date.today() - timedelta(days=days), days=days)
    services = {(f"{r['category']}/{r['service']}", r["service"], r["category"]) for r in rows}
    MirroredService.objects.bulk_create(
        MirroredService(integration=integration, platform_id=ref, name=name, category=category)
        for ref, name, category in services
    )
    MirroredAppointment.objects.bulk_create(
        MirroredAppointment(
            integration=integration,
            platform_id=r["id"],
            status=r["status"],
            start=r["start"].replace(tzinfo=tz),
            end=r["start"].replace(tzinfo=tz) + timedelta(minutes=r["minutes"]),
            customer_ref=r["client"],
            service_ref=f"{r['category']}/{r['service']}",
            provider_ref=r["provider"],
            service_name=r["service"],
            price=Decimal("50"),
            platform_created_at=r["booked_at"].replace(tzinfo=tz),
        )
        for r in rows
    )
    return len(rows)


def page(salon) -> str:
    return reverse("rebooking_backtest", kwargs={"slug": salon.slug})


def apply_url(run) -> str:
    return reverse("rebooking_backtest_apply", kwargs={"slug": run.salon.slug, "pk": run.pk})


SCORES = {
    "timing": {"3_plus": {"n": 10, "within_7_days": 0.8, "median_abs_days": 3}},
    "outreach": {"contacts": 12, "precision": 0.5, "recall": 0.25, "f1": 0.3333},
    "refill": {"precision_at_3": 0.1},
}


def done_run(salon, **fields) -> BacktestRun:
    values = {
        "status": BacktestRun.Status.DONE,
        "summary": {
            "rules": {rule: SCORES for rule in ("engine", "fixed", "last3")},
            "appointments": 100,
            "clients": 20,
            "cancellations": 5,
        },
        "candidates": [
            {
                "values": {"grace_factor": "1.25", "min_visits": 3, "cooldown_days": 14},
                "current": True,
                "f1": 0.3333,
                "precision": 0.5,
                "recall": 0.25,
                "contacts": 12,
                "within_7_days": 0.8,
            }
        ],
        "best": {"grace_factor": "1.50", "min_visits": 2, "cooldown_days": 28},
        "started_at": timezone.now(),
        "finished_at": timezone.now(),
        "period_start": timezone.now() - timedelta(days=365),
        "period_end": timezone.now(),
    }
    values.update(fields)
    return BacktestRun.objects.create(salon=salon, **values)


# -- the service and the task, for real ---------------------------------------------------------
def test_the_task_scores_the_last_12_months_and_the_best_values_can_be_applied(
    client, salon, owner, django_capture_on_commit_callbacks
):
    load_history(salon)
    # Off-grid settings, so that every grid value is tried and the grid can do better.
    RebookingSettings.objects.update_or_create(
        salon=salon, defaults={"grace_factor": Decimal("2.50"), "cooldown_days": 90}
    )
    salons = Salon.objects.count()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(page(salon))
    assert response.status_code == 302 and len(callbacks) == 1
    run = BacktestRun.objects.get(salon=salon)
    assert run.status == BacktestRun.Status.DONE, run.error
    assert run.requested_by == owner and run.error == ""
    assert run.progress_total > 0 and run.progress_done == run.progress_total
    assert Salon.objects.count() == salons  # every throwaway replay salon is gone
    assert not RebookingSuggestion.objects.exists()

    # Scores for the engine and both anchors, on the last 12 months only.
    rules = run.summary["rules"]
    assert set(rules) == {"engine", "fixed", "last3"}
    for scores in rules.values():
        assert set(scores) == {"timing", "outreach", "refill"}
        assert scores["timing"]["3_plus"]["n"] > 0
        assert scores["outreach"]["lapses"] > 0
    # The floor the refill rules must clear: a random pick, scored on the same cancellations.
    floor = run.summary["baselines"]["refill_random"]
    assert floor["slots_offered"] == rules["fixed"]["refill"]["slots_offered"] > 0
    assert run.period_end - run.period_start == timedelta(days=365)
    in_window = MirroredAppointment.objects.filter(
        integration__salon=salon, start__gte=run.period_start
    ).count()
    assert run.summary["appointments"] == in_window
    assert run.settings_used["grace_factor"] == "2.50" and run.settings_used["cooldown_days"] == 90

    # Each of the three settings tried its three grid values, from the current ones.
    assert (
        len(run.candidates) == 1 + 3 + 2 + 3
    )  # current, grace, min visits (3 is current), cooldown
    assert run.candidates[0]["current"] and run.candidates[0]["values"]["grace_factor"] == "2.50"
    best = service.tuned_values(run.best)
    for name, grid in service.GRID.items():
        assert best[name] in grid or best[name] == service.tuned_values(run.settings_used)[name]
    assert best != service.tuned_values(run.settings_used)
    winner = next(c for c in run.candidates if c["values"] == run.best)
    assert all(
        service.objective({"rules": {"engine": _engine(c)}})
        <= service.objective({"rules": {"engine": _engine(winner)}})
        for c in run.candidates
    )

    # The page: the table, the chart, the best settings next to the current ones.
    body = client.get(page(salon)).content.decode()
    assert 'data-testid="scores-table"' in body and 'data-testid="backtest-chart"' in body
    assert '<title id="bt-chart-title">' in body and "<desc" in body
    assert "Phorest: average of the last 3 gaps" in body
    assert 'data-testid="anchor-rules"' in body and "no daily limit" in body
    assert 'data-testid="refill-floor"' in body and "picked at random" in body
    assert 'data-testid="apply-settings"' in body
    # The next visit's other figures, each rule's from the same summary.
    assert 'data-testid="prediction-table"' in body
    for rule in ("engine", "fixed", "last3"):
        timing = rules[rule]["timing"]
        row = body.split(f'data-testid="prediction-{rule}"')[1].split("</tr>")[0]
        for share in (timing["under_3"]["within_7_days"], timing["same_provider"]):
            assert f"{round(share * 100)}%" in row, (rule, row)

    response = client.post(apply_url(run), follow=True)
    assert "Rebooking settings updated" in response.content.decode()
    saved = RebookingSettings.objects.get(salon=salon)
    assert service.tuned_values(
        {n: getattr(saved, n) for n in service.TUNED}
    ) == service.tuned_values(run.best)
    run.refresh_from_db()
    assert run.applied_by == owner and run.applied_at is not None
    # Applying again changes nothing and says so; the page now says the settings are in use.
    body = client.post(apply_url(run), follow=True).content.decode()
    assert "already the ones in use" in body
    assert 'data-testid="best-is-current"' in body


def test_prediction_rows_read_each_rules_next_visit_figures():
    from rebooking.views_backtest import prediction_rows

    summary = {
        "rules": {
            "engine": {
                "timing": {
                    "under_3": {"within_7_days": 0.5012},
                    "same_provider": 0.887,
                    "same_weekday": 0.9649,
                    "same_time_of_day": 0.926,
                }
            },
            "fixed": {"timing": {"under_3": {"within_7_days": None}, "same_provider": 0.838}},
        }
    }
    engine, fixed, last3 = prediction_rows(summary)
    assert engine == {
        "rule": "engine", "label": "SalonSync engine (your settings)", "short_history": 50,
        "provider": 89, "weekday": 96, "time_of_day": 93,
    }  # fmt: skip
    assert (fixed["short_history"], fixed["provider"], fixed["weekday"]) == (None, 84, None)
    assert last3["rule"] == "last3" and last3["provider"] is None  # no scores: a dash


def _engine(candidate: dict) -> dict:
    return {
        "outreach": {"f1": candidate["f1"]},
        "timing": {"3_plus": {"within_7_days": candidate["within_7_days"]}},
    }


def test_replay_parts_leave_out_the_refill():
    result = replay(known_history(), tz_name="America/New_York", parts=("timing", "outreach"))
    assert set(result.summary["rules"]["engine"]) == {"timing", "outreach"}
    assert result.refill["engine"] == []
    assert result.outreach["engine"]


def test_the_search_keeps_the_current_values_on_a_tie():
    current = {"grace_factor": Decimal("1.25"), "min_visits": 3, "cooldown_days": 14}
    flat = {"rules": {"engine": _engine({"f1": 0.5, "within_7_days": 0.7})}}
    best, tried = service.coordinate_search(current, flat, lambda values: flat)
    assert best == current
    assert len(tried) == 1 + 2 + 2 + 2


def test_the_search_moves_one_setting_at_a_time():
    current = {"grace_factor": Decimal("1.25"), "min_visits": 3, "cooldown_days": 14}

    def evaluate(values):  # better with a later contact and a longer cooldown
        f1 = float(values["grace_factor"]) / 10 + values["cooldown_days"] / 1000
        return {"rules": {"engine": _engine({"f1": f1, "within_7_days": 0.5})}}

    best, _ = service.coordinate_search(current, evaluate(current), evaluate)
    assert best == {"grace_factor": Decimal("1.50"), "min_visits": 3, "cooldown_days": 45}


# -- one run at a time, idempotent task, failures in plain words ---------------------------------
def test_one_run_per_salon_at_a_time(client, salon, owner, django_capture_on_commit_callbacks):
    load_history(salon, clients=5, days=120)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first, created = service.backtest_start(salon=salon, user=owner)
        again, created_again = service.backtest_start(salon=salon, user=owner)
    assert created and not created_again and again.pk == first.pk
    assert len(callbacks) == 1
    response = client.post(page(salon), follow=True)
    assert "already running" in response.content.decode()
    assert BacktestRun.objects.filter(salon=salon).count() == 1
    body = client.get(page(salon))
    assert body["Refresh"] == "3" and 'data-testid="progress"' in body.content.decode()

    # A run whose worker went away (no progress for a long time) no longer blocks a new one.
    BacktestRun.objects.filter(pk=first.pk).update(
        updated_at=timezone.now() - service.STALE_AFTER - timedelta(minutes=1)
    )
    assert 'data-testid="stale"' in client.get(page(salon)).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        second, created = service.backtest_start(salon=salon, user=owner)
    assert created and second.pk != first.pk
    first.refresh_from_db()
    assert first.status == BacktestRun.Status.FAILED and "stopped" in first.error


def test_the_task_does_not_redo_a_run(salon):
    for status in (BacktestRun.Status.RUNNING, BacktestRun.Status.DONE, BacktestRun.Status.FAILED):
        BacktestRun.objects.filter(salon=salon).delete()
        run = done_run(salon, status=status)
        before = BacktestRun.objects.filter(pk=run.pk).values().get()
        from rebooking.tasks import backtest_task

        assert backtest_task.delay(run.pk).get() == "skipped"
        assert BacktestRun.objects.filter(pk=run.pk).values().get() == before


def test_a_failure_is_recorded_in_plain_words(client, salon, owner, monkeypatch):
    load_history(salon, clients=5, days=120)

    def boom(*args, **kwargs):
        raise RuntimeError("password=hunter2 in a stack trace")

    monkeypatch.setattr(service, "replay", boom)
    run = BacktestRun.objects.create(salon=salon, requested_by=owner)
    service.backtest_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == BacktestRun.Status.FAILED
    assert "unexpected error" in run.error
    assert "hunter2" not in run.error and "Traceback" not in run.error
    client.force_login(owner)
    body = client.get(page(salon)).content.decode()
    assert 'data-testid="failed"' in body and "unexpected error" in body and "hunter2" not in body


def test_history_older_than_the_window_fails_with_a_message(salon, owner):
    load_history(salon, clients=5, days=120)
    MirroredAppointment.objects.update(start=timezone.now() - timedelta(days=500))
    run = BacktestRun.objects.create(salon=salon, requested_by=owner)
    service.backtest_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == BacktestRun.Status.FAILED
    assert "no appointments in the last 12 months" in run.error


# -- the page: roles, another salon, bad input, an empty salon ------------------------------------
def test_viewer_sees_the_page_but_cannot_run_or_apply(client, salon, viewer):
    load_history(salon, clients=3, days=60)
    run = done_run(salon)
    client.force_login(viewer)
    response = client.get(page(salon))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="read-only"' in body and 'data-testid="scores-table"' in body
    assert 'data-testid="run-backtest"' not in body and 'data-testid="apply-settings"' not in body
    assert client.post(page(salon)).status_code == 403
    assert client.post(apply_url(run)).status_code == 403
    assert BacktestRun.objects.count() == 1
    assert rebooking_settings_get(salon=salon).grace_factor == Decimal("1.25")


def test_manager_can_apply(client, salon, manager):
    run = done_run(salon)
    client.force_login(manager)
    response = client.post(apply_url(run), follow=True)
    assert "grace factor 1.50" in response.content.decode()
    saved = rebooking_settings_get(salon=salon)
    assert (saved.grace_factor, saved.min_visits, saved.cooldown_days) == (Decimal("1.5"), 2, 28)


def test_another_salons_run_is_404(client, salon, other_salon, owner):
    theirs = done_run(other_salon)
    client.force_login(owner)
    url = reverse("rebooking_backtest_apply", kwargs={"slug": salon.slug, "pk": theirs.pk})
    assert client.post(url).status_code == 404
    assert client.post(apply_url(theirs)).status_code == 404  # their slug: not a member
    assert client.get(page(other_salon)).status_code == 404
    missing = reverse("rebooking_backtest_apply", kwargs={"slug": salon.slug, "pk": 987654})
    assert client.post(missing).status_code == 404
    assert rebooking_settings_get(salon=other_salon).grace_factor == Decimal("1.25")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": BacktestRun.Status.RUNNING, "best": {}}, "has not finished"),
        ({"status": BacktestRun.Status.QUEUED, "best": {}}, "has not finished"),
        ({"status": BacktestRun.Status.FAILED, "best": {}, "error": "x"}, "failed"),
        ({"best": {"grace_factor": "lots"}}, "no usable settings"),
        ({"best": {"grace_factor": "9.00", "min_visits": 3, "cooldown_days": 14}}, "could not"),
    ],
)
def test_applying_a_run_without_usable_settings_is_a_message(client, salon, owner, fields, message):
    run = done_run(salon, **fields)
    client.force_login(owner)
    response = client.post(apply_url(run), follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert rebooking_settings_get(salon=salon).grace_factor == Decimal("1.25")


def test_apply_answers_get_with_405(client, salon, owner):
    client.force_login(owner)
    assert client.get(apply_url(done_run(salon))).status_code == 405


def test_an_empty_salon_gets_a_friendly_message(client, salon, owner):
    client.force_login(owner)
    response = client.get(page(salon))
    assert response.status_code == 200
    assert 'data-testid="no-history"' in response.content.decode()
    response = client.post(page(salon), follow=True)
    assert response.status_code == 200
    assert "no booking history to test yet" in response.content.decode()
    assert not BacktestRun.objects.exists()


def test_the_settings_page_links_to_the_backtest(client, salon, viewer):
    client.force_login(viewer)
    body = client.get(reverse("rebooking_settings", kwargs={"slug": salon.slug})).content.decode()
    assert f'href="{page(salon)}"' in body


def test_a_done_run_without_measurable_scores_renders(client, salon, owner):
    done_run(salon, summary={"rules": {}}, candidates=["junk"], best={})
    client.force_login(owner)
    response = client.get(page(salon))
    assert response.status_code == 200
    assert "—" in response.content.decode()


def test_the_admin_lists_and_shows_runs_read_only(client, salon):
    from django.contrib.auth import get_user_model

    run = done_run(salon)
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    assert client.get(reverse("admin:rebooking_backtestrun_changelist")).status_code == 200
    change = reverse("admin:rebooking_backtestrun_change", args=[run.pk])
    response = client.get(change)
    assert response.status_code == 200 and b'name="_save"' not in response.content
    assert client.get(reverse("admin:rebooking_backtestrun_add")).status_code == 403


# -- the command on a salon's own mirror -----------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_command_on_a_salon_shows_progress_and_the_table(salon, monkeypatch, capsys):
    load_history(salon, clients=8, days=200)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    call_command("rebooking_backtest", salon=salon.slug)
    bar = terminal.getvalue()
    assert "replay" in bar and "steps" in bar and "100%" in bar
    out = capsys.readouterr().out
    assert all(rule in out for rule in ("engine", "fixed", "last3"))


# -- without a broker: a thread of the web process, the request returns at once ---------------
@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_post_returns_before_the_run_and_the_page_shows_progress(
    client, monkeypatch, settings
):
    """Issue 16: on the embedded default the task ran inside the POST (about a minute on the
    demo). With TASKS_IN_THREADS the POST redirects at once; the run happens in a thread."""
    salon = make_salon("Thread Hair", "thread-hair")
    owner = make_member(salon, "thea", "owner")
    load_history(salon, clients=5, days=120)
    settings.TASKS_IN_THREADS = True
    gate, real = threading.Event(), service.backtest_run
    threads = []

    def held(*, run_id):
        # Held before it touches the database: the in-memory test database locks whole tables
        # (a file database waits its turn), so this thread and the test never query at once.
        threads.append(threading.current_thread())
        assert gate.wait(20)
        return real(run_id=run_id)

    monkeypatch.setattr(service, "backtest_run", held)
    client.force_login(owner)
    response = client.post(page(salon))
    assert response.status_code == 302  # returned while the run waits on the gate
    body = client.get(page(salon))
    assert body["Refresh"] == "3"
    assert 'data-testid="progress"' in body.content.decode()
    gate.set()
    threads[0].join(60)
    assert not threads[0].is_alive()
    run = BacktestRun.objects.get(salon=salon)
    assert run.status == BacktestRun.Status.DONE, run.error
    assert threads[0] is not threading.main_thread()
    assert 'data-testid="scores"' in client.get(page(salon)).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_thread_that_dies_outside_the_run_marks_it_failed(client, monkeypatch, settings):
    salon = make_salon("Dead Thread", "dead-thread")
    owner = make_member(salon, "dora", "owner")
    load_history(salon, clients=5, days=120)
    settings.TASKS_IN_THREADS = True

    def crash(*, run_id):
        raise RuntimeError("the worker thread fell over")

    monkeypatch.setattr(service, "backtest_run", crash)
    started = []
    real_start = background.task_start
    monkeypatch.setattr(
        background, "task_start", lambda *a, **k: started.append(real_start(*a, **k))
    )
    client.force_login(owner)
    client.post(page(salon))
    started[0].join(30)
    run = BacktestRun.objects.get(salon=salon)
    assert run.status == BacktestRun.Status.FAILED
    assert 'data-testid="failed"' in client.get(page(salon)).content.decode()


def test_owner_reads_plain_words_with_the_metric_names_in_a_footnote(client, salon, owner):
    done_run(salon)
    client.force_login(owner)
    body = client.get(page(salon)).content.decode()
    head = body[body.index("<thead>") : body.index("</thead>")]
    assert "Reached the right clients" in head and "Freed-slot offers that came" in head
    assert "F1" not in head and "precision" not in head
    notes = body[body.index('data-testid="metric-names"') :]
    assert "Outreach F1" in notes and "Refill precision@3" in notes
