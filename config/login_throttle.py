"""Hooks for django-axes, which throttles failed admin logins.

Axes counts failures per pair of user name and client address and locks the
pair out after AXES_FAILURE_LIMIT (settings.AXES_LOCKOUT_PARAMETERS). Axes has
one limit for all its counts, so the second, higher limit per address, which
stops one address from spraying guesses over many user names, is this handler's
(ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT). Both count the same rows, axes' access
attempts: the admin lists them and `axes_reset_ip` lifts both lockouts.
"""

import math
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from voting.identity import client_ip as request_client_ip


def client_ip(request: HttpRequest) -> str | None:
    """The client IP the rate limits use (behind TRUSTED_PROXY_COUNT proxies), so a
    forged X-Forwarded-For cannot dodge the lockout either. Axes also records
    logins made outside a request (a test's force_login), which have no address."""
    if "REMOTE_ADDR" not in request.META:
        return None
    return request_client_ip(request)


def lockout_ends_at(attempts: QuerySet, limit: int, request: HttpRequest) -> datetime | None:
    """When the failures in ``attempts`` (rows within the cool-off) fall below
    ``limit`` as the oldest age out, or None if they are below it already. Tries
    during a lockout are not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT),
    so nothing moves this moment later."""
    rows = list(
        attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start")
    )
    failures = sum(count for _, count in rows)
    if failures < limit:
        return None
    for attempt_time, count in rows:
        failures -= count
        if failures < limit:
            return attempt_time + get_cool_off(request)
    return None


class LoginThrottle(AxesDatabaseHandler):
    """Axes' database handler, with a limit per client address on top of its
    limit per user name and address."""

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_is_locked(request)

    def address_attempts(self, request: HttpRequest) -> QuerySet:
        return AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        )

    def address_is_locked(self, request: HttpRequest) -> bool:
        if request.axes_ip_address is None:
            return False
        failures = self.address_attempts(request).aggregate(n=Sum("failures_since_start"))["n"]
        return (failures or 0) >= settings.ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT

    def lockout(self, request: HttpRequest, credentials: dict | None) -> tuple[bool, int, datetime]:
        """What refuses this login: whether it is the address's limit (rather than
        the user name's at this address), that limit, and when the lockout ends."""
        counts = [
            (attempts, settings.AXES_FAILURE_LIMIT, False)
            for attempts in self.get_user_attempts(request, credentials)
        ]
        counts.append(
            (self.address_attempts(request), settings.ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT, True)
        )
        locks = [
            (ends_at, by_address, limit)
            for attempts, limit, by_address in counts
            if (ends_at := lockout_ends_at(attempts, limit, request)) is not None
        ]
        if not locks:  # reset meanwhile; say the longest it can be
            return False, settings.AXES_FAILURE_LIMIT, timezone.now() + get_cool_off(request)
        ends_at, by_address, limit = max(locks)
        return by_address, limit, ends_at


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page for a login refused because of too many failed attempts: which
    limit was reached, and when logins from here are taken again."""
    by_address, limit, ends_at = LoginThrottle().lockout(request, credentials)
    seconds = max(1, math.ceil((ends_at - timezone.now()).total_seconds()))
    response = render(
        request,
        "admin/locked_out.html",
        {"by_address": by_address, "failure_limit": limit, "minutes": math.ceil(seconds / 60)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
