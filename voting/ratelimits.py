"""Per-IP rate limits on the public POSTs, with a 429 page that says when to
try again. The counting itself is django-ratelimit's."""

import functools
import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

from nominees.models import PrizeRound

from . import integrity


def limit_per_ip(group: str, rate_setting: str) -> Callable:
    """Limit POSTs to the view by client IP at the rate named by ``rate_setting``
    (read on each request, so settings overrides apply)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            usage = get_usage(
                request,
                group=group,
                key="ip",
                rate=getattr(settings, rate_setting),
                method="POST",
                increment=True,
            )
            if usage is not None and usage["should_limit"]:
                integrity.record(integrity.Event.RATE_LIMITED, round_id=round_of(kwargs))
                return too_many_requests(request, retry_after=usage["time_left"])
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def round_of(view_kwargs: dict) -> int | None:
    """The round a limited request was about: the year in its URL, or else the
    round the public page is about."""
    if "year" in view_kwargs:
        return (
            PrizeRound.objects.filter(year=view_kwargs["year"]).values_list("pk", flat=True).first()
        )
    return integrity.current_round_id()


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    retry_after = max(1, retry_after)
    response = render(
        request,
        "429.html",
        {"retry_after_seconds": retry_after, "retry_after_minutes": math.ceil(retry_after / 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
