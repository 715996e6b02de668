"""The template filters every owner page and email uses for amounts and dates.

Registered as template builtins (settings TEMPLATES), so no template needs ``{% load %}``:
``{{ s.revenue|money:salon.currency }}``, ``{{ run.period_start|day }}``,
``{{ integration.last_sync_at|moment }}``, ``{{ r.refill|percent }}``. Dates are shown in the
active time zone, which the salon's pages set to the salon's (integrations.salon_timezone).
"""

from __future__ import annotations

from django import template

from ..dates import format_day, format_moment
from ..money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    """ "$40.00" for the salon's currency; see integrations.money."""
    return format_money(amount, currency or "")


@register.filter
def day(value) -> str:
    """A date, or a date-time's local day, as settings.DATE_FORMAT ("Tue, Mar 4, 2026")."""
    return format_day(value)


@register.filter
def moment(value) -> str:
    """A date-time in the active zone as settings.DATETIME_FORMAT ("Tue, Mar 4, 2026, 2:30 PM")."""
    return format_moment(value)


@register.filter
def percent(value) -> str:
    """A whole percentage ("45%"), or "—" when there is none (not enough history to tell)."""
    return "—" if value is None else f"{value}%"
