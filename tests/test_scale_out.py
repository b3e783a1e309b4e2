"""Scale-out, proven: two gunicorn servers with the production settings on one
PostgreSQL and one Redis count every voter exactly once under concurrent load,
hold the per-IP limits on the e-mail request and on the vote at the same total
as one server, answer a PostgreSQL outage with the 503 page and recover
without a restart, and keep counting votes while Redis is down.

The PostgreSQL cluster and the Redis are this module's own (tests/cluster.py),
on spare loopback ports, so stopping them never touches the shared services;
the test database of the rest of the suite (SQLite or DATABASE_URL) is not used.
"""

import contextlib
import http.client
import itertools
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import urlencode

import psycopg
import pytest
from django.urls import reverse
from django.utils import translation

from nominees.models import Nomination
from tests import cluster
from tests.production import CSRF_COOKIE, CSRF_FIELD
from voting import confirmation, identity

pytestmark = pytest.mark.skipif(bool(cluster.missing_binaries()), reason=cluster.missing_binaries())

DISTINCT_VOTERS = 2000
REPEAT_VOTERS = 300  # half post their link twice, half use two aliases of one address
CLIENTS = 32
REQUEST_TIMEOUT = 15
LOAD_TIMEOUT = 40
LIMIT = 10
RECEIPT = re.compile(r'class="receipt">([0-9A-Z]{5}-[0-9A-Z]{5})<')


@pytest.fixture(scope="module")
def stack() -> Iterator[cluster.Services]:
    with contextlib.ExitStack() as exits:
        yield cluster.start_services(exits)


@pytest.fixture(scope="module")
def servers(stack) -> Iterator[cluster.AppServers]:
    """Two servers, two workers each, with limits no test here reaches."""
    env = cluster.server_env(stack.postgres, stack.redis, RATELIMIT_VOTE_CONFIRM="100000/h")
    with cluster.app_servers(env, stack.folder) as started:
        yield started


@pytest.fixture(autouse=True)
def server_secrets(settings):
    # Links and voter keys made here must be the servers' own.
    settings.SECRET_KEY = cluster.SECRET_KEY
    settings.VOTE_HASH_SECRET = cluster.VOTE_HASH_SECRET


@dataclass(frozen=True)
class Ballot:
    address: str
    path: str
    voter_key: str


def ballot(stack: cluster.Services, address: str, number: int) -> Ballot:
    """The confirmation link the e-mail to ``address`` would hold, for one of
    the six nominees."""
    nomination = Nomination(pk=stack.nomination_ids[number % len(stack.nomination_ids)])
    token = confirmation.make_token(nomination=nomination, address=address)
    with translation.override("nb"):
        path = reverse("voting:confirm", args=[token])
    return Ballot(address, path, identity.voter_key(address))


@dataclass
class Answer:
    ballot: Ballot
    port: int
    status: int
    body: str
    retry_after: str | None
    sent: float
    done: float


class Browser:
    """One visitor's browser: it opens a confirmation link (GET) once, which
    gives it the CSRF cookie and the form's token, then presses the button.
    ``start``: the page it takes them from, if not its first ballot's (whose
    page has no button once that voter has voted)."""

    def __init__(self, start: str = "") -> None:
        self.cookie = ""
        self.token = ""
        self.start = start

    @staticmethod
    def fetch(port: int, method: str, path: str, body: str = "", headers=None):
        connection = http.client.HTTPConnection(cluster.HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read().decode()
        finally:
            connection.close()

    def open(self, port: int, path: str) -> None:
        response, page = self.fetch(port, "GET", path)
        assert response.status == 200, page
        cookies = " ".join(response.msg.get_all("Set-Cookie") or [])
        self.cookie = CSRF_COOKIE.search(cookies).group(1)
        self.token = CSRF_FIELD.search(page).group(1)

    def post(self, port: int, path: str, fields: dict[str, str]):
        headers = {
            "Cookie": f"csrftoken={self.cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = urlencode({"csrfmiddlewaretoken": self.token, **fields})
        return self.fetch(port, "POST", path, body, headers)

    def request_vote(self, port: int, path: str, address: str) -> int:
        """Ask for the confirmation e-mail on the nominee page at ``path`` (opened
        before): the status."""
        response, _ = self.post(port, path + "stem/", {"email": address})
        return response.status

    def confirm(self, port: int, ballot: Ballot) -> Answer:
        if not self.token:
            self.open(port, self.start or ballot.path)
        sent = time.monotonic()
        response, page = self.post(port, ballot.path, {})
        return Answer(
            ballot=ballot,
            port=port,
            status=response.status,
            body=page,
            retry_after=response.getheader("Retry-After"),
            sent=sent,
            done=time.monotonic(),
        )


def send_concurrently(ports: list[int], ballots: list[Ballot], *, start: str) -> list[Answer]:
    """POST every ballot's confirmation, ``CLIENTS`` browsers at a time, the
    n-th to server n mod 2, within LOAD_TIMEOUT. Each browser takes its CSRF
    token from ``start``: a thread's first ballot may be the second of a repeat
    voter whose first vote is in already, and that page has no button."""
    local = threading.local()

    def post(index: int, item: Ballot) -> Answer:
        if not hasattr(local, "browser"):
            local.browser = Browser(start)
        return local.browser.confirm(ports[index % len(ports)], item)

    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(post, index, item) for index, item in enumerate(ballots)]
        _, pending = wait(futures, timeout=LOAD_TIMEOUT)
        for future in pending:
            future.cancel()
        assert not pending, f"{len(pending)} of {len(futures)} requests unanswered in time"
        return [future.result() for future in futures]


class Stream:
    """Distinct voters confirming without pause, alternating servers, from a
    few browsers, until stopped: for watching an outage as it happens."""

    def __init__(self, stack: cluster.Services, ports: list[int], prefix: str, browsers: int = 6):
        self.stack = stack
        self.ports = ports
        self.prefix = prefix
        self.numbers = itertools.count()
        self.lock = threading.Lock()
        self.answers: list[Answer] = []
        self.errors: list[BaseException] = []
        self.stopping = threading.Event()
        self.ready = threading.Barrier(browsers + 1, timeout=REQUEST_TIMEOUT)
        self.threads = [threading.Thread(target=self.browse) for _ in range(browsers)]

    def next_ballot(self) -> tuple[int, Ballot]:
        with self.lock:
            number = next(self.numbers)
        return number, ballot(self.stack, f"{self.prefix}{number}@example.no", number)

    def browse(self) -> None:
        browser = Browser()
        try:
            number, item = self.next_ballot()
            browser.open(self.ports[number % 2], item.path)
            self.ready.wait()
            while not self.stopping.is_set():
                answer = browser.confirm(self.ports[number % 2], item)
                with self.lock:
                    self.answers.append(answer)
                number, item = self.next_ballot()
        except BaseException as error:
            self.errors.append(error)
            with contextlib.suppress(threading.BrokenBarrierError):
                self.ready.abort()

    def count(self, status: int, since: float = 0) -> int:
        with self.lock:
            return sum(a.status == status and a.sent >= since for a in self.answers)

    def wait_for(self, status: int, count: int, since: float = 0, timeout: float = 10) -> None:
        """Until ``count`` answers with ``status`` to requests sent from ``since``."""
        deadline = time.monotonic() + timeout
        while self.count(status, since) < count:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"fewer than {count} answers {status} in time"
            time.sleep(0.02)

    def __enter__(self) -> "Stream":
        for thread in self.threads:
            thread.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
        assert not any(thread.is_alive() for thread in self.threads)
        assert not self.errors, self.errors


def votes_per_key(stack: cluster.Services, keys) -> Counter:
    with psycopg.connect(stack.postgres.url) as db:
        rows = db.execute(
            "SELECT voter_key, count(*) FROM voting_vote"
            " WHERE round_id = %s AND status = 'valid' AND voter_key = ANY(%s) GROUP BY voter_key",
            [stack.round_id, list(keys)],
        ).fetchall()
    return Counter(dict(rows))


def receipts_of(stack: cluster.Services, keys) -> set[str]:
    with psycopg.connect(stack.postgres.url) as db:
        rows = db.execute(
            "SELECT receipt FROM voting_vote WHERE round_id = %s AND voter_key = ANY(%s)",
            [stack.round_id, list(keys)],
        ).fetchall()
    return {receipt for (receipt,) in rows}


def round_totals(stack: cluster.Services) -> dict[str, int]:
    """Valid votes, voter keys seen more than once, and the integrity counters."""
    with psycopg.connect(stack.postgres.url) as db:
        valid = db.execute(
            "SELECT count(*) FROM voting_vote WHERE round_id = %s AND status = 'valid'",
            [stack.round_id],
        ).fetchone()[0]
        twice = db.execute(
            "SELECT count(*) FROM (SELECT voter_key FROM voting_vote WHERE round_id = %s"
            " GROUP BY voter_key HAVING count(*) > 1) AS keys",
            [stack.round_id],
        ).fetchone()[0]
        refused, limited, sent = db.execute(
            "SELECT repeats_refused, rate_limited, emails_sent FROM voting_integritycounts"
            " WHERE round_id = %s",
            [stack.round_id],
        ).fetchone() or (0, 0, 0)
    return {
        "valid": valid,
        "keys_twice": twice,
        "repeats_refused": refused,
        "rate_limited": limited,
        "emails_sent": sent,
    }


def load_ballots(
    stack: cluster.Services,
) -> tuple[list[Ballot], list[Ballot], list[tuple[Ballot, Ballot]]]:
    """Distinct voters, and repeat voters as pairs of posts with one voter key
    (the same link twice, or links for two aliases of one address), the two
    posts of a pair next to each other so they race on the two servers."""
    distinct = [ballot(stack, f"velger{n}@example.no", n) for n in range(DISTINCT_VOTERS)]
    pairs = []
    for n in range(REPEAT_VOTERS):
        first = ballot(stack, f"gjenganger{n}@example.no", n)
        if n % 2:
            second = ballot(stack, f"GJENGANGER{n}+igjen@example.no", n + 1)
            assert second.voter_key == first.voter_key
        else:
            second = first
        pairs.append((first, second))
    units: list[list[Ballot]] = [[item] for item in distinct] + [list(pair) for pair in pairs]
    random.Random(7).shuffle(units)
    return [item for unit in units for item in unit], distinct, pairs


def test_two_servers_count_every_distinct_voter_once_under_concurrent_load(stack, servers):
    ordered, distinct, pairs = load_ballots(stack)
    before = round_totals(stack)

    started = time.monotonic()
    visitor = ballot(stack, "besokende@example.no", 0)  # opens the page, never votes
    answers = send_concurrently(servers.ports, ordered, start=visitor.path)
    seconds = time.monotonic() - started

    server_errors = [(a.status, a.port, a.body[:300]) for a in answers if a.status >= 500]
    assert server_errors == []
    assert Counter(a.port for a in answers) == {port: len(ordered) // 2 for port in servers.ports}
    by_key: dict[str, list[Answer]] = {}
    for answer in answers:
        by_key.setdefault(answer.ballot.voter_key, []).append(answer)
    assert [by_key[item.voter_key][0].status for item in distinct] == [200] * DISTINCT_VOTERS
    repeat_statuses = [sorted(a.status for a in by_key[first.voter_key]) for first, _ in pairs]
    assert repeat_statuses == [[200, 409]] * REPEAT_VOTERS
    refusals = [a for a in answers if a.status == 409]
    assert all("Du har allerede stemt" in a.body for a in refusals)

    voters = DISTINCT_VOTERS + REPEAT_VOTERS
    after = round_totals(stack)
    assert after["valid"] - before["valid"] == voters, f"{len(answers)} posts in {seconds:.1f} s"
    assert after["keys_twice"] == 0
    assert votes_per_key(stack, by_key) == Counter(dict.fromkeys(by_key, 1))
    shown = {RECEIPT.search(a.body).group(1) for a in answers if a.status == 200}
    assert receipts_of(stack, by_key) == shown
    assert after["repeats_refused"] - before["repeats_refused"] == REPEAT_VOTERS


def confirm_in_turn(ports: list[int], ballots: list[Ballot]) -> list[Answer]:
    browser = Browser()
    return [browser.confirm(ports[n % len(ports)], item) for n, item in enumerate(ballots)]


def request_in_turn(ports: list[int], path: str, addresses: list[str]) -> list[int]:
    """One browser asks for an e-mail to each address on the nominee page at
    ``path``, server after server in turn: the statuses."""
    browser = Browser()
    browser.open(ports[0], path)
    return [browser.request_vote(ports[n % len(ports)], path, a) for n, a in enumerate(addresses)]


def test_two_servers_limit_vote_requests_per_ip_at_the_same_total_as_one(stack):
    # Other processes, so not the tests' still clock: a 30-day window, which
    # ends during this test about once in a million runs.
    env = cluster.server_env(
        stack.postgres,
        stack.redis,
        RATELIMIT_VOTE_REQUEST=f"{LIMIT}/30d",
        RATELIMIT_EMAILS_PER_ADDRESS="100/h",
    )
    tries = LIMIT + 3
    path = stack.nomination_paths[0]
    before = round_totals(stack)

    with cluster.app_servers(env, stack.folder) as limited:
        stack.redis.client().flushdb()
        one_server = request_in_turn(
            limited.ports[:1], path, [f"epost-en{n}@example.no" for n in range(tries)]
        )
        stack.redis.client().flushdb()
        two_servers = request_in_turn(
            limited.ports, path, [f"epost-to{n}@example.no" for n in range(tries)]
        )
        counters = stack.redis.client().dbsize()

    assert one_server == [302] * LIMIT + [429] * (tries - LIMIT)
    assert two_servers == one_server
    assert counters > 0
    after = round_totals(stack)
    assert after["emails_sent"] - before["emails_sent"] == 2 * LIMIT
    assert after["rate_limited"] - before["rate_limited"] == 2 * (tries - LIMIT)


def test_two_servers_limit_confirmations_per_ip_at_the_same_total_as_one(stack):
    # As the e-mail request above, the vote itself.
    # Other processes, so not the tests' still clock: a 30-day window, which
    # ends during this test about once in a million runs.
    env = cluster.server_env(stack.postgres, stack.redis, RATELIMIT_VOTE_CONFIRM=f"{LIMIT}/30d")
    tries = LIMIT + 3
    one = [ballot(stack, f"grense-en{n}@example.no", n) for n in range(tries)]
    two = [ballot(stack, f"grense-to{n}@example.no", n) for n in range(tries)]
    before = round_totals(stack)

    with cluster.app_servers(env, stack.folder) as limited:
        stack.redis.client().flushdb()
        one_server = confirm_in_turn(limited.ports[:1], one)
        stack.redis.client().flushdb()
        two_servers = confirm_in_turn(limited.ports, two)

    assert [a.status for a in one_server] == [200] * LIMIT + [429] * (tries - LIMIT)
    assert [a.status for a in two_servers] == [a.status for a in one_server]
    refused = [a for a in one_server + two_servers if a.status == 429]
    assert all("For mange forespørsler" in a.body and int(a.retry_after) > 0 for a in refused)
    counted = [a.ballot.voter_key for a in one_server + two_servers if a.status == 200]
    keys = [item.voter_key for item in one + two]
    assert votes_per_key(stack, keys) == Counter(dict.fromkeys(counted, 1))
    after = round_totals(stack)
    assert after["valid"] - before["valid"] == 2 * LIMIT
    assert after["rate_limited"] - before["rate_limited"] == 2 * (tries - LIMIT)


def test_postgresql_outage_answers_503_writes_nothing_and_recovers_without_restart(stack, servers):
    pids = [server.process.pid for server in servers.servers]
    before = round_totals(stack)

    with Stream(stack, servers.ports, "utfall-pg") as stream:
        stream.wait_for(200, 40)
        stack.postgres.stop("fast")
        down = time.monotonic()
        time.sleep(3)
        starting = time.monotonic()
        stack.postgres.start()
        up = time.monotonic()
        stream.wait_for(200, 1, since=starting, timeout=5)
        stream.wait_for(200, 40, since=up + 1.5)
    answers = stream.answers

    assert Counter(a.status for a in answers).keys() <= {200, 503}, Counter(
        a.status for a in answers
    )
    during = [a for a in answers if a.sent >= down and a.done <= starting]
    assert len(during) >= 10
    assert {a.status for a in during} == {503}
    unavailable = [a for a in answers if a.status == 503]
    for answer in unavailable:
        assert '<html lang="nb">' in answer.body
        assert "Midlertidig utilgjengelig" in answer.body
        assert "Ingenting er registrert fra denne forespørselen" in answer.body
        assert answer.retry_after == "30"
    first_again = min(a.done for a in answers if a.status == 200 and a.sent >= starting)
    assert first_again - up < 3
    settled = [a for a in answers if a.sent >= up + 1.5]
    assert {a.status for a in settled} == {200}
    assert {a.port for a in settled} == set(servers.ports)
    assert servers.running()
    assert [server.process.pid for server in servers.servers] == pids

    counted = {a.ballot.voter_key for a in answers if a.status == 200}
    refused = {a.ballot.voter_key for a in unavailable}
    assert votes_per_key(stack, counted | refused) == Counter(dict.fromkeys(counted, 1))
    after = round_totals(stack)
    assert after["valid"] - before["valid"] == len(counted)
    assert "Database unavailable: OperationalError" in servers.stderr()


def test_redis_outage_keeps_counting_votes_and_logs_the_unapplied_limit(stack, servers):
    logged_before = [len(server.stderr()) for server in servers.servers]
    before = round_totals(stack)

    with Stream(stack, servers.ports, "utfall-redis") as stream:
        stream.wait_for(200, 30)
        stack.redis.stop()
        down = time.monotonic()
        stream.wait_for(200, 40, since=down)
        restarting = time.monotonic()
        stack.redis.start()
        stream.wait_for(200, 20, since=time.monotonic())
    answers = stream.answers

    assert {a.status for a in answers} == {200}
    during = [a for a in answers if a.sent >= down and a.done <= restarting]
    assert len(during) >= 40
    assert {a.port for a in during} == set(servers.ports)
    counted = {a.ballot.voter_key for a in answers}
    assert len(counted) == len(answers)
    assert votes_per_key(stack, counted) == Counter(dict.fromkeys(counted, 1))
    assert round_totals(stack)["valid"] - before["valid"] == len(answers)
    logged = "".join(
        server.stderr()[start:]
        for server, start in zip(servers.servers, logged_before, strict=True)
    )
    unapplied = r"Rate limit vote-confirm not applied, cache down: \w+"
    assert re.search(unapplied, logged), logged[-2000:]
    assert "example.no" not in logged
    assert stack.redis.client().dbsize() > 0
