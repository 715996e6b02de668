"""The rule every platform call obeys: no database transaction is open around it.

A transaction held across an HTTP call keeps its locks (and on SQLite the whole database's write
lock) for as long as the platform takes to answer, retries included: on the embedded default the
sandbox's own write then fails with "database is locked", and on PostgreSQL a slow platform starves
the connection pool. So writes happen before the call (a short claim) and after it (the outcome),
each in its own short transaction.

``ensure_outside_transaction`` runs before every attempt of every platform call (BookingService
hands it to the adapter's HTTP client). Tests and DEBUG raise; production logs an error, because
refusing a booking that would have worked helps nobody.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


class TransactionAroundPlatformCall(RuntimeError):
    """A platform call was attempted inside a database transaction (a bug in our code)."""


def open_transactions() -> list[str]:
    """Aliases of the connections inside an ``atomic`` block of our own (the test runner's
    per-test transaction is not ours: Django marks it ``_from_testcase``)."""
    held = []
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block and any(
            not getattr(block, "_from_testcase", False) for block in conn.atomic_blocks
        ):
            held.append(conn.alias)
    return held


def ensure_outside_transaction(platform: str, operation: str) -> None:
    held = open_transactions()
    if not held:
        return
    message = (
        f"{platform} call {operation!r} attempted inside a database transaction on "
        f"{', '.join(held)}: move the call out of the transaction."
    )
    if getattr(settings, "PLATFORM_CALLS_IN_TRANSACTION", "log") == "raise":
        raise TransactionAroundPlatformCall(message)
    logger.error(message)
