"""The sandbox calendar: open slots from working hours minus bookings, and the changes a front
desk or an API client makes (book, cancel, status, client edits). Every change is announced with
``events.emit`` so the platform's webhook goes out, as the real platform would send it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from . import events
from .models import ACTIVE, Account, Appointment, Client, Provider, Service, Status

SLOT_STEP_MINUTES = 15


class CalendarError(Exception):
    """A booking the calendar refuses; ``code`` says why (emulators map it to vendor errors)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OpenSlot:
    provider: Provider
    service: Service
    start: datetime
    end: datetime


def _local(day: date, clock: str, tz: ZoneInfo) -> datetime | None:
    """An aware datetime for a local wall-clock time, or None where DST skips it."""
    hour, minute = map(int, clock.split(":"))
    naive = datetime.combine(day, time(hour, minute))
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return None  # 02:30 on a spring-forward day does not exist
    return aware


def _busy(account: Account, providers, start: datetime, end: datetime) -> dict[int, list]:
    rows = Appointment.objects.filter(
        account=account,
        provider__in=providers,
        deleted=False,
        status__in=ACTIVE,
        start__lt=end,
        end__gt=start,
    ).values_list("provider_id", "start", "end")
    busy: dict[int, list] = defaultdict(list)
    for provider_id, s, e in rows:
        busy[provider_id].append((s, e))
    return busy


def open_slots(
    account: Account,
    start_date: date,
    end_date: date,
    *,
    services: list[Service] | None = None,
    providers: list[Provider] | None = None,
    now: datetime | None = None,
) -> list[OpenSlot]:
    """Every bookable (provider, service, start) in [start_date, end_date], local days, sorted."""
    tz = ZoneInfo(account.timezone)
    now = now or timezone.now()
    providers = providers or list(account.providers.filter(active=True))
    services = services or list(account.services.filter(active=True))
    window_start = _local(start_date, "00:00", tz) or datetime.combine(start_date, time(1), tz)
    window_end = datetime.combine(end_date + timedelta(days=1), time(0), tz)
    busy = _busy(account, providers, window_start, window_end)
    step = timedelta(minutes=SLOT_STEP_MINUTES)
    slots: list[OpenSlot] = []
    day = start_date
    while day <= end_date:
        for provider in providers:
            hours = provider.working_hours.get(str(day.weekday()))
            if not hours:
                continue
            opens, closes = _local(day, hours[0], tz), _local(day, hours[1], tz)
            if opens is None or closes is None:
                continue
            taken = busy.get(provider.pk, [])
            for service in services:
                length = timedelta(minutes=service.duration_minutes)
                start = opens
                while start + length <= closes:
                    end = start + length
                    if start > now and not any(s < end and e > start for s, e in taken):
                        slots.append(OpenSlot(provider, service, start, end))
                    start += step
        day += timedelta(days=1)
    slots.sort(key=lambda s: (s.start, s.provider.pk, s.service.pk))
    return slots


def check_bookable(provider: Provider, service: Service, start: datetime) -> datetime:
    """The end time if ``provider`` can do ``service`` at ``start``; CalendarError otherwise."""
    account = provider.account
    tz = ZoneInfo(account.timezone)
    end = start + timedelta(minutes=service.duration_minutes)
    local = start.astimezone(tz)
    hours = provider.working_hours.get(str(local.weekday()))
    opens = _local(local.date(), hours[0], tz) if hours else None
    closes = _local(local.date(), hours[1], tz) if hours else None
    if not provider.active or opens is None or closes is None or start < opens or end > closes:
        raise CalendarError("staff_not_working", f"{provider} is not working at that time.")
    if start <= timezone.now():
        raise CalendarError("in_the_past", "That time has already passed.")
    if _busy(account, [provider], start, end).get(provider.pk):
        raise CalendarError("slot_taken", f"{provider} is already booked at that time.")
    return end


@transaction.atomic
def book(
    *,
    client: Client,
    provider: Provider,
    service: Service,
    start: datetime,
    ext_id: str,
    notes: str = "",
    status: str = Status.BOOKED,
) -> Appointment:
    # Lock the provider row so two concurrent bookings of one slot cannot both pass the check.
    Provider.objects.select_for_update().filter(pk=provider.pk).first()
    end = check_bookable(provider, service, start)
    now = timezone.now()
    appointment = Appointment.objects.create(
        account=provider.account,
        ext_id=ext_id,
        client=client,
        provider=provider,
        service=service,
        start=start,
        end=end,
        status=status,
        notes=notes,
        created_at=now,
        updated_at=now,
    )
    events.emit(appointment.account, events.APPOINTMENT_CREATED, appointment)
    return appointment


@transaction.atomic
def cancel(appointment: Appointment, *, late: bool | None = None) -> Appointment:
    """Cancel; ``late`` None decides by the salon's usual 24-hour rule."""
    if appointment.deleted or appointment.status not in ACTIVE:
        raise CalendarError("not_cancellable", "That appointment is not active.")
    if late is None:
        late = appointment.start - timezone.now() < timedelta(hours=24)
    appointment.status = Status.LATE_CANCELLED if late else Status.CANCELLED
    appointment.updated_at = timezone.now()
    appointment.save(update_fields=["status", "updated_at"])
    events.emit(appointment.account, events.APPOINTMENT_CANCELLED, appointment)
    return appointment


@transaction.atomic
def set_status(appointment: Appointment, status: str) -> Appointment:
    appointment.status = status
    appointment.updated_at = timezone.now()
    appointment.save(update_fields=["status", "updated_at"])
    kind = events.APPOINTMENT_CANCELLED if status not in ACTIVE else events.APPOINTMENT_UPDATED
    if status in (Status.COMPLETED, Status.NO_SHOW):
        kind = events.APPOINTMENT_UPDATED
    events.emit(appointment.account, kind, appointment)
    return appointment


@transaction.atomic
def update_client(client: Client, **fields) -> Client:
    client.permanent_number()  # fixed from the id it had, before an edit of that id
    for key, value in fields.items():
        setattr(client, key, value)
    client.updated_at = timezone.now()
    client.save()
    events.emit(client.account, events.CLIENT_UPDATED, client)
    return client


@transaction.atomic
def merge_clients(kept: Client, removed: Client) -> Client:
    """The front desk merges a duplicate profile into ``kept``: its appointments move over and
    the duplicate is gone (Mindbody's clientProfileMerger, docs/platforms/mindbody.md §6.7)."""
    kept.permanent_number()
    removed_number = removed.permanent_number()
    removed.appointments.update(client=kept)
    kept.updated_at = timezone.now()
    kept.save()
    removed.delete()
    events.emit(kept.account, events.CLIENT_MERGED, (kept, removed_number))
    return kept
