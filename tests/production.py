"""The production profile as an attacker meets it: gunicorn with the
production settings on a private PostgreSQL and Redis (tests/cluster.py), and a
real SMTP server (aiosmtpd) that keeps every message it receives.

One stack per test session, started by the first test that asks for the
``production`` fixture (tests/conftest.py) and removed at the end of the
session. Tests that use it attack the running servers over HTTP and check the
database, the e-mails and the logs they leave behind."""

import contextlib
import email
import email.policy
import http.client
import json
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode

import psycopg

from tests import cluster

# The one public address links in e-mails must be built from.
PUBLIC_BASE_URL = "https://stem.example.no"
# As the Dockerfile runs it: the project's gunicorn settings, access log included.
GUNICORN_ARGS = ("-c", "config/gunicorn.py")
CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Inbox:
    """aiosmtpd handler: keeps each delivered message, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        """The messages delivered to ``address``, oldest first."""
        with self.lock:
            return [m for m in self.messages if m["X-Envelope-To"] == address]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str


@dataclass
class Production:
    postgres: cluster.Postgres
    redis: cluster.Redis
    folder: Path
    env: dict[str, str]
    servers: cluster.AppServers
    inbox: Inbox
    round_id: int
    nomination_ids: list[int] = field(default_factory=list)
    # The public paths of the six nominees, in bokmål.
    nomination_paths: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.servers.ports[0]

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
        source: str | None = None,
    ) -> Response:
        """``source``: the client address to connect from (any of loopback's
        127/8), for tests that need more than one client; default 127.0.0.1."""
        connection = http.client.HTTPConnection(
            cluster.HOST, self.port, timeout=20, source_address=(source, 0) if source else None
        )
        try:
            payload = body.encode() if isinstance(body, str) else body
            connection.request(method, path, body=payload or None, headers=headers or {})
            answer = connection.getresponse()
            return Response(answer.status, answer.headers, answer.read().decode(errors="replace"))
        finally:
            connection.close()

    def form(self, path: str, *, source: str | None = None) -> tuple[str, str]:
        """GET a page with a form: its CSRF cookie and the form's token."""
        page = self.request("GET", path, source=source)
        assert page.status == 200, (page.status, page.body[:500])
        cookie = CSRF_COOKIE.search(page.headers.get("Set-Cookie", "")).group(1)
        return cookie, CSRF_FIELD.search(page.body).group(1)

    def post_form(
        self,
        path: str,
        fields: dict[str, str],
        *,
        form_path: str | None = None,
        source: str | None = None,
        **headers: str,
    ) -> Response:
        """POST ``fields`` to ``path`` as a browser would, with the CSRF cookie
        and token of the form at ``form_path`` (default: ``path``), both from
        the client address ``source`` (see ``request``)."""
        cookie, token = self.form(form_path or path, source=source)
        body = urlencode({"csrfmiddlewaretoken": token, **fields})
        return self.request(
            "POST",
            path,
            body=body,
            source=source,
            headers={
                "Cookie": f"csrftoken={cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
                **{name.replace("_", "-"): value for name, value in headers.items()},
            },
        )

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.postgres.url.replace("postgres://", "postgresql://")) as db:
            rows = db.execute(query, params)
            return rows.fetchall() if rows.description else []

    def votes_from(self, domain: str) -> int:
        """How many votes the database holds from addresses at ``domain``."""
        [(count,)] = self.sql("SELECT count(*) FROM voting_vote WHERE email_domain = %s", (domain,))
        return count

    def manage(self, *args: str) -> str:
        """Run a management command with the servers' settings; its output."""
        return cluster.run([sys.executable, "manage.py", *args], env=self.env, timeout=120)

    def python(self, script: str) -> str:
        """Run ``script`` in ``manage.py shell`` with the servers' settings; the
        last line it prints."""
        return self.manage("shell", "-c", script).strip().splitlines()[-1]

    def log(self) -> str:
        """Everything the app servers wrote: gunicorn's own log, its access
        log and the app's log lines."""
        return self.servers.stderr()


@contextlib.contextmanager
def production_stack() -> Iterator[Production]:
    with contextlib.ExitStack() as exits:
        inbox = Inbox()
        services = cluster.start_services(
            exits,
            inbox=inbox,
            PUBLIC_BASE_URL=PUBLIC_BASE_URL,
            # Limits no attack here reaches by accident; the tests that prove a
            # limit count against these.
            RATELIMIT_VOTE_REQUEST="1000/h",
            RATELIMIT_VOTE_CONFIRM="1000/h",
            RATELIMIT_EMAILS_PER_ADDRESS="3/h",
            # Failed admin logins from one client address, any user names (30 in
            # production): low enough that spraying it takes seconds at
            # production's password hashing. Tests that fail logins on purpose
            # connect from an address of their own (``source``).
            ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT="10",
        )
        servers = exits.enter_context(
            cluster.app_servers(
                services.env, services.folder, count=1, workers=2, extra_args=GUNICORN_ARGS
            )
        )
        yield Production(
            postgres=services.postgres,
            redis=services.redis,
            folder=services.folder,
            env=services.env,
            servers=servers,
            inbox=inbox,
            round_id=services.round_id,
            nomination_ids=services.nomination_ids,
            nomination_paths=services.nomination_paths,
        )


def log_messages(log: str) -> str:
    """``log`` (part of ``Production.log()``) with each JSON line, as
    production writes them (LOG_FORMAT), as its message and traceback, for
    tests that look for what a line says; other lines as they are."""
    lines = []
    for line in log.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict) and "message" in record:
            lines.append(record["message"])
            lines.extend(record.get("exc_info", "").splitlines())
        else:
            lines.append(line)
    return "\n".join(lines)
