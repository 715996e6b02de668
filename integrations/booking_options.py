"""The owner's booking choices for one integration (the adapter's ``option_fields``), read with
their defaults and saved into ``Integration.options`` beside what SalonSync learns by itself."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .adapters.base import OptionField
from .adapters.registry import get_adapter_class
from .models import Integration


@dataclass(frozen=True)
class BookingOption:
    field: OptionField
    value: bool


def booking_options(integration: Integration) -> list[BookingOption]:
    """Each choice the platform offers, with the value in force (the saved one, else the default
    the adapter applies)."""
    options = integration.options or {}
    return [
        BookingOption(f, bool(options.get(f.name, f.default)))
        for f in get_adapter_class(integration.platform).option_fields
    ]


def booking_options_save(*, integration: Integration, values: dict[str, bool]) -> list[str]:
    """Save the choices (names the adapter does not offer are ignored); returns the labels of
    those that changed. Only the options row is locked, and no platform is called meanwhile."""
    fields = {f.name: f for f in get_adapter_class(integration.platform).option_fields}
    changed = []
    with transaction.atomic():
        row = Integration.objects.select_for_update().only("options").get(pk=integration.pk)
        options = dict(row.options or {})
        for name, value in values.items():
            field = fields.get(name)
            if field is None or bool(options.get(name, field.default)) == bool(value):
                continue
            options[name] = bool(value)
            changed.append(field.label)
        if changed:
            Integration.objects.filter(pk=integration.pk).update(options=options)
    integration.options = options
    return changed
