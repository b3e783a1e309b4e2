"""What fails on purpose. Two pages, for the tests of the error pages: a bug
(500, Django's own handler) and a database that cannot be reached (503,
config.middleware.DatabaseUnavailable). tests/urls.py routes them; tests
import the addresses from here, so that importing them does not load the
site's URLconf before the test settings are in place. And an e-mail back end
whose every send the mail server refuses (FAILING, for settings.EMAIL_BACKEND)."""

import smtplib

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

BUG = "test/feil/"
DATABASE_DOWN = "test/database-borte/"
FAILING = "tests.failing.FailingEmailBackend"


def fail_with_a_bug(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("A bug on purpose, for the 500 page")


def fail_without_the_database(request: HttpRequest) -> HttpResponse:
    raise OperationalError("server closed the connection unexpectedly")


class FailingEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"no")})
