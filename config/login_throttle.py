"""Hooks for django-axes, which throttles failed admin logins per user name and
per client IP."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from voting.identity import client_ip as request_client_ip


def client_ip(request: HttpRequest) -> str | None:
    """The client IP the rate limits use (behind TRUSTED_PROXY_COUNT proxies), so a
    forged X-Forwarded-For cannot dodge the lockout either. Axes also records
    logins made outside a request (a test's force_login), which have no address."""
    if "REMOTE_ADDR" not in request.META:
        return None
    return request_client_ip(request)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page for a login refused because of too many failed attempts."""
    minutes = settings.ADMIN_LOGIN_COOLOFF_MINUTES
    response = render(
        request,
        "admin/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
