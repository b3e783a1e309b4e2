"""The site's URLs plus the two pages in tests/failing.py that fail on purpose.
Used only by tests that set ``settings.ROOT_URLCONF = "tests.urls"``."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

from . import failing

urlpatterns = [
    *site_urlpatterns,
    *i18n_patterns(
        path(failing.BUG, failing.fail_with_a_bug),
        path(failing.DATABASE_DOWN, failing.fail_without_the_database),
        prefix_default_language=True,
    ),
]
