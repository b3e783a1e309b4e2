"""Health probes and the log on the production profile under gunicorn
(tests/production.py): a load balancer probing by address gets its answers
without cookies, docker-compose's healthcheck command passes, and the
servers write one JSON object a line with the request id of each request."""

import json
import subprocess
import sys
import time

from tests import cluster, compose
from tests.compose import needs_compose
from tests.production import Production

# The address a load balancer probes: not in DJANGO_ALLOWED_HOSTS.
PROBE_HOST = "10.20.30.40"


def json_lines(log: str) -> list[dict]:
    """Every line of ``log``, parsed: it fails on a line that is not JSON."""
    return [json.loads(line) for line in log.splitlines() if line.strip()]


def lines_when(production: Production, found, *, since: int) -> list[dict]:
    """The stack's log lines from character ``since`` on, parsed, once
    ``found(lines)`` holds (gunicorn writes an access line just after the answer)."""
    deadline = time.monotonic() + 10
    while not found(lines := json_lines(production.log()[since:])):
        assert time.monotonic() < deadline, production.log()[since:][-3000:]
        time.sleep(0.1)
    return lines


def test_probes_by_address_are_answered_without_cookies(production):
    alive = production.request("GET", "/healthz", headers={"Host": PROBE_HOST})
    ready = production.request("GET", "/readyz", headers={"Host": PROBE_HOST})
    head = production.request("HEAD", "/readyz", headers={"Host": PROBE_HOST})
    page = production.request("GET", "/nb/personvern/", headers={"Host": PROBE_HOST})

    assert alive.status == 200
    assert json.loads(alive.body) == {"status": "ok"}
    assert ready.status == 200
    assert json.loads(ready.body)["checks"] == {
        "database": "ok",
        "cache": "ok",
        "migrations": "ok",
    }
    assert (head.status, head.body) == (200, "")
    for answer in (alive, ready, head):
        assert answer.headers.get("Set-Cookie") is None
    assert page.status == 400  # the site itself still refuses the address


@needs_compose
def test_the_compose_healthcheck_command_passes_against_a_ready_server(production):
    kind, program, flag, probe = compose.services()["web"]["healthcheck"]["test"]
    assert (kind, program, flag) == ("CMD", "python", "-c")
    assert "http://127.0.0.1:8000/readyz" in probe

    def run(port: int) -> int:
        script = probe.replace("127.0.0.1:8000", f"{cluster.HOST}:{port}")
        return subprocess.run([sys.executable, "-c", script], capture_output=True).returncode

    assert run(production.port) == 0
    assert run(cluster.free_port()) != 0  # nothing listening: unhealthy


def test_the_servers_write_json_lines_with_the_request_id_of_each_request(production):
    since = len(production.log())
    missing = production.request("GET", "/nb/finnes-ikke-helse/")
    probe = production.request("GET", "/readyz", headers={"Host": PROBE_HOST})
    ids = {missing.headers["X-Request-ID"], probe.headers["X-Request-ID"]}

    def both_answers_logged(lines: list[dict]) -> bool:
        logged = {line.get("request_id") for line in lines if line["logger"] == "gunicorn.access"}
        return ids <= logged

    lines = lines_when(production, both_answers_logged, since=since)

    assert missing.status == 404
    assert probe.status == 200
    assert len(ids) == 2
    [not_found] = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["message"] == "Not Found: /nb/finnes-ikke-helse/"
    assert not_found["level"] == "WARNING"
    assert not_found["request_id"] == missing.headers["X-Request-ID"]
    access = {
        line["request_id"]: line
        for line in lines
        if line["logger"] == "gunicorn.access" and line.get("request_id") in ids
    }
    logged_missing = access[missing.headers["X-Request-ID"]]
    assert (logged_missing["status"], logged_missing["method"], logged_missing["path"]) == (
        404,
        "GET",
        "/nb/finnes-ikke-helse/",
    )
    assert access[probe.headers["X-Request-ID"]]["path"] == "/readyz"
    # Everything the servers wrote since they started is JSON, their start too.
    assert all("timestamp" in line for line in json_lines(production.log()))
