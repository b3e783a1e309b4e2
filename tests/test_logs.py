"""No log line carries a confirmation link's token (whoever reads it could
cast that vote) or a receipt code: not Django's request log, not runserver's,
not gunicorn's error log as config/gunicorn.py sets it up (config.logs)."""

import http.client
import io
import os
import re
import signal
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client

from tests import cluster
from tests.factories import logging_handlers, token_of
from voting import confirmation
from voting.models import Vote

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
REDACTED_PATH = "/nb/stem/bekreft/[redacted]/"


@pytest.fixture
def written():
    """What the handlers settings.LOGGING configured write (the root's console
    and runserver's), so far."""
    handlers = logging_handlers()
    output = io.StringIO()
    streams = [handler.setStream(output) for handler in handlers]
    yield output.getvalue
    for handler, stream in zip(handlers, streams, strict=True):
        if stream is not None:
            handler.setStream(stream)


def test_a_confirmation_refused_by_the_csrf_check_is_logged_without_its_token(
    link, written, caplog
):
    refused = Client(enforce_csrf_checks=True).post(link)

    assert refused.status_code == 403
    assert Vote.objects.count() == 0
    assert f"Forbidden (CSRF cookie not set.): {REDACTED_PATH}" in written()
    assert token_of(path=link) not in written() + caplog.text
    assert Client().post(link).status_code == 200  # the link itself still works


def test_a_rate_limited_confirmation_is_logged_without_its_token(
    link, written, caplog, client, settings
):
    settings.RATELIMIT_VOTE_CONFIRM = "1/m"
    assert client.post("/nb/stem/bekreft/not-a-link/").status_code == 400

    limited = client.post(link)

    assert limited.status_code == 429
    assert Vote.objects.count() == 0
    assert f"Too Many Requests: {REDACTED_PATH}" in written()
    assert token_of(path=link) not in written() + caplog.text


def test_a_failed_confirmation_logs_neither_its_token_nor_the_receipt_it_collided_with(
    link, written, caplog, receipt_taken
):
    other = receipt_taken

    failed = Client(raise_request_exception=False).post(link)

    assert failed.status_code == 500
    assert list(Vote.objects.values_list("receipt", flat=True)) == [other.receipt]
    assert f"Internal Server Error: {REDACTED_PATH}" in written()
    assert "IntegrityError" in written()  # the traceback is there, redacted
    for secret in (token_of(path=link), other.receipt):
        assert secret not in written() + caplog.text


def test_runserver_logs_a_confirmation_request_without_its_token(tmp_path):
    token = confirmation.make_token(nomination=SimpleNamespace(pk=1), address="kari@example.no")
    port = cluster.free_port()
    # The local run: the embedded default on a database of its own.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO", "DATABASE", "REDIS", "RATELIMIT"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    log = tmp_path / "runserver.log"
    server = cluster.start_manage(
        "runserver", f"{cluster.HOST}:{port}", "--noreload", env=env, log=log
    )
    try:
        refused = post_when_up(port, f"/nb/stem/bekreft/{token}/")
        # runserver writes the request line once the answer is sent.
        wait_for(log, '" 403 ')
    finally:
        cluster.stop_process(server, sig=signal.SIGINT)
    output = log.read_text()

    assert refused == 403
    assert re.search(rf'"POST {re.escape(REDACTED_PATH)} HTTP/1.1" 403', output), output
    assert f"Forbidden (CSRF cookie not set.): {REDACTED_PATH}" in output
    assert token not in output


def timed_out_under_gunicorn(tmp_path: Path, **env: str) -> tuple[str, int, str]:
    """A confirmation link POSTed to gunicorn with the project's config and a
    worker that times out (tests/stalling_wsgi.py): the link's token, the
    status and everything gunicorn wrote."""
    token = confirmation.make_token(nomination=SimpleNamespace(pk=1), address="kari@example.no")
    port = cluster.free_port()
    log = tmp_path / "gunicorn.log"
    server = cluster.start_process(
        [
            *(cluster.VENV_BIN / "gunicorn", "-c", "config/gunicorn.py"),
            *("tests.stalling_wsgi:application", "--bind", f"{cluster.HOST}:{port}"),
            *("--workers", "1", "--timeout", "1"),
        ],
        env={**os.environ, **env},
        log=log,
    )
    try:
        answered = post_when_up(port, f"/nb/stem/bekreft/{token}/")
        wait_for(log, "Worker exiting")
    finally:
        cluster.stop_process(server)
    return token, answered, log.read_text()


def test_gunicorn_logs_a_timed_out_request_without_its_token(tmp_path):
    token, answered, output = timed_out_under_gunicorn(tmp_path)

    assert answered == 500
    assert "WORKER TIMEOUT" in output
    assert f"Error handling request {REDACTED_PATH}" in output
    assert f'"POST {REDACTED_PATH}" 500' in output  # the access log
    assert token not in output


def wait_for(log: Path, text: str) -> None:
    deadline = time.monotonic() + 10
    while text not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)


def post_when_up(port: int, path: str) -> int:
    """POST ``path`` (no CSRF cookie) once the server answers; the status."""
    deadline = time.monotonic() + 30
    while True:
        connection = http.client.HTTPConnection(cluster.HOST, port, timeout=15)
        try:
            connection.request("POST", path, body=b"", headers={"Content-Length": "0"})
            return connection.getresponse().status
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        finally:
            connection.close()
