"""What the connection page tells the owner SalonSync can and cannot do on this connection:
booking, how appointments are read (and how far a backfill got), which deletions it can see, and
how the platform's times are read. Built from the integration row alone: no platform call."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.dateparse import parse_datetime

from .models import Integration
from .selectors import integration_capabilities
from .sync_by_customer import (
    RECONCILE_DAYS_AHEAD,
    backfill_progress,
    reconcile_customer_limit,
)


@dataclass(frozen=True)
class Fact:
    key: str  # data-testid suffix
    label: str
    value: str
    ok: bool = True  # False: something the owner should know SalonSync cannot do


def connection_facts(integration: Integration) -> list[Fact]:
    caps = integration_capabilities(integration)
    name = integration.platform_name
    options = integration.options or {}
    facts = [_booking(caps.can_book, name, options)]
    if not caps.appointments_by_date:
        facts += _per_customer(integration, name)
    reading = options.get("read_times")
    if reading:
        facts.append(_times(reading, name, options))
    return facts


def _booking(can_book: bool, name: str, options: dict) -> Fact:
    if can_book:
        return Fact("booking", "Booking", f"SalonSync books and cancels on {name} for you.")
    if options.get("write_access") is False:
        why = f"{name} has not given this account write access"
    else:
        why = f"{name} has not confirmed write access for this account yet"
    return Fact(
        "booking",
        "Booking",
        f"{why}: SalonSync suggests, notifies and shows you the openings, and you book them in "
        f"{name} itself. Ask {name} to grant write access, then re-enter the credentials below "
        "so SalonSync checks again.",
        ok=False,
    )


def _per_customer(integration: Integration, name: str) -> list[Fact]:
    progress = backfill_progress(integration)
    if not progress:
        read = "Not started yet: the first sync reads every client's appointments."
    elif progress["done"]:
        finished = parse_datetime(progress.get("finished_at") or "")
        read = (
            f"Backfill finished: {progress['customers_read']} clients, "
            f"{progress['appointments_read']} appointments"
            + (f" ({finished:%d %b %Y})." if finished else ".")
        )
    else:
        read = (
            f"Backfill in progress: {progress['customers_read']} clients and "
            f"{progress['appointments_read']} appointments read so far (page {progress['page']}); "
            "an interrupted backfill resumes where it stopped."
        )
    limit = reconcile_customer_limit(integration)
    return [
        Fact(
            "appointments",
            "Appointments",
            f"{name} lists appointments only client by client, so SalonSync keeps current through "
            f"{name}'s webhooks. {read}",
        ),
        Fact(
            "deletions",
            "Deleted appointments",
            f"Seen at once through the webhook. Each night SalonSync also re-reads up to {limit} "
            f"clients with appointments in the next {RECONCILE_DAYS_AHEAD} days (what your call "
            "allowance affords); an appointment deleted while webhooks were down, for a client "
            "not re-read, stays in SalonSync until its webhook or that client's next re-read.",
            ok=False,
        ),
    ]


def _times(reading: str, name: str, options: dict) -> Fact:
    evidence = options.get("read_times_evidence") or ""
    if reading == "local":
        text = (
            f"{name}'s API writes times as the salon's clock time (its 'Z' is not UTC); SalonSync "
            "reads them that way."
        )
    else:
        text = f"{name}'s API times are read as UTC, as its webhooks' are."
    return Fact("times", "Times", f"{text} {evidence}".strip())
