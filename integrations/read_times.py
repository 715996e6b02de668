"""Deciding, per connection, how a platform's API times are to be read.

Vagaro's read answers carry times ending in ``Z``, yet one live integrator found them to be the
studio's wall-clock time, not UTC (docs/platforms/vagaro.md §2.8, UNCONFIRMED), while its
webhooks' times are documented UTC (§3.4). The evidence is one appointment seen both ways: its
webhook start (UTC) against its read start (raw text). The decision is kept in the integration's
options (``read_times``: "utc" or "local"), with a sentence of evidence the connection page shows;
the adapter reads it back (config.options).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from .adapters.errors import IntegrationError
from .adapters.types import Appointment
from .dates import format_moment
from .models import Integration
from .sync import sync_request

logger = logging.getLogger(__name__)

UTC_READING, LOCAL_READING = "utc", "local"


def compare_times(webhook_start: datetime, read_raw: str, zone: ZoneInfo) -> str | None:
    """'utc' when the read digits are the webhook's UTC time, 'local' when they are the salon's
    clock time, None when the two cannot be told apart (a zone at UTC+0 that day) or agree with
    neither (a different appointment version: no evidence)."""
    text = (read_raw or "").strip().rstrip("Zz")
    try:
        digits = datetime.fromisoformat(text).replace(tzinfo=None, microsecond=0)
    except ValueError:
        return None
    as_utc = webhook_start.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    as_local = webhook_start.astimezone(zone).replace(tzinfo=None, microsecond=0)
    if as_utc == as_local:
        return None
    if digits == as_utc:
        return UTC_READING
    if digits == as_local:
        return LOCAL_READING
    return None


def read_times_decided(integration: Integration) -> bool:
    return bool((integration.options or {}).get("read_times_evidence"))


def record_read_times(
    *, integration: Integration, reading: str, appointment_id: str, webhook_start: datetime
) -> bool:
    """Keep the reading and its evidence; True when it changed how times are read (the caller
    then re-reads what was mirrored under the old reading)."""
    previous = (integration.options or {}).get("read_times", UTC_READING)
    when = format_moment(webhook_start, integration.salon.tz)
    matched = "UTC" if reading == UTC_READING else "salon clock"
    evidence = (
        f"Decided {timezone.localdate():%d %b %Y} from appointment {appointment_id}: its webhook "
        f"said {when} and the API's time matched the {matched} reading."
    )
    options = {
        **(integration.options or {}),
        "read_times": reading,
        "read_times_evidence": evidence,
    }
    Integration.objects.filter(pk=integration.pk).update(options=options)
    integration.options = options
    logger.info(
        "integration %s: API times read as %s (%s)", integration.pk, reading, appointment_id
    )
    return reading != previous


def learn_from_webhook(
    *, integration: Integration, service, appointment: Appointment
) -> str | None:
    """Until this connection's reading is decided, read the appointment a webhook just described
    (one platform call, outside any transaction) and compare its start with the webhook's. A
    changed reading re-reads the mirror with a full resync. Returns the reading decided, if any.
    """
    if read_times_decided(integration):
        return None
    try:
        with service.adapter.http.single_attempt():  # evidence only: never backoff for it
            read = service.run(service.adapter.get_appointment, appointment.platform_id)
    except IntegrationError as exc:
        logger.info("integration %s: no time evidence (%s)", integration.pk, exc.code)
        return None
    raw = read.raw.get("startTime") if isinstance(read.raw, dict) else None
    reading = compare_times(appointment.start, raw or "", integration.salon.tz)
    if reading is None:
        return None
    changed = record_read_times(
        integration=integration,
        reading=reading,
        appointment_id=appointment.platform_id,
        webhook_start=appointment.start,
    )
    if changed:  # what was mirrored under the old reading is read again
        sync_request(integration=integration, kind="full")
    return reading
