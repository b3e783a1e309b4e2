"""The language switcher: links to the same page in the other languages, and a
small view that remembers the choice.

Each public URL carries its language (/nb/, /nn/, /en/), so a shared link opens
in its language. The cookie only decides where "/" and unprefixed old links
lead. The switcher's links go through ``choose_language``, a GET that sets
nothing but the language cookie and redirects: unlike Django's ``set_language``
(a POST form), a plain link works without JavaScript, needs no CSRF token, is
announced as a link by screen readers, and can carry ``hreflang``. Setting a
preference cookie on GET is safe here: a forged request can at most change the
language of the next visit to "/".
"""

from typing import Any

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.template.loader import render_to_string
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, get_language_info
from django.views.decorators.cache import never_cache

from config.links import public_url

from .http import require_safe

NEXT = "neste"


def translated_path(path: str, language: str) -> str:
    """The same page in ``language``, or that language's front page when the
    path is not one of the app's pages (translate_url then returns it as is)."""
    translated = translate_url(path, language)
    if translated == path and not path.startswith(f"/{language}/"):
        return f"/{language}/"
    return translated


def switcher(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``language_links`` for the header and ``<link rel=alternate>``."""
    current = get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        target = translated_path(request.path, code)
        links.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "target": target,
                # <link rel="alternate">: on the public address, as search
                # engines index it, and never from the Host header: the 400
                # page that refuses a foreign host is rendered with this too.
                "absolute_target": public_url(target),
                "current": code == current,
            }
        )
    return {"language_links": links, "language_next": NEXT}


@never_cache
@require_safe
def choose_language(request: HttpRequest, language: str) -> HttpResponse:
    if language not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get(NEXT, "")
    safe = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    response = HttpResponseRedirect(translated_path(target, language) if safe else f"/{language}/")
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def language_of(request: HttpRequest) -> str:
    """The language LocaleMiddleware chose for the request, or, for a request
    refused before it ran, the one it would have chosen: the language of the
    address, else the cookie's, the browser's or bokmål. Not the language
    active in this thread, which the previous request left behind."""
    if hasattr(request, "LANGUAGE_CODE"):  # set by LocaleMiddleware
        return request.LANGUAGE_CODE
    return translation.get_language_from_request(request, check_path=True)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page (``handler400``) in the language of the address, also when
    the request is refused before LocaleMiddleware has read it: with the HTTPS
    redirect on, SecurityMiddleware asks for the host first, so a foreign Host
    header is refused there. Unlike Django's own, it makes no CSRF token (the
    page has no form): Django's reads the form for the CSRF check, and a form
    that cannot be read (in another charset than UTF-8, with a foreign Host
    header refused before RefuseFormsNotInUtf8 has seen it) fails once more
    and turns the 400 into a bare 500."""
    with translation.override(language_of(request)):
        return HttpResponseBadRequest(render_to_string("400.html", request=request))
