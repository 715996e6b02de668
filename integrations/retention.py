"""Retention: rows that only matter for a while (webhook deliveries, API calls, sync runs,
notifications) are pruned daily, each table after its RETENTION_*_DAYS setting.

Each app registers its own tables in its AppConfig.ready() (``keep``), so this module imports none
of them. Rows go in batches, so a large backlog never holds one long delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Model, Q
from django.utils import timezone

BATCH = 5000


@dataclass(frozen=True)
class Retained:
    model: type[Model]
    date_field: str
    setting: str  # days, from settings; 0 keeps the rows forever
    only: Q | None = None  # rows that may go (e.g. webhook events that are final)
    name: str = ""  # a second rule for the same table needs its own name

    @property
    def label(self) -> str:
        return self.name or self.model._meta.label

    def days(self) -> int:
        return int(getattr(settings, self.setting))


REGISTRY: dict[str, Retained] = {}


def keep(
    model: type[Model], *, date_field: str, setting: str, only: Q | None = None, name: str = ""
) -> None:
    """Prune ``model``'s rows whose ``date_field`` is older than ``settings.<setting>`` days
    (``only`` those rows, if given; ``name`` tells apart two rules for one table)."""
    entry = Retained(model, date_field, setting, only, name)
    REGISTRY[entry.label] = entry


def prune_old_rows(*, now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Delete what each table no longer keeps; returns the count per table."""
    now = now or timezone.now()
    deleted: dict[str, int] = {}
    for entry in REGISTRY.values():
        days = entry.days()
        if days <= 0:
            continue
        old = entry.model.objects.filter(**{f"{entry.date_field}__lt": now - timedelta(days=days)})
        if entry.only is not None:
            old = old.filter(entry.only)
        total = 0
        while pks := list(old.values_list("pk", flat=True)[:batch]):
            entry.model.objects.filter(pk__in=pks).delete()
            total += len(pks)
        deleted[entry.label] = total
    return deleted
