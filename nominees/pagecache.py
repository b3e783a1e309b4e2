"""Whole public pages from the shared cache: the same for every visitor, so a
surge of readers costs one cache read per page view instead of queries and
template rendering.

What keeps a cached page right:
- Content: every save or delete of what a public page shows (rounds,
  nominations, key figures, municipalities, and voting's tallies, tie
  resolutions, decisions and invalidations) bumps one version number, and a
  page of an older version is rendered anew.
- Time: a page is kept only until the next moment in any round's schedule, so
  a phase change (voting opens, results announced) shows at that moment.
- The visitor: the page is stored with a placeholder for the CSRF token, which
  each response fills with the visitor's own.
Nothing a single visitor did (a vote, a form error) is on these pages."""

import functools
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

VERSION_KEY = "pagecache:version"
# Rendered where {% csrf_token %} puts the token; only letters, so no escaping
# changes it.
CSRF_PLACEHOLDER = "CSRFTOKENPLACEHOLDERxQzV"


def bump_version() -> None:
    """Make every cached page stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)


def content_changed(**_signal) -> None:
    """Signal receiver: no cached page shows the old content. Bumped now, and
    again once the change is committed: a page rendered in between, from what
    was still the committed old content, is thrown away too."""
    bump_version()
    transaction.on_commit(bump_version)


def next_schedule_moment(now: datetime) -> datetime | None:
    from .models import SCHEDULE, PrizeRound

    moments = PrizeRound.objects.aggregate(
        **{field: Min(field, filter=Q(**{f"{field}__gt": now})) for field in SCHEDULE}
    )
    upcoming = [moment for moment in moments.values() if moment is not None]
    return min(upcoming, default=None)


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view's 200 responses from the cache; render them with the CSRF
    placeholder (the view passes ``csrf_token=CSRF_PLACEHOLDER`` in its context
    when ``request.rendering_for_cache`` is set)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PAGE_CACHE_SECONDS:
            return view(request, *args, **kwargs)
        key = f"pagecache:{translation.get_language()}:{request.get_host()}:{request.path}"
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY, 0)
        now = timezone.now()
        entry = found.get(key)
        if entry is not None:
            entry_version, stale_at, html, content_type = entry
            if entry_version == version and (stale_at is None or now < stale_at):
                return page(request, html, content_type)
        request.rendering_for_cache = True
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        html = response.content.decode(response.charset)
        stale_at = next_schedule_moment(now)
        timeout = settings.PAGE_CACHE_SECONDS
        if stale_at is not None:
            timeout = max(1, min(timeout, int((stale_at - now).total_seconds()) + 1))
        cache.set(key, (version, stale_at, html, response["Content-Type"]), timeout=timeout)
        return page(request, html, response["Content-Type"])

    return wrapped


def page(request: HttpRequest, html: str, content_type: str) -> HttpResponse:
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return HttpResponse(html, content_type=content_type)


def csrf_context(request: HttpRequest) -> dict[str, str]:
    """Context for a view under cached_page: the placeholder instead of a token."""
    if getattr(request, "rendering_for_cache", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}
