"""Figures other apps add to an integration's status page (ConnectionStatus).

Each app registers a provider in its AppConfig.ready() (the webhooks app adds its delivery
figures), so integrations, the ground floor, imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import Integration

PROVIDERS: dict[str, Callable[[Integration], Any]] = {}


def register(name: str, provider: Callable[[Integration], Any]) -> None:
    """``provider(integration)`` becomes the template variable ``name`` on the status page."""
    PROVIDERS[name] = provider


def status_extras(integration: Integration) -> dict[str, Any]:
    return {name: provider(integration) for name, provider in PROVIDERS.items()}
