"""Integration health: opens, updates and resolves IntegrationIssue rows on explicit thresholds.

The check looks at the last 24 hours of one integration and decides, for each kind of issue,
whether its condition holds now, and when it was first and last seen:

- ``auth_failing``: the integration needs re-authentication, or its latest platform call was
  refused with ``authentication_failed``. ``opened_at`` is the first failure of the current run
  of failures (the sync pause after 3 days reads it).
- ``calls_failing``: at least half of at least 5 platform calls failed. A refusal the platform
  gives in the normal course (``validation_failed``: slot taken; ``not_found``) is an answer, not
  a failure; an ``authentication_failed`` call belongs to ``auth_failing`` so one cause sends one
  alert.
- ``webhooks_failing`` (platforms that send webhooks): a delivery was rejected, failed or is
  dead; or syncs found changes while no webhook at all arrived.

While a condition holds the open issue's ``last_seen_at`` follows the newest evidence (the last
failing call, the last failed delivery, "now" for a status); 24 hours after it was last seen,
and the condition no longer holding, the issue is resolved. The owners and the admins get one
email when an issue opens and one when it resolves: each is claimed by a conditional UPDATE of
``notified_*_at`` before it is sent, so a second or concurrent run never sends it again, and the
partial unique constraint (one open issue per kind) means two runs cannot open two issues.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from .alerts import alert_owners
from .models import ApiCall, Integration, IntegrationIssue, IntegrationStatus, SyncRun

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
# An issue resolves once its condition has not been seen for this long.
RESOLVE_AFTER = timedelta(hours=24)
# calls_failing: at least FAILING_SHARE of at least MIN_CALLS calls in the window failed.
MIN_CALLS = 5
FAILING_SHARE = 0.5
AUTH_FAILED = "authentication_failed"
# The platform answering normally: not a failure of the connection.
NORMAL_ANSWERS = frozenset({"validation_failed", "not_found"})
# Bounds of the per-check queries (a check is O(1) queries, each bounded).
MAX_SYNC_RUNS = 500
# The sync pause (issue 7): syncs stop after this long of authentication failure.
AUTH_PAUSE_AFTER = timedelta(days=3)
RECENTLY_RESOLVED = timedelta(days=7)

Kind = IntegrationIssue.Kind


@dataclass(frozen=True)
class Finding:
    """What the check saw for one kind of issue."""

    kind: str
    holds: bool
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    details: str = ""


@dataclass
class HealthReport:
    integration_id: str
    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    open: list[str] = field(default_factory=list)
    alerts_sent: int = 0


# -- the service ----------------------------------------------------------------------------------
def integration_health_check(
    integration: Integration, *, now: datetime | None = None
) -> HealthReport:
    """Evaluate every threshold for one integration; open, touch or resolve its issues."""
    now = now or timezone.now()
    report = HealthReport(integration_id=str(integration.pk))
    for finding in (
        _auth_finding(integration, now),
        _calls_finding(integration, now),
        _webhooks_finding(integration, now),
    ):
        if finding.holds:
            issue, created = _open_or_touch(integration, finding, now)
            if created:
                report.opened.append(finding.kind)
            report.open.append(finding.kind)
            if _claim(issue, "notified_open_at", now):
                _send_opened(integration, issue)
                report.alerts_sent += 1
        else:
            issue = _resolve_if_quiet(integration, finding.kind, now)
            if issue is None:
                if _open_issue(integration, finding.kind).exists():
                    report.open.append(finding.kind)
                continue
            report.resolved.append(finding.kind)
            if _claim(issue, "notified_resolved_at", now):
                _send_resolved(integration, issue)
                report.alerts_sent += 1
    if report.opened or report.resolved:
        logger.info(
            "integration health: opened=%s resolved=%s",
            ",".join(report.opened) or "-",
            ",".join(report.resolved) or "-",
        )
    return report


def integration_auth_failing_since(integration: Integration) -> datetime | None:
    """When the current authentication failure began, if it is still going on.

    For the sync pause: syncs stop when this is at least AUTH_PAUSE_AFTER ago. None when the
    integration does not need re-authentication (an owner who reconnected is never paused by an
    auth issue still waiting out its 24 hours)."""
    if integration.status != IntegrationStatus.NEEDS_REAUTH:
        return None
    issue = _open_issue(integration, Kind.AUTH_FAILING).only("opened_at").first()
    return issue.opened_at if issue else None


def integration_sync_paused_for_auth(
    integration: Integration, *, now: datetime | None = None
) -> bool:
    now = now or timezone.now()
    since = integration_auth_failing_since(integration)
    return since is not None and now - since >= AUTH_PAUSE_AFTER


def integration_issues_panel(
    integration: Integration, *, now: datetime | None = None
) -> dict[str, list[IntegrationIssue]]:
    """For ConnectionStatus's issues panel: open issues, and those resolved in the last week."""
    now = now or timezone.now()
    issues = IntegrationIssue.objects.filter(integration=integration)
    return {
        "open": list(issues.filter(resolved_at__isnull=True).order_by("opened_at")),
        "resolved": list(
            issues.filter(resolved_at__gte=now - RECENTLY_RESOLVED).order_by("-resolved_at")[:5]
        ),
    }


# -- the thresholds -------------------------------------------------------------------------------
def _calls_in_window(integration: Integration, now: datetime):
    return ApiCall.objects.filter(integration=integration, created_at__gte=now - WINDOW)


def _auth_finding(integration: Integration, now: datetime) -> Finding:
    calls = _calls_in_window(integration, now)
    latest = calls.order_by("-created_at").values("created_at", "error_code").first()
    needs_reauth = integration.status == IntegrationStatus.NEEDS_REAUTH
    latest_refused = latest is not None and latest["error_code"] == AUTH_FAILED
    if not (needs_reauth or latest_refused):
        return Finding(Kind.AUTH_FAILING, holds=False)
    # The first refusal since the last call that got through (within the window).
    last_ok = (
        calls.exclude(error_code=AUTH_FAILED).aggregate(at=Max("created_at"))["at"]
        if latest is not None
        else None
    )
    refused = calls.filter(error_code=AUTH_FAILED)
    if last_ok is not None:
        refused = refused.filter(created_at__gt=last_ok)
    span = refused.aggregate(first=Min("created_at"), last=Max("created_at"))
    first = span["first"] or integration.last_error_at or now
    last = now if needs_reauth else span["last"]
    platform = integration.platform_name
    details = (
        f"{platform} refuses SalonSync's credentials; the integration needs re-authentication."
        if needs_reauth
        else f"{platform} refused the credentials on the latest call."
    )
    return Finding(Kind.AUTH_FAILING, True, min(first, now), last, details)


def _calls_finding(integration: Integration, now: datetime) -> Finding:
    calls = _calls_in_window(integration, now)
    total = calls.count()
    if total < MIN_CALLS:
        return Finding(Kind.CALLS_FAILING, holds=False)
    failing = calls.exclude(error_code="").exclude(error_code__in=[*NORMAL_ANSWERS, AUTH_FAILED])
    by_code = Counter(
        {
            row["error_code"]: row["n"]
            for row in failing.order_by().values("error_code").annotate(n=Count("id"))
        }
    )
    failed = sum(by_code.values())
    if failed < total * FAILING_SHARE:
        return Finding(Kind.CALLS_FAILING, holds=False)
    span = failing.aggregate(first=Min("created_at"), last=Max("created_at"))
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(by_code.items()))
    details = f"{failed} of {total} platform calls failed in the last 24 hours ({codes})."
    return Finding(Kind.CALLS_FAILING, True, span["first"], span["last"], details)


def _webhook_model():
    """The webhooks app's event store; None while it does not exist (no data). Looked up by
    name, and its ``PROBLEM_STATUSES`` (deliveries rejected or failed) read from the model: the
    ground floor imports no app above it."""
    try:
        return apps.get_model("webhooks", "WebhookEvent")
    except LookupError:
        return None


def _sends_webhooks(integration: Integration) -> bool:
    from .adapters.registry import get_adapter_class
    from .adapters.types import WebhookAuth

    try:
        return get_adapter_class(integration.platform).capabilities.webhooks != WebhookAuth.NONE
    except Exception:
        return False


def _webhooks_finding(integration: Integration, now: datetime) -> Finding:
    model = _webhook_model()
    if model is None or not _sends_webhooks(integration):
        return Finding(Kind.WEBHOOKS_FAILING, holds=False)
    since = now - WINDOW
    try:
        with transaction.atomic():  # a savepoint: a missing table must not break the caller's
            deliveries = model.objects.filter(integration=integration, received_at__gte=since)
            failed = deliveries.filter(status__in=model.PROBLEM_STATUSES)
            span = failed.aggregate(first=Min("received_at"), last=Max("received_at"))
            n_failed = failed.count() if span["first"] else 0
            received_any = n_failed > 0 or deliveries.exists()
    except DatabaseError:
        logger.warning("health check: the webhook event store is unavailable", exc_info=True)
        return Finding(Kind.WEBHOOKS_FAILING, holds=False)
    if n_failed:
        details = (
            f"{n_failed} webhook deliveries from {integration.platform_name} were rejected or "
            "failed in the last 24 hours."
        )
        return Finding(Kind.WEBHOOKS_FAILING, True, span["first"], span["last"], details)
    if received_any:
        return Finding(Kind.WEBHOOKS_FAILING, holds=False)
    # Silent: did syncs find changes a webhook should have announced?
    runs = (
        SyncRun.objects.filter(integration=integration, started_at__gte=since)
        .order_by("-started_at")
        .values_list("started_at", "counts")[:MAX_SYNC_RUNS]
    )
    found = [(started, _events(counts)) for started, counts in runs if _events(counts) > 0]
    if not found:
        return Finding(Kind.WEBHOOKS_FAILING, holds=False)
    changes = sum(n for _, n in found)
    details = (
        f"Syncs found {changes} changes in the last 24 hours, but no webhook arrived from "
        f"{integration.platform_name}: check the webhook subscription."
    )
    return Finding(
        Kind.WEBHOOKS_FAILING, True, min(s for s, _ in found), max(s for s, _ in found), details
    )


def _events(counts) -> int:
    try:
        return int((counts or {}).get("events") or 0)
    except (TypeError, ValueError, AttributeError):
        return 0


# -- issue rows -----------------------------------------------------------------------------------
def _open_issue(integration: Integration, kind: str):
    return IntegrationIssue.objects.filter(
        integration=integration, kind=kind, resolved_at__isnull=True
    )


def _open_or_touch(
    integration: Integration, finding: Finding, now: datetime
) -> tuple[IntegrationIssue, bool]:
    """The open issue of this kind, its last_seen_at moved forward; created if there is none.

    Two concurrent checks: the partial unique constraint lets only one INSERT win; the other
    gets IntegrityError and updates the winner's row instead."""
    last_seen = finding.last_seen or now
    for _ in range(3):
        with transaction.atomic():
            issue = _open_issue(integration, finding.kind).select_for_update().first()
            if issue is not None:
                changed = []
                if last_seen > issue.last_seen_at:
                    issue.last_seen_at = last_seen
                    changed.append("last_seen_at")
                if finding.details and finding.details != issue.details:
                    issue.details = finding.details[:500]
                    changed.append("details")
                if changed:
                    issue.save(update_fields=changed)
                return issue, False
            try:
                with transaction.atomic():
                    issue = IntegrationIssue.objects.create(
                        integration=integration,
                        kind=finding.kind,
                        last_seen_at=last_seen,
                        details=finding.details[:500],
                    )
            except IntegrityError:
                continue  # another check opened it first: touch theirs
            # opened_at is auto_now_add; keep it as the first failure, not the check's time.
            first = min(finding.first_seen or now, now)
            IntegrationIssue.objects.filter(pk=issue.pk).update(opened_at=first)
            issue.opened_at = first
            return issue, True
    raise RuntimeError(f"could not open or find the {finding.kind} issue")  # pragma: no cover


def _resolve_if_quiet(
    integration: Integration, kind: str, now: datetime
) -> IntegrationIssue | None:
    issue = _open_issue(integration, kind).filter(last_seen_at__lte=now - RESOLVE_AFTER).first()
    if issue is None:
        return None
    # Conditional: of two concurrent checks, only one resolves it.
    resolved = IntegrationIssue.objects.filter(pk=issue.pk, resolved_at__isnull=True).update(
        resolved_at=now
    )
    if not resolved:
        return None
    issue.resolved_at = now
    return issue


def _claim(issue: IntegrationIssue, field_name: str, now: datetime) -> bool:
    """Mark the alert as sent, atomically; True only for the one caller that should send it."""
    unclaimed = IntegrationIssue.objects.filter(pk=issue.pk, **{f"{field_name}__isnull": True})
    claimed = unclaimed.update(**{field_name: now})
    if claimed:
        setattr(issue, field_name, now)
    return bool(claimed)


# -- alerts ---------------------------------------------------------------------------------------
def _link(integration: Integration) -> str:
    return f"{settings.SALONSYNC_PUBLIC_URL}{integration.get_absolute_url()}"


def _send_opened(integration: Integration, issue: IntegrationIssue) -> None:
    alert_owners(
        integration,
        subject=f"{integration.platform_name} for {integration.salon}: {issue.get_kind_display()}",
        body=(
            f"SalonSync found a problem with {integration.platform_name} for "
            f"{integration.salon}, first seen {issue.opened_at:%Y-%m-%d %H:%M} UTC.\n\n"
            f"{issue.details}\n\n"
            "You will get one more email when it is resolved (24 hours without the problem).\n"
            f"Details: {_link(integration)}"
        ),
    )


def _send_resolved(integration: Integration, issue: IntegrationIssue) -> None:
    alert_owners(
        integration,
        subject=(
            f"Resolved: {integration.platform_name} for {integration.salon}: "
            f"{issue.get_kind_display()}"
        ),
        body=(
            f"The problem with {integration.platform_name} for {integration.salon} "
            f"({issue.get_kind_display().lower()}, open since "
            f"{issue.opened_at:%Y-%m-%d %H:%M} UTC) has not been seen for 24 hours and is "
            f"resolved.\n\nDetails: {_link(integration)}"
        ),
    )
