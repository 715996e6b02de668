"""The owner's date and date-time formats (settings.DATE_FORMAT, settings.DATETIME_FORMAT), for
Python code; templates use the ``day`` and ``moment`` filters, which call these."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from django.conf import settings
from django.utils import dateformat, timezone


def _local(value: datetime, tz: tzinfo | None) -> datetime:
    if timezone.is_naive(value):
        return value
    return value.astimezone(tz) if tz is not None else timezone.localtime(value)


def format_day(value, tz: tzinfo | None = None) -> str:
    """ "Tue, Mar 4, 2026"; a date-time gives its day in ``tz`` (default: the active zone)."""
    if isinstance(value, datetime):
        value = _local(value, tz).date()
    if not isinstance(value, date):
        return ""
    return dateformat.format(value, settings.DATE_FORMAT)


def format_moment(value, tz: tzinfo | None = None) -> str:
    """ "Tue, Mar 4, 2026, 2:30 PM" in ``tz`` (default: the active zone)."""
    if not isinstance(value, datetime):
        return ""
    return dateformat.format(_local(value, tz), settings.DATETIME_FORMAT)


def format_clock(value: datetime, tz: tzinfo | None = None) -> str:
    """The time part alone ("2:30 PM"), for the end of a range."""
    return dateformat.format(_local(value, tz), "g:i A")
