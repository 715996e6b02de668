"""Alerts to the people who can act: a salon's owners (and the site admins)."""

from __future__ import annotations

import logging

from django.core.mail import mail_admins, send_mail

from salons.roles import Role

logger = logging.getLogger(__name__)


def alert_owners(integration, *, subject: str, body: str) -> None:
    owners = integration.salon.memberships.filter(role=Role.OWNER).select_related("user")
    recipients = sorted({m.user.email for m in owners if m.user.email})
    try:
        if recipients:
            send_mail(f"[SalonSync] {subject}", body, None, recipients)
        mail_admins(subject, body)
    except Exception:  # an alert that cannot be sent must not break the platform call path
        logger.exception("could not send alert for integration %s", integration.pk)
