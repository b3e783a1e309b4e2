"""Rate limits on the public POSTs: per client IP on every one, and per
e-mail address on the confirmation e-mails, with a 429 that says when to try
again. The counting itself is django-ratelimit's. A client IP in an active
shared network (a town hall, a school: ``voting.shared_networks``) gets
SHARED_NETWORK_RATE_FACTOR times the per-IP limits; the limit per address
is the same for everyone.

If the cache that holds the counters is unreachable, the request goes on
without a limit (fail open) and the failure is logged: the e-mail confirmation,
not the rate limit, is what keeps one vote per person, so a cache outage must
not stop the vote.
"""

import functools
import logging
import math
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from nominees.models import PrizeRound

from . import identity, integrity, shared_networks

logger = logging.getLogger(__name__)

# django-ratelimit's rate format: a count, "/", an optional multiplier and a unit.
RATE = re.compile(r"(\d+)(/\d*[smhd])")


def checked(group: str, rate: str) -> re.Match:
    # Checked before counting, so a typo in a rate is an error, never a silent outage.
    if not (match := RATE.fullmatch(rate)):
        raise ImproperlyConfigured(f"Rate limit {group}: {rate!r} is not like '20/m'.")
    return match


def usage(
    request: HttpRequest, *, group: str, key: str | Callable, rate: str | Callable
) -> dict | None:
    """Count this POST against ``rate`` (or django-ratelimit's callable rate)
    and return django-ratelimit's usage, or None when no limit applies, also
    when the cache cannot be reached."""
    if not callable(rate):
        checked(group, rate)
    try:
        return get_usage(request, group=group, key=key, rate=rate, method="POST", increment=True)
    except ImproperlyConfigured:
        raise
    except Exception as error:
        # Only the error's type, so no request data can end up in the log.
        logger.error("Rate limit %s not applied, cache down: %s", group, type(error).__name__)
        return None


def limit_per_ip(group: str, rate_setting: str) -> Callable:
    """Limit POSTs to the view by client IP at the rate named by ``rate_setting``
    (read on each request, so settings overrides apply)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            # Key "ip" is identity.client_ip (RATELIMIT_IP_META_KEY), IPv6 per /64.
            counted = usage(request, group=group, key="ip", rate=per_ip_rate(rate_setting))
            if counted is not None and counted["should_limit"]:
                integrity.record(integrity.Event.RATE_LIMITED, round_id=round_of(kwargs))
                return too_many_requests(request, retry_after=counted["time_left"])
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def per_ip_rate(rate_setting: str) -> Callable[[str, HttpRequest], str]:
    """django-ratelimit's callable rate: the setting's, or for a client IP in an
    active shared network SHARED_NETWORK_RATE_FACTOR times its count. Called
    only for the POSTs it counts, so no other request reads the shared
    networks. A cache error goes up to ``usage``, which fails open."""

    def rate(group: str, request: HttpRequest) -> str:
        count, period = checked(group, getattr(settings, rate_setting)).groups()
        if shared_networks.read_for(request) is None:
            return f"{count}{period}"
        return f"{int(count) * settings.SHARED_NETWORK_RATE_FACTOR}{period}"

    return rate


def emails_to_address_limited(request: HttpRequest, address: str, *, round_id: int) -> int | None:
    """Count a confirmation e-mail to ``address``; if the address has had its
    RATELIMIT_EMAILS_PER_ADDRESS, the seconds until it may get another, else None.
    The key is the voter key, so the cache never holds the address, and the
    spellings of one mailbox (a quoted local part, the domain in other
    characters, ``+tag``, Gmail dots) share one count."""
    voter_key = identity.voter_key(address)
    counted = usage(
        request,
        group="vote-email",
        key=lambda group, request: voter_key,
        rate=settings.RATELIMIT_EMAILS_PER_ADDRESS,
    )
    if counted is None or not counted["should_limit"]:
        return None
    integrity.record(integrity.Event.RATE_LIMITED, round_id=round_id)
    return max(1, counted["time_left"])


def retry_in_words(seconds: int) -> str:
    """ "om 5 minutter", for a sentence that says when to try again."""
    if seconds < 60:
        return ngettext("om %(count)d sekund", "om %(count)d sekunder", seconds) % {
            "count": seconds
        }
    minutes = math.ceil(seconds / 60)
    return ngettext("om %(count)d minutt", "om %(count)d minutter", minutes) % {"count": minutes}


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
