"""The template filters every owner page and email uses for amounts and dates.

Registered as template builtins (settings TEMPLATES), so no template needs ``{% load %}``:
``{{ s.revenue|money:salon.currency }}``, ``{{ run.period_start|day }}``,
``{{ integration.last_sync_at|moment }}``. Dates are shown in the active time zone, which the
salon's pages set to the salon's (integrations.salon_timezone).
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.conf import settings
from django.utils import dateformat, timezone

from ..money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    """ "$40.00" for the salon's currency; see integrations.money."""
    return format_money(amount, currency or "")


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def day(value) -> str:
    """A date, or a date-time's local day, as settings.DATE_FORMAT ("Mar 4, 2026")."""
    if isinstance(value, datetime):
        value = _local(value).date()
    if not isinstance(value, date):
        return ""
    return dateformat.format(value, settings.DATE_FORMAT)


@register.filter
def moment(value) -> str:
    """A date-time in the active time zone as settings.DATETIME_FORMAT ("Mar 4, 2026, 2:30 PM")."""
    if not isinstance(value, datetime):
        return ""
    return dateformat.format(_local(value), settings.DATETIME_FORMAT)
