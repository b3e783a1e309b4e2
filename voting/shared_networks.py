"""Which shared network, if any, a request comes from: the allow-listed
address ranges (SharedNetwork) read from the shared cache, one read per
request, never a query per request.

The cache holds every range that has not expired, so a range that starts or
ends takes effect at its moment without anyone touching the cache; what staff
change is written to it once the change is committed
(``voting.services.networks``). If that write is lost (the cache was down),
the entry's own timeout brings the change within CACHE_SECONDS.

If the cache cannot be reached, a request counts as from no shared network:
its rate limits are not applied then anyway (``voting.ratelimits`` fails
open), and its vote is not marked."""

import ipaddress
import logging
from datetime import datetime

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from . import identity
from .models import SharedNetwork

logger = logging.getLogger(__name__)

CACHE_KEY = "shared-networks:1"
CACHE_SECONDS = 300
# Where a request keeps what was found for it, so the rate limit and the vote
# it casts share one cache read.
FOUND = "_shared_network_id"

# One range as cached: its id, IP version, network address and mask as
# integers (a match is an AND and a compare), and when it starts and ends as
# POSIX timestamps. The most specific range first, so it marks the vote.
Range = tuple[int, int, int, int, float, float]


def load(at: datetime | None = None) -> tuple[Range, ...]:
    ranges = []
    for pk, network, starts_at, ends_at in SharedNetwork.objects.not_expired(at).values_list(
        "pk", "network", "starts_at", "ends_at"
    ):
        parsed = ipaddress.ip_network(network)
        ranges.append(
            (
                parsed.prefixlen,
                (
                    pk,
                    parsed.version,
                    int(parsed.network_address),
                    int(parsed.netmask),
                    starts_at.timestamp(),
                    ends_at.timestamp(),
                ),
            )
        )
    return tuple(entry for _, entry in sorted(ranges, key=lambda item: -item[0]))


def ranges() -> tuple[Range, ...]:
    """The ranges that have not expired, from the cache (a cache error is
    raised). On a miss, from the database, added only if no newer value was
    written meanwhile."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = load()
        cache.add(CACHE_KEY, cached, timeout=CACHE_SECONDS)
    return cached


def refresh() -> None:
    """Write the ranges as they are now to the cache: after a change."""
    try:
        cache.set(CACHE_KEY, load(), timeout=CACHE_SECONDS)
    except Exception as error:
        logger.error("Shared networks not written, cache down: %s", type(error).__name__)


def containing(ip: str, *, at: datetime | None = None) -> int | None:
    """The id of the most specific active range ``ip`` lies in, or None."""
    address = ipaddress.ip_address(ip)
    version, number = address.version, int(address)
    now = (at or timezone.now()).timestamp()
    for pk, range_version, first, mask, starts, ends in ranges():
        if range_version == version and number & mask == first and starts <= now < ends:
            return pk
    return None


def read_for(request: HttpRequest) -> int | None:
    """The shared network of the request's client IP (as ``identity.client_ip``
    derives it), read once per request. A cache error is raised, once: after
    it, the request is from no shared network."""
    if hasattr(request, FOUND):
        return getattr(request, FOUND)
    setattr(request, FOUND, None)
    found = containing(identity.client_ip(request))
    setattr(request, FOUND, found)
    return found


def of_request(request: HttpRequest) -> int | None:
    """As ``read_for``, but None when the cache cannot be reached, logged."""
    try:
        return read_for(request)
    except Exception as error:
        logger.error("Shared networks not read, cache down: %s", type(error).__name__)
        return None
