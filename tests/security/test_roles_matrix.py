"""The roles table (README "Roles", salons/roles.py PERMISSIONS), one real request per cell.

For every (role, action) cell, every page and API endpoint that needs that action is called for
real: allowed roles get 2xx/3xx (and a write changes something), refused roles get 403 and nothing
changes. Then, as an owner, every salon-scoped page and API endpoint is called with another salon's
slug, integration and suggestion: always 404, the same answer as for an object that does not exist,
and the other salon is untouched. A walk of the URL resolver makes sure no salon-scoped URL is
missing from the table. The platforms are stubbed (``responses``, fakes of BookingService).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from integrations.adapters.types import Appointment, AppointmentStatus, ConnectionResult
from integrations.models import (
    ApiCall,
    Integration,
    Invitation,
    Membership,
    MirroredAppointment,
    Salon,
    SyncRun,
)
from rebooking.models import BacktestRun, RebookingSettings, RebookingSuggestion
from rebooking.services import rebooking_settings_get
from salons.roles import PERMISSIONS, Action, Role
from selfbook.models import ClientAction
from sms.models import SmsSender
from tests.factories import make_member
from tests.integrations.adapters.harness.phorest import BRANCH, BUSINESS, Harness, listing
from tests.integrations.adapters.harness.phorest import load_fixture as phorest_fixture
from tests.rebooking_ui.conftest import FakeBookingService, make_suggestion

pytestmark = pytest.mark.django_db

BASE = Harness().base_url
OLD_PASSWORD = "old-phorest-password"
NEW_BUSINESS = "nEwBuSiNeSs0aBcDeFgHiJ"
ROLES = [Role.OWNER, Role.MANAGER, Role.VIEWER]


# -- the world: salon alpha (the caller's), salon beta (someone else's) --------------------------
@dataclass
class World:
    salon: Salon
    integration: Integration
    suggestion: RebookingSuggestion
    other: Salon
    other_integration: Integration
    other_suggestion: RebookingSuggestion
    backtest: BacktestRun
    other_backtest: BacktestRun
    invitation: Invitation
    other_invitation: Invitation
    member: Membership  # a second viewer, whose role the team cells change
    other_member: Membership
    client_request: ClientAction  # a client's "ask for this time" (selfbook)
    other_client_request: ClientAction
    calls: list = field(default_factory=list)  # what the fake platform services were asked


def _integration(salon, business: str) -> Integration:
    integration = Integration(
        salon=salon,
        platform="phorest",
        account={"business_id": business, "branch_id": BRANCH},
        status="connected",
        account_name=f"{salon.name} on Phorest",
        # Phorest's branch said another zone at connect: the status page proposes it.
        options={"platform_timezone": "Europe/Dublin"},
    )
    integration.credentials = {"username": "global/owner@alpha.example", "password": OLD_PASSWORD}
    integration.save()
    return integration


def _backtest(salon) -> BacktestRun:
    """A finished backtest whose best values differ from the default settings."""
    return BacktestRun.objects.create(
        salon=salon,
        status=BacktestRun.Status.DONE,
        best={"grace_factor": "1.50", "min_visits": 2, "cooldown_days": 28},
    )


def _invitation(salon) -> Invitation:
    return Invitation.objects.create(
        salon=salon,
        email=f"invitee@{salon.slug}.example",
        role=Role.VIEWER,
        token_hash=f"{salon.slug:0<64}",
        expires_at=timezone.now() + timedelta(days=7),
    )


@pytest.fixture
def world(salon, other_salon, owner, manager, viewer, monkeypatch, settings) -> World:
    settings.PHOREST_API_URL = BASE
    make_member(other_salon, "bob", Role.OWNER)
    make_member(other_salon, "beth", Role.VIEWER)
    make_member(salon, "val", Role.VIEWER)
    integration = _integration(salon, BUSINESS)
    other_integration = _integration(other_salon, "oThErBuSiNeSs0aBcDeFgH")
    w = World(
        salon=salon,
        integration=integration,
        suggestion=make_suggestion(integration),
        other=other_salon,
        other_integration=other_integration,
        other_suggestion=make_suggestion(other_integration),
        backtest=_backtest(salon),
        other_backtest=_backtest(other_salon),
        invitation=_invitation(salon),
        other_invitation=_invitation(other_salon),
        member=Membership.objects.get(salon=salon, user__username="val"),
        other_member=Membership.objects.get(salon=other_salon, user__username="beth"),
        client_request=_client_request(salon),
        other_client_request=_client_request(other_salon),
    )
    # History for the backtest to replay (starting one needs some).
    MirroredAppointment.objects.create(
        integration=integration,
        platform_id="appt-past",
        status="completed",
        start=timezone.now() - timedelta(days=30),
        end=timezone.now() - timedelta(days=30, hours=-1),
        customer_ref="cust-1",
        service_ref="svc-cut",
    )
    for s in (salon, other_salon):
        rebooking_settings_get(salon=s)

    class FakeService:
        """integrations.api's BookingService: records every call instead of calling Phorest."""

        def __init__(self, integration, **_):
            self.integration = integration

        def test_connection(self):
            w.calls.append(("test", self.integration.pk))
            return ConnectionResult(ok=True, account_name="Alpha", message="ok")

        def book(self, request):
            w.calls.append(("book", self.integration.pk))
            return Appointment(
                platform_id="appt-new",
                status=AppointmentStatus.BOOKED,
                start=request.start,
                end=request.start + timedelta(hours=1),
                customer_id=request.customer_id,
                service_id=request.service_id,
                provider_id=request.provider_id,
            )

        def customer_appointments(self, customer_id, filters):
            w.calls.append(("customer", self.integration.pk))
            return []

    class FakeRebookingService(FakeBookingService):
        taken: set = set()
        fail = None
        booked: list = []

        def book(self, request):
            w.calls.append(("rebook", self.integration.pk))
            return super().book(request)

    def fake_availability(*, integration, **_):
        w.calls.append(("availability", integration.pk))
        return []

    monkeypatch.setattr("integrations.api.integrations.BookingService", FakeService)
    monkeypatch.setattr("integrations.api.integrations.availability_list", fake_availability)
    monkeypatch.setattr("rebooking.accept.BookingService", FakeRebookingService)
    return w


@pytest.fixture
def phorest_accepts():
    """Phorest answers the connection test (its branch list) for any business id."""
    branch = phorest_fixture("phorest", "branch") | {"timeZone": "America/New_York"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(
            re.compile(re.escape(BASE) + r"/[^/]+/branch(\?.*)?$"),
            json=listing("branches", [branch]),
        )
        yield rsps


def _client_request(salon) -> ClientAction:
    suggestion = RebookingSuggestion.objects.filter(salon=salon).first()
    return ClientAction.objects.create(
        suggestion=suggestion, customer_ref="cust-1", kind="asked", option_index=0
    )


def snapshot(w: World) -> dict:
    """Everything a request of the table could change, for both salons."""
    return {
        "salons": sorted(Salon.objects.values_list("pk", "name", "timezone")),
        "integrations": sorted(
            (str(i.pk), i.salon_id, i.status, repr(i.account), repr(i.options), repr(i.credentials))
            for i in Integration.objects.all()
        ),
        "suggestions": sorted(
            RebookingSuggestion.objects.values_list("pk", "status", "booked_appointment_ref")
        ),
        "settings": sorted(
            repr(row) for row in RebookingSettings.objects.values().order_by("salon_id")
        ),
        "sync_runs": SyncRun.objects.count(),
        "backtests": sorted(BacktestRun.objects.values_list("pk", "status", "applied_at")),
        "api_calls": ApiCall.objects.count(),
        "members": sorted(Membership.objects.values_list("pk", "salon_id", "role")),
        "invitations": sorted(
            Invitation.objects.values_list("pk", "email", "token_hash", "revoked_at")
        ),
        "client_requests": sorted(ClientAction.objects.values_list("pk", "status")),
        "sms_senders": sorted(SmsSender.objects.values_list("salon_id", "enabled", "account_sid")),
        "calls": list(w.calls),
    }


# -- the table: every salon-scoped page and API endpoint, with the action it needs -------------
@dataclass(frozen=True)
class Case:
    action: str
    name: str  # URL name
    method: str = "get"
    obj: str = ""  # "integration" / "suggestion" / "backtest" / "member" / "invitation" / …
    kwargs: tuple = ()
    query: str = ""
    data: Callable[[World], Any] | None = None

    @property
    def api(self) -> bool:
        return self.name.startswith("api_")

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}"

    def url(self, slug: str, pk: Any = None) -> str:
        kwargs = {"slug": slug, **dict(self.kwargs)}
        if self.obj:
            kwargs["pk"] = pk
        return reverse(self.name, kwargs=kwargs) + self.query

    def call(self, client: Client, w: World, url: str):
        data = self.data(w) if self.data else None
        method = getattr(client, self.method)
        if self.api and self.method != "get":
            return method(url, data or {}, content_type="application/json")
        if self.method == "get":
            return method(url)
        return method(url, data or {})


def _future() -> str:
    return (timezone.now() + timedelta(days=10)).replace(microsecond=0).isoformat()


def _rebooking_form(_w) -> dict:
    from tests.rebooking_ui.test_settings import form_data

    return form_data()


def _rebooking_body(w: World) -> dict:
    owner_client = Client()
    owner_client.force_login(w.salon.memberships.get(role=Role.OWNER).user)
    body = owner_client.get(f"/api/v1/salons/{w.salon.slug}/rebooking/settings/").json()
    body.pop("updated_at", None)
    return {**body, "lookahead_days": 30}


def _phorest_form(business: str, password: str) -> Callable[[World], dict]:
    return lambda _w: {
        "username": "global/owner@alpha.example",
        "password": password,
        "business_id": business,
        "branch_id": BRANCH,
    }


PHOREST = (("platform", "phorest"),)
MINDBODY = (("platform", "mindbody"),)
CASES: list[Case] = [
    # VIEW: every page and read API of the salon.
    Case(Action.VIEW, "salon_detail"),
    Case(Action.VIEW, "salon_settings"),
    Case(Action.VIEW, "integration_list"),
    Case(Action.VIEW, "integration_new"),
    Case(Action.VIEW, "integration_connect", kwargs=PHOREST),
    Case(Action.VIEW, "integration_detail", obj="integration"),
    Case(Action.VIEW, "integration_reauth", obj="integration"),  # GET redirects to the detail
    Case(Action.VIEW, "integration_sync", obj="integration"),  # GET redirects to the detail
    # GET redirects to the connect page; its POST (owner only) reads the platform and changes
    # nothing, so its 403 for others is in tests/pages/test_connect_first_steps.py.
    Case(Action.VIEW, "integration_activation", kwargs=MINDBODY),
    Case(Action.VIEW, "integration_timezone", obj="integration"),  # GET redirects to the detail
    Case(Action.VIEW, "integration_settings", obj="integration"),  # GET redirects to the detail
    Case(Action.VIEW, "rebooking_suggestions"),
    Case(Action.VIEW, "rebooking_settings"),
    Case(Action.VIEW, "sms_settings"),
    Case(Action.VIEW, "rebooking_backtest"),
    Case(Action.VIEW, "api_salon_detail"),
    Case(Action.VIEW, "api_integration_list"),
    Case(Action.VIEW, "api_integration_detail", obj="integration"),
    Case(
        Action.VIEW,
        "api_availability",
        obj="integration",
        query="?start=2030-06-03&end=2030-06-04&service=svc-cut",
    ),
    Case(
        Action.VIEW,
        "api_customer_appointments",
        obj="integration",
        kwargs=(("customer_id", "cust-1"),),
    ),
    Case(Action.VIEW, "api_rebooking_suggestions"),
    Case(Action.VIEW, "api_rebooking_settings"),
    # OPERATE: sync now, connection test, book, accept / dismiss a suggestion.
    Case(
        Action.OPERATE,
        "integration_sync",
        "post",
        obj="integration",
        data=lambda _w: {"kind": "incremental"},
    ),
    Case(
        Action.OPERATE,
        "rebooking_suggestion_accept",
        "post",
        obj="suggestion",
        data=lambda _w: {"option": "0"},
    ),
    Case(Action.OPERATE, "rebooking_suggestion_dismiss", "post", obj="suggestion"),
    Case(Action.OPERATE, "selfbook_request_done", "post", obj="client_request"),
    Case(Action.OPERATE, "api_integration_sync", "post", obj="integration"),
    Case(Action.OPERATE, "api_integration_test", "post", obj="integration"),
    Case(
        Action.OPERATE,
        "api_booking",
        "post",
        obj="integration",
        data=lambda _w: {
            "customer": "cust-1",
            "service": "svc-cut",
            "provider": "prov-0",
            "start": _future(),
        },
    ),
    Case(
        Action.OPERATE,
        "api_rebooking_suggestion_accept",
        "post",
        obj="suggestion",
        data=lambda _w: {"option": 0},
    ),
    Case(Action.OPERATE, "api_rebooking_suggestion_dismiss", "post", obj="suggestion"),
    # EDIT_SALON: the salon's name and time zone, rebooking settings.
    Case(
        Action.EDIT_SALON,
        "salon_settings",
        "post",
        data=lambda _w: {"name": "Renamed Salon", "timezone": "Europe/London"},
    ),
    Case(Action.EDIT_SALON, "rebooking_settings", "post", data=_rebooking_form),
    Case(Action.EDIT_SALON, "sms_settings", "post", data=lambda _w: {"enabled": ""}),
    Case(
        Action.EDIT_SALON,
        "integration_timezone",
        "post",
        obj="integration",
        data=lambda _w: {"zone": "Europe/Dublin", "decision": "use"},
    ),
    Case(Action.EDIT_SALON, "rebooking_backtest", "post"),  # start a backtest
    Case(Action.EDIT_SALON, "rebooking_backtest_apply", "post", obj="backtest"),
    Case(Action.EDIT_SALON, "api_salon_detail", "patch", data=lambda _w: {"name": "Renamed"}),
    Case(Action.EDIT_SALON, "api_rebooking_settings", "put", data=_rebooking_body),
    # MANAGE_INTEGRATIONS: connect, re-authenticate, disconnect (page and API).
    Case(Action.MANAGE_INTEGRATIONS, "integration_disconnect", obj="integration"),
    Case(Action.MANAGE_INTEGRATIONS, "integration_disconnect", "post", obj="integration"),
    Case(
        Action.MANAGE_INTEGRATIONS,
        "integration_connect",
        "post",
        kwargs=PHOREST,
        data=_phorest_form(NEW_BUSINESS, "brand-new-password"),
    ),
    Case(
        Action.MANAGE_INTEGRATIONS,
        "integration_settings",
        "post",
        obj="integration",
        data=lambda _w: {"availability": "online"},
    ),
    Case(
        Action.MANAGE_INTEGRATIONS,
        "integration_reauth",
        "post",
        obj="integration",
        data=_phorest_form(BUSINESS, "re-auth-password"),
    ),
    Case(
        Action.MANAGE_INTEGRATIONS,
        "api_integration_list",
        "post",
        data=lambda _w: {
            "platform": "phorest",
            "credentials": {"username": "global/o@alpha.example", "password": "api-password"},
            "account": {"business_id": NEW_BUSINESS, "branch_id": BRANCH},
        },
    ),
    Case(
        Action.MANAGE_INTEGRATIONS,
        "api_integration_detail",
        "patch",
        obj="integration",
        data=lambda _w: {"credentials": {"password": "patched-password"}},
    ),
    Case(
        Action.MANAGE_INTEGRATIONS,
        "api_integration_detail",
        "patch",
        obj="integration",
        data=lambda _w: {"settings": {"page_size": 50}},
    ),
    Case(Action.MANAGE_INTEGRATIONS, "api_integration_detail", "delete", obj="integration"),
    # MANAGE_TEAM: invite, change a role, remove a member, re-send or revoke an invitation.
    Case(Action.VIEW, "team"),
    Case(
        Action.MANAGE_TEAM,
        "team",
        "post",
        data=lambda _w: {"email": "new.person@example.com", "role": Role.MANAGER},
    ),
    Case(
        Action.MANAGE_TEAM,
        "team_member_role",
        "post",
        obj="member",
        data=lambda _w: {"role": Role.MANAGER},
    ),
    Case(Action.MANAGE_TEAM, "team_member_remove", "post", obj="member"),
    Case(Action.MANAGE_TEAM, "team_invitation_resend", "post", obj="invitation"),
    Case(Action.MANAGE_TEAM, "team_invitation_revoke", "post", obj="invitation"),
]


def _own_pk(case: Case, w: World):
    return {
        "integration": w.integration.pk,
        "suggestion": w.suggestion.pk,
        "backtest": w.backtest.pk,
        "member": w.member.pk,
        "invitation": w.invitation.pk,
        "client_request": w.client_request.pk,
    }.get(case.obj)


def _other_pk(case: Case, w: World):
    return {
        "integration": w.other_integration.pk,
        "suggestion": w.other_suggestion.pk,
        "backtest": w.other_backtest.pk,
        "member": w.other_member.pk,
        "invitation": w.other_invitation.pk,
        "client_request": w.other_client_request.pk,
    }.get(case.obj)


def _missing_pk(case: Case):
    missing = 987654321
    return {
        "integration": uuid.uuid4(),
        "suggestion": missing,
        "backtest": missing,
        "member": missing,
        "invitation": missing,
        "client_request": missing,
    }.get(case.obj)


CELLS = [
    pytest.param(role, case, id=f"{role}-{case.action}-{case.id}-{i}")
    for i, case in enumerate(CASES)
    for role in ROLES
]


@pytest.mark.parametrize("role, case", CELLS)
def test_cell(client, world, phorest_accepts, role, case):
    user = world.salon.memberships.exclude(pk=world.member.pk).get(role=role).user
    client.force_login(user)
    before = snapshot(world)
    response = case.call(client, world, case.url(world.salon.slug, _own_pk(case, world)))
    after = snapshot(world)
    allowed = role in PERMISSIONS[case.action]
    if allowed:
        assert 200 <= response.status_code < 400, (response.status_code, response.content[:500])
        if case.method != "get":
            assert after != before, "an allowed write changed nothing"
        if case.api and response.status_code != 204:
            assert "error" not in response.json()
    else:
        assert response.status_code == 403, (response.status_code, response.content[:300])
        assert after == before, "a refused request changed something"
        if case.api:
            assert response.json()["error"]["code"] == "permission_denied"


# -- another salon's objects: 404 everywhere, exactly like a missing one -----------------------
@pytest.mark.parametrize("case", CASES, ids=[f"{c.id}-{i}" for i, c in enumerate(CASES)])
def test_other_salons_objects_are_404(client, world, phorest_accepts, owner, case):
    client.force_login(owner)  # owner of alpha: every action allowed there, none in beta
    before = snapshot(world)
    answers = []
    # beta's slug (with beta's own objects)
    answers.append(case.call(client, world, case.url(world.other.slug, _other_pk(case, world))))
    if case.obj:
        # alpha's slug, beta's integration / suggestion; and one that does not exist
        answers.append(case.call(client, world, case.url(world.salon.slug, _other_pk(case, world))))
        missing = case.call(client, world, case.url(world.salon.slug, _missing_pk(case)))
        assert missing.status_code == 404
        if case.api:
            assert answers[-1].json() == missing.json()  # nothing tells them apart
    for response in answers:
        assert response.status_code == 404, (response.status_code, response.content[:300])
        if case.api:
            assert response.json()["error"]["code"] == "not_found"
        body = response.content.decode()
        assert world.other.name not in body
        assert str(world.other_integration.pk) not in body
    assert snapshot(world) == before


def test_lists_show_only_the_callers_salon(client, world, owner):
    client.force_login(owner)
    salons = client.get(reverse("api_salon_list")).json()
    assert [s["slug"] for s in salons] == [world.salon.slug]
    integrations = client.get(
        reverse("api_integration_list", kwargs={"slug": world.salon.slug})
    ).json()
    assert [i["id"] for i in integrations] == [str(world.integration.pk)]
    suggestions = client.get(
        reverse("api_rebooking_suggestions", kwargs={"slug": world.salon.slug})
    ).json()
    assert [s["id"] for s in suggestions] == [world.suggestion.pk]
    for name in ("integration_list", "rebooking_suggestions", "salon_detail"):
        page = client.get(reverse(name, kwargs={"slug": world.salon.slug})).content.decode()
        assert world.other.name not in page and str(world.other_integration.pk) not in page
    home = client.get(reverse("home"), follow=True).content.decode()
    assert world.other.name not in home


def test_anonymous_callers_get_login_or_401(client, world):
    for case in CASES:
        response = case.call(client, world, case.url(world.salon.slug, _own_pk(case, world)))
        if case.api:
            assert response.status_code == 401, case.id
            assert response.json()["error"]["code"] == "not_authenticated"
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# -- the table covers every salon-scoped URL, and README's table is PERMISSIONS ---------------
def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


def test_every_salon_scoped_url_is_in_the_table():
    scoped = {name for route, name in _walk(get_resolver().url_patterns) if "<slug:slug>" in route}
    assert scoped, "no salon-scoped URLs found"
    assert scoped == {case.name for case in CASES}


def test_every_action_has_a_page_or_api_cell():
    assert {case.action for case in CASES} == set(Action.values)


def test_readme_roles_table_matches_permissions():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Roles", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "✓" in line]
    table = {}
    for line in rows:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        table[cells[0]] = {role for role, cell in zip(ROLES, cells[1:], strict=True) if cell == "✓"}
    expected = {Action(a).label: set(roles) for a, roles in PERMISSIONS.items()}
    assert table == expected
