"""Whole public pages from the shared cache: the same for every visitor, so a
surge of readers costs one cache read per page view instead of queries and
template rendering.

What keeps a cached page right:
- Content: every change of what a public page shows bumps one version
  number, and a page of an older version is rendered anew. Rounds,
  nominations, key figures and municipalities, which staff edit in the admin,
  bump it on every save or delete (nominees' signals); tallies, tie
  resolutions, decisions and invalidations, which only voting's services
  write, bump it in the service that writes them.
- Time: a page is kept only until the moment its view names, for the public
  pages the next moment in any round's schedule, so a phase change (voting
  opens, results announced) shows at that moment; and PAGE_CACHE_SECONDS at
  most, as a safety net. Before that ends, one request works the value out
  anew while the others are still given the cached one (``Shared``), so a
  popular page or nominee is never missing from the cache for everyone at
  once.
- The visitor: the page is stored with a placeholder for the CSRF token, which
  each response fills with the visitor's own.
Nothing a single visitor did (a vote, a form error) is on these pages.

A page may come in a few variants, one chosen at random for each page view
(the nominee list in one of its fair orders, nominees.order): the view asks
``variant()`` which one it renders, each is cached as a page of its own, and
a marker in the page's place says how many there are, so the next view picks
one without rendering. Each process remembers how many variants it last saw a
page have, so it picks one before reading and reads it with the marker, in
one round trip; the marker read with it says whether the guess still holds.

The vote's own pages (the ballot a link opens, and the page that thanks the
voter) read what they need, the nomination and the page, through ``Shared``,
under the same version, in one round trip; ``personalised`` fills in each
voter's link token and receipt.

If the cache cannot be reached, pages are rendered as if nothing were cached
and the failure is logged: a cache outage slows the site, never stops it."""

import functools
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

# How many variants this process last saw each page (by its marker's key)
# have: only a guess of which variant to read with the marker, never served
# unless the marker read with it agrees. Pages with variants are few (the
# round pages of an open vote in each language), so it stays small; the cap
# only guards against the unforeseen.
VARIANT_COUNTS: dict[str, int] = {}
VARIANT_COUNTS_KEPT = 1000
# A shared value (a page, a nominee) is worked out anew once a share of its
# time in the cache has passed, by the one request that claims it, while the
# others are still given the cached value. Without it a popular page's copies
# (the home page's orders, all written in its first second) expired in one
# moment, and every request of that moment rendered the page (a cache
# stampede: a surge's p99 at 130-220 ms once a minute). The share is drawn
# for each copy from this range: with one share for all, the copies written
# together came due together, and their renderings at once (the six orders
# and their marker, 6 ms of CPU each alone and about three times that in a
# busy worker) stalled every worker for 100-200 ms, 45 s after each start.
RENEW_AFTER_SHARE = (0.5, 0.85)
# How long a claim to work a value out anew holds off the other requests; if
# the one that claimed it fails, another does it after this.
RENEWAL_CLAIM_SECONDS = 10


def key(
    kind: str, *parts: object, request: HttpRequest | None = None, variant: int | None = None
) -> str:
    """The key of every value in this cache: its kind and the parts that tell
    one from the next, and, for what is rendered for ``request``, the language
    and host first (a page's texts and links differ by both); last, for one of
    a page's variants, its number."""
    if request is not None:
        parts = (translation.get_language(), request.get_host(), *parts)
    if variant is not None:
        parts = (*parts, f"variant{variant}")
    return ":".join(str(part) for part in (kind, *parts))


VERSION_KEY = key("pagecache", "version")
# Rendered where {% csrf_token %} puts the token; only letters, so no escaping
# changes it.
CSRF_PLACEHOLDER = "CSRFTOKENPLACEHOLDERxQzV"


def bump_version() -> None:
    """Make every cached page stale."""
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 1, timeout=None)
    except Exception as error:
        # Nothing cached can be read while the cache is down either; the
        # entries still there expire within PAGE_CACHE_SECONDS.
        logger.error("Page cache version not bumped, cache down: %s", type(error).__name__)


def read(keys: list[str]) -> dict | None:
    """cache.get_many, or None when the cache cannot be reached."""
    try:
        return cache.get_many(keys)
    except Exception as error:
        logger.error("Page cache not read, cache down: %s", type(error).__name__)
        return None


def write(key: str, value, *, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception as error:
        logger.error("Page cache not written, cache down: %s", type(error).__name__)


class Shared:
    """Values that are right as long as the content version is unchanged,
    read together with the version in one round trip. A value is looked up
    with ``get(key, compute)``: from the cache when it is of the current
    version, else computed and stored. None is never stored. A value whose
    time to be renewed has come is left out for the one request that claims
    its renewal, so that request computes and stores it anew."""

    def __init__(self, *keys: str):
        found = read([VERSION_KEY, *keys]) if settings.PAGE_CACHE_SECONDS else None
        self.available = found is not None
        found = found or {}
        self.version = found.get(VERSION_KEY, 0)
        self.values = {}
        now = timezone.now()
        for key, entry in found.items():
            if key != VERSION_KEY and self.current(key, entry, now):
                self.values[key] = entry[1]

    def current(self, key: str, entry: tuple, now: datetime) -> bool:
        """Whether ``entry`` is of this version and this request is not the
        one to renew it."""
        if entry[0] != self.version:
            return False
        renew_at = entry[2] if len(entry) > 2 else None  # None: written before renewals
        return renew_at is None or now < renew_at or not claims_renewal(key)

    def fetch(self, key: str):
        """One more value of this version, read now, or None."""
        found = read([key]) if self.available else None
        entry = (found or {}).get(key)
        if entry is None or not self.current(key, entry, timezone.now()):
            return None
        self.values[key] = entry[1]
        return entry[1]

    def get(self, key: str, compute: Callable):
        if key in self.values:
            return self.values[key]
        value = compute()
        self.put(key, value)
        return value

    def put(self, key: str, value, *, timeout: int | None = None) -> None:
        """Store ``value`` under this version, for PAGE_CACHE_SECONDS or ``timeout``."""
        self.values[key] = value
        if self.available and value is not None:
            timeout = timeout or settings.PAGE_CACHE_SECONDS
            share = random.uniform(*RENEW_AFTER_SHARE)
            renew_at = timezone.now() + timedelta(seconds=share * timeout)
            write(key, (self.version, value, renew_at), timeout=timeout)


def claims_renewal(value_key: str) -> bool:
    """Whether this request is the one to work the value at ``value_key`` out
    anew (no other request has claimed that)."""
    try:
        return cache.add(key("page-renewal", value_key), 1, timeout=RENEWAL_CLAIM_SECONDS)
    except Exception as error:
        logger.error("Page renewal not claimed, cache down: %s", type(error).__name__)
        return False


def content_changed(**_signal) -> None:
    """No cached page shows the old content: nominees' signal receiver, and
    called by voting's services. Bumped now, and again once the change is
    committed: a page rendered in between, from what was still the committed
    old content, is thrown away too."""
    bump_version()
    transaction.on_commit(bump_version)


View = Callable[..., HttpResponse]


def read_page(request: HttpRequest) -> tuple[Shared, str, str, int | None, list[str]]:
    """cached_page's one round trip for ``request``'s page: the version, the
    page, its marker of variants and, where this process knows how many
    variants the page has, the one it picks now. Returns the read with the
    page's key, the marker's key, the count this process knew (or None) and
    the key of the variant it guessed (in a list, empty without a guess)."""
    page_key = key("page", request.path, request=request)
    variants_key = key("page-variants", request.path, request=request)
    known = VARIANT_COUNTS.get(variants_key)
    guessed = []
    if known is not None:
        request.page_variant = choose_variant(known)
        guessed.append(variant_key(request))
    return Shared(page_key, variants_key, *guessed), page_key, variants_key, known, guessed


def cached_page(*, stale_at: Callable[[datetime], datetime | None]) -> Callable[[View], View]:
    """Serve the view's 200 responses from the cache, each until ``stale_at(now)``
    says the page may change by time alone (None: never by time). Render them
    with the CSRF placeholder (the view passes ``csrf_token=CSRF_PLACEHOLDER``
    in its context when ``request.rendering_for_cache`` is set)."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            shared, page_key, variants_key, known, guessed = read_page(request)
            if not shared.available:  # off (PAGE_CACHE_SECONDS = 0), or the cache is down
                return view(request, *args, **kwargs)
            now = timezone.now()
            entry = fresh(shared.values.get(page_key), now)
            variants = fresh(shared.values.get(variants_key), now)
            if entry is None and variants is not None:
                count = variants[1]
                if count == known:
                    entry = fresh(shared.values.get(guessed[0]), now)
                else:
                    remember_variants(variants_key, count)
                    request.page_variant = choose_variant(count)
                    entry = fresh(shared.fetch(variant_key(request)), now)
            if entry is not None:
                _until, html, content_type = entry
                return page(request, html, content_type)
            request.rendering_for_cache = True
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            html = response.content.decode(response.charset)
            until = stale_at(now)
            timeout = settings.PAGE_CACHE_SECONDS
            if until is not None:
                timeout = max(1, min(timeout, int((until - now).total_seconds()) + 1))
            stored = (until, html, response["Content-Type"])
            if getattr(request, "page_variants", None) is None:
                shared.put(page_key, stored, timeout=timeout)
            else:
                shared.put(variants_key, (until, request.page_variants), timeout=timeout)
                shared.put(variant_key(request), stored, timeout=timeout)
                remember_variants(variants_key, request.page_variants)
            return page(request, html, response["Content-Type"])

        return wrapped

    return decorator


def fresh(entry: tuple | None, now: datetime) -> tuple | None:
    """A cached page, or a page's marker of variants, unless it is stale by now
    (each holds the moment it goes stale first)."""
    if entry is None or (entry[0] is not None and now >= entry[0]):
        return None
    return entry


def remember_variants(variants_key: str, count: int) -> None:
    if len(VARIANT_COUNTS) >= VARIANT_COUNTS_KEPT:
        VARIANT_COUNTS.clear()
    VARIANT_COUNTS[variants_key] = count


def variant_key(request: HttpRequest) -> str:
    return key("page", request.path, request=request, variant=request.page_variant)


def choose_variant(count: int) -> int:
    return random.randrange(count)


def variant(request: HttpRequest, *, of: int) -> int:
    """Which of ``of`` variants of a page under cached_page this page view
    shows, chosen at random; each variant is cached on its own."""
    chosen = getattr(request, "page_variant", None)
    if chosen is None or not 0 <= chosen < of:
        chosen = choose_variant(of)
    request.page_variant, request.page_variants = chosen, of
    return chosen


def page(request: HttpRequest, html: str, content_type: str) -> HttpResponse:
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return HttpResponse(html, content_type=content_type)


def personalised(
    request: HttpRequest,
    shared: Shared,
    key: str,
    render: Callable[[], HttpResponse],
    *,
    personal: dict[str, str],
) -> HttpResponse:
    """A page that differs from one visitor to the next only by the strings in
    ``personal`` (name: value; each value long and random, such as a receipt
    or a link's token, so it is found nowhere else on the page) and its CSRF
    token (rendered as CSRF_PLACEHOLDER). Rendered once per version with
    those values cut out, then filled in for each visitor."""
    stored = shared.values.get(key)
    if stored is None:
        response = render()
        if response.status_code != 200 or response.streaming:
            return response
        html = response.content.decode(response.charset)
        for name, value in personal.items():
            html = html.replace(value, placeholder(name))
        stored = (html, response["Content-Type"])
        shared.put(key, stored)
    html, content_type = stored
    for name, value in personal.items():
        html = html.replace(placeholder(name), value)
    return page(request, html, content_type)


def placeholder(name: str) -> str:
    # Letters only, so no escaping in the template changes it.
    return f"PERSONALPLACEHOLDER{name.upper()}xQzV"


def csrf_context(request: HttpRequest) -> dict[str, str]:
    """Context for a view under cached_page: the placeholder instead of a token."""
    if getattr(request, "rendering_for_cache", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}
