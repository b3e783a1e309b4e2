"""Two app server processes on one Redis share the rate-limit counters: requests
alternating between them hit the limit at the same total as on one server.

Runs on PostgreSQL with Redis at 127.0.0.1:6379 (CI starts both). It uses Redis
database 15 and flushes only that one.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import redis
from django.db import connection

from tests.factories import make_nomination, make_round
from voting.models import IntegrityCounts

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/15"
LIMIT = 5
TRIES = LIMIT + 3


def redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.skipif(not redis_answers(), reason="needs Redis at 127.0.0.1:6379"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{db['NAME']}"


def server_env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "RATELIMIT"))}
    return {
        **keep,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
        "DJANGO_SECRET_KEY": "two-process-test-secret-key-" + "x" * 40,
        "VOTE_HASH_SECRET": "two-process-test-hash-secret-" + "y" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": REDIS_URL,
        "EMAIL_HOST": "mail.invalid",
        "PUBLIC_BASE_URL": "https://stem.example.no",
        # Sent during the request (to the dummy backend of server_settings), so
        # the servers' counters show each e-mail without a worker running.
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "SECURE_SSL_REDIRECT": "0",
        "TRUSTED_PROXY_COUNT": "0",
        # The servers are other processes, so the test's still clock cannot
        # reach them. A 30-day window ends during this test's few seconds about
        # once in a million runs (an hour's window: about once in a thousand).
        "RATELIMIT_VOTE_REQUEST": f"{LIMIT}/30d",
        "RATELIMIT_EMAILS_PER_ADDRESS": "100/h",
    }


def request(port: int, method: str, path: str, body: str = "", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
    finally:
        conn.close()


@pytest.fixture
def servers() -> Iterator[list[int]]:
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=server_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 30
        for port, process in zip(ports, processes, strict=True):
            while True:
                assert process.poll() is None, process.stderr.read().decode()
                try:
                    request(port, "GET", "/nb/personvern/")
                    break
                except OSError:
                    assert time.monotonic() < deadline, "app server did not start"
                    time.sleep(0.2)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def shared_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    client.flushdb()
    yield client
    client.flushdb()


def vote_requests(ports: list[int], path: str, run: str) -> list[int]:
    """POST TRIES vote requests with distinct addresses, server after server in
    turn, with a CSRF token and cookie from a GET of the form."""
    status, set_cookie, page = request(ports[0], "GET", path)
    assert status == 200
    cookie = re.search(r"csrftoken=[^;]+", set_cookie).group(0)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    statuses = []
    for i in range(TRIES):
        body = urlencode({"csrfmiddlewaretoken": token, "email": f"{run}{i}@example.no"})
        port = ports[i % len(ports)]
        statuses.append(request(port, "POST", path + "stem/", body, headers)[0])
    return statuses


def test_two_app_servers_on_one_redis_limit_at_the_same_total_as_one(servers, shared_redis):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    path = nomination.get_absolute_url()

    one_server = vote_requests(servers[:1], path, "en")
    shared_redis.flushdb()
    two_servers = vote_requests(servers, path, "to")

    assert one_server == [302] * LIMIT + [429] * (TRIES - LIMIT)
    assert two_servers == one_server
    assert shared_redis.dbsize() > 0
    counts = IntegrityCounts.objects.get(round=nomination.round)
    assert counts.emails_sent == 2 * LIMIT
    assert counts.rate_limited == 2 * (TRIES - LIMIT)
