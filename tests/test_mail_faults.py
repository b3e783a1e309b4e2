"""No confirmation e-mail is lost to a mail server that stops answering or to
a worker that is killed or stopped twice during a send.

The first tests run in this process, on the suite's database. The rest start
what production runs: a real SMTP server (aiosmtpd) that can be told to stop
answering one recipient at RCPT or after it has taken the message at DATA, a
private PostgreSQL (tests/cluster.py), the real worker (`manage.py db_worker`,
production settings, EMAIL_TIMEOUT of 2 s) and the recovery loop the
docker-compose `recover` service runs (`manage.py recover_stuck_emails
--every`, with attempts taken for dead after 10 s). The e-mails are requested
through the vote's own view, and the tests kill, stop and restart workers and
count what the server received and what the queue holds.

Retries wait their back-off (a minute after a first attempt); the tests check
the time each retry was given, then move it to now instead of waiting."""

import asyncio
import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests import cluster, compose
from tests.compose import needs_compose
from tests.factories import request_vote, run_worker
from tests.failing import FAILING, FailingEmailBackend
from voting import mail as voting_mail
from voting.models import GivenUpEmail

EMAIL_TIMEOUT = 2
STUCK_AFTER = 10
# Generous: two cores shared by several people; nothing here waits this long
# unless something is wrong.
PATIENCE = 60
TABLE = "django_tasks_database_dbtaskresult"
SEND_TASK = "voting.mail.send_confirmation"


# In this process: the timeout is a failed attempt, and the recovery itself.


def production_settings(**variables: str) -> str:
    """EMAIL_TIMEOUT, CONFIRMATION_EMAIL_STUCK_AFTER and EMAIL_BACKEND of the
    production settings with ``variables`` set, or the error they raise."""
    unset = ("EMAIL_TIMEOUT", "CONFIRMATION_EMAIL_STUCK_AFTER")
    environment = {name: value for name, value in os.environ.items() if name not in unset}
    script = (
        "import config.settings as s; "
        "print(s.EMAIL_TIMEOUT, s.CONFIRMATION_EMAIL_STUCK_AFTER, s.EMAIL_BACKEND)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cluster.ROOT,
        env={**environment, **cluster.PRODUCTION_ENV, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return (done.stdout + done.stderr).strip().splitlines()[-1]


def test_production_waits_20_seconds_for_the_mail_server_unless_told_otherwise():
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    assert production_settings() == f"20 200 {smtp}"
    assert production_settings(EMAIL_TIMEOUT="5") == f"5 50 {smtp}"
    assert production_settings(EMAIL_TIMEOUT="5", CONFIRMATION_EMAIL_STUCK_AFTER="") == (
        f"5 50 {smtp}"
    )
    assert production_settings(EMAIL_TIMEOUT="5", CONFIRMATION_EMAIL_STUCK_AFTER="90") == (
        f"5 90 {smtp}"
    )
    refused = production_settings(EMAIL_TIMEOUT="30", CONFIRMATION_EMAIL_STUCK_AFTER="30")
    assert "CONFIRMATION_EMAIL_STUCK_AFTER must be longer than EMAIL_TIMEOUT" in refused


class SilentServer:
    """A mail server that accepts connections and never says a word, until
    ``hang_up``."""

    def __init__(self) -> None:
        self.listener = socket.create_server((cluster.HOST, 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.held.append(self.listener.accept()[0])

    def hang_up(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.hang_up()


@pytest.mark.django_db
def test_a_mail_server_that_never_answers_fails_the_attempt_after_the_timeout_and_it_is_retried(
    client, queued, settings, silent_server
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = cluster.HOST
    settings.EMAIL_PORT = silent_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 1
    request_vote(client=client, nomination=queued)
    # Without a timeout the worker would wait for ever: hang up on it then.
    watchdog = threading.Timer(30, silent_server.hang_up)
    watchdog.start()

    started = time.monotonic()
    run_worker()
    took = time.monotonic() - started
    watchdog.cancel()

    assert 1 <= took < 20  # the timeout, not the watchdog's hang-up
    failed = DBTaskResult.objects.get(status="FAILED")
    # smtplib reports the greeting that never came as SMTPServerDisconnected
    # ("timed out"): an OSError, caught like every other failed send.
    assert "SMTPServerDisconnected" in failed.traceback
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert not voting_mail.holds_secrets(failed)


def stuck(*, attempt: int = 1, started_ago: float) -> DBTaskResult:
    """A send attempt as django-tasks-db leaves it when its worker is killed:
    running, with its sealed copies."""
    row = DBTaskResult.objects.get(status="READY")
    kwargs = {**row.args_kwargs["kwargs"], "attempt": attempt}
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING",
        started_at=timezone.now() - timedelta(seconds=started_ago),
        args_kwargs={**row.args_kwargs, "kwargs": kwargs},
        worker_ids=["killed"],
    )
    return DBTaskResult.objects.get(pk=row.pk)


@pytest.mark.django_db
def test_an_attempt_running_past_the_limit_is_retried_once_with_the_back_off(
    client, queued, settings, caplog
):
    settings.CONFIRMATION_EMAIL_STUCK_AFTER = 200
    request_vote(client=client, nomination=queued)
    killed = stuck(attempt=3, started_ago=201)

    assert voting_mail.recover_stuck_sends() == 1
    assert voting_mail.recover_stuck_sends() == 0  # nothing left to do

    abandoned = DBTaskResult.objects.get(pk=killed.pk)
    assert abandoned.status == "FAILED"
    assert abandoned.exception_class_path == "voting.mail.AttemptAbandoned"
    assert not voting_mail.holds_secrets(abandoned)
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 4
    assert (
        retry.args_kwargs["kwargs"]["sealed_address"]
        == (killed.args_kwargs["kwargs"]["sealed_address"])
    )
    assert retry.run_after == killed.started_at + voting_mail.retry_delay(3)
    assert "kari.nordmann" not in caplog.text


@pytest.mark.django_db
def test_an_attempt_running_for_less_than_the_limit_is_left_to_its_worker(client, queued, settings):
    settings.CONFIRMATION_EMAIL_STUCK_AFTER = 200
    request_vote(client=client, nomination=queued)
    running = stuck(started_ago=150)

    assert voting_mail.recover_stuck_sends() == 0

    assert DBTaskResult.objects.get(pk=running.pk).status == "RUNNING"
    assert voting_mail.holds_secrets(DBTaskResult.objects.get(pk=running.pk))
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_a_stuck_last_attempt_is_given_up_for_staff_to_retry_and_erased_from_its_task(
    client, queued, settings, caplog
):
    settings.CONFIRMATION_EMAIL_STUCK_AFTER = 200
    settings.CONFIRMATION_EMAIL_MAX_ATTEMPTS = 3
    request_vote(client=client, nomination=queued)
    killed = stuck(attempt=3, started_ago=300)

    assert voting_mail.recover_stuck_sends() == 1

    sends = DBTaskResult.objects.filter(task_path=voting_mail.send_confirmation.module_path)
    assert sends.get().status == "FAILED"
    assert not voting_mail.holds_secrets(DBTaskResult.objects.get(pk=killed.pk))
    assert "attempt 3, no retry" in caplog.text
    # Given up as a worker's own last failure is: sealed, for staff to send
    # again while the link works (voting.mail.retry_given_up).
    given_up = GivenUpEmail.objects.get()
    assert (given_up.attempts, given_up.last_error) == (3, "worker stopped")
    assert voting_mail.queue_status().retryable == 1


class TakenOverBackend(FailingEmailBackend):
    """A send that fails only after recover_stuck_sends has taken it over."""

    def send_messages(self, messages):
        time.sleep(0.01)  # so the attempt has started before the cut-off
        assert voting_mail.recover_stuck_sends() == 1
        return super().send_messages(messages)


@pytest.mark.django_db
def test_an_attempt_taken_over_while_its_worker_was_slow_is_not_retried_twice(
    client, queued, settings
):
    """The worker was only slow: recovery has already queued the retry when
    its send fails, so it queues none of its own."""
    settings.CONFIRMATION_EMAIL_STUCK_AFTER = 0
    settings.EMAIL_BACKEND = "tests.test_mail_faults.TakenOverBackend"
    request_vote(client=client, nomination=queued)

    run_worker()

    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    failed = DBTaskResult.objects.get(status="FAILED")
    assert not voting_mail.holds_secrets(failed)


@pytest.mark.django_db
def test_a_send_failed_by_its_workers_interruption_is_retried_and_then_erased(
    client, queued, settings
):
    settings.EMAIL_BACKEND = FAILING
    request_vote(client=client, nomination=queued)

    with pytest.MonkeyPatch.context() as patch:
        # The worker's second SIGTERM, as db_worker raises it in the send.
        patch.setattr(FailingEmailBackend, "send_messages", lambda self, m: sys.exit(1))
        run_worker()
    interrupted = DBTaskResult.objects.get()
    assert interrupted.status == "FAILED"
    assert interrupted.exception_class_path == "builtins.SystemExit"
    assert not DBTaskResult.objects.filter(status="READY").exists()

    assert voting_mail.recover_stuck_sends() == 1
    assert voting_mail.recover_stuck_sends() == 0

    assert not voting_mail.holds_secrets(DBTaskResult.objects.get(pk=interrupted.pk))
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after == interrupted.finished_at + voting_mail.retry_delay(1)


@needs_compose
def test_docker_compose_runs_the_recovery_every_minute_beside_the_worker():
    services = compose.services(EMAIL_TIMEOUT="7", CONFIRMATION_EMAIL_STUCK_AFTER="70")
    recover, worker = services["recover"], services["worker"]
    command = recover["command"]

    assert recover["environment"] == worker["environment"]
    assert "python manage.py recover_stuck_emails --every 60" in command
    assert recover["restart"] == "unless-stopped"
    syntax = subprocess.run(["sh", "-n", "-c", command.strip().removeprefix("sh -c ").strip('"')])
    assert syntax.returncode == 0
    # A stopped worker gets longer than one SMTP timeout to finish its send.
    assert worker["stop_grace_period"] == "30s"
    timeouts = ("EMAIL_TIMEOUT", "CONFIRMATION_EMAIL_STUCK_AFTER")
    assert [worker["environment"][name] for name in timeouts] == ["7", "70"]
    # Unset in .env, empty: the settings' own defaults.
    unset = compose.services()["worker"]["environment"]
    assert [unset[name] for name in timeouts] == ["", ""]


# A real SMTP server, a real worker, a private PostgreSQL.


class StallingInbox:
    """aiosmtpd handler: keeps each message it is given, and can be told to
    stop answering a recipient at RCPT, or at DATA after it has taken the
    message (as a server that dies before saying "250 OK")."""

    def __init__(self) -> None:
        self.messages: list[str] = []  # the envelope recipient of each message
        self.stalls: dict[str, str] = {}
        self.stalled: dict[str, threading.Event] = defaultdict(threading.Event)
        self.lock = threading.Lock()

    def stall(self, address: str, stage: str) -> None:
        self.stalled[address].clear()
        self.stalls[address] = stage

    def answer(self, address: str) -> None:
        self.stalls.pop(address, None)

    def reset(self) -> None:
        self.stalls.clear()
        with self.lock:
            self.messages.clear()

    def received(self) -> Counter:
        with self.lock:
            return Counter(self.messages)

    async def wait_if_stalled(self, stage: str, addresses: list[str]) -> None:
        for address in addresses:
            if self.stalls.get(address) == stage:
                self.stalled[address].set()
            while self.stalls.get(address) == stage:
                await asyncio.sleep(0.05)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        await self.wait_if_stalled("RCPT", [address])
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert "/stem/bekreft/" in message.get_content()
        with self.lock:
            self.messages.extend(envelope.rcpt_tos)
        await self.wait_if_stalled("DATA", envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def signal(self, number: int) -> None:
        os.killpg(self.process.pid, number)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Stack:
    postgres: cluster.Postgres
    env: dict[str, str]
    folder: Path
    inbox: StallingInbox
    nomination_ids: list[int]
    workers: list[Worker] = field(default_factory=list)

    def start_worker(self) -> Worker:
        log = self.folder / f"worker-{len(self.workers)}.log"
        process = cluster.start_manage("db_worker", "--interval", "0.2", env=self.env, log=log)
        worker = Worker(process, log)
        self.workers.append(worker)
        return worker

    def request(self, *addresses: str) -> None:
        """Each address asks for a vote, on a nominee of its own, in this order,
        through the vote's own view."""
        pairs = list(zip(self.nomination_ids, addresses, strict=False))
        script = f"""
from django.test import Client
from django.urls import reverse
from nominees.models import Nomination
client = Client(HTTP_HOST="{cluster.HOST}")
for pk, address in {pairs!r}:
    nomination = Nomination.objects.select_related("round", "municipality").get(pk=pk)
    url = reverse("voting:request", args=[nomination.round.year, nomination.municipality.slug])
    assert client.post(url, {{"email": address}}).status_code == 302
print("requested")
"""
        output = cluster.run([sys.executable, "manage.py", "shell", "-c", script], env=self.env)
        assert output.strip().endswith("requested")

    def nomination_of(self, address_index: int) -> int:
        return self.nomination_ids[address_index]

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        url = self.postgres.url.replace("postgres://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as db:
            rows = db.execute(query, params)
            return rows.fetchall() if rows.description else []

    def attempts(self, address_index: int) -> list[tuple]:
        """(attempt, status, exception, started, finished, run_after) of one
        address's e-mail, oldest attempt first."""
        return self.sql(
            f"SELECT (args_kwargs->'kwargs'->>'attempt')::int, status, exception_class_path,"
            f" started_at, finished_at, run_after FROM {TABLE}"
            " WHERE (args_kwargs->'kwargs'->>'nomination_id')::int = %s ORDER BY 1",
            (self.nomination_of(address_index),),
        )

    def count(self, where: str) -> int:
        return self.sql(f"SELECT count(*) FROM {TABLE} WHERE {where}")[0][0]

    def idle(self) -> bool:
        """Nothing waiting, nothing running."""
        return self.count("status IN ('READY', 'RUNNING')") == 0

    def holding_secrets(self) -> int:
        return self.count(
            "args_kwargs->'kwargs' ?| array['sealed_address', 'sealed_confirm_url', 'confirm_url']"
        )

    def bring_retries_forward(self) -> list[tuple]:
        """Move every waiting retry to now; (attempt, run_after it had) of each."""
        return self.sql(
            f"WITH moved AS (SELECT id, run_after FROM {TABLE}"
            "  WHERE status = 'READY' AND run_after > now() AND run_after < '9000-01-01')"
            f" UPDATE {TABLE} SET run_after = now() FROM moved WHERE {TABLE}.id = moved.id"
            f" RETURNING (args_kwargs->'kwargs'->>'nomination_id')::int,"
            "  (args_kwargs->'kwargs'->>'attempt')::int, moved.run_after"
        )

    def wait_for(self, condition, what: str, *, retries_forward: bool = False) -> list[tuple]:
        """Wait until ``condition()``; with ``retries_forward`` run each retry
        as soon as it is queued. The retries moved, as bring_retries_forward."""
        moved: list[tuple] = []
        deadline = time.monotonic() + PATIENCE
        while not condition():
            if time.monotonic() > deadline:
                logs = "\n".join(worker.output()[-3000:] for worker in self.workers)
                pytest.fail(f"{what} within {PATIENCE} s; queue: {self.queue()}\n{logs}")
            if retries_forward:
                moved += self.bring_retries_forward()
            time.sleep(0.2)
        return moved

    def queue(self) -> list[tuple]:
        return self.sql(
            f"SELECT args_kwargs->'kwargs'->>'nomination_id', args_kwargs->'kwargs'->>'attempt',"
            f" status, exception_class_path FROM {TABLE} ORDER BY enqueued_at"
        )


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if cluster.missing_binaries():
        pytest.skip(cluster.missing_binaries())
    with contextlib.ExitStack() as exits:
        inbox = StallingInbox()
        services = cluster.start_services(
            exits,
            inbox=inbox,
            TASKS_BACKEND="django_tasks_db.DatabaseBackend",
            EMAIL_TIMEOUT=str(EMAIL_TIMEOUT),
            CONFIRMATION_EMAIL_STUCK_AFTER=str(STUCK_AFTER),
            RATELIMIT_VOTE_REQUEST="1000/h",
        )
        exits.callback(inbox.reset)  # lets every stalled session end first
        recovery = cluster.start_manage(
            "recover_stuck_emails",
            "--every",
            "0.5",
            env=services.env,
            log=services.folder / "recover.log",
        )
        exits.callback(cluster.stop_process, recovery)
        yield Stack(
            services.postgres, services.env, services.folder, inbox, services.nomination_ids
        )


@pytest.fixture
def faults(stack) -> Iterator[Stack]:
    """The stack with an empty queue and inbox; the test's workers are
    stopped after it."""
    stack.sql(f"DELETE FROM {TABLE}")
    stack.inbox.reset()
    yield stack
    stack.inbox.reset()
    for worker in stack.workers:
        cluster.stop_process(worker.process, sig=signal.SIGKILL)
    stack.workers.clear()


def addresses(count: int) -> list[str]:
    tag = uuid.uuid4().hex[:8]
    return [f"velger-{tag}-{n}@example.no" for n in range(count)]


def assert_nothing_left(stack: Stack) -> None:
    assert stack.idle(), stack.queue()
    assert stack.holding_secrets() == 0, stack.queue()


@pytest.mark.parametrize(("stage", "copies"), [("RCPT", 1), ("DATA", 2)])
def test_a_worker_killed_during_a_send_is_retried_after_a_restart_and_nothing_is_lost(
    faults, stage, copies
):
    """SIGKILL (as `docker compose stop` sends after its grace period) at RCPT,
    before the server has the message, or after DATA, when it has it but has
    not said so: one copy, or two, and never none."""
    voter, second, third = addresses(3)
    faults.inbox.stall(voter, stage)
    worker = faults.start_worker()
    faults.request(voter, second, third)
    assert faults.inbox.stalled[voter].wait(PATIENCE), worker.output()

    worker.signal(signal.SIGKILL)
    worker.process.wait(PATIENCE)
    assert [row[1] for row in faults.attempts(0)] == ["RUNNING"]
    faults.inbox.answer(voter)
    faults.start_worker()
    everyone = {voter, second, third}
    moved = faults.wait_for(
        lambda: set(faults.inbox.received()) == everyone and faults.idle(),
        "every e-mail delivered",
        retries_forward=True,
    )

    assert faults.inbox.received() == Counter({voter: copies, second: 1, third: 1})
    (first, status, error, started, _, _), retry = faults.attempts(0)
    assert (first, status, error) == (1, "FAILED", "voting.mail.AttemptAbandoned")
    assert retry[:2] == (2, "SUCCESSFUL")
    # Given the back-off of a failed first attempt, from when it started.
    assert [(attempt, run_after) for _, attempt, run_after in moved] == [
        (2, started + voting_mail.retry_delay(1))
    ]
    assert_nothing_left(faults)


def test_a_worker_stopped_twice_during_a_send_leaves_the_mail_to_be_retried(faults):
    """Two SIGTERMs: django-tasks-db stops the send and records it as failed,
    and the library would never try it again."""
    voter, second = addresses(2)
    faults.inbox.stall(voter, "RCPT")
    worker = faults.start_worker()
    faults.request(voter, second)
    assert faults.inbox.stalled[voter].wait(PATIENCE), worker.output()

    worker.signal(signal.SIGTERM)
    faults.wait_for(lambda: "shutting down gracefully" in worker.output(), "first SIGTERM seen")
    worker.signal(signal.SIGTERM)
    worker.process.wait(PATIENCE)
    assert faults.attempts(0)[0][1:3] == ("FAILED", "builtins.SystemExit")
    faults.inbox.answer(voter)
    faults.start_worker()
    faults.wait_for(
        lambda: set(faults.inbox.received()) == {voter, second} and faults.idle(),
        "both e-mails delivered",
        retries_forward=True,
    )

    assert faults.inbox.received() == Counter({voter: 1, second: 1})
    assert [row[:3] for row in faults.attempts(0)] == [
        (1, "FAILED", "builtins.SystemExit"),
        (2, "SUCCESSFUL", ""),
    ]
    assert_nothing_left(faults)


def test_a_mail_server_that_stops_answering_holds_up_one_attempt_for_the_timeout_only(faults):
    """The server takes the connection and never answers the first voter's
    RCPT: that attempt fails after EMAIL_TIMEOUT, the next voter's e-mail goes
    out meanwhile, and the first is delivered by its retry once the server
    answers again."""
    voter, second = addresses(2)
    faults.inbox.stall(voter, "RCPT")
    worker = faults.start_worker()
    faults.request(voter, second)
    assert faults.inbox.stalled[voter].wait(PATIENCE), worker.output()

    faults.wait_for(lambda: second in faults.inbox.received(), "the next e-mail delivered")
    assert voter not in faults.inbox.received()
    (attempt, status, error, started, finished, _), retry = faults.attempts(0)
    assert (attempt, status, error) == (1, "FAILED", "voting.mail.MailNotSent")
    assert EMAIL_TIMEOUT <= (finished - started).total_seconds() < STUCK_AFTER
    assert retry[:2] == (2, "READY")
    # The back-off of a failed first attempt, from when it failed.
    assert abs(retry[5] - (finished + voting_mail.retry_delay(1))) < timedelta(seconds=5)

    faults.inbox.answer(voter)
    faults.wait_for(
        lambda: voter in faults.inbox.received() and faults.idle(),
        "the retry delivered",
        retries_forward=True,
    )

    assert faults.inbox.received() == Counter({voter: 1, second: 1})
    assert [row[:2] for row in faults.attempts(0)] == [(1, "FAILED"), (2, "SUCCESSFUL")]
    assert worker.process.poll() is None  # the same worker throughout
    assert_nothing_left(faults)
