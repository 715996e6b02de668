"""Failed-login throttling: django-axes's database handler with a limit for each way of counting.

AXES_LOCKOUT_PARAMETERS counts failures within the cool-off per username + address, per username
and per address; axes compares the largest of those counts with one limit. Each count is scaled
here against its own limit (LOGIN_FAILURE_LIMIT, ..._PER_USERNAME, ..._PER_ADDRESS), so a client
is refused as soon as any one of them is reached.

A successful login clears only its own username + address count: clearing every count that
matched (axes's default) would let someone with an account of their own reset their address's
count, sprayed over other usernames, by logging in to it.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _limit(parameter) -> int:
    names = {parameter} if isinstance(parameter, str) else set(parameter)
    if names == {"username"}:
        return settings.LOGIN_FAILURE_LIMIT_PER_USERNAME
    if names == {"ip_address"}:
        return settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    return settings.AXES_FAILURE_LIMIT  # username + address


class LoginThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """The failure count axes compares with AXES_FAILURE_LIMIT: each count scaled so that it
        reaches AXES_FAILURE_LIMIT exactly when it reaches its own limit."""
        base = get_failure_limit(request, credentials)
        counted = zip(
            settings.AXES_LOCKOUT_PARAMETERS,
            self.get_user_attempts(request, credentials),
            strict=True,
        )
        scaled = 0
        for parameter, attempts in counted:
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            scaled = max(scaled, failures * base // max(_limit(parameter), 1))
        return scaled

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return deleted
