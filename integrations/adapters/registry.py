"""The platforms SalonSync knows. Adding one is adding its module and one line here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from .base import AdapterConfig, PlatformAdapter
from .errors import ConfigurationError
from .types import WebhookAuth

PLATFORMS: dict[str, str] = {
    "vagaro": "integrations.adapters.vagaro.VagaroAdapter",
    "mindbody": "integrations.adapters.mindbody.MindbodyAdapter",
    "phorest": "integrations.adapters.phorest.PhorestAdapter",
}

_extra: dict[str, type[PlatformAdapter]] = {}


def register(adapter_class: type[PlatformAdapter]) -> type[PlatformAdapter]:
    """Register a platform at run time (tests, plug-ins). Also usable as a class decorator."""
    _extra[adapter_class.platform] = adapter_class
    return adapter_class


def unregister(platform: str) -> None:
    _extra.pop(platform, None)


def platform_keys() -> list[str]:
    return sorted({*PLATFORMS, *_extra})


def get_adapter_class(platform: str) -> type[PlatformAdapter]:
    if platform in _extra:
        return _extra[platform]
    try:
        return import_string(PLATFORMS[platform])
    except KeyError:
        raise ConfigurationError(f"Unknown platform {platform!r}.") from None


def platform_choices() -> list[tuple[str, str]]:
    return [(key, get_adapter_class(key).display_name) for key in platform_keys()]


def base_url_for(platform: str, options: Mapping[str, Any] | None = None) -> str:
    """The platform's base URL; for a platform with regions, the one ``options["region"]``
    names (an integration without a region keeps the platform's own setting)."""
    cls = get_adapter_class(platform)
    region = cls.regions.get(str((options or {}).get("region") or ""))
    if region is not None:
        return getattr(settings, region.setting, "") or region.default_url
    return getattr(settings, cls.base_url_setting, "") or cls.default_base_url


def build_adapter(platform: str, config: AdapterConfig) -> PlatformAdapter:
    return get_adapter_class(platform)(config)


def per_customer_platforms() -> list[str]:
    """Platforms that list appointments only per customer (no date-range read)."""
    return [
        key
        for key in platform_keys()
        if not get_adapter_class(key).capabilities.appointments_by_date
    ]


def webhook_platforms() -> list[str]:
    """Platforms that push their changes to SalonSync."""
    return [
        key
        for key in platform_keys()
        if get_adapter_class(key).capabilities.webhooks != WebhookAuth.NONE
    ]
