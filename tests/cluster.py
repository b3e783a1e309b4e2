"""The one place the tests and the benchmark start what production runs: a
throwaway PostgreSQL cluster (initdb into a temporary folder), a Redis, an
SMTP server, app servers (gunicorn, or granian for the benchmark), the mail
worker and other manage.py commands, all on spare loopback ports, so a test
may stop any of them without disturbing the shared services. Everything
started here is stopped and removed by the ExitStack or the context it was
started in. tests/production.py builds the attack tests' stack from these
parts; bench/run.py builds the benchmark's."""

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
VENV_BIN = Path(sys.executable).parent
PG_BIN_DIRS = [Path("/usr/lib/postgresql/15/bin")]
# The secrets the app servers run with; the tests build confirmation links and
# voter keys with the same ones.
SECRET_KEY = "scale-out-test-secret-key-" + "s" * 40
VOTE_HASH_SECRET = "scale-out-test-vote-hash-secret-" + "h" * 40
# What production needs set to start, its services at addresses no test reaches.
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "x" * 60,
    "VOTE_HASH_SECRET": "y" * 60,
    "DJANGO_ALLOWED_HOSTS": "stem.imdi.no",
    "DATABASE_URL": "postgres://prizevote@db.example/prizevote",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_HOST": "smtp.example",
    "PUBLIC_BASE_URL": "https://stem.imdi.no",
}


def postgres_bin() -> Path | None:
    for folder in PG_BIN_DIRS:
        if (folder / "initdb").exists():
            return folder
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def missing_binaries() -> str:
    """Why the private stack cannot start here, or "" if it can."""
    if postgres_bin() is None:
        return "needs PostgreSQL's initdb (/usr/lib/postgresql/15/bin or on PATH)"
    if shutil.which("redis-server") is None:
        return "needs redis-server on PATH"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs runuser to start PostgreSQL as its own user"
    return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def run(command: list, *, env: dict | None = None, timeout: float = 60) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """manage.py in a process of its own with ``env`` over this one's
    environment, less the production variables and what the test settings add."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k not in ("ADMIN_REQUIRE_2FA", "TRUSTED_PROXY_COUNT")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def stop_process(process: subprocess.Popen, *, sig: int = signal.SIGTERM) -> None:
    """Stop a process started here in its own session, children included."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def start_process(
    command: list, *, env: dict[str, str], log: Path, cwd: Path = ROOT
) -> subprocess.Popen:
    """``command`` in the background, in a session of its own (stop_process
    stops it and its children), writing its output to ``log``."""
    with log.open("a") as out:
        return subprocess.Popen(
            [str(part) for part in command],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_manage(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """``manage.py *args`` in the background (start_process): the mail
    worker, the recovery loop, runserver."""
    return start_process([sys.executable, "manage.py", *args], env=env, log=log)


@dataclass
class Postgres:
    bin_dir: Path
    folder: Path
    port: int
    password: str
    as_owner: list[str]  # runs a command as the cluster's owner
    role: str = "prizevote"
    database: str = "prizevote"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgres://{self.role}:{self.password}@{HOST}:{self.port}/{self.database}"

    def ctl(self, *args: str) -> None:
        command = [*self.as_owner, self.bin_dir / "pg_ctl", "-D", self.data, "-w", "-t", "30"]
        run([*command, *args], timeout=40)

    def start(self) -> None:
        self.ctl("-l", str(self.folder / "postgres.log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("-m", mode, "stop")

    def shutdown(self) -> None:
        """Stop at once if running (also after a failed test that left it stopped)."""
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop("immediate")

    def psql(self, sql: str) -> None:
        command = [*self.as_owner, self.bin_dir / "psql", "-h", self.folder, "-p", self.port]
        run([*command, "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql])


def start_postgres(
    folder: Path,
    stack: contextlib.ExitStack,
    *,
    role: str = "prizevote",
    database: str = "prizevote",
    durable: bool = False,
) -> Postgres:
    """A cluster in ``folder`` whose ``role`` owns ``database``, stopped when
    ``stack`` closes. ``durable``: PostgreSQL's stock settings, as the
    benchmark measures; otherwise speed over durability, for the tests."""
    bin_dir = postgres_bin()
    assert bin_dir is not None, missing_binaries()
    as_owner: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: the cluster belongs to "postgres".
        as_owner = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    cluster = Postgres(
        bin_dir, folder, free_port(), secrets.token_hex(16), as_owner, role, database
    )
    run(
        [
            *as_owner,
            bin_dir / "initdb",
            "-D",
            cluster.data,
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            # The owner through the cluster's own socket only; TCP needs a password.
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ],
    )
    settings = {
        "port": cluster.port,
        "listen_addresses": f"'{HOST}'",
        "unix_socket_directories": f"'{folder}'",
    }
    if not durable:
        # Speed over durability: the cluster lives for one test run.
        settings |= {
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "32MB",
            "max_connections": "40",
            "autovacuum": "off",
        }
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
    cluster.start()
    stack.callback(cluster.shutdown)
    cluster.psql(f"CREATE ROLE {role} LOGIN PASSWORD '{cluster.password}'")
    cluster.psql(f"CREATE DATABASE {database} OWNER {role}")
    return cluster


@dataclass
class Redis:
    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def start(self) -> None:
        self.process = start_process(
            [
                *("redis-server", "--port", str(self.port), "--bind", HOST),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            env=dict(os.environ),
            log=self.folder / "redis.log",
            cwd=self.folder,
        )
        deadline = time.monotonic() + 10
        while True:
            assert self.process.poll() is None, (self.folder / "redis.log").read_text()
            with contextlib.suppress(redis.RedisError):
                if self.client().ping():
                    return
            assert time.monotonic() < deadline, "Redis did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


def start_redis(folder: Path, stack: contextlib.ExitStack) -> Redis:
    server = Redis(folder, free_port())
    server.start()
    stack.callback(server.stop)
    return server


def start_smtp(handler, stack: contextlib.ExitStack) -> int:
    """A real SMTP server (aiosmtpd) on a spare loopback port, delivering to
    ``handler``; its port."""
    from aiosmtpd.controller import Controller

    smtp = Controller(handler, hostname=HOST, port=free_port())
    smtp.start()
    stack.callback(smtp.stop)
    return smtp.port


def server_env(postgres: Postgres, redis_server: Redis, **overrides: str) -> dict[str, str]:
    """Production settings (tests/server_settings.py) on the private services."""
    keep = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO", "RATELIMIT", "DATABASE", "REDIS", "DB_", "TASKS"))
    }
    return {
        **keep,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "VOTE_HASH_SECRET": VOTE_HASH_SECRET,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis_server.url,
        "EMAIL_HOST": "mail.invalid",
        "PUBLIC_BASE_URL": "https://stem.example.no",
        # No worker runs here: tasks (confirmation e-mails) run in the request,
        # to the e-mail backend of server_settings that sends nothing.
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "SECURE_SSL_REDIRECT": "0",
        "TRUSTED_PROXY_COUNT": "0",
        "LOG_LEVEL": "INFO",
        **overrides,
    }


def prepare_database(env: dict[str, str]) -> dict:
    """Migrate the schema and create a round with voting open and six nominees;
    the ids of the round and its nominations, and the nominations' paths."""
    run([sys.executable, "manage.py", "migrate", "--noinput"], env=env, timeout=120)
    script = """
import json
from tests.factories import make_nomination, make_round
prize_round = make_round(year=2030)
names = ["Asker", "Bodø", "Drammen", "Hamar", "Molde", "Tromsø"]
nominations = [make_nomination(prize_round=prize_round, name=name) for name in names]
print(json.dumps({
    "round": prize_round.pk,
    "nominations": [n.pk for n in nominations],
    "paths": [n.get_absolute_url() for n in nominations],
}))
"""
    output = run([sys.executable, "manage.py", "shell", "-c", script], env=env)
    return json.loads(output.strip().splitlines()[-1])


@dataclass
class Services:
    folder: Path
    postgres: Postgres
    redis: Redis
    env: dict[str, str]
    round_id: int
    nomination_ids: list[int]
    nomination_paths: list[str]


def start_services(
    stack: contextlib.ExitStack, *, inbox: object | None = None, **overrides: str
) -> Services:
    """What the app servers and workers run on, stopped and removed when
    ``stack`` closes: a temporary folder, PostgreSQL and Redis, and with an
    ``inbox`` (an aiosmtpd handler) an SMTP server delivering to it, which the
    production e-mail back end sends to; the database prepared
    (prepare_database), and the servers' environment (server_env, with
    ``overrides``)."""
    folder = stack.enter_context(temporary_folder())
    postgres = start_postgres(folder, stack)
    redis_server = start_redis(folder, stack)
    if inbox is not None:
        overrides = {
            "DJANGO_SETTINGS_MODULE": "tests.smtp_server_settings",
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(start_smtp(inbox, stack)),
            "EMAIL_USE_TLS": "0",
            **overrides,
        }
    env = server_env(postgres, redis_server, **overrides)
    ids = prepare_database(env)
    return Services(
        folder, postgres, redis_server, env, ids["round"], ids["nominations"], ids["paths"]
    )


@dataclass
class AppServer:
    port: int
    process: subprocess.Popen
    log: Path

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class AppServers:
    servers: list[AppServer] = field(default_factory=list)

    @property
    def ports(self) -> list[int]:
        return [server.port for server in self.servers]

    def running(self) -> bool:
        return all(server.process.poll() is None for server in self.servers)

    def stderr(self) -> str:
        return "\n".join(server.stderr() for server in self.servers)


def answers(port: int) -> bool:
    import http.client

    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/nb/personvern/")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def server_command(server: str, port: int, workers: int, extra_args: tuple[str, ...]) -> list:
    """The app (config.wsgi) under ``server``, gunicorn (sync workers) or
    granian (WSGI), on HOST:port with ``workers`` processes."""
    if server == "gunicorn":
        return [
            *(VENV_BIN / "gunicorn", "config.wsgi:application"),
            *("--bind", f"{HOST}:{port}", "--workers", str(workers)),
            *("--worker-class", "sync", "--backlog", "2048"),
            *extra_args,
        ]
    assert server == "granian", server
    return [
        *(VENV_BIN / "granian", "--interface", "wsgi", "--host", HOST, "--port", str(port)),
        *("--workers", str(workers), "--blocking-threads", "1", "--backlog", "2048"),
        *extra_args,
        "config.wsgi:application",
    ]


@contextlib.contextmanager
def app_servers(
    env: dict[str, str],
    folder: Path,
    *,
    count: int = 2,
    workers: int = 2,
    server: str = "gunicorn",
    timeout: int | None = 20,
    extra_args: tuple[str, ...] = (),
) -> Iterator[AppServers]:
    """``count`` app servers with ``workers`` workers each, their output in
    files under ``folder``, answering once this is entered; stopped on leaving.
    ``timeout``: gunicorn's worker timeout, or None for the server's own."""
    if timeout is not None:
        assert server == "gunicorn", server
        extra_args = ("--timeout", str(timeout), *extra_args)
    started = AppServers()
    try:
        for _ in range(count):
            port = free_port()
            log = folder / f"{server}-{port}.log"
            process = start_process(
                server_command(server, port, workers, extra_args), env=env, log=log
            )
            started.servers.append(AppServer(port, process, log))
        deadline = time.monotonic() + 60
        for started_server in started.servers:
            while not answers(started_server.port):
                assert started_server.process.poll() is None, started_server.stderr()
                assert time.monotonic() < deadline, (
                    f"no answer on {started_server.port}\n{started_server.stderr()}"
                )
                time.sleep(0.1)
        yield started
    finally:
        for started_server in started.servers:
            stop_process(started_server.process)


@contextlib.contextmanager
def temporary_folder(prefix: str = "prizevote-scale-") -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
