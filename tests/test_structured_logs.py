"""Logs a log system can count: in production one JSON object a line, with a
request id that the answer's X-Request-ID header carries too; Django's request
log with status, method and path; tokens and receipt codes redacted in every
field, the traceback included (config.logs)."""

import io
import json
import logging
from datetime import datetime
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from config.logs import JsonFormatter
from tests.cluster import PRODUCTION_ENV, manage
from tests.factories import logging_handlers, make_nomination, make_round, token_of
from tests.test_logs import timed_out_under_gunicorn
from voting import confirmation
from voting.models import Vote

pytestmark = pytest.mark.django_db

REDACTED_PATH = "/nb/stem/bekreft/[redacted]/"
REQUEST_ID = r"[0-9a-f]{32}"


@pytest.fixture
def json_lines():
    """The handlers settings.LOGGING configured, writing JSON as in
    production; returns the lines written so far, each parsed."""
    handlers = logging_handlers()
    output = io.StringIO()
    saved = [(handler.setStream(output), handler.formatter) for handler in handlers]
    for handler in handlers:
        handler.setFormatter(JsonFormatter())

    def lines() -> list[dict]:
        return [json.loads(line) for line in output.getvalue().splitlines()]

    lines.raw = output.getvalue
    yield lines
    for handler, (stream, formatter) in zip(handlers, saved, strict=True):
        handler.setFormatter(formatter)
        if stream is not None:
            handler.setStream(stream)


def test_every_answer_names_its_own_request_id(client):
    first, second = client.get("/nb/personvern/"), client.get("/nb/personvern/")

    assert first.status_code == second.status_code == 200
    assert first["X-Request-ID"] != second["X-Request-ID"]
    for answer in (first, second):
        assert len(answer["X-Request-ID"]) == 32
        int(answer["X-Request-ID"], 16)


def test_django_s_request_log_is_a_json_line_with_the_request_id_status_method_and_path(
    client, json_lines
):
    response = client.get("/nb/finnes-ikke/")

    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert response.status_code == 404
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /nb/finnes-ikke/"
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["status"], line["method"], line["path"]) == (404, "GET", "/nb/finnes-ikke/")
    assert datetime.fromisoformat(line["timestamp"]).tzinfo is not None
    assert "request" not in line  # the request object itself is never written


def test_a_line_the_app_writes_during_a_request_carries_its_request_id(client, json_lines):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")

    with mock.patch(
        "voting.services.votes.Vote.save", side_effect=OperationalError("server closed")
    ):
        response = client.post(reverse("voting:confirm", args=[token]))

    [outage] = [line for line in json_lines() if line["logger"] == "config.middleware"]
    assert response.status_code == 503
    assert outage["message"] == "Database unavailable: OperationalError"
    assert outage["level"] == "ERROR"
    assert outage["request_id"] == response["X-Request-ID"]
    assert token not in json_lines.raw()


def test_a_line_written_outside_any_request_has_no_request_id(client, json_lines):
    client.get("/nb/personvern/")

    logging.getLogger("voting").warning("between requests")

    [line] = [line for line in json_lines() if line["message"] == "between requests"]
    assert "request_id" not in line


def test_a_refused_confirmation_is_logged_as_json_without_its_token(link, json_lines):
    refused = Client(enforce_csrf_checks=True).post(link)

    [line] = [line for line in json_lines() if line["logger"] == "django.security.csrf"]
    assert refused.status_code == 403
    assert Vote.objects.count() == 0
    assert line["message"] == f"Forbidden (CSRF cookie not set.): {REDACTED_PATH}"
    assert (line["status"], line["method"], line["path"]) == (403, "POST", REDACTED_PATH)
    assert token_of(path=link) not in json_lines.raw()


def test_a_traceback_in_a_json_line_names_neither_the_token_nor_the_receipt(
    link, json_lines, receipt_taken
):
    other = receipt_taken

    failed = Client(raise_request_exception=False).post(link)

    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert failed.status_code == 500
    assert line["level"] == "ERROR"
    assert line["path"] == REDACTED_PATH
    assert "IntegrityError" in line["exc_info"]
    for secret in (token_of(path=link), other.receipt):
        assert secret not in json_lines.raw()


def test_without_a_trusted_proxy_a_client_cannot_choose_its_request_id(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0

    response = client.get("/nb/personvern/", HTTP_X_REQUEST_ID="chosen-by-the-client")

    assert response["X-Request-ID"] != "chosen-by-the-client"
    assert len(response["X-Request-ID"]) == 32


def test_behind_a_trusted_proxy_its_request_id_is_kept(client, settings, json_lines):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy_id = "3f2b8c0e-6a8d-4c1e-9b7a-1d2e3f4a5b6c"

    response = client.get("/nb/finnes-ikke/", HTTP_X_REQUEST_ID=proxy_id)

    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert response["X-Request-ID"] == proxy_id
    assert line["request_id"] == proxy_id


@pytest.mark.parametrize("sent", ["two words", "line\nbreak", "x" * 129, ""])
def test_behind_a_trusted_proxy_a_request_id_unfit_for_a_log_line_is_replaced(
    client, settings, sent
):
    settings.TRUSTED_PROXY_COUNT = 1

    response = client.get("/nb/personvern/", HTTP_X_REQUEST_ID=sent)

    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


def test_the_local_run_writes_text_lines_with_the_request_id(client, settings):
    [console] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    output = io.StringIO()
    stream = console.setStream(output)
    try:
        response = client.get("/nb/finnes-ikke/")
    finally:
        console.setStream(stream)

    assert settings.LOG_FORMAT == "text"
    line = output.getvalue().strip()
    assert (
        f"WARNING django.request [{response['X-Request-ID']}] Not Found: /nb/finnes-ikke/" in line
    )


LOG_A_WARNING = "import logging; logging.getLogger('voting').warning('written as %s', 'json')"


def test_production_writes_json_lines_by_default():
    result = manage("shell", "-c", LOG_A_WARNING, env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "written as json"
    assert (line["level"], line["logger"]) == ("WARNING", "voting")


def test_production_writes_text_lines_when_log_format_says_so():
    result = manage("shell", "-c", LOG_A_WARNING, env={**PRODUCTION_ENV, "LOG_FORMAT": "text"})

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith("WARNING voting [-] written as json")


def test_an_unknown_log_format_stops_the_app():
    result = manage("check", env={**PRODUCTION_ENV, "LOG_FORMAT": "xml"})

    assert result.returncode != 0
    assert "LOG_FORMAT must be json or text (got 'xml')" in result.stderr


def test_gunicorn_writes_its_error_and_access_logs_as_json_lines_without_the_token(tmp_path):
    token, answered, output = timed_out_under_gunicorn(tmp_path, LOG_FORMAT="json")
    lines = [json.loads(line) for line in output.splitlines()]

    assert answered == 500
    [failed] = [line for line in lines if line["message"].startswith("Error handling request")]
    assert failed["message"] == f"Error handling request {REDACTED_PATH}"
    assert (failed["logger"], failed["level"]) == ("gunicorn.error", "ERROR")
    assert any("WORKER TIMEOUT" in line["message"] for line in lines)
    [access] = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert (access["status"], access["method"], access["path"]) == (500, "POST", REDACTED_PATH)
    assert f'"POST {REDACTED_PATH}" 500' in access["message"]  # access_log_format's line
    assert token not in output
