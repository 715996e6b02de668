"""How many platform calls an integration made today and this month, against what its platform
includes (the adapter's ``call_allowance``, or settings.API_CALL_ALLOWANCES). Every recorded
attempt counts: the platforms meter requests, retries included."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.utils import timezone

from .adapters.registry import get_adapter_class
from .adapters.types import CallAllowance
from .models import ApiCall, Integration

logger = logging.getLogger(__name__)

# Warn the owner when this share of the allowance is used.
WARN_AT = 0.8


@dataclass(frozen=True)
class CallBudget:
    today: int
    this_month: int
    allowance: CallAllowance | None

    @property
    def used(self) -> int | None:
        """Calls in the allowance's own period (None without an allowance)."""
        if self.allowance is None:
            return None
        return self.today if self.allowance.period == "day" else self.this_month

    @property
    def share(self) -> float | None:
        used = self.used
        return None if used is None else used / self.allowance.calls

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)

    @property
    def warning(self) -> bool:
        share = self.share
        return share is not None and share >= WARN_AT


def allowance_for(platform: str) -> CallAllowance | None:
    """settings.API_CALL_ALLOWANCES ({"mindbody": "1000/day", …}) wins over the adapter's."""
    configured = (getattr(settings, "API_CALL_ALLOWANCES", {}) or {}).get(platform)
    if configured:
        calls, _, period = configured.partition("/")
        if calls.strip().isdigit() and int(calls) > 0 and period.strip() in ("day", "month"):
            return CallAllowance(int(calls), period.strip())
        logger.warning(
            "API_CALL_ALLOWANCES[%s]=%r is not like 1000/day or 5000/month; the platform's "
            "default is used",
            platform,
            configured,
        )
    return get_adapter_class(platform).call_allowance


def integration_call_budget(*, integration: Integration, now: datetime | None = None) -> CallBudget:
    """Calls since the salon's midnight and since the first of its month."""
    tz = integration.salon.tz
    local = (now or timezone.now()).astimezone(tz)
    day_start = datetime.combine(local.date(), time(), tzinfo=tz)
    month_start = datetime.combine(local.date().replace(day=1), time(), tzinfo=tz)
    calls = ApiCall.objects.filter(integration=integration, created_at__gte=month_start)
    counts = {
        "month": calls.count(),
        "today": calls.filter(created_at__gte=day_start).count(),
    }
    return CallBudget(counts["today"], counts["month"], allowance_for(integration.platform))
