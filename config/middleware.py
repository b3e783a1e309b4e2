import codecs
import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def head_without_body(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Answer HEAD with the GET's status and headers (Content-Length too) but
    no body. gunicorn sends whatever the app returns, HEAD or not (runserver
    and Django's test client leave the body out themselves), and a client
    reads such a body as the start of the next answer on the connection."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []
            else:
                response.content = b""
        return response

    return middleware


FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class RefuseFormsNotInUtf8:
    """Answer a form posted in another charset than UTF-8 (utf-16, latin-1, one
    Python does not know) with the 400 page, before CsrfViewMiddleware reads it.
    Our pages are UTF-8 and browsers send their forms in the page's charset, so
    only a script sends another. Django refuses to read such a form (BadRequest),
    and its 400 page, which checks the CSRF token too, reads it again and ends in
    a bare 500. Decoding latin-1 instead would take a form no page of ours sent.
    UTF-8 declared in another spelling ("UTF8") is read as UTF-8. A view hook,
    so the page gets every middleware's headers (CSP and the rest)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, view_args, view_kwargs):
        charset = request.content_params.get("charset")
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES and charset:
            if not is_utf_8(charset):
                return HttpResponseBadRequest(render_to_string("400.html", request=request))
            request.encoding = "utf-8"
        return None


def is_utf_8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


def explain_method_not_allowed(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Give Django's bare 405 responses (from require_POST and friends) a page a
    person can read, keeping their status and Allow header."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code == 405 and not response.content:
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response

    return middleware


class MethodNotAllowedFirst:
    """A method the view does not take gets 405 with its Allow header (and the
    readable page, from explain_method_not_allowed), before CsrfViewMiddleware
    checks the CSRF token and would answer 403. The view says its methods with
    config.http's decorators; a view without them is left to the CSRF check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, view_args, view_kwargs):
        allowed = getattr(view, "allowed_methods", None)
        if allowed is not None and request.method not in allowed:
            return HttpResponseNotAllowed(allowed)
        return None


class DatabaseUnavailable:
    """When PostgreSQL cannot be reached, answer 503 with a page in the
    visitor's language and a Retry-After, instead of a bare 500. Every write
    is in a transaction, so nothing half-done stays behind; with connection
    health checks on, the app uses the database again once it is back."""

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable: %s", type(exception).__name__)
        response = HttpResponse(
            render_to_string("503.html", request=request),
            status=503,
            content_type="text/html; charset=utf-8",
        )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
