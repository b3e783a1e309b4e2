"""The site's URLs plus two pages that fail on purpose, for the tests of the
error pages: a bug (500, Django's own handler) and a database that cannot be
reached (503, config.middleware.DatabaseUnavailable). Used only by tests that
set ``settings.ROOT_URLCONF = "tests.urls"``."""

from django.conf.urls.i18n import i18n_patterns
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

BUG = "test/feil/"
DATABASE_DOWN = "test/database-borte/"


def fail_with_a_bug(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("A bug on purpose, for the 500 page")


def fail_without_the_database(request: HttpRequest) -> HttpResponse:
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    *site_urlpatterns,
    *i18n_patterns(
        path(BUG, fail_with_a_bug),
        path(DATABASE_DOWN, fail_without_the_database),
        prefix_default_language=True,
    ),
]
