"""The HTTP methods a public view takes: Django's decorators of the same names,
which also record the methods on the view (``allowed_methods``), so
config.middleware.MethodNotAllowedFirst answers any other method with 405 and
its Allow header before CsrfViewMiddleware would answer a PUT, DELETE or PATCH
(or a POST to a page) with 403. CSRF still checks every method a view takes."""

from collections.abc import Callable

from django.views.decorators import http


def require_http_methods(methods: list[str]) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        checked = http.require_http_methods(methods)(view)
        checked.allowed_methods = tuple(methods)
        return checked

    return decorator


# HEAD answers as GET; config.middleware.head_without_body leaves the body out.
require_safe = require_http_methods(["GET", "HEAD"])
require_POST = require_http_methods(["POST"])
