"""The webhook platforms, found from the adapter registry: every registered platform whose adapter
declares webhooks (``capabilities.webhooks`` is not ``WebhookAuth.NONE``) has its module here,
``webhooks/platforms/<platform>.py``, holding one WebhookPlatform subclass for that platform.
A platform without webhooks (Phorest is polled) has no module and no URL."""

from __future__ import annotations

import importlib

from integrations.adapters.registry import get_adapter_class, platform_keys
from integrations.adapters.types import WebhookAuth

from .base import WebhookPlatform


def sends_webhooks(platform: str) -> bool:
    return get_adapter_class(platform).capabilities.webhooks != WebhookAuth.NONE


def webhook_platform_class(platform: str) -> type[WebhookPlatform]:
    """The WebhookPlatform subclass in ``webhooks/platforms/<platform>.py``."""
    module = importlib.import_module(f"{__name__}.{platform}")
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, WebhookPlatform)
        and getattr(value, "platform", None) == platform
    ]
    if len(found) != 1:
        raise LookupError(f"{module.__name__} must define one WebhookPlatform for {platform!r}.")
    return found[0]


WEBHOOK_PLATFORMS: dict[str, WebhookPlatform] = {
    platform: webhook_platform_class(platform)()
    for platform in platform_keys()
    if sends_webhooks(platform)
}


def forget_routes(**kwargs) -> None:
    """Drop every platform's cached routing (an integration was saved or deleted)."""
    for handler in WEBHOOK_PLATFORMS.values():
        handler.forget_routes()
