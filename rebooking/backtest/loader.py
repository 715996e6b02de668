"""A history for the backtest: read from a CSV (validated row by row) or from a salon's mirror,
and loaded into a throwaway salon whose mirror starts empty (every row hidden) and is revealed
step by step by the replay.

In the throwaway mirror each appointment row carries what the replay needs to reveal it with two
set-based UPDATEs per step: ``platform_created_at`` is when it was booked, ``platform_updated_at``
when its final status became known, and ``location_ref`` that final status. Until then a row is
``deleted`` (not yet booked) or ``booked``.
"""

from __future__ import annotations

import csv
import uuid
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from sys import intern
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from integrations.adapters.types import AppointmentStatus
from integrations.models import (
    Integration,
    IntegrationStatus,
    MirroredAppointment,
    MirroredCustomer,
    MirroredProvider,
    MirroredService,
    Salon,
)
from rebooking.rhythm import VISIT_STATUSES
from salonsync.bulk import copy_insert

COLUMNS = ["id", "client", "category", "service", "provider", "start", "minutes", "status",
           "booked_at"]  # fmt: skip
STATUSES = {s.value for s in AppointmentStatus}
# When the salon learns a cancellation: its notice before the start.
NOTICE = {
    AppointmentStatus.CANCELLED: timedelta(days=2),
    AppointmentStatus.LATE_CANCELLED: timedelta(hours=6),
}
CHUNK = 2000  # rows per primary-key lookup (sandbox_pks)


class HistoryError(ValueError):
    """A bad history row: ``row`` is its line number in the file (the header is line 1)."""

    def __init__(self, row: int, problem: str):
        super().__init__(f"row {row}: {problem}")
        self.row, self.problem = row, problem


@dataclass(frozen=True, slots=True)
class Appt:
    id: str
    client: str
    category: str
    service: str
    provider: str
    start: datetime
    minutes: int
    status: str
    booked_at: datetime

    @property
    def service_ref(self) -> str:
        return f"{self.category}/{self.service}"

    @property
    def known_at(self) -> datetime | None:
        """When the final status is known (None: an active booking, nothing more to learn)."""
        if self.status in NOTICE:
            return self.start - NOTICE[self.status]
        if self.status in VISIT_STATUSES:
            return self.start
        return None

    def cancelled_by(self, when: datetime) -> bool:
        known = self.known_at
        return self.status in NOTICE and known is not None and known <= when

    def active_at(self, when: datetime) -> bool:
        """A future booking the salon had on its books at ``when``: one that will end as a
        no-show is still on the books until its start (nobody knows yet)."""
        return self.booked_at <= when < self.start and not self.cancelled_by(when)


def _when(value: str, tz: ZoneInfo, what: str, row: int) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
        parsed.astimezone(UTC)  # a date at the very edge of the calendar cannot be compared
    except (ValueError, OverflowError):
        raise HistoryError(row, f"{what} {value!r} is not an ISO date-time") from None
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


@dataclass
class CsvHistory:
    """A CSV's rows, what was adjusted to import them (reason -> rows) and the rows that could
    not be read ((line number, problem), the header being line 1)."""

    rows: list[Appt]
    adjusted: dict[str, int] = field(default_factory=dict)
    refused: list[tuple[int, str]] = field(default_factory=list)


# A booking entered after its start: a walk-in put in at checkout, which real exports contain
# (issue 20). Imported as booked at its start, as read_salon() reads the mirror.
WALK_IN = "booked_at after start (a walk-in entered at checkout): booked_at set to the start"
NO_BOOKED_AT = "booked_at empty: booked at the start (a walk-in)"
NO_PROVIDER = "provider empty: kept without a provider"
NO_CATEGORY = "category empty: kept as 'Other'"
NO_SERVICE = "service empty: named after its category"
NO_MINUTES = "minutes missing or not a positive number: 60 assumed"
# The spellings exports use for the statuses (lower case, "-" and "_" read as spaces).
STATUS_WORDS = {
    **{s.replace("_", " "): s for s in STATUSES},  # the values themselves, as plain str
    "complete": AppointmentStatus.COMPLETED, "done": AppointmentStatus.COMPLETED,
    "checked out": AppointmentStatus.COMPLETED, "paid": AppointmentStatus.COMPLETED,
    "attended": AppointmentStatus.COMPLETED, "arrived": AppointmentStatus.COMPLETED,
    "canceled": AppointmentStatus.CANCELLED, "cancel": AppointmentStatus.CANCELLED,
    "late cancel": AppointmentStatus.LATE_CANCELLED,
    "late canceled": AppointmentStatus.LATE_CANCELLED,
    "no show": AppointmentStatus.NO_SHOW, "noshow": AppointmentStatus.NO_SHOW,
    "did not show": AppointmentStatus.NO_SHOW,
    "confirmed": AppointmentStatus.BOOKED, "scheduled": AppointmentStatus.BOOKED,
}  # fmt: skip
REFUSED_SHOWN = 20  # refused rows named in a message; the rest are counted


def _status(value: str, adjusted: dict[str, int]) -> str:
    """The status a row's value means. One the file spells its own way is read as ours; an
    unknown one is kept as a booking, neither a visit nor a cancellation (the safe reading:
    it teaches no rhythm and frees no slot). Both are counted."""
    if value in STATUSES:
        return value
    found = STATUS_WORDS.get(" ".join(value.lower().replace("-", " ").replace("_", " ").split()))
    reason = (
        f"status {value!r} read as {found}"
        if found
        else f"status {value!r} unknown: kept as a booking (neither a visit nor a cancellation)"
    )
    adjusted[reason] = adjusted.get(reason, 0) + 1
    return str(found or AppointmentStatus.BOOKED.value)


def _count(adjusted: dict[str, int], reason: str) -> None:
    adjusted[reason] = adjusted.get(reason, 0) + 1


def read_csv(path, tz: ZoneInfo) -> CsvHistory:
    """Every row validated. What can be understood is imported, its adjustments counted
    (``CsvHistory.adjusted``); a row that cannot be read (no id, client or start, a date that
    is not one, the wrong number of fields, an id seen before) is left out and named with its
    line number (``CsvHistory.refused``). HistoryError when the file itself cannot be read: no
    file, a wrong header, or not one row that could."""
    try:
        handle = open(path, newline="", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise HistoryError(0, f"cannot read {path}: {exc.strerror}") from None
    seen: set[str] = set()
    history = CsvHistory([])
    rows, adjusted, refused = history.rows, history.adjusted, history.refused
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader, [])]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise HistoryError(1, f"the header cannot be read ({exc})") from None
        if header != COLUMNS:
            raise HistoryError(1, f"the header must be {','.join(COLUMNS)} (got {header})")
        number = 1
        while True:
            number += 1
            try:
                values = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                refused.append((number, f"cannot be read ({exc})"))
                continue
            if not values:
                continue
            try:
                row = _row(values, number, tz, seen, adjusted)
            except HistoryError as exc:
                refused.append((exc.row, exc.problem))
                continue
            rows.append(row)
    if not rows:
        first = f"; {refused[0][1]} (row {refused[0][0]})" if refused else ""
        raise HistoryError(2, f"the file has no appointments that can be read{first}")
    return history


def _row(values: list[str], number: int, tz: ZoneInfo, seen: set[str], adjusted) -> Appt:
    if len(values) != len(COLUMNS):
        raise HistoryError(number, f"{len(values)} fields, expected {len(COLUMNS)}")
    v = dict(zip(COLUMNS, (x.strip() for x in values), strict=True))
    for name in ("id", "client", "start"):
        if not v[name]:
            raise HistoryError(number, f"{name} is empty")
    if v["id"] in seen:
        raise HistoryError(number, f"id {v['id']!r} appears twice")
    start = _when(v["start"], tz, "start", number)
    if v["booked_at"]:
        booked_at = _when(v["booked_at"], tz, "booked_at", number)
    else:
        booked_at = start
        _count(adjusted, NO_BOOKED_AT)
    if booked_at > start:
        booked_at = start
        _count(adjusted, WALK_IN)
    try:
        minutes = int(v["minutes"])
    except ValueError:
        minutes = 0
    if minutes <= 0:
        minutes = 60
        _count(adjusted, NO_MINUTES)
    for name, reason in (("provider", NO_PROVIDER), ("category", NO_CATEGORY)):
        if not v[name]:
            _count(adjusted, reason)
    category = v["category"] or "Other"
    if not v["service"]:
        _count(adjusted, NO_SERVICE)
    seen.add(v["id"])
    return Appt(
        v["id"],
        intern(v["client"]),  # the same few names on every row: stored once
        intern(category),
        intern(v["service"] or category),
        intern(v["provider"]),
        start,
        minutes,
        intern(_status(v["status"], adjusted)),
        booked_at,
    )


def read_salon(salon: Salon) -> list[Appt]:
    """A real salon's mirror as a history (read only). booked_at is the platform's creation
    time when known, else the start (a walk-in, as far as the replay can tell)."""
    catalog = {
        (i, ref): (name, category)
        for i, ref, name, category in MirroredService.objects.filter(
            integration__salon=salon
        ).values_list("integration_id", "platform_id", "name", "category")
    }
    rows = []
    for a in (
        MirroredAppointment.objects.filter(integration__salon=salon, deleted=False)
        .exclude(customer_ref="")
        .order_by("start")
        .iterator(chunk_size=5000)
    ):
        name, category = catalog.get((a.integration_id, a.service_ref), (a.service_name, ""))
        booked = min(a.platform_created_at or a.start, a.start)
        rows.append(
            Appt(
                f"{a.integration_id}:{a.platform_id}",
                intern(a.customer_ref),
                intern(category or "Other"),
                intern(name or a.service_ref or "Service"),
                intern(a.provider_ref),
                a.start,
                max(1, int((a.end - a.start).total_seconds() // 60)),
                intern(a.status),
                booked,
            )
        )
    return rows


@transaction.atomic
def create_sandbox(rows: list[Appt], *, tz_name: str) -> Integration:
    """The throwaway salon + integration holding ``rows`` hidden. One transaction: all or none.
    The integration is ``disabled`` so no sync, beat task or overdue scan ever touches it."""
    tag = uuid.uuid4().hex[:10]
    salon = Salon.objects.create(name=f"Backtest {tag}", slug=f"backtest-{tag}", timezone=tz_name)
    integration = Integration(
        salon=salon,
        platform="phorest",
        status=IntegrationStatus.DISABLED,
        account={"business_id": f"backtest-{tag}", "branch_id": "backtest"},
        options={"backtest": True},
    )
    integration.credentials = {}
    integration.save()
    services = {(a.service_ref, a.service, a.category) for a in rows}
    MirroredService.objects.bulk_create(
        MirroredService(integration=integration, platform_id=ref, name=name, category=category)
        for ref, name, category in services
    )
    MirroredProvider.objects.bulk_create(
        MirroredProvider(integration=integration, platform_id=p, name=p)
        for p in sorted({a.provider for a in rows if a.provider})
    )
    MirroredCustomer.objects.bulk_create(
        (
            MirroredCustomer(integration=integration, platform_id=c, first_name=c)
            for c in sorted({a.client for a in rows})
        ),
        batch_size=2000,
    )
    far = datetime(9999, 1, 1, tzinfo=ZoneInfo("UTC"))
    # Streamed (the history's size does not decide how many model instances are alive at once)
    # through COPY: the replay's set-up, a quarter of what bulk_create took.
    copy_insert(
        MirroredAppointment,
        (
            MirroredAppointment(
                integration=integration,
                platform_id=a.id,
                status=AppointmentStatus.BOOKED,
                deleted=True,
                start=a.start,
                end=a.start + timedelta(minutes=a.minutes),
                customer_ref=a.client,
                service_ref=a.service_ref,
                provider_ref=a.provider,
                service_name=a.service,
                location_ref=a.status,
                price=Decimal("0"),
                platform_created_at=a.booked_at,
                platform_updated_at=a.known_at or far,
                version_at=a.booked_at,
            )
            for a in rows
        ),
    )
    if connection.vendor == "postgresql":
        # A salon created a moment ago is unknown to the planner's statistics, which then
        # reads every query through the least selective index; a real salon's tables have them.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE integrations_mirroredappointment, integrations_mirroredcustomer"
            )
    return integration


def sandbox_pks(integration: Integration, rows: list[Appt]) -> array:
    """The throwaway mirror's primary key of each of ``rows``, in their order: 8 bytes a row,
    looked up a chunk at a time (no map of the whole salon)."""
    pks = array("q")
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        found = dict(
            MirroredAppointment.objects.filter(
                integration=integration, platform_id__in=[a.id for a in chunk]
            ).values_list("platform_id", "pk")
        )
        pks.extend(found[a.id] for a in chunk)
    return pks


def drop_sandbox(integration: Integration) -> None:
    """Delete the throwaway salon and every row hanging from it."""
    from rebooking.models import ClientRhythm, RebookingSuggestion

    salon = integration.salon
    with transaction.atomic():
        # A chunk at a time: suggestions have dependants (notifications), so Django's delete()
        # loads each row it deletes, and a whole salon's at once would grow with its history.
        suggestions = RebookingSuggestion.objects.filter(salon=salon)
        while chunk := list(suggestions.values_list("pk", flat=True)[:500]):
            RebookingSuggestion.objects.filter(pk__in=chunk).delete()
        ClientRhythm.objects.filter(integration=integration).delete()
        for model in (MirroredAppointment, MirroredCustomer, MirroredProvider, MirroredService):
            model.objects.filter(integration=integration).delete()
        salon.delete()


def reveal(integration: Integration, now: datetime, pks: list[int] | None = None) -> None:
    """The mirror as the salon saw it at ``now``, in one set-based UPDATE: a booking made by
    then appears; a final status known by then replaces "booked" (once the booking shows). Over
    the rows ``pks`` only when the caller knows which rows can have changed since its last call
    (primary keys: the one index whose plan does not hang on statistics of a salon created a
    moment ago).

    Plain SQL, not the ORM's update(): the replay runs it at every step, and building the
    query's expressions cost ten times the statement itself."""
    if pks is not None and not pks:
        return
    ops, table = connection.ops, MirroredAppointment._meta.db_table
    at = ops.adapt_datetimefield_value(now)
    if pks is None:
        key = MirroredAppointment._meta.get_field("integration")
        scope, params = "integration_id = %s", [key.get_db_prep_value(integration.pk, connection)]
    else:
        scope, params = f"id IN ({', '.join(['%s'] * len(pks))})", list(pks)
    # SET sees the old row: both conditions are on what was there before.
    sql = (
        f"UPDATE {ops.quote_name(table)} SET deleted = %s, status = CASE WHEN status = 'booked' "
        "AND platform_updated_at <= %s THEN location_ref ELSE status END "
        f"WHERE {scope} AND (deleted = %s OR platform_created_at <= %s) "
        "AND (deleted = %s OR (status = 'booked' AND platform_updated_at <= %s))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [False, at, *params, False, at, True, at])
